// The Deployments list: state, target, release (by digest), where it came from, who asked, when. The
// release links to the deployment's page, the target's name to the target's.
import Link from "next/link";
import { DeploymentStateBadge } from "@/components/status/state-badges";
import { Table, THead, TBody, Th, Td, Sub, Mono } from "@/components/ui/table";
import { Timestamp } from "@/components/ui/timestamp";
import { shortDigest, shortSha } from "@/components/format/ids";
import { formatDuration } from "@/components/format/time";
import { deploymentTriggerWords, targetKindWords } from "@/components/deployments/words";
import type { DeploymentListRow } from "@/lib/queries/deployments";

export type DeploymentView = DeploymentListRow;

/** The release's identity: the image digest, or the unikernel artifact's sha256. */
export function releaseId(release: DeploymentView["release"]): string | null {
  return release.digest ?? (release.artifactSha256 ? `sha256:${release.artifactSha256}` : null);
}

export function DeploymentTable({ deployments, now, caption = "Deployments, newest first" }: { deployments: DeploymentView[]; now: Date; caption?: string }) {
  return (
    <Table caption={caption}>
      <THead>
        <tr>
          <Th>State</Th>
          <Th>Target</Th>
          <Th>Release</Th>
          <Th>Created</Th>
          <Th>Duration</Th>
        </tr>
      </THead>
      <TBody>
        {deployments.map((d) => {
          const end = d.finishedAt ?? (d.startedAt ? now : null);
          const id = releaseId(d.release);
          const image = d.release.imageRepo ? `${d.release.imageRepo}${d.release.tag ? `:${d.release.tag}` : ""}` : null;
          return (
            <tr key={d.id}>
              <Td>
                <DeploymentStateBadge state={d.state} />
                {d.state === "pending_approval" && d.approvalExpiresAt ? (
                  <Sub>
                    expires <Timestamp date={d.approvalExpiresAt} now={now} relative />
                  </Sub>
                ) : null}
                {d.reason && ["failed", "rolled_back", "cancelled", "superseded"].includes(d.state) ? (
                  <Sub className="w-40 text-pretty">
                    <span className="line-clamp-3 [overflow-wrap:anywhere]" title={d.reason}>
                      {d.reason}
                    </span>
                  </Sub>
                ) : null}
              </Td>
              <Td className="min-w-32 [overflow-wrap:anywhere]">
                <Link href={`/targets/${d.target.id}`} className="font-medium text-zinc-900 hover:underline dark:text-zinc-100">
                  {d.target.name}
                </Link>
                <Sub>
                  <Mono small title={`${targetKindWords[d.target.kind] ?? d.target.kind} ${d.target.service}`}>
                    {d.target.service}
                  </Mono>
                  {d.target.kind === "unikernel" ? " (unikernel)" : null}
                </Sub>
              </Td>
              <Td className="w-full min-w-48 [overflow-wrap:anywhere]">
                <Link href={`/deployments/${d.id}`} className="link" aria-label={`Deployment of ${shortSha(d.release.commitSha)} to ${d.target.name}`}>
                  {id ? (
                    <Mono title={image ? `${image}@${id}` : id} className="text-inherit! dark:text-inherit!">
                      {shortDigest(id)}
                    </Mono>
                  ) : (
                    <>no digest yet</>
                  )}
                </Link>
                <Sub>
                  {d.repository.name} <Mono small>{d.branch}</Mono> at{" "}
                  <Mono small title={d.release.commitSha}>
                    {shortSha(d.release.commitSha)}
                  </Mono>
                </Sub>
              </Td>
              <Td className="whitespace-nowrap">
                <Timestamp date={d.createdAt} now={now} relative />
                <Sub>
                  {deploymentTriggerWords[d.trigger] ?? d.trigger}
                  {d.requestedBy ? ` by ${d.requestedBy}` : ""}
                </Sub>
              </Td>
              <Td className="whitespace-nowrap tabular-nums">
                {d.startedAt && end ? formatDuration(end.getTime() - d.startedAt.getTime()) : <span className="text-zinc-400">—</span>}
                {d.startedAt && !d.finishedAt ? <Sub>so far</Sub> : null}
              </Td>
            </tr>
          );
        })}
      </TBody>
    </Table>
  );
}
