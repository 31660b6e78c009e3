// The Repositories list: what Slipway watches, how, and how many build rules each has. Each name opens the
// repository's page (its build rules, deployment rules and targets).
import Link from "next/link";
import { Table, THead, TBody, Th, RowTh, Td, Sub, Mono } from "@/components/ui/table";
import { Timestamp } from "@/components/ui/timestamp";
import { Badge } from "@/components/ui/badge";
import type { RepositoryListRow } from "@/lib/queries/repositories";
import { durationText } from "@/components/inventory/repos/words";

export function RepositoryList({ repositories, now }: { repositories: RepositoryListRow[]; now: Date }) {
  return (
    <Table caption="Repositories, by name">
      <THead>
        <tr>
          <Th>Repository</Th>
          <Th>App</Th>
          <Th>Default branch</Th>
          <Th className="text-right">Build rules</Th>
          <Th>Changes seen by</Th>
          <Th>Status</Th>
        </tr>
      </THead>
      <TBody>
        {repositories.map((r) => (
          <tr key={r.id}>
            <RowTh>
              <Link href={`/repositories/${r.id}`} className="link">
                {r.name}
              </Link>
              <Sub className="max-w-64 truncate font-normal">
                <span title={r.url}>{r.url}</span>
              </Sub>
              {r.enabled && r.lastPollError ? (
                <p className="mt-1 max-w-md text-pretty text-xs font-normal text-red-700 dark:text-red-300">{r.lastPollError}</p>
              ) : null}
            </RowTh>
            <Td>{r.app ?? <span className="text-zinc-400">none</span>}</Td>
            <Td>
              <Mono>{r.defaultBranch}</Mono>
            </Td>
            <Td className="text-right tabular-nums">{r.buildRules}</Td>
            <Td className="whitespace-nowrap">
              {r.provider === "github" ? "GitHub webhooks" : `polling every ${durationText(r.pollIntervalSeconds)}`}
              {r.provider !== "github" ? (
                <Sub>
                  {r.lastPolledAt ? (
                    <>
                      last poll <Timestamp date={r.lastPolledAt} now={now} relative />
                    </>
                  ) : (
                    "not polled yet"
                  )}
                </Sub>
              ) : null}
            </Td>
            <Td>
              {!r.enabled ? (
                <Badge tone="zinc">Disabled</Badge>
              ) : r.lastPollError ? (
                <Badge tone="red" title={r.lastPollError}>
                  Poll failing
                </Badge>
              ) : (
                <Badge tone="emerald">Watching</Badge>
              )}
            </Td>
          </tr>
        ))}
      </TBody>
    </Table>
  );
}
