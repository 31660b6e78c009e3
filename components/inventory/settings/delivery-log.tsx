// A channel's delivery log: newest first, each delivery's event, state, last HTTP status, attempts, error in
// words, the payload as sent, and (admins) Redeliver.
import { Badge, type BadgeTone } from "@/components/ui/badge";
import { Table, THead, TBody, Th, Td, Mono, Sub } from "@/components/ui/table";
import { Timestamp } from "@/components/ui/timestamp";
import { CheckButton } from "@/components/ui/forms/check-button";
import { eventLabel } from "@/components/inventory/settings/event-labels";
import type { CheckOutcome, FormAction, ResultState } from "@/components/ui/forms/result-state";
import type { DeliveryRow } from "@/lib/queries/notifications";

const stateTone: Record<DeliveryRow["state"], BadgeTone> = { pending: "amber", delivered: "emerald", failed: "red" };

export function DeliveryLog({
  rows,
  channelId,
  now,
  redeliverAction,
}: {
  rows: DeliveryRow[];
  channelId: string;
  now: Date;
  redeliverAction?: FormAction<ResultState<CheckOutcome>>;
}) {
  return (
    <Table caption="Deliveries, newest first">
      <THead>
        <tr>
          <Th>When</Th>
          <Th>Event</Th>
          <Th>State</Th>
          <Th>HTTP</Th>
          <Th>Attempts</Th>
          <Th className="w-2/5">Last error · payload</Th>
          {redeliverAction ? <Th>
            <span className="sr-only">Actions</span>
          </Th> : null}
        </tr>
      </THead>
      <TBody>
        {rows.map((d) => (
          <tr key={d.id} data-delivery={d.id}>
            <Td>
              <Timestamp date={d.createdAt} now={now} relative />
              <Sub>
                <Mono small title="Slipway-Delivery">
                  {d.id}
                </Mono>
              </Sub>
            </Td>
            <Td>
              <Mono small>{d.event}</Mono>
              <Sub>{d.test ? "test event" : eventLabel(d.event)}</Sub>
            </Td>
            <Td>
              <Badge tone={stateTone[d.state]}>{d.state}</Badge>
              {d.state === "pending" && d.nextAttemptAt ? (
                <Sub>
                  next <Timestamp date={d.nextAttemptAt} now={now} relative />
                </Sub>
              ) : null}
            </Td>
            <Td>{d.lastStatus ?? "—"}</Td>
            <Td>{d.attempts}</Td>
            <Td>
              {d.lastError ? <p className="text-sm text-red-800 dark:text-red-300">{d.lastError}</p> : null}
              <details className="mt-1">
                <summary className="cursor-pointer text-sm text-sky-700 dark:text-sky-400">Payload</summary>
                <pre className="mt-1 max-h-72 max-w-xl overflow-auto rounded border border-zinc-200 bg-zinc-50 p-2 font-mono text-xs dark:border-zinc-700 dark:bg-zinc-950">{d.payload}</pre>
              </details>
            </Td>
            {redeliverAction ? (
              <Td>
                <CheckButton action={redeliverAction} values={{ delivery_id: d.id, channel_id: channelId }} label="Redeliver" ariaLabel={`Redeliver ${d.event} (${d.id})`} pendingText="Sending…" />
              </Td>
            ) : null}
          </tr>
        ))}
      </TBody>
    </Table>
  );
}
