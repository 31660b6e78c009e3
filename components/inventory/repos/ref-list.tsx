// A repository's tracked heads: every branch and open pull request with the commit it points at, the
// latest build of that commit by each build rule, and (operators) "Build now".
import Link from "next/link";
import type { RefRow } from "@/lib/queries/refs";
import type { FormAction } from "@/components/ui/forms/result-state";
import { Timestamp } from "@/components/ui/timestamp";
import { BuildStateBadge } from "@/components/status/state-badges";
import { BuildNowButton } from "@/components/builds/build-now-button";

function refBuildsHref(repository: string, r: RefRow): string {
  const qs = new URLSearchParams({ repository });
  if (r.kind === "pull_request" && r.prNumber !== null) qs.set("pr", String(r.prNumber));
  else qs.set("branch", r.name);
  return `/builds?${qs.toString()}`;
}

export function RefList({
  refs,
  repository,
  defaultBranch,
  now,
  polled,
  hasBuildRules,
  buildNow,
}: {
  refs: RefRow[];
  /** the repository's name, for links to its builds */
  repository: string;
  defaultBranch: string;
  now: Date;
  polled: boolean;
  hasBuildRules: boolean;
  /** operators: the Build now action */
  buildNow?: FormAction;
}) {
  return (
    <section aria-labelledby="refs-heading" className="mt-8">
      <h2 id="refs-heading" className="mb-3 text-base font-semibold text-zinc-900 dark:text-zinc-100">
        Branches and pull requests
      </h2>
      {refs.length === 0 ? (
        <p className="rounded-lg border border-dashed border-zinc-300 p-5 text-sm text-zinc-600 dark:border-zinc-700 dark:text-zinc-400">
          No branch seen yet. {polled ? "The next poll lists them." : "They appear with the next push GitHub reports, or the next poll."}
        </p>
      ) : (
        <div className="overflow-x-auto rounded-lg border border-zinc-200 dark:border-zinc-800">
          <table className="w-full text-left text-sm">
            <caption className="sr-only">Branches and open pull requests with their head commits and the latest build of each</caption>
            <thead className="border-b border-zinc-200 bg-zinc-50 text-xs uppercase tracking-wide text-zinc-500 dark:border-zinc-800 dark:bg-zinc-900 dark:text-zinc-400">
              <tr>
                <th scope="col" className="px-4 py-2 font-medium">Ref</th>
                <th scope="col" className="px-4 py-2 font-medium">Head</th>
                <th scope="col" className="px-4 py-2 font-medium">Latest build</th>
                <th scope="col" className="px-4 py-2 font-medium">Moved</th>
                {buildNow ? (
                  <th scope="col" className="px-4 py-2 font-medium">
                    <span className="sr-only">Build</span>
                  </th>
                ) : null}
              </tr>
            </thead>
            <tbody className="divide-y divide-zinc-100 dark:divide-zinc-800">
              {refs.map((r) => {
                const label = r.kind === "branch" ? r.name : `PR #${r.prNumber}`;
                return (
                  <tr key={r.id}>
                    <td className="px-4 py-2 align-top">
                      <Link href={refBuildsHref(repository, r)} className="hover:underline" title={`Every build of ${label}`}>
                        {r.kind === "branch" ? (
                          <span className="font-mono text-zinc-900 dark:text-zinc-100">
                            {r.name}
                            {r.name === defaultBranch ? <span className="ml-2 font-sans text-xs text-zinc-500">default</span> : null}
                          </span>
                        ) : (
                          <span className="text-zinc-900 dark:text-zinc-100">
                            #{r.prNumber} {r.prTitle ?? ""}
                            {r.prAuthor ? <span className="ml-2 text-xs text-zinc-500">by {r.prAuthor}</span> : null}
                          </span>
                        )}
                      </Link>
                    </td>
                    <td className="px-4 py-2 align-top font-mono text-zinc-700 dark:text-zinc-300" title={r.headSha}>
                      {r.headSha.slice(0, 12)}
                    </td>
                    <td className="px-4 py-2 align-top">
                      {r.headBuilds.length ? (
                        <ul className="space-y-1">
                          {r.headBuilds.map((b) => (
                            <li key={b.buildRuleId}>
                              <Link
                                href={`/builds/${b.buildId}`}
                                className="inline-flex items-center gap-2 rounded-sm hover:underline"
                                title={`The ${b.buildRule} build of ${label}'s head`}
                              >
                                <BuildStateBadge state={b.state} />
                                <span className="text-xs text-zinc-600 dark:text-zinc-400">
                                  {b.buildRule}
                                  {b.attempt > 1 ? ` · attempt ${b.attempt}` : ""}
                                </span>
                              </Link>
                            </li>
                          ))}
                        </ul>
                      ) : (
                        <span className="text-xs text-zinc-500 dark:text-zinc-400">{hasBuildRules ? "not built" : "no build rules"}</span>
                      )}
                    </td>
                    <td className="whitespace-nowrap px-4 py-2 align-top text-zinc-600 dark:text-zinc-400">
                      <Timestamp date={r.updatedAt} now={now} relative />
                    </td>
                    {buildNow ? (
                      <td className="px-4 py-2 align-top">{hasBuildRules ? <BuildNowButton action={buildNow} refId={r.id} refName={label} /> : null}</td>
                    ) : null}
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
