// Every release a target ran or was asked to run, newest first: the commit, the release (its page: the image
// digest, or a unikernel's file sha256), and each deployment of it there (how it ended, why, what asked for it, when; each links to its page), and "Roll back to this"
// for operators on every release but the one running now.
import Link from "next/link";
import type { TargetHistoryRow } from "@/lib/queries/deployment-detail";
import type { FormAction } from "@/components/ui/forms/result-state";
import { DeploymentStateBadge, deploymentStates } from "@/components/status/state-badges";
import { Badge } from "@/components/ui/badge";
import { Table, THead, TBody, Th, Td, Sub, Mono } from "@/components/ui/table";
import { Timestamp } from "@/components/ui/timestamp";
import { firstLine, shortDigest, shortSha } from "@/components/format/ids";
import { formatBytes } from "@/components/format/bytes";
import { deploymentTriggerWords, imageReference } from "@/components/deployments/words";
import { RollbackButton } from "@/components/targets/rollback-button";

export function TargetHistory({
  targetId,
  targetName,
  rows,
  now,
  canRollBack,
  busy,
  waiting,
  action,
}: {
  targetId: string;
  targetName: string;
  rows: TargetHistoryRow[];
  now: Date;
  canRollBack: boolean;
  busy: string | null;
  waiting: string | null;
  action: FormAction;
}) {
  return (
    <Table caption={`Releases ${targetName} ran or was asked to run, newest first`}>
      <THead>
        <tr>
          <Th>Commit</Th>
          <Th>Release</Th>
          <Th>Deployments here</Th>
          {canRollBack ? (
            <Th>
              <span className="sr-only">Actions</span>
            </Th>
          ) : null}
        </tr>
      </THead>
      <TBody>
        {rows.map((row) => {
          const r = row.release;
          const message = firstLine(r.commitMessage);
          const image = imageReference(r);
          return (
            <tr key={r.id} data-release={r.commitSha} className={row.current ? "bg-emerald-50/50 dark:bg-emerald-950/20" : ""}>
              <Td className="w-full min-w-56">
                <span className="inline-flex flex-wrap items-center gap-2">
                  <Link href={`/builds/${r.buildId}`} className="link" title={r.commitSha} aria-label={`Build of ${shortSha(r.commitSha)}`}>
                    <Mono className="text-inherit! dark:text-inherit!">{shortSha(r.commitSha)}</Mono>
                  </Link>
                  {row.current ? (
                    <Badge tone="emerald" dot={false}>
                      Running now
                    </Badge>
                  ) : null}
                  {row.pinned ? (
                    <Badge tone="amber" dot={false}>
                      Pinned
                    </Badge>
                  ) : null}
                </span>
                {message ? (
                  <Sub className="line-clamp-2 max-w-md break-words">
                    <span title={message}>{message}</span>
                  </Sub>
                ) : null}
                {r.pushedBy || r.commitAuthor ? <Sub>{r.pushedBy ? `pushed by ${r.pushedBy}` : `by ${r.commitAuthor}`}</Sub> : null}
              </Td>
              <Td className="whitespace-nowrap">
                <Link href={`/releases/${r.id}`} className="link" title={r.artifact ? `sha256:${r.artifact.sha256}` : (image ?? undefined)} aria-label={`Release ${shortSha(r.commitSha)}`}>
                  <Mono small className="text-inherit!">{r.artifact ? `sha256:${r.artifact.sha256.slice(0, 12)}` : r.digest ? shortDigest(r.digest) : "no digest"}</Mono>
                </Link>
                {r.artifact ? (
                  <Sub>
                    {r.artifact.target}
                    {r.artifact.size !== null ? ` · ${formatBytes(r.artifact.size)}` : ""}
                  </Sub>
                ) : r.tag ? (
                  <Sub>
                    tag <Mono small>{r.tag}</Mono>
                  </Sub>
                ) : null}
              </Td>
              <Td>
                <ul className="space-y-1.5">
                  {row.deployments.slice(0, 4).map((d) => (
                    <li key={d.id} className="flex flex-wrap items-center gap-x-2 gap-y-0.5">
                      <Link
                        href={`/deployments/${d.id}`}
                        className="inline-block rounded-full"
                        aria-label={`${deploymentStates[d.state].label}: ${deploymentTriggerWords[d.trigger] ?? d.trigger} deployment of ${shortSha(r.commitSha)}`}
                      >
                        <DeploymentStateBadge state={d.state} />
                      </Link>
                      <span className="whitespace-nowrap text-xs text-zinc-500 dark:text-zinc-400">
                        {deploymentTriggerWords[d.trigger] ?? d.trigger}
                        {d.requestedBy ? ` by ${d.requestedBy}` : ""} · <Timestamp date={d.createdAt} now={now} relative />
                      </span>
                      {d.reason && (d.state === "failed" || d.state === "rolled_back" || d.state === "cancelled") ? (
                        <span className="line-clamp-1 w-full max-w-sm break-all text-xs text-zinc-500 dark:text-zinc-400" title={d.reason}>
                          {d.reason}
                        </span>
                      ) : null}
                    </li>
                  ))}
                  {row.deployments.length > 4 ? <li className="text-xs text-zinc-500 dark:text-zinc-400">and {row.deployments.length - 4} earlier</li> : null}
                </ul>
              </Td>
              {canRollBack ? (
                <Td className="whitespace-nowrap text-right">
                  {row.current ? (
                    <span className="text-xs text-zinc-500 dark:text-zinc-400">runs now</span>
                  ) : r.digest ? (
                    <RollbackButton action={action} targetId={targetId} targetName={targetName} releaseId={r.id} sha={r.commitSha} busy={busy} waiting={waiting} />
                  ) : (
                    <span className="text-xs text-zinc-500 dark:text-zinc-400">no image to roll back to</span>
                  )}
                </Td>
              ) : null}
            </tr>
          );
        })}
      </TBody>
    </Table>
  );
}
