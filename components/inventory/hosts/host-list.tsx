// The Hosts list: SSH machines, how Slipway reaches them, whether their host keys are pinned, and the last
// connection test. Each name opens the host's page (keys, test, edit).
import Link from "next/link";
import { Table, THead, TBody, Th, RowTh, Td, Sub, Mono } from "@/components/ui/table";
import { Timestamp } from "@/components/ui/timestamp";
import { Badge } from "@/components/ui/badge";
import { hostCheckTone } from "@/components/inventory/hosts/host-tone";
import type { HostListRow } from "@/lib/queries/hosts";

const toneBadge = { ok: "emerald", warning: "amber", error: "red" } as const;
const toneWord = { ok: "connected", warning: "needs attention", error: "failed" } as const;

export function HostList({ hosts, now }: { hosts: HostListRow[]; now: Date }) {
  return (
    <Table caption="Hosts, by name">
      <THead>
        <tr>
          <Th>Host</Th>
          <Th>Address</Th>
          <Th className="text-right">Port</Th>
          <Th>User</Th>
          <Th>Pinned host keys</Th>
          <Th className="text-right">Contexts</Th>
          <Th className="text-right">Targets</Th>
          <Th>Last test</Th>
        </tr>
      </THead>
      <TBody>
        {hosts.map((h) => {
          const tone = hostCheckTone(h.lastCheckResult);
          return (
            <tr key={h.id}>
              <RowTh>
                <Link href={`/hosts/${h.id}`} className="link">
                  {h.name}
                </Link>
              </RowTh>
              <Td>
                <Mono>{h.address}</Mono>
              </Td>
              <Td className="text-right tabular-nums">{h.port}</Td>
              <Td>
                <Mono>{h.user}</Mono>
              </Td>
              <Td>
                {h.pinnedKeys > 0 ? (
                  <Badge tone="emerald">
                    {h.pinnedKeys} key{h.pinnedKeys === 1 ? "" : "s"}
                  </Badge>
                ) : (
                  <Badge tone="amber" title="Slipway refuses to connect to a host until an admin accepts its host key">
                    none: not usable yet
                  </Badge>
                )}
              </Td>
              <Td className="text-right tabular-nums">{h.dockerContexts}</Td>
              <Td className="text-right tabular-nums">{h.targets}</Td>
              <Td>
                {h.lastCheckedAt ? (
                  <div className="max-w-72">
                    <div className="flex flex-wrap items-center gap-2">
                      <Badge tone={toneBadge[tone]}>{toneWord[tone]}</Badge>
                      <Timestamp date={h.lastCheckedAt} now={now} relative className="text-xs text-zinc-500 dark:text-zinc-400" />
                    </div>
                    {h.lastCheckResult ? <Sub className="line-clamp-2 text-pretty">{h.lastCheckResult}</Sub> : null}
                  </div>
                ) : (
                  <span className="text-zinc-400">never</span>
                )}
              </Td>
            </tr>
          );
        })}
      </TBody>
    </Table>
  );
}
