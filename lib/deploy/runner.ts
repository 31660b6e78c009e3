// One deployment, start to end: claim it, open a session on the target through its kind's driver
// (lib/deploy/targets), apply the release, wait until the target converged and stayed up, check its health,
// and record how it ended. What the target rolled back by itself or Slipway put back is recorded as such,
// never as succeeded. The state machine, the audit events and the notifications are here alone; every step
// goes to the deployment's log.
import { getDb, type Tx } from "@/lib/db";
import type { Logger } from "@/lib/log";
import type { Actor } from "@/lib/auth/actor";
import type { Prisma } from "@/lib/generated/prisma/client";
import { recordAudit } from "@/lib/audit/record";
import type { AuditAction } from "@/lib/audit/actions";
import { BuildLogWriter } from "@/lib/build/log-writer";
import { enqueueNotify, targetQueue } from "@/lib/services/deployments/schedule";
import { restorePinAfterRollback } from "@/lib/services/deployments/rollback-pin";
import type { DeploymentNotifyEvent } from "@/lib/validation/notification-events";
import { enqueueJob } from "@/lib/jobs/enqueue";
import { settleOnAbort } from "@/lib/docker/abort";
import { waitForHealthy } from "@/lib/deploy/health";
import { inventoryAccess } from "@/lib/deploy/access";
import { registryAuth, releaseImage } from "@/lib/services/releases/pull";
import { driverFor } from "@/lib/deploy/targets";
import { targetInclude, type DeployIo, type DeployRelease, type DeployTarget, type TargetSession } from "@/lib/deploy/targets/driver";
import { classifyFailure, type FailureClass } from "@/lib/deploy/targets/failure-class";
import { planRetry, retryWindowMs, scheduleReverify, scheduleRetry, type RetryPlan } from "@/lib/deploy/retry";
import { retryWords } from "@/lib/validation/deployment-retry";
import { monitorBudgetSeconds } from "@/lib/validation/monitor-window";
import { checkReleaseProvenance } from "@/lib/deploy/provenance";

export interface RunDeploymentOptions {
  workerId: string;
  log: Logger;
  /** the worker is shutting down: stop watching; the next worker re-verifies the deployment */
  signal?: AbortSignal;
}

/** How long a deployment waits when its target is still busy with a deployment being re-verified. */
const BUSY_RETRY_MS = 5_000;

export type DeploymentOutcome =
  | { state: "succeeded" | "failed" | "rolled_back" | "interrupted"; reason: string | null }
  /** a transient failure: queued again, its next attempt at retryAt (lib/deploy/retry.ts) */
  | { state: "retrying"; reason: string; retryAt: Date }
  | { state: "skipped"; reason: string };

export const deploymentRunInclude = {
  target: { include: targetInclude },
  release: { include: { build: { include: { commit: true } }, deploymentRule: { include: { registry: true } } } },
  previousRelease: { include: { build: { include: { commit: { select: { sha: true } } } } } },
} as const satisfies Prisma.DeploymentInclude;
const include = deploymentRunInclude;

export type Loaded = Prisma.DeploymentGetPayload<{ include: typeof deploymentRunInclude }>;

/**
 * The deployment's release and the target's previous one as a driver takes them, with the registry's
 * credentials (added to the log's secrets). `release` is null when the release has no image digest.
 */
export async function deployReleases(d: Loaded, log: BuildLogWriter): Promise<{ release: DeployRelease | null; previous: DeployRelease | null }> {
  const image = releaseImage(d.release);
  const previousImage = d.previousRelease ? releaseImage(d.previousRelease) : null;
  const auth = await registryAuth(d.release, d.release.deploymentRule.registry);
  if (auth) log.addSecrets([auth.password]);
  const registryUrl = d.release.deploymentRule.registry?.url ?? undefined;
  return {
    release: image ? { row: d.release, image, auth, registryUrl, commit: d.release.build.commit.sha } : null,
    previous: d.previousRelease && previousImage ? { row: d.previousRelease, image: previousImage, auth, registryUrl, commit: d.previousRelease.build.commit.sha } : null,
  };
}

/** Why the run stopped early: carried as the abort reason. */
class Stop extends Error {
  constructor(
    readonly why: "timeout" | "worker_stopping",
    message: string,
  ) {
    super(message);
  }
}

function workerActor(workerId: string): Actor {
  return { type: "worker", workerId };
}

