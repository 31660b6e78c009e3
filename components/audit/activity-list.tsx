// The latest audit events as a compact list (the dashboard's "Recent activity").
import Link from "next/link";
import { Timestamp } from "@/components/ui/timestamp";
import { actionWords } from "@/components/audit/words";
import type { AuditEventItem } from "@/components/audit/types";
import { visibleText } from "@/components/format/visible-text";

export function ActivityList({ events, now }: { events: AuditEventItem[]; now: Date }) {
  return (
    <ol className="divide-y divide-zinc-100 rounded-lg border border-zinc-200 bg-white dark:divide-zinc-800 dark:border-zinc-800 dark:bg-zinc-900">
      {events.map((e) => (
        <li key={e.id} className="flex items-baseline gap-4 px-4 py-2.5 text-sm">
          <span className="w-24 shrink-0 whitespace-nowrap text-xs text-zinc-500 dark:text-zinc-400">
            <Timestamp date={e.createdAt} now={now} relative />
          </span>
          <span className="min-w-0 flex-1">
            <span className="break-words text-zinc-900 dark:text-zinc-100">{visibleText(e.summary)}</span>
            <span className="ml-2 whitespace-nowrap text-xs text-zinc-500 dark:text-zinc-400">
              <Link href={`/audit?actor=${encodeURIComponent(e.actorLabel)}`} className="hover:underline" title={`Events by ${e.actorLabel}`}>
                {visibleText(e.actorLabel)}
              </Link>
              {" · "}
              <Link href={`/audit?action=${encodeURIComponent(e.action)}`} className="font-mono hover:underline" title={actionWords(e.action) ?? e.action}>
                {e.action}
              </Link>
            </span>
          </span>
        </li>
      ))}
    </ol>
  );
}
