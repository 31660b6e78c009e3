// A repository's tracked heads: every branch and open pull request with the commit it points at.
import type { RefRow } from "@/lib/queries/refs";
import { Timestamp } from "@/components/ui/timestamp";

export function RefList({ refs, defaultBranch, now, polled }: { refs: RefRow[]; defaultBranch: string; now: Date; polled: boolean }) {
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
            <caption className="sr-only">Branches and open pull requests with their head commits</caption>
            <thead className="border-b border-zinc-200 bg-zinc-50 text-xs uppercase tracking-wide text-zinc-500 dark:border-zinc-800 dark:bg-zinc-900 dark:text-zinc-400">
              <tr>
                <th scope="col" className="px-4 py-2 font-medium">Ref</th>
                <th scope="col" className="px-4 py-2 font-medium">Head</th>
                <th scope="col" className="px-4 py-2 font-medium">Moved</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-zinc-100 dark:divide-zinc-800">
              {refs.map((r) => (
                <tr key={r.id}>
                  <td className="px-4 py-2">
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
                  </td>
                  <td className="px-4 py-2 font-mono text-zinc-700 dark:text-zinc-300" title={r.headSha}>
                    {r.headSha.slice(0, 12)}
                  </td>
                  <td className="px-4 py-2 text-zinc-600 dark:text-zinc-400">
                    <Timestamp date={r.updatedAt} now={now} relative />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