/** Claims a queued deployment: deploying, held by this worker. null when it is not queued any more. */
async function claim(deploymentId: string, workerId: string): Promise<Loaded | "busy" | null> {
  return getDb().$transaction(async (tx) => {
    const rows = await tx.$queryRaw<{ state: string; target_id: string }[]>`SELECT state::text, target_id FROM deployments WHERE id = ${deploymentId} FOR UPDATE`;
    const row = rows[0];
    if (row?.state !== "queued") return null;
    // the target's queue runs one job at a time, but a deployment of a worker that died is still being re-verified
    const running = await tx.deployment.count({ where: { targetId: row.target_id, state: { in: ["deploying", "verifying"] } } });
    if (running > 0) return "busy";
    const d = await tx.deployment.update({
      where: { id: deploymentId },
      data: { state: "deploying", startedAt: new Date(), workerId, attempts: { increment: 1 }, reason: null, retryAt: null },
      include,
    });
    await recordAudit(tx, {
      actor: workerActor(workerId),
      action: "deployment.started",
      subjectType: "deployment",
      subjectId: d.id,
      summary: `${d.target.name}: deploying ${releaseImage(d.release) ?? "the release"}${d.attempts > 1 ? ` (attempt ${d.attempts})` : ""}`,
      before: { state: "queued" },
      after: { state: "deploying", attempts: d.attempts },
    });
    // a retry after a transient failure is the same deployment going on: "started" is said once
    if (d.attempts === 1) await enqueueNotify(tx, d.id, "started");
    return d;
  });
}

const endAction: Record<"succeeded" | "failed" | "rolled_back", AuditAction> = {
  succeeded: "deployment.succeeded",
  failed: "deployment.failed",
  rolled_back: "deployment.rolled_back",
};

/** Records how the deployment ended; on success the target's current release moves to it. */
export async function endDeployment(
  tx: Tx,
  d: { id: string; targetId: string; targetName: string; releaseId: string; state: string },
  end: { state: "succeeded" | "failed" | "rolled_back"; reason: string | null; liveImage: string | null; actor: Actor; action?: AuditAction },
): Promise<void> {
  const now = new Date();
  await tx.deployment.update({ where: { id: d.id }, data: { state: end.state, reason: end.reason, finishedAt: now } });
  if (end.state === "succeeded") {
    await tx.target.update({
      where: { id: d.targetId },
      data: { currentReleaseId: d.releaseId, lastDeployedAt: now, liveImage: end.liveImage, liveCheckedAt: now, driftDetectedAt: null },
    });
  } else if (end.liveImage) {
    await tx.target.update({ where: { id: d.targetId }, data: { liveImage: end.liveImage, liveCheckedAt: now } });
  }
  // a rollback that did not put its release there leaves the pin as it was before it
  if (end.state !== "succeeded") await restorePinAfterRollback(tx, d.id, end.actor);
  await recordAudit(tx, {
    actor: end.actor,
    action: end.action ?? endAction[end.state],
    subjectType: "deployment",
    subjectId: d.id,
    summary: `${d.targetName}: ${end.state.replace("_", " ")}${end.reason ? `: ${end.reason}` : ""}`,
    before: { state: d.state },
    after: { state: end.state, reason: end.reason },
  });
  await enqueueNotify(tx, d.id, end.state as DeploymentNotifyEvent);
}

function describe(err: unknown, session: TargetSession | null): string {
  if (err instanceof Stop) return err.message;
  if (session) return session.explain(err);
  return err instanceof Error ? err.message : String(err);
}

