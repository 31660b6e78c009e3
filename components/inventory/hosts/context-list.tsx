// The Contexts list: each Docker endpoint, the host it goes through, what it is used for, and its last test.
import Link from "next/link";
import { Table, THead, TBody, Th, RowTh, Td, Sub, Mono } from "@/components/ui/table";
import { Timestamp } from "@/components/ui/timestamp";
import { Badge } from "@/components/ui/badge";
import { CheckButton } from "@/components/ui/forms/check-button";
import { contextRoleLabels } from "@/components/inventory/hosts/context-labels";
import type { CheckOutcome, FormAction, ResultState } from "@/components/ui/forms/result-state";
import type { ContextRow } from "@/lib/queries/inventory-hosts";

export function ContextList({ contexts, now, testAction }: { contexts: ContextRow[]; now: Date; /** for operators and admins */ testAction?: FormAction<ResultState<CheckOutcome>> }) {
  return (
    <Table caption="Docker contexts, by name">
      <THead>
        <tr>
          <Th>Context</Th>
          <Th>Endpoint and host</Th>
          <Th>Used for</Th>
          <Th className="text-right">Targets</Th>
          <Th>Last test</Th>
          {testAction ? (
            <Th>
              <span className="sr-only">Test</span>
            </Th>
          ) : null}
        </tr>
      </THead>
      <TBody>
        {contexts.map((c) => (
          <tr key={c.id}>
            <RowTh className="whitespace-nowrap">
              <Link href={`/contexts/${c.id}`} className="link">
                {c.name}
              </Link>
            </RowTh>
            <Td>
              <Mono className="[overflow-wrap:anywhere]">{c.endpoint}</Mono>
              <Sub>
                {c.host ? (
                  <>
                    on host{" "}
                    <Link href={`/hosts/${c.host.id}`} className="link">
                      {c.host.name}
                    </Link>
                  </>
                ) : c.endpoint.startsWith("unix://") ? (
                  "local socket of the worker's machine"
                ) : (
                  <Badge tone="amber" title="An ssh:// endpoint must name a registered host">
                    host not registered
                  </Badge>
                )}
              </Sub>
            </Td>
            <Td>
              {contextRoleLabels[c.role]}
              <Sub>
                <Mono small className="text-zinc-600 dark:text-zinc-400">
                  {c.archs.join(", ")}
                </Mono>
                {c.role !== "swarm_manager" ? ` · ${c.maxConcurrentBuilds} builds at once` : null}
              </Sub>
            </Td>
            <Td className="text-right tabular-nums">{c.targets}</Td>
            <Td className="w-60">
              {c.lastCheckedAt && c.lastCheck ? (
                <div className="max-w-80">
                  <div className="flex flex-wrap items-center gap-2">
                    <Badge tone={c.lastCheck.ok ? "emerald" : "red"}>{c.lastCheck.ok ? "reachable" : "failed"}</Badge>
                    <Timestamp date={c.lastCheckedAt} now={now} relative className="text-xs text-zinc-500 dark:text-zinc-400" />
                  </div>
                  <Sub className="line-clamp-3 text-pretty">{c.lastCheck.message}</Sub>
                </div>
              ) : (
                <span className="text-zinc-400">never</span>
              )}
            </Td>
            {testAction ? (
              <Td className="w-px">
                <CheckButton action={testAction} values={{ context_id: c.id }} label="Test" ariaLabel={`Test docker context ${c.name}`} errorsOnly />
              </Td>
            ) : null}
          </tr>
        ))}
      </TBody>
    </Table>
  );
}
