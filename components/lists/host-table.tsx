// The Hosts list: SSH machines, how Slipway reaches them, and whether their host keys are pinned.
import { Table, THead, TBody, Th, RowTh, Td, Sub, Mono } from "@/components/ui/table";
import { Timestamp } from "@/components/ui/timestamp";
import { Badge } from "@/components/ui/badge";
import type { HostListRow } from "@/lib/queries/hosts";

export type HostView = HostListRow;

export function HostTable({ hosts, now }: { hosts: HostView[]; now: Date }) {
  return (
    <Table caption="Hosts, by name">
      <THead>
        <tr>
          <Th>Host</Th>
          <Th>Address</Th>
          <Th className="text-right">Port</Th>
          <Th>User</Th>
          <Th>Pinned host keys</Th>
          <Th className="text-right">Docker contexts</Th>
          <Th className="text-right">Targets</Th>
          <Th>Last check</Th>
        </tr>
      </THead>
      <TBody>
        {hosts.map((h) => (
          <tr key={h.id}>
            <RowTh>{h.name}</RowTh>
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
                <>
                  <Timestamp date={h.lastCheckedAt} now={now} relative />
                  {h.lastCheckResult ? <Sub className="max-w-64 text-pretty">{h.lastCheckResult}</Sub> : null}
                </>
              ) : (
                <span className="text-zinc-400">never</span>
              )}
            </Td>
          </tr>
        ))}
      </TBody>
    </Table>
  );
}
