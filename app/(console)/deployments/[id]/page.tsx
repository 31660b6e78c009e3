// One deployment: which release (image by digest, commit, who pushed it) goes to which target, what ran
// there before, who or what asked for it, the approval policy and the decisions so far, when each step
// happened, why it ended as it did, and its log, live. Operators approve or reject it while it waits, and
// cancel it before it starts.
import Link from "next/link";
import { notFound } from "next/navigation";
import type { Metadata } from "next";
import { requirePageUser } from "@/lib/auth/session";
import { can } from "@/lib/auth/roles";
import { getDeploymentDetail } from "@/lib/queries/deployment-detail";
import { PageHeader } from "@/components/ui/page-header";
import { Notice } from "@/components/ui/notice";
import { Timestamp } from "@/components/ui/timestamp";
import { Mono } from "@/components/ui/table";
import { Panel, Fact } from "@/components/ui/forms/panel";
import { CopyButton } from "@/components/ui/forms/copy-button";
import { DeploymentStateBadge } from "@/components/status/state-badges";
import { Badge } from "@/components/ui/badge";
import { firstLine, shortDigest, shortSha } from "@/components/format/ids";
import { formatBytes } from "@/components/format/bytes";
import { Sha256 } from "@/components/releases/artifact-facts";
import { LiveDuration } from "@/components/builds/live-duration";
import { LogViewer } from "@/components/logs/log-viewer";
import { LogCutNotice } from "@/components/logs/log-cut-notice";
import { DecisionForm } from "@/components/deployments/decision-form";
import { ApprovalList } from "@/components/deployments/approval-list";
import { CancelDeploymentButton } from "@/components/deployments/cancel-deployment-button";
import { RetryWaiting } from "@/components/deployments/retry-waiting";
import { approvalPolicyText, deploymentNoticeTone, deploymentStateSentence, deploymentTriggerWords, imageReference, targetKindWords } from "@/components/deployments/words";
import { cancelDeploymentAction, decideDeploymentAction } from "../actions";

type Params = Promise<{ id: string }>;

export async function generateMetadata({ params }: { params: Params }): Promise<Metadata> {
  const d = await getDeploymentDetail((await params).id);
  return { title: d ? `Deploy ${shortSha(d.release.commitSha)} to ${d.target.name}` : "Deployment not found" };
}

const muted = "text-zinc-500 dark:text-zinc-400";