export async function runDeployment(deploymentId: string, opts: RunDeploymentOptions): Promise<DeploymentOutcome> {
  const claimed = await claim(deploymentId, opts.workerId);
  if (claimed === null) return { state: "skipped", reason: "the deployment is not queued (cancelled, superseded or already taken)" };
  if (claimed === "busy") {
    // a deployment of a worker that died is still being re-verified: try again shortly, on the same queue
    await getDb().$transaction(async (tx) => {
      const row = await tx.deployment.findUniqueOrThrow({ where: { id: deploymentId }, select: { targetId: true } });
      await enqueueJob(tx, "deploy_run", { deploymentId }, { queueName: targetQueue(row.targetId), maxAttempts: 1, runAt: new Date(Date.now() + BUSY_RETRY_MS) });
    });
    return { state: "skipped", reason: "another deployment of this target is still being verified; retried in a few seconds" };
  }
  const d = claimed;
  const t = d.target;
  // one line per run, with the worker's id (the logger's binding), beside the deployment.started audit event
  opts.log.info({ deploymentId: d.id, targetId: t.id, attempt: d.attempts }, "deployment started");
  const actor = workerActor(opts.workerId);
  const image = releaseImage(d.release);
  const previousImage = d.previousRelease ? releaseImage(d.previousRelease) : null;

  const controller = new AbortController();
  const signal = controller.signal;
  const onWorkerStop = () => controller.abort(new Stop("worker_stopping", `worker ${opts.workerId} was shut down while watching the deployment`));
  opts.signal?.addEventListener("abort", onWorkerStop, { once: true });
  // converging, then the health window, then a possible rollback that converges again
  const budgetMs = (t.convergeTimeoutSeconds * 2 + t.healthTimeoutSeconds + monitorBudgetSeconds(t) * 2 + 60) * 1000;
  const timer = setTimeout(() => controller.abort(new Stop("timeout", `the deployment took longer than ${Math.round(budgetMs / 1000)} s in all and was stopped`)), budgetMs);

  const log = await BuildLogWriter.openDeployment(d.id, []);
  const io: DeployIo = { log, signal, deadline: Date.now() + budgetMs };
  let session: TargetSession | null = null;
  let liveImage: string | null = null;
  /** the state the row is in now, for the audit event's "before" */
  let current: "deploying" | "verifying" = "deploying";
  const end = async (state: "succeeded" | "failed" | "rolled_back", reason: string | null) => {
    const masked = reason === null ? null : log.mask(reason);
    log.step(`${state.replace("_", " ")}${masked ? `: ${masked}` : ""}`);
    // the log's last line is stored before the end is: a log stream that sees the deployment ended has it all
    await log.flush();
    await getDb().$transaction((tx) => endDeployment(tx, { id: d.id, targetId: t.id, targetName: t.name, releaseId: d.releaseId, state: current }, { state, reason: masked, liveImage, actor }));
    return { state, reason: masked };
  };
  let outcome: DeploymentOutcome;
  try {
    const driver = driverFor(t.kind);
    const place = driver.place(t);
    const { release, previous } = await deployReleases(d, log);
    if (!release) throw new Error("the release has no image digest; it cannot be deployed");
    log.step(`deployment ${d.id}: ${image} to ${place}`);
    log.line(`commit ${d.release.build.commit.sha}${d.release.build.commit.message ? ` ${d.release.build.commit.message.split("\n")[0]}` : ""}`);
    if (previousImage) log.line(`previous release: ${previousImage}`);
    // nothing touches the target before the release's provenance checks out (or the target allows it unsigned)
    await checkReleaseProvenance(d.id, t, release, io, actor);
    session = await driver.open(t, inventoryAccess, io);
    const s = session;

    const applied = await settleOnAbort(s.apply(release, io), signal);
    await getDb().deployment.update({ where: { id: d.id }, data: { state: "verifying", ...(applied.version !== null ? { serviceVersion: BigInt(applied.version) } : {}) } });
    current = "verifying";
    if (applied.waiting) log.step(applied.waiting);
    const conv = await settleOnAbort(s.converge(applied, io), signal);
    if (conv.outcome === "rolled_back") {
      liveImage = conv.live;
      outcome = await end("rolled_back", `${conv.by} rolled the update back: ${conv.message}`);
    } else if (conv.outcome === "failed" && conv.restored) {
      liveImage = previousImage;
      outcome = await end("failed", conv.message);
    } else if (conv.outcome === "failed") {
      const back = await settleOnAbort(s.restore(applied, previous, "not_converged", io), signal);
      liveImage = back.live;
      outcome = await end("failed", `${conv.message}; ${back.summary}`);
    } else {
      liveImage = applied.reference;
      const health = await checkHealth(d, signal, log);
      if (health) {
        const back = await settleOnAbort(s.restore(applied, previous, "unhealthy", io), signal);
        liveImage = back.live;
        outcome = await end("failed", `${health}; ${back.summary}`);
      } else {
        outcome = await end("succeeded", null);
      }
    }
  } catch (err) {
    const stop = signal.aborted && signal.reason instanceof Stop ? signal.reason : null;
    if (stop?.why === "worker_stopping") {
      // the target may be half-way: the next worker's reaper re-verifies it against the live service
      log.step(`interrupted: ${stop.message}; the next worker re-verifies the service`);
      outcome = { state: "interrupted", reason: stop.message };
    } else {
      const reason = describe(stop ?? err, session);
      // a host, sshd, dockerd or registry briefly down: before the target was changed, try again later; after,
      // while the update is watched, look again later at what the target runs (the change may complete without us)
      const failure: FailureClass = stop ? { transient: false } : classifyFailure(err);
      try {
        // after the target took the release, whatever failed (a dockerd restarting answers 503 or 500, the socket
        // goes): the swarm may still finish the update, or roll it back; recording "failed" now left the target's
        // current release behind what it ran (the soak found it). What the target runs decides, a little later.
        const later = stop ? null : current === "deploying" ? (failure.transient ? await retryLater(d, failure, reason, log, actor) : null) : await reverifyLater(d, failure, reason, log, actor);
        outcome = later ?? (await end("failed", failure.transient && current === "deploying" ? `${reason}; ${gaveUp(d)}` : reason));
      } catch (endErr) {
        opts.log.error({ deploymentId: d.id, err: endErr instanceof Error ? endErr.message : String(endErr) }, "could not record the end of the deployment; the reaper will");
        outcome = { state: "interrupted", reason };
      }
    }
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener("abort", onWorkerStop);
    try {
      await session?.close();
    } catch (err) {
      opts.log.error({ deploymentId: d.id, err: err instanceof Error ? err.message : String(err) }, "could not close the session on the target");
    }
    try {
      await log.close();
    } catch (err) {
      opts.log.error({ deploymentId: d.id, err: err instanceof Error ? err.message : String(err) }, "could not store the end of the deployment log");
    }
  }
  opts.log.info({ deploymentId: d.id, state: outcome.state }, "deployment ended");
  return outcome;
}

