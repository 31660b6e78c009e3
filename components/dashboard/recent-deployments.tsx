// The latest deployments as a compact list for the dashboard: the state and release link to the
// deployment's page, the target's name to the target's.
import Link from "next/link";
import { DeploymentStateBadge } from "@/components/status/state-badges";
import { Timestamp } from "@/components/ui/timestamp";
import { Mono } from "@/components/ui/table";
import { shortDigest, shortSha } from "@/components/format/ids";
import { releaseId, type DeploymentView } from "@/components/lists/deployment-table";

export function RecentDeployments({ deployments, now }: { deployments: DeploymentView[]; now: Date }) {
  return (
    <ul className="divide-y divide-zinc-100 rounded-lg border border-zinc-200 bg-white dark:divide-zinc-800 dark:border-zinc-800 dark:bg-zinc-900">
      {deployments.map((d) => {
        const id = releaseId(d.release);
        return (
          <li key={d.id} className="flex items-start gap-3 px-4 py-2.5 text-sm">
            <Link href={`/deployments/${d.id}`} className="block w-36 shrink-0 pt-px" aria-label={`Deployment of ${shortSha(d.release.commitSha)} to ${d.target.name}`}>
              <DeploymentStateBadge state={d.state} />
            </Link>
            <span className="min-w-0 flex-1">
              <Link href={`/targets/${d.target.id}`} className="block truncate font-medium text-zinc-900 hover:underline dark:text-zinc-100">
                {d.target.name}
              </Link>
              <span className="mt-0.5 flex items-baseline gap-2 text-xs text-zinc-500 dark:text-zinc-400">
                <span className="min-w-0 truncate">
                  {d.repository.name} <Mono small>{d.branch}</Mono>
                </span>
                <Link href={`/deployments/${d.id}`} className="shrink-0 hover:underline" tabIndex={-1} aria-hidden="true">
                  <Mono title={id ?? d.release.commitSha} small>
                    {id ? shortDigest(id).replace(/^sha256:/, "") : shortSha(d.release.commitSha)}
                  </Mono>
                </Link>
              </span>
            </span>
            <span className="shrink-0 whitespace-nowrap pt-px text-right text-xs text-zinc-500 dark:text-zinc-400">
              <Timestamp date={d.createdAt} now={now} relative />
            </span>
          </li>
        );
      })}
    </ul>
  );
}
