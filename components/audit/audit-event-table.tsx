// The audit log as a table. Each summary opens to a bounded preview of the change (the fields that differ, cut
// short), the client address, and a link to the event's own page, which has the whole before/after, the user
// agent and the event's hash in the chain.
import Link from "next/link";
import { Table, THead, TBody, Th, Td, Sub, Mono } from "@/components/ui/table";
import { Timestamp } from "@/components/ui/timestamp";
import { actionWords, actorTypeWords, subjectTypeWords } from "@/components/audit/words";
import type { AuditEventItem } from "@/components/audit/types";
import { ChangePreviewList } from "@/components/audit/change-preview";
import { visibleText } from "@/components/format/visible-text";

function filterHref(params: Record<string, string>): string {
  return `/audit?${new URLSearchParams(params).toString()}`;
}

export function AuditEventTable({ events }: { events: AuditEventItem[] }) {
  return (
    // no "Only events by …" title on every link: the caption says it once, and each title was sent twice per row
    <Table caption="Audit events, newest first; an actor, action or subject links to only its events">
      <THead>
        <tr>
          <Th>Time</Th>
          <Th>Actor</Th>
          <Th>Action</Th>
          <Th>Subject</Th>
          <Th className="w-full">Summary</Th>
        </tr>
      </THead>
      <TBody>
        {events.map((e) => {
          const words = actionWords(e.action);
          return (
            <tr key={e.id}>
              <Td className="tabular-nums">
                <Timestamp date={e.createdAt} seconds className="block w-24" />
              </Td>
              <Td className="min-w-24">
                <Link href={filterHref({ actor: e.actorLabel })} className="name-link">
                  {visibleText(e.actorLabel)}
                </Link>
                {e.actorType !== "user" ? <Sub>{actorTypeWords[e.actorType] ?? e.actorType}</Sub> : null}
              </Td>
              <Td className="whitespace-nowrap">
                <Link href={filterHref({ action: e.action })} className="hover:underline">
                  {words ?? e.action}
                </Link>
                {words ? (
                  <Sub>
                    <Mono small>{e.action}</Mono>
                  </Sub>
                ) : null}
              </Td>
              <Td className="whitespace-nowrap">
                {e.subjectId ? (
                  <Link href={filterHref({ subjectType: e.subjectType, subjectId: e.subjectId })} className="hover:underline">
                    {subjectTypeWords(e.subjectType)}
                  </Link>
                ) : (
                  subjectTypeWords(e.subjectType)
                )}
                {e.subjectId ? (
                  <Sub className="max-w-28 truncate">
                    <Mono small title={e.subjectId}>
                      {e.subjectId}
                    </Mono>
                  </Sub>
                ) : null}
              </Td>
              <Td className="min-w-56 [overflow-wrap:anywhere]">
                <details className="group">
                  {/* a summary is announced as a collapsed or expanded button already: no hidden "(show details)" on
                      each of fifty rows (it was 5 kB of the page, sent twice) */}
                  <summary className="disclosure">
                    <span>{visibleText(e.summary)}</span>
                  </summary>
                  <div className="disclosure-body">
                    <ChangePreviewList before={e.before} after={e.after} />
                    <Link href={`/audit/${e.id}`} className="link text-xs">
                      Event #{e.id} in full →
                    </Link>
                    {e.ip ? <span className="text-xs muted"> · from {e.ip}</span> : null}
                  </div>
                </details>
              </Td>
            </tr>
          );
        })}
      </TBody>
    </Table>
  );
}
