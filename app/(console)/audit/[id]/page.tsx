// One audit event in full: who, what, which subject, when and from where, the whole before/after (the Audit
// list shows a bounded preview of it), the user agent and the event's place in the hash chain.
import Link from "next/link";
import { notFound } from "next/navigation";
import type { Metadata } from "next";
import { cache } from "react";
import { requirePageUser } from "@/lib/auth/session";
import { getAuditEvent } from "@/lib/queries/audit-event";
import { PageHeader } from "@/components/ui/page-header";
import { Panel, Fact } from "@/components/ui/forms/panel";
import { Mono } from "@/components/ui/table";
import { Timestamp } from "@/components/ui/timestamp";
import { ChangeView } from "@/components/audit/change-view";
import { actionWords, actorTypeWords, subjectTypeWords } from "@/components/audit/words";
import { visibleText } from "@/components/format/visible-text";

type Params = Promise<{ id: string }>;

// No loading boundary above this page (the Audit list's is in the (list) group): the event is one row by its
// key, so the page renders before the response starts, and an id that names no event (mistyped, not a number,
// out of range) answers 404 with the not-found page, not 200. The metadata and the page share the one read.
const auditEvent = cache(getAuditEvent);

export async function generateMetadata({ params }: { params: Params }): Promise<Metadata> {
  const e = await auditEvent((await params).id);
  return { title: e ? `Audit event #${e.id}` : "Audit event not found" };
}

function filterHref(params: Record<string, string>): string {
  return `/audit?${new URLSearchParams(params).toString()}`;
}

export default async function AuditEventPage({ params }: { params: Params }) {
  const { id } = await params;
  await requirePageUser("audit.view", `/audit/${encodeURIComponent(id)}`);
  const e = await auditEvent(id);
  if (!e) notFound();
  const words = actionWords(e.action);
  return (
    <>
      <nav aria-label="Breadcrumb" className="mb-2 text-sm">
        <Link href="/audit" className="link">
          ← Audit log
        </Link>
      </nav>
      <PageHeader title={`Audit event #${e.id}`} description={visibleText(e.summary)} />
      <div className="space-y-6">
        <Panel id="event-facts" title="Event">
          <dl className="grid grid-cols-2 gap-x-6 gap-y-4 lg:grid-cols-3">
            <Fact term="Time">
              <Timestamp date={e.createdAt} seconds />
            </Fact>
            <Fact term="Actor">
              <Link href={filterHref({ actor: e.actorLabel })} className="link" title={`Only events by ${e.actorLabel}`}>
                {visibleText(e.actorLabel)}
              </Link>{" "}
              <span className="muted">({actorTypeWords[e.actorType] ?? e.actorType})</span>
              {e.actorId ? (
                <div>
                  <Mono small>{e.actorId}</Mono>
                </div>
              ) : null}
            </Fact>
            <Fact term="Action">
              <Link href={filterHref({ action: e.action })} className="link" title={`Only “${e.action}” events`}>
                {words ?? e.action}
              </Link>
              {words ? (
                <div>
                  <Mono small>{e.action}</Mono>
                </div>
              ) : null}
            </Fact>
            <Fact term="Subject">
              {e.subjectId ? (
                <Link href={filterHref({ subjectType: e.subjectType, subjectId: e.subjectId })} className="link" title={`Only events about this ${subjectTypeWords(e.subjectType)}`}>
                  {subjectTypeWords(e.subjectType)}
                </Link>
              ) : (
                subjectTypeWords(e.subjectType)
              )}
              {e.subjectId ? (
                <div className="break-all">
                  <Mono small>{e.subjectId}</Mono>
                </div>
              ) : null}
            </Fact>
            <Fact term="IP address">{e.ip ? <Mono small>{e.ip}</Mono> : <span className="text-zinc-400">not recorded</span>}</Fact>
            <Fact term="User agent">{e.userAgent ? <span className="[overflow-wrap:anywhere]">{e.userAgent}</span> : <span className="text-zinc-400">not recorded</span>}</Fact>
          </dl>
        </Panel>
        <Panel id="event-change" title="Change" description="What the event recorded before and after; secret values are never recorded.">
          <ChangeView before={e.before} after={e.after} />
        </Panel>
        <Panel id="event-chain" title="Hash chain" description="This event's hash covers the previous event's hash and this event's fields; npm run audit:verify checks the whole chain.">
          <dl className="grid gap-y-4">
            <Fact term="Hash">
              <span className="break-all">
                <Mono small>{e.hash}</Mono>
              </span>
            </Fact>
            <Fact term="Previous event's hash">
              <span className="break-all">{e.prevHash ? <Mono small>{e.prevHash}</Mono> : <span className="text-zinc-400">none: the first event</span>}</span>
            </Fact>
          </dl>
        </Panel>
      </div>
    </>
  );
}