/** What a retry waits for, in words: the registry, or the target's host or docker context (with the address that did not answer). */
function retryTarget(t: DeployTarget, failure: Extract<FailureClass, { transient: true }>): string {
  const where = failure.endpoint ? ` (${failure.endpoint})` : "";
  if (failure.registry) return `the registry${where}`;
  return `${t.host?.name ?? t.dockerContext?.host?.name ?? t.dockerContext?.name ?? t.name}${where}`;
}

/** Why a transient failure is not retried (any more). */
function gaveUp(d: Loaded): string {
  const plan = planRetryFor(d);
  return plan.retry ? "not retried: the deployment is no longer held by this worker" : plan.why;
}

function planRetryFor(d: Loaded): RetryPlan {
  return planRetry({ attempts: d.attempts, until: d.retryUntil, now: new Date(), windowMs: retryWindowMs() });
}

/**
 * A transient failure within the retry window: the deployment goes back to queued with its next attempt in the
 * database (lib/deploy/retry.ts). null when it is not retried (the window ended, retrying is off, or the row is no
 * longer this worker's), and the caller fails it.
 */
async function retryLater(d: Loaded, failure: Extract<FailureClass, { transient: true }>, reason: string, log: BuildLogWriter, actor: Actor): Promise<DeploymentOutcome | null> {
  const plan = planRetryFor(d);
  if (!plan.retry) return null;
  const masked = log.mask(reason);
  const waitingFor = retryTarget(d.target, failure);
  const scheduled = await getDb().$transaction((tx) => scheduleRetry(tx, { id: d.id, targetId: d.target.id, targetName: d.target.name, attempts: d.attempts }, plan, { waitingFor, reason: masked }, actor));
  if (!scheduled) return null;
  log.step(`${retryWords({ waitingFor, attempts: d.attempts, retryAt: plan.at, now: new Date() })} (${failure.why}; retried until ${plan.until.toISOString()}): ${masked}`);
  return { state: "retrying", reason: masked, retryAt: plan.at };
}

/**
 * A transient failure after the target was changed, within the retry window: the deployment stays verifying and
 * is re-verified against the target at the planned time (lib/deploy/retry.ts scheduleReverify). null when not
 * (the window ended, retrying is off, the row moved on), and the caller fails it.
 */
async function reverifyLater(d: Loaded, failure: FailureClass, reason: string, log: BuildLogWriter, actor: Actor): Promise<DeploymentOutcome | null> {
  // within the retry window the check waits for the target (and waits again while it stays away); outside it, the
  // check runs at once and fails in words if the target cannot be reached
  const planned = planRetryFor(d);
  const now = new Date();
  // (at once is a few seconds on: this runner stores its last lines and closes its log first)
  const plan = planned.retry ? planned : { at: new Date(now.getTime() + 5_000), until: now };
  const masked = log.mask(reason);
  const t = d.target;
  const waitingFor = failure.transient ? retryTarget(t, failure) : (t.host?.name ?? t.dockerContext?.host?.name ?? t.dockerContext?.name ?? t.name);
  const scheduled = await getDb().$transaction((tx) => scheduleReverify(tx, { id: d.id, targetId: t.id, targetName: t.name }, plan, { waitingFor, reason: masked }, actor));
  if (!scheduled) return null;
  log.step(`lost sight of ${waitingFor} while watching the update (${failure.transient ? failure.why : "the call failed"}): ${masked}; what the target runs is checked again at ${plan.at.toISOString()}, and the deployment ends by that`);
  return { state: "interrupted", reason: masked };
}

/** The health check after convergence: null when healthy (or none configured), else why not. */
export async function checkHealth(d: Pick<Loaded, "target">, signal: AbortSignal, log: BuildLogWriter): Promise<string | null> {
  const t = d.target;
  if (!t.healthUrl) {
    log.line("no health URL on this target: converged and running is healthy (an image HEALTHCHECK is waited for by the engine)");
    return null;
  }
  log.step(`health check: ${t.healthUrl} must answer 2xx within ${t.healthTimeoutSeconds} s`);
  const r = await waitForHealthy(t.healthUrl, { windowMs: t.healthTimeoutSeconds * 1000, signal, log: (line) => log.line(line) });
  return r.ok ? null : `health check failed: ${r.message}`;
}
