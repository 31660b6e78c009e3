// The Builds list: state, what was built, which commit and branch, when and how long. The commit links
// to the build's page.
import Link from "next/link";
import { BuildStateBadge } from "@/components/status/state-badges";
import { Table, THead, TBody, Th, Td, Sub, Mono } from "@/components/ui/table";
import { Timestamp } from "@/components/ui/timestamp";
import { firstLine, shortSha } from "@/components/format/ids";
import { formatDuration } from "@/components/format/time";
import { RefLabel } from "@/components/lists/ref-label";
import type { BuildListRow } from "@/lib/queries/builds";

export type BuildView = BuildListRow;

export const buildTriggerWords: Record<string, string> = { webhook: "push", poll: "push (polled)", manual: "manual", rerun: "rebuild" };

export function BuildTable({ builds, now, caption = "Builds, newest first" }: { builds: BuildView[]; now: Date; caption?: string }) {
  return (
    <Table caption={caption}>
      <THead>
        <tr>
          <Th>State</Th>
          <Th>Repository</Th>
          <Th>Branch</Th>
          <Th>Commit</Th>
          <Th>Queued</Th>
          <Th>Duration</Th>
        </tr>
      </THead>
      <TBody>
        {builds.map((b) => {
          const message = firstLine(b.commit.message);
          const end = b.finishedAt ?? (b.startedAt ? now : null);
          const explain = b.reason && (b.state === "failed" || b.state === "cancelled" || b.state === "superseded");
          return (
            <tr key={b.id}>
              <Td>
                <BuildStateBadge state={b.state} />
                {explain ? <Sub className="w-40 text-pretty">{b.reason}</Sub> : null}
              </Td>
              <Td className="min-w-56 [overflow-wrap:anywhere]">
                <span className="font-medium text-zinc-900 dark:text-zinc-100">{b.repository.name}</span>
                <Sub>
                  {b.buildRule.name} · {b.buildRule.kind}
                  {b.attempt > 1 ? ` · attempt ${b.attempt}` : ""}
                </Sub>
              </Td>
              <Td>
                {b.refs.length ? (
                  <ul className="space-y-0.5">
                    {b.refs.map((r) => (
                      <li key={`${r.kind}:${r.name}`}>
                        <RefLabel value={r} />
                      </li>
                    ))}
                  </ul>
                ) : (
                  <span className="text-zinc-400">—</span>
                )}
              </Td>
              <Td className="w-full min-w-40">
                <Link href={`/builds/${b.id}`} className="link" aria-label={`Build ${shortSha(b.commit.sha)} of ${b.repository.name} ${b.buildRule.name}${b.attempt > 1 ? `, attempt ${b.attempt}` : ""}`}>
                  <Mono title={b.commit.sha} className="text-inherit! dark:text-inherit!">
                    {shortSha(b.commit.sha)}
                  </Mono>
                </Link>
                {message ? (
                  <Sub className="line-clamp-2 max-w-md [overflow-wrap:anywhere]">
                    <span title={message}>{message}</span>
                  </Sub>
                ) : null}
              </Td>
              <Td className="whitespace-nowrap">
                <Timestamp date={b.queuedAt} now={now} relative />
                <Sub>
                  {buildTriggerWords[b.trigger] ?? b.trigger}
                  {b.triggeredBy ? ` by ${b.triggeredBy}` : ""}
                </Sub>
              </Td>
              <Td className="whitespace-nowrap tabular-nums">
                {b.startedAt && end ? formatDuration(end.getTime() - b.startedAt.getTime()) : <span className="text-zinc-400">—</span>}
                {b.startedAt && !b.finishedAt ? <Sub>so far</Sub> : null}
              </Td>
            </tr>
          );
        })}
      </TBody>
    </Table>
  );
}
