// The Repositories list: what Slipway watches, how, and how many build rules each has.
import { Table, THead, TBody, Th, RowTh, Td, Sub, Mono } from "@/components/ui/table";
import { Timestamp } from "@/components/ui/timestamp";
import { Badge } from "@/components/ui/badge";
import { formatDuration } from "@/components/format/time";
import type { RepositoryListRow } from "@/lib/queries/repositories";

export type RepositoryView = RepositoryListRow;

export function RepositoryTable({ repositories, now }: { repositories: RepositoryView[]; now: Date }) {
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
              {r.name}
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
              {r.provider === "github" ? "GitHub webhooks" : `polling every ${formatDuration(r.pollIntervalSeconds * 1000)}`}
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