export default async function DeploymentPage({ params }: { params: Params }) {
  const { id } = await params;
  const user = await requirePageUser("console.view", `/deployments/${encodeURIComponent(id)}`);
  const d = await getDeploymentDetail(id);
  if (!d) notFound();
  const now = new Date();
  const canDecide = can(user, "deployment.approve");
  const pending = d.state === "pending_approval";
  const waiting = pending || d.state === "queued";
  const approved = d.approvals.filter((a) => a.decision === "approved").length;
  const needed = Math.max(1, d.policy.minApprovers);
  const expired = pending && d.approvalExpiresAt !== null && d.approvalExpiresAt.getTime() <= now.getTime();
  const image = imageReference(d.release);
  const message = firstLine(d.release.commitMessage);
  const t = d.target;

  return (
    <>
      <nav aria-label="Breadcrumb" className="mb-2 text-sm">
        <Link href="/deployments" className="link">
          ← Deployments
        </Link>
      </nav>
      <PageHeader
        title={`Deploy to ${t.name}`}
        description={
          <>
            {d.repository.name} <Mono>{d.branch}</Mono> at <Mono>{shortSha(d.release.commitSha)}</Mono>
            {message ? <> · {message}</> : null}
          </>
        }
        actions={
          <>
            <span data-testid="deployment-state">
              <DeploymentStateBadge state={d.state} />
            </span>
            {canDecide && waiting ? <CancelDeploymentButton action={cancelDeploymentAction} deploymentId={d.id} targetName={t.name} pending={pending} /> : null}
          </>
        }
      />

      <Notice tone={expired || d.retry ? "warning" : deploymentNoticeTone(d.state)} role="status" className="mb-5">
        <p data-testid="deployment-reason">
          {d.retry ? (
            <RetryWaiting retry={d.retry} now={now} />
          ) : expired
            ? `The approval window closed ${d.approvalExpiresAt ? `at ${d.approvalExpiresAt.toISOString().slice(0, 16).replace("T", " ")} UTC` : ""}; it can no longer be approved. Deploy the release again from the target's page if it is still wanted.`
            : deploymentStateSentence({ state: d.state, reason: d.reason, targetName: t.name, approvals: approved, needed })}
          {d.state === "superseded" && d.supersededById ? (
            <>
              {" "}
              <Link href={`/deployments/${d.supersededById}`} className="underline underline-offset-2">
                See the newer deployment
              </Link>
              .
            </>
          ) : null}
        </p>
      </Notice>

      <div className="mb-5 grid gap-5 xl:grid-cols-3">
        <Panel id="deployment-heading" title="Deployment" className="xl:col-span-2">
          <dl className="grid grid-cols-2 gap-x-6 gap-y-4 lg:grid-cols-3">
            <Fact term="Target">
              <Link href={`/targets/${t.id}`} className="link">
                {t.name}
              </Link>
              {t.archived ? <Badge tone="zinc" title="Removed from the inventory with its history kept">archived</Badge> : null}
              <span className={`block text-xs ${muted}`}>
                {targetKindWords[t.kind] ?? t.kind} <Mono small>{t.composeProject ? `${t.composeProject}/${t.service}` : t.service}</Mono>
                {t.dockerContext ? (
                  <>
                    {" "}
                    on{" "}
                    <Link href={`/contexts/${t.dockerContext.id}`} className="hover:underline">
                      {t.dockerContext.name}
                    </Link>
                  </>
                ) : t.host ? (
                  <>
                    {" "}
                    on host{" "}
                    <Link href={`/hosts/${t.host.id}`} className="hover:underline">
                      {t.host.name}
                    </Link>
                  </>
                ) : null}
              </span>
              {t.pinned ? <span className="block text-xs text-amber-700 dark:text-amber-400">pinned</span> : null}
            </Fact>
            <Fact term="Repository">
              <Link href={`/repositories/${d.repository.id}`} className="link">
                {d.repository.name}
              </Link>
              <span className={`block text-xs ${muted}`}>
                branch <Mono small>{d.branch}</Mono>
              </span>
            </Fact>
            <Fact term="Requested">
              {deploymentTriggerWords[d.trigger] ?? d.trigger}
              {d.requestedBy ? ` by ${d.requestedBy}` : ""}
              {d.cancelledBy ? <span className={`block text-xs ${muted}`}>cancelled by {d.cancelledBy}</span> : null}
            </Fact>
            <Fact term="Commit">
              <span className="inline-flex flex-wrap items-center gap-2">
                <Link href={`/builds/${d.release.buildId}`} className="link" title={`The build of ${d.release.commitSha}`}>
                  <Mono className="text-inherit!">{shortSha(d.release.commitSha)}</Mono>
                </Link>
                <CopyButton text={d.release.commitSha} label={`Copy the commit sha ${d.release.commitSha}`} />
              </span>
              {message ? <span className="block text-sm">{message}</span> : null}
              <span className={`block text-xs ${muted}`}>
                {d.release.commitAuthor ? `by ${d.release.commitAuthor}` : null}
                {d.release.commitAuthor && d.release.pushedBy ? " · " : null}
                {d.release.pushedBy ? `pushed by ${d.release.pushedBy}` : null}
              </span>
            </Fact>
            <Fact term="Release">
              <Link href={`/releases/${d.release.id}`} className="link">
                Release {shortSha(d.release.commitSha)}
              </Link>
              {d.release.artifact ? (
                <span className={`block text-xs ${muted}`}>
                  {d.release.artifact.target} unikernel {d.release.artifact.path}
                  {d.release.artifact.size !== null ? `, ${formatBytes(d.release.artifact.size)}` : ""}
                </span>
              ) : null}
            </Fact>
            <Fact term="Previous release">
              {d.previousRelease ? (
                <>
                  <Link href={`/releases/${d.previousRelease.id}`} className="link" title={`Release ${d.previousRelease.commitSha}`}>
                    <Mono className="text-inherit!">{shortSha(d.previousRelease.commitSha)}</Mono>
                  </Link>
                  {d.previousRelease.digest ? (
                    <span className={`block text-xs ${muted}`}>
                      <Mono small title={imageReference(d.previousRelease) ?? undefined}>
                        {shortDigest(d.previousRelease.digest)}
                      </Mono>
                    </span>
                  ) : null}
                </>
              ) : (
                <span className={muted}>none: the first deployment Slipway made there</span>
              )}
            </Fact>
            {d.release.artifact ? (
              <div className="col-span-2 lg:col-span-3">
                <Fact term="File sha256">
                  <Sha256 value={d.release.artifact.sha256} label={`Copy the sha256 ${d.release.artifact.sha256}`} />
                </Fact>
              </div>
            ) : null}
            <div className="col-span-2 lg:col-span-3">
              <Fact term="Release image">
                {image ? (
                  <span className="flex items-start gap-2">
                    <Mono className="min-w-0 break-all">{image}</Mono>
                    <CopyButton text={image} label={`Copy the image reference ${image}`} />
                  </span>
                ) : (
                  <span className={muted}>no image digest</span>
                )}
              </Fact>
            </div>
            <Fact term="Created">
              <Timestamp date={d.createdAt} seconds />
            </Fact>
            <Fact term="Queued">{d.queuedAt ? <Timestamp date={d.queuedAt} seconds /> : <span className={muted}>{pending ? "after approval" : "—"}</span>}</Fact>
            <Fact term="Started">{d.startedAt ? <Timestamp date={d.startedAt} seconds /> : <span className={muted}>{waiting ? "not yet" : "never"}</span>}</Fact>
            <Fact term={d.finishedAt ? "Finished" : "Duration"}>
              {d.finishedAt ? (
                <>
                  <Timestamp date={d.finishedAt} seconds />
                  {d.startedAt ? (
                    <span className={`block text-xs ${muted}`}>
                      took <LiveDuration from={d.startedAt} to={d.finishedAt} now={now} />
                    </span>
                  ) : null}
                </>
              ) : d.startedAt ? (
                <>
                  <LiveDuration from={d.startedAt} to={null} now={now} /> so far
                </>
              ) : (
                <span className={muted}>—</span>
              )}
            </Fact>
          </dl>
        </Panel>

        <Panel
          id="approval-heading"
          title="Approval"
          description={approvalPolicyText(d.policy)}
        >
          <div className="space-y-4">
            {pending || d.approvals.length ? (
              <p className="text-sm text-zinc-700 dark:text-zinc-300">
                <span className="font-medium">
                  {approved} of {needed} approval{needed === 1 ? "" : "s"}
                </span>
                {pending && d.approvalExpiresAt ? (
                  <>
                    {" · "}
                    {d.approvalExpiresAt.getTime() > now.getTime() ? "expires " : "expired "}
                    <Timestamp date={d.approvalExpiresAt} now={now} relative />
                  </>
                ) : pending ? (
                  " · no expiry"
                ) : null}
              </p>
            ) : null}
            {d.approvals.length || pending ? <ApprovalList approvals={d.approvals} now={now} /> : <p className="text-sm text-zinc-600 dark:text-zinc-400">No decisions were recorded: it did not wait for approval.</p>}
            {pending && !expired && canDecide ? (
              <div className="border-t border-zinc-200 pt-4 dark:border-zinc-800">
                <DecisionForm action={decideDeploymentAction} deploymentId={d.id} targetName={t.name} />
              </div>
            ) : pending && !canDecide ? (
              <p className={`text-sm ${muted}`}>Operators and admins approve deployments; you can read them.</p>
            ) : null}
          </div>
        </Panel>
      </div>

      {d.logTruncated ? <LogCutNotice logBytes={d.logBytes} /> : null}
      <LogViewer subject="deployment" id={d.id} state={d.state} startedAt={d.startedAt} finishedAt={d.finishedAt} now={now} />
    </>
  );
}
