// One target: what it is (kind, service, docker context or host, restart method for a unikernel, health check,
// timeouts), what it runs now (for a unikernel: the file and its sha256, running since when), whether it
// drifted from its last release, its pin (with Unpin, and the newer release the pin holds back) or a newer
// release to deploy, the deployment running
// now or the last one, Check host for a unikernel's host (operators), and every release it ran with "Roll back
// to this" for operators.
import Link from "next/link";
import { notFound } from "next/navigation";
import type { Metadata } from "next";
import { requirePageUser } from "@/lib/auth/session";
import { can } from "@/lib/auth/roles";
import { getTargetDetail, getTargetName } from "@/lib/queries/deployment-detail";
import { isRunningDeploymentState } from "@/lib/validation/deployment-states";
import { PageHeader } from "@/components/ui/page-header";
import { Pager } from "@/components/ui/pager";
import { Notice } from "@/components/ui/notice";
import { EmptyState } from "@/components/ui/empty-state";
import { Timestamp } from "@/components/ui/timestamp";
import { Mono } from "@/components/ui/table";
import { Badge } from "@/components/ui/badge";
import { Panel, Fact } from "@/components/ui/forms/panel";
import { CopyButton } from "@/components/ui/forms/copy-button";
import { DeploymentStateBadge, deploymentStates } from "@/components/status/state-badges";
import { LiveRefresh } from "@/components/lists/live-refresh";
import { firstLine, shortDigest, shortSha } from "@/components/format/ids";
import { formatDuration } from "@/components/format/time";
import { formatBytes } from "@/components/format/bytes";
import { imageReference, targetKindWords, targetServiceTerm } from "@/components/deployments/words";
import { unikernelRun } from "@/components/inventory/repos/words";
import { PinControls } from "@/components/targets/pin-controls";
import { TargetHistory } from "@/components/targets/target-history";
import { UnikernelFacts } from "@/components/targets/unikernel-facts";
import { HostCheck } from "@/components/targets/host-check";
import { FailedRollback } from "@/components/targets/failed-rollback";
import { RetryWaiting } from "@/components/deployments/retry-waiting";
import { Sha256 } from "@/components/releases/artifact-facts";
import { monitorWords } from "@/lib/validation/monitor-window";
import { checkTargetHostAction, deployReleaseAction, rollbackTargetAction, unpinTargetAction } from "../actions";
import { cursorParam, type SearchParams } from "../../search-params";

type Params = Promise<{ id: string }>;

export async function generateMetadata({ params }: { params: Params }): Promise<Metadata> {
  const name = await getTargetName((await params).id);
  return { title: name ? `Target ${name}` : "Target not found" };
}

const muted = "text-zinc-500 dark:text-zinc-400";

