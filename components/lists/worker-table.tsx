// Worker processes: where they run, what they can take on, and when they were last heard from.
import { Table, THead, TBody, Th, RowTh, Td, Sub, Mono } from "@/components/ui/table";
import { Timestamp } from "@/components/ui/timestamp";
import { WorkerStatusBadge } from "@/components/status/worker-status-badge";
import type { WorkerView } from "@/lib/queries/workers";

export type { WorkerView };

export function WorkerTable({ workers, now, showStatus = true, caption }: { workers: WorkerView[]; now: Date; showStatus?: boolean; caption: string }) {
  return (
    <Table caption={caption}>
      <THead>
        <tr>
          <Th>Host name</Th>
          {showStatus ? <Th>Status</Th> : null}
          <Th className="text-right">PID</Th>
          <Th>Version</Th>
          <Th className="text-right">Concurrency</Th>
          <Th>Started</Th>
          <Th>Last seen</Th>
        </tr>
      </THead>
      <TBody>
        {workers.map((w) => (
          <tr key={w.id}>
            <RowTh>
              {w.hostname}
              <Sub className="max-w-72 truncate font-normal">
                <Mono small title={`worker id ${w.id}${w.tasks.length ? `\ntasks: ${w.tasks.join(", ")}` : ""}`}>
                  {w.id}
                </Mono>
              </Sub>
            </RowTh>
            {showStatus ? (
              <Td>
                <WorkerStatusBadge status={w.status} />
                {w.stoppedAt ? (
                  <Sub>
                    stopped <Timestamp date={w.stoppedAt} now={now} relative />
                  </Sub>
                ) : null}
              </Td>
            ) : null}
            <Td className="text-right tabular-nums">{w.pid}</Td>
            <Td>
              <Mono>{w.version}</Mono>
            </Td>
            <Td className="text-right tabular-nums">{w.concurrency}</Td>
            <Td className="whitespace-nowrap">
              <Timestamp date={w.startedAt} now={now} relative />
            </Td>
            <Td className="whitespace-nowrap">
              <Timestamp date={w.lastSeenAt} now={now} relative />
            </Td>
          </tr>
        ))}
      </TBody>
    </Table>
  );
}
