// The latest builds as a compact list for the dashboard; each links to its build page.
import Link from "next/link";
import { BuildStateBadge } from "@/components/status/state-badges";
import { Timestamp } from "@/components/ui/timestamp";
import { Mono } from "@/components/ui/table";
import { firstLine, shortSha } from "@/components/format/ids";
import { RefLabel } from "@/components/lists/ref-label";
import type { BuildView } from "@/components/lists/build-table";

export function RecentBuilds({ builds, now }: { builds: BuildView[]; now: Date }) {
  return (
    <ul className="divide-y divide-zinc-100 rounded-lg border border-zinc-200 bg-white dark:divide-zinc-800 dark:border-zinc-800 dark:bg-zinc-900">
      {builds.map((b) => (
        <li key={b.id} className="flex items-start gap-3 px-4 py-2.5 text-sm">
          <span className="w-28 shrink-0 pt-px">
            <BuildStateBadge state={b.state} />
          </span>
          <span className="min-w-0 flex-1">
            <Link href={`/builds/${b.id}`} className="block truncate font-medium text-zinc-900 hover:underline dark:text-zinc-100">
              {b.repository.name}
              <span className="font-normal text-zinc-500 dark:text-zinc-400"> · {b.buildRule.name}</span>
            </Link>
            <span className="mt-0.5 flex items-baseline gap-2 text-xs text-zinc-500 dark:text-zinc-400">
              {b.refs[0] ? <RefLabel value={b.refs[0]} small /> : null}
              <Mono title={b.commit.sha} small>
                {shortSha(b.commit.sha)}
              </Mono>
              <span className="min-w-0 truncate">{firstLine(b.commit.message)}</span>
            </span>
          </span>
          <span className="shrink-0 whitespace-nowrap pt-px text-right text-xs text-zinc-500 dark:text-zinc-400">
            <Timestamp date={b.queuedAt} now={now} relative />
          </span>
        </li>
      ))}
    </ul>
  );
}