export default async function TargetPage({ params, searchParams }: { params: Params; searchParams: SearchParams }) {
  const { id } = await params;
  const user = await requirePageUser("console.view", `/targets/${encodeURIComponent(id)}`);
  const before = cursorParam(await searchParams, "before");
  const t = await getTargetDetail(id, { before });
  if (!t) notFound();
  const now = new Date();
  const canOperate = can(user, "deployment.rollback");
  const canCheck = can(user, "inventory.test");
  const unikernel = t.kind === "unikernel";
  const running = t.active && isRunningDeploymentState(t.active.state) ? t.active : null;
  const busy = running ? `A deployment to ${t.name} is ${deploymentStates[running.state].label.toLowerCase()} now; wait until it ends.` : null;
  const queued = t.active && t.active.state === "queued" ? t.active : null;
  const waiting = queued ? "The deployment queued for this target now is superseded by the rollback and does not run." : null;
  const current = t.currentRelease;
  const monitor = monitorWords(t.kind, t.monitorSeconds);
  const drift = t.driftDetectedAt !== null;
  const dir = unikernel ? unikernelRun({ ...t.run, service: t.service }).dir : null;
  // the last deployment, when it is not the one running now nor the one that put the current release there
  // a deployment of the newest release that is already on its way (waiting for approval, queued, waiting to
  // retry, running): Deploy would only replace it, so the page links to it instead
  const newestOnItsWay = t.newestOnItsWay;
  const newestWaiting = newestOnItsWay
    ? {
        id: newestOnItsWay.id,
        label:
          newestOnItsWay.state === "pending_approval"
            ? "Its deployment waits for approval"
            : newestOnItsWay.state === "queued"
              ? t.active?.retry
                ? "Its deployment is waiting to retry"
                : "Its deployment is queued"
              : "Its deployment is in progress",
      }
    : null;
  const last = t.lastDeployment && t.lastDeployment.id !== t.active?.id && t.lastDeployment.id !== t.runningSince?.deploymentId ? t.lastDeployment : null;

  return (
    <>
      <nav aria-label="Breadcrumb" className="mb-2 text-sm">
        <Link href="/targets" className="link">
          ← Targets
        </Link>
      </nav>
      <PageHeader
        title={t.name}
        description={
          <>
            {targetKindWords[t.kind] ?? t.kind} <Mono>{t.composeProject ? `${t.composeProject}/${t.service}` : t.service}</Mono>
            {t.host ? ` on host ${t.host.name}` : ""}, deployed from{" "}
            <Link href={`/repositories/${t.repository.id}`} className="link">
              {t.repository.name}
            </Link>{" "}
            <Mono>{t.branch}</Mono>
          </>
        }
        actions={
          <>
            <LiveRefresh active={t.active !== null} />
            {t.archived ? (
              <Badge tone="zinc" title="Removed from the inventory with its history kept: it deploys nothing">
                Archived
              </Badge>
            ) : null}
            {t.pin ? (
              <Badge tone="amber" title="Pinned: new releases do not deploy here">
                Pinned
              </Badge>
            ) : null}
            {drift ? <Badge tone="rose">Drifted</Badge> : null}
          </>
        }
      />

      <div className="mb-5 space-y-3">
        {t.active ? (
          <Notice tone="info" role="status">
            <p className="flex flex-wrap items-center gap-2">
              <DeploymentStateBadge state={t.active.state} />
              <span>
                A deployment to {t.name} is {deploymentStates[t.active.state].label.toLowerCase()}.{" "}
                <Link href={`/deployments/${t.active.id}`} className="font-medium underline underline-offset-2">
                  Follow it
                </Link>
              </span>
            </p>
            {t.active.retry ? <RetryWaiting retry={t.active.retry} now={now} /> : null}
          </Notice>
        ) : null}
        {t.failedRollback ? (
          <FailedRollback
            targetId={t.id}
            targetName={t.name}
            rollback={{
              deploymentId: t.failedRollback.deploymentId,
              state: t.failedRollback.state === "rolled_back" ? "rolled_back" : "failed",
              reason: t.failedRollback.reason,
              releaseId: t.failedRollback.release.id,
              sha: t.failedRollback.release.commitSha,
            }}
            pin={t.pin ? { sha: t.pin.release.commitSha, by: t.pin.by } : null}
            busy={t.active ? `A deployment to ${t.name} is ${deploymentStates[t.active.state].label.toLowerCase()} now; wait until it ends.` : null}
            canOperate={canOperate}
            action={rollbackTargetAction}
          />
        ) : null}
        {drift ? (
          <Notice tone="warning" role="status" title={t.liveImage ? `Runs ${t.liveImage}, not its last release` : `Runs another ${unikernel ? "file" : "image"} than its last release`}>
            <p>
              The drift check saw it <Timestamp date={t.driftDetectedAt!} now={now} relative />
              {t.liveCheckedAt ? (
                <>
                  {" "}
                  (last checked <Timestamp date={t.liveCheckedAt} now={now} relative />)
                </>
              ) : null}
              : someone changed the {unikernel ? "unikernel's files" : "service"} outside Slipway. Deploy a release, or roll back to one, to put it back under Slipway&apos;s control.
            </p>
          </Notice>
        ) : null}
        <PinControls
          targetId={t.id}
          targetName={t.name}
          branch={t.branch}
          pin={t.pin ? { sha: t.pin.release.commitSha, by: t.pin.by, at: t.pin.at } : null}
          heldBack={t.heldBack ? { releaseId: t.heldBack.id, sha: t.heldBack.commitSha, message: firstLine(t.heldBack.commitMessage), createdAt: t.heldBack.createdAt } : null}
          newest={
            t.newestRelease && !t.pin
              ? { releaseId: t.newestRelease.id, sha: t.newestRelease.commitSha, message: firstLine(t.newestRelease.commitMessage), waitingDeploymentId: newestWaiting?.id ?? null, waitingLabel: newestWaiting?.label }
              : null
          }
          busy={busy}
          canOperate={canOperate}
          unpinAction={unpinTargetAction}
          deployAction={deployReleaseAction}
          now={now}
        />
      </div>

      <div className="mb-5 grid items-start gap-5 xl:grid-cols-3">
        <div className="space-y-5 xl:col-span-2">
          <Panel id="current-heading" title="Current release">
            {current ? (
              <dl className="grid grid-cols-2 gap-x-6 gap-y-4 lg:grid-cols-3">
                <Fact term="Commit">
                  <Link href={`/builds/${current.buildId}`} className="link" title={current.commitSha}>
                    <Mono className="text-inherit!">{shortSha(current.commitSha)}</Mono>
                  </Link>
                  {firstLine(current.commitMessage) ? <span className="block">{firstLine(current.commitMessage)}</span> : null}
                  {current.pushedBy ? <span className={`block text-xs ${muted}`}>pushed by {current.pushedBy}</span> : null}
                </Fact>
                <Fact term={unikernel ? "Running since" : "Deployed"}>
                  {t.runningSince ? (
                    <>
                      <Timestamp date={t.runningSince.at} now={now} relative />
                      <Link href={`/deployments/${t.runningSince.deploymentId}`} className={`block text-xs ${muted} hover:underline`}>
                        by this deployment
                      </Link>
                    </>
                  ) : t.lastDeployedAt ? (
                    <Timestamp date={t.lastDeployedAt} now={now} relative />
                  ) : (
                    <span className={muted}>unknown</span>
                  )}
                </Fact>
                <Fact term="Release">
                  <Link href={`/releases/${current.id}`} className="link">
                    Release {shortSha(current.commitSha)}
                  </Link>
                  {current.artifact ? (
                    <span className={`block text-xs ${muted}`}>
                      {current.artifact.target}
                      {current.artifact.size !== null ? ` · ${formatBytes(current.artifact.size)}` : ""}
                    </span>
                  ) : current.digest ? (
                    <Mono small className={`block ${muted}`} title={imageReference(current) ?? current.digest}>
                      {shortDigest(current.digest)}
                    </Mono>
                  ) : null}
                </Fact>
                {last ? (
                  <Fact term="Last deployment">
                    <Link href={`/deployments/${last.id}`} className="inline-block rounded-full" aria-label={`Last deployment to ${t.name}: ${deploymentStates[last.state].label}`}>
                      <DeploymentStateBadge state={last.state} />
                    </Link>
                    <span className={`block text-xs ${muted}`}>
                      <Timestamp date={last.finishedAt ?? last.createdAt} now={now} relative />
                    </span>
                  </Fact>
                ) : null}
                {current.artifact ? (
                  <>
                    <div className="col-span-2 lg:col-span-3">
                      <Fact term="File on the host">
                        <Mono className="break-all">{`${dir}/${current.artifact.sha256}.${current.artifact.target}`}</Mono>
                      </Fact>
                    </div>
                    <div className="col-span-2 lg:col-span-3">
                      <Fact term="sha256">
                        <Sha256 value={current.artifact.sha256} label={`Copy the sha256 ${current.artifact.sha256}`} />
                      </Fact>
                    </div>
                  </>
                ) : (
                  <div className="col-span-2 lg:col-span-3">
                    <Fact term="Image">
                      {imageReference(current) ? (
                        <span className="flex items-start gap-2">
                          <Mono className="min-w-0 break-all">{imageReference(current)}</Mono>
                          <CopyButton text={imageReference(current)!} label={`Copy the image reference ${imageReference(current)}`} />
                        </span>
                      ) : (
                        <span className={muted}>none</span>
                      )}
                    </Fact>
                  </div>
                )}
              </dl>
            ) : (
              <div className="space-y-2 text-sm text-zinc-600 dark:text-zinc-400">
                <p>
                  Slipway has not deployed to {t.name} yet. The next release of <Mono small>{t.branch}</Mono> deploys here
                  {t.pin ? " once the target is unpinned" : ""}.
                </p>
                {last ? (
                  <p className="flex flex-wrap items-center gap-2">
                    The last deployment:
                    <Link href={`/deployments/${last.id}`} className="inline-block rounded-full" aria-label={`Last deployment to ${t.name}: ${deploymentStates[last.state].label}`}>
                      <DeploymentStateBadge state={last.state} />
                    </Link>
                    <Timestamp date={last.finishedAt ?? last.createdAt} now={now} relative />
                  </p>
                ) : unikernel ? (
                  <p>Check the host below before the first deploy: it says what the host still needs.</p>
                ) : null}
              </div>
            )}
          </Panel>
        {unikernel ? (
          <Panel
            id="host-check-heading"
            title="Host check"
            description={
              <>
                Can Slipway log in to {t.host?.name ?? "the host"}, write <Mono small className="break-all">{`${dir}/`}</Mono> and restart {t.service} there? Check before the
                first deploy, and when a deploy fails on the host.
              </>
            }
          >
            {canCheck ? <HostCheck action={checkTargetHostAction} targetId={t.id} /> : <p className={`text-sm ${muted}`}>Operators and admins can check the host.</p>}
          </Panel>
        ) : null}
        </div>

        <Panel id="facts-heading" title="Target">
          <dl className="grid grid-cols-2 gap-x-6 gap-y-4">
            <Fact term="Kind">{targetKindWords[t.kind] ?? t.kind}</Fact>
            <Fact term={targetServiceTerm(t.kind)}>
              <Mono>{t.service}</Mono>
              {t.composeProject ? <span className={`block text-xs ${muted}`}>project {t.composeProject}</span> : null}
            </Fact>
            {unikernel ? (
              <UnikernelFacts service={t.service} host={t.host} run={t.run} />
            ) : t.host ? (
              <Fact term="Host">
                <Link href={`/hosts/${t.host.id}`} className="link">
                  {t.host.name}
                </Link>
              </Fact>
            ) : (
              <Fact term="Docker context">
                {t.dockerContext ? (
                  <Link href={`/contexts/${t.dockerContext.id}`} className="link">
                    {t.dockerContext.name}
                  </Link>
                ) : (
                  <span className={muted}>none</span>
                )}
              </Fact>
            )}
            <div className="col-span-2">
              <Fact term={unikernel ? "Kept in the registry as" : "Image"}>{t.image ? <Mono small className="break-all">{t.image}</Mono> : <span className={muted}>none</span>}</Fact>
            </div>
            <div className="col-span-2">
              <Fact term="Health URL">{t.healthUrl ? <Mono small className="break-all">{t.healthUrl}</Mono> : <span className={muted}>none: converged and running counts as healthy</span>}</Fact>
            </div>
            <div className="col-span-2">
              <Fact term="Timeouts">
                converge {formatDuration(t.convergeTimeoutSeconds * 1000)} · health {formatDuration(t.healthTimeoutSeconds * 1000)}
              </Fact>
            </div>
            {t.kind === "artifact_repository" ? null : (
              <div className="col-span-2">
                <Fact term="Monitor">
                  <span data-testid="monitor-window">
                    {monitor.value}
                    {monitor.note ? <span className={`block text-xs ${muted}`}>{monitor.note}</span> : null}
                  </span>
                </Fact>
              </div>
            )}
          </dl>
        </Panel>
      </div>

      <section aria-labelledby="history-heading">
        <div className="mb-3 flex flex-wrap items-baseline justify-between gap-x-4 gap-y-1">
          <h2 id="history-heading" className="text-base font-semibold text-zinc-900 dark:text-zinc-100">
            History
          </h2>
          {canOperate && t.history.length > 1 ? (
            <p className={`text-sm ${muted}`}>{busy ?? "Roll back to any earlier release: it deploys as built, and pins the target there."}</p>
          ) : null}
        </div>
        {t.historyCursorNotFound ? (
          <Notice tone="info" role="status" className="mb-4">
            The deployment this page started from is not in this target&apos;s history, so the history starts from the newest deployment.
          </Notice>
        ) : null}
        {t.history.length ? (
          <TargetHistory targetId={t.id} targetName={t.name} rows={t.history} now={now} canRollBack={canOperate} busy={busy} waiting={waiting} action={rollbackTargetAction} />
        ) : (
          <EmptyState title="No deployments yet" compact>
            <p>Each release of {t.branch} that is deployed to {t.name} appears here, with how it ended and a way to roll back to it.</p>
          </EmptyState>
        )}
        <Pager
          label="History pages"
          firstHref={before ? `/targets/${encodeURIComponent(t.id)}` : undefined}
          nextHref={t.historyNextCursor ? `/targets/${encodeURIComponent(t.id)}?before=${encodeURIComponent(t.historyNextCursor)}` : undefined}
        />
      </section>
    </>
  );
}
