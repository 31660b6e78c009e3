// Nothing stays "deploying". The reaper (at worker start and every minute) ends approvals whose window
// closed, hands deployments held by a worker that stopped to `deploy_verify`, and gives queued deployments
// whose job is gone a new one. Re-verification asks the target's driver what the target runs (live()) and
// compares it with the release: running it, converged → succeeded; still rolling it out → watched to its end
// (converge()); otherwise failed with what the target runs. The drift check (lib/deploy/drift.ts) does the
// same comparison for targets at rest.
import { getDb } from "@/lib/db";
import type { Actor } from "@/lib/auth/actor";
import { recordAudit } from "@/lib/audit/record";
import { HEARTBEAT_STALE_MS } from "@/lib/queries/workers";
import { enqueueJob } from "@/lib/jobs/enqueue";
import { liveJobExists, unlockJobsOfDeadRunner, unlockJobsOfDeadWorkers } from "@/lib/jobs/pending";
import { BuildLogWriter } from "@/lib/build/log-writer";
import { enqueueDeployment, targetQueue } from "@/lib/services/deployments/schedule";
import { checkHealth, deployReleases, deploymentRunInclude, endDeployment } from "@/lib/deploy/runner";
import { releaseImage } from "@/lib/services/releases/pull";
import { inventoryAccess } from "@/lib/deploy/access";
import { driverFor } from "@/lib/deploy/targets";
import type { DeployIo, TargetSession } from "@/lib/deploy/targets/driver";
import { monitorBudgetSeconds } from "@/lib/validation/monitor-window";
import { planRetry, retryWindowMs, scheduleReverify } from "@/lib/deploy/retry";
import { classifyFailure, type FailureClass } from "@/lib/deploy/targets/failure-class";

/** A queued deployment may wait this long for its job before the reaper looks for the job. */
export const ORPHAN_AFTER_MS = 120_000;

export interface DeploymentReapResult {
  expired: string[];
  verify: string[];
  resubmitted: string[];
  /** graphile-worker pools of dead workers whose job and queue locks were freed */
  unlocked: string[];
}

export async function reapDeployments(opts: { now?: Date; exceptWorkerId?: string; actor?: Actor } = {}): Promise<DeploymentReapResult> {
  const now = opts.now ?? new Date();
  const actor: Actor = opts.actor ?? { type: "system", label: "reaper" };
  const out: DeploymentReapResult = { expired: [], verify: [], resubmitted: [], unlocked: [] };
  const db = getDb();

  // A worker killed while it ran any job (a re-verification, a deployment it had just ended) leaves that job and
  // its queue (the target's) locked for hours; the soak found a target whose re-verification and next deployment
  // waited behind such a lock until the run ended. Freed first, so what is queued below can run now.
  out.unlocked = await db.$transaction((tx) => unlockJobsOfDeadWorkers(tx, { now, staleMs: HEARTBEAT_STALE_MS }));

  const expired = await db.deployment.findMany({ where: { state: "pending_approval", approvalExpiresAt: { lte: now } }, select: { id: true } });
  for (const { id } of expired) {
    const done = await db.$transaction(async (tx) => {
      const rows = await tx.$queryRaw<{ state: string; approval_expires_at: Date | null }[]>`SELECT state::text, approval_expires_at FROM deployments WHERE id = ${id} FOR UPDATE`;
      const r = rows[0];
      if (r?.state !== "pending_approval" || !r.approval_expires_at || r.approval_expires_at > now) return false;
      const d = await tx.deployment.update({
        where: { id },
        data: { state: "cancelled", finishedAt: now, reason: `approval expired at ${r.approval_expires_at.toISOString()} without enough approvals` },
        select: { target: { select: { name: true } } },
      });
      await recordAudit(tx, { actor, action: "deployment.approval_expired", subjectType: "deployment", subjectId: id, summary: `${d.target.name}: nobody approved in time`, before: { state: "pending_approval" }, after: { state: "cancelled" } });
      return true;
    });
    if (done) out.expired.push(id);
  }

  const held = await db.$queryRaw<{ id: string; target_id: string }[]>`
    SELECT d.id, d.target_id FROM deployments d
    LEFT JOIN worker_heartbeats w ON w.id = d.worker_id
    WHERE d.state IN ('deploying', 'verifying')
      AND (d.worker_id IS NULL OR w.id IS NULL OR w.stopped_at IS NOT NULL OR w.last_seen_at < ${new Date(now.getTime() - HEARTBEAT_STALE_MS)})
      AND d.worker_id IS DISTINCT FROM ${opts.exceptWorkerId ?? null}`;
  for (const h of held) {
    await db.$transaction(async (tx) => {
      // the dead worker's deploy_run job still locks the target's queue: the verification queued behind it
      // (and every later deployment of the target) would wait hours for graphile-worker's lock timeout
      await unlockJobsOfDeadRunner(tx, "deploy_run", "deploymentId", h.id);
      // one verification job per deployment, however often the reaper runs before it does
      await enqueueJob(tx, "deploy_verify", { deploymentId: h.id }, { queueName: targetQueue(h.target_id), jobKey: `deploy_verify:${h.id}`, jobKeyMode: "preserve_run_at", maxAttempts: 3 });
    });
    out.verify.push(h.id);
  }

  const orphans = await db.$queryRaw<{ id: string; target_id: string }[]>`
    SELECT d.id, d.target_id FROM deployments d
    WHERE d.state = 'queued' AND d.queued_at < ${new Date(now.getTime() - ORPHAN_AFTER_MS)}
      AND NOT ${liveJobExists("deploy_run", "deploymentId", "d.id")}`;
  for (const o of orphans) {
    await db.$transaction((tx) => enqueueDeployment(tx, o.id, o.target_id));
    out.resubmitted.push(o.id);
  }
  return out;
}

/** Ends a deployment whose worker stopped, by what the target runs now. */
export async function reverifyDeployment(deploymentId: string, opts: { workerId: string; signal?: AbortSignal }): Promise<{ state: string; reason: string | null } | null> {
  const db = getDb();
  const d = await db.deployment.findUnique({ where: { id: deploymentId }, include: deploymentRunInclude });
  if (!d || (d.state !== "deploying" && d.state !== "verifying")) return null;
  const actor: Actor = { type: "worker", workerId: opts.workerId };
  const wanted = releaseImage(d.release);
  const log = await BuildLogWriter.openDeployment(d.id, []);
  // handed over by its own worker after losing the target mid-watch (lib/deploy/retry.ts scheduleReverify), or by
  // the reaper after the worker stopped
  const lost = d.workerId === null && d.state === "verifying" && d.retryWaitingFor !== null;
  const cause = lost ? `the connection to ${d.retryWaitingFor} was lost while the update was watched` : "the worker stopped mid-deployment";
  log.step(lost ? `re-verifying: ${cause}` : `re-verifying: ${d.workerId ? `worker ${d.workerId}` : "its worker"} stopped while the deployment was ${d.state}`);
  let state: "succeeded" | "failed" | "rolled_back";
  let reason: string | null;
  let liveImage: string | null = null;
  // converging, the health window, then a possible rollback that converges again
  const budgetMs = (d.target.convergeTimeoutSeconds * 2 + d.target.healthTimeoutSeconds + monitorBudgetSeconds(d.target) * 2 + 60) * 1000;
  const io: DeployIo = { log, signal: opts.signal ?? AbortSignal.timeout(budgetMs), deadline: Date.now() + budgetMs };
  const couldNotCheck = (why: string) => `${cause}, and the service could not be checked: ${why}`;
  /** the target still away: looked at again later while the retry window lasts (null: not, it fails now) */
  let again: { at: Date; until: Date; waitingFor: string; why: string } | null = null;
  const laterCheck = (failure: FailureClass, said: string): typeof again => {
    // A check that could not answer is made again later, within the retry window, whatever kept it from
    // answering (not only what classifyFailure calls transient), for a deployment handed over mid-watch and for
    // one whose worker died alike: the target may have taken the release, so a guess now may record what it does
    // not run. The soak found both: a dockerd restarted mid-check answers "This node is not a swarm manager"
    // until its raft is up (recorded v1, the swarm then finished v2), and a worker killed mid-update was
    // re-verified while the manager's dockerd was down (recorded v2, the service ran v0).
    const plan = planRetry({ attempts: d.attempts, until: d.retryUntil, now: new Date(), windowMs: retryWindowMs() });
    const t = d.target;
    const place = t.host?.name ?? t.dockerContext?.host?.name ?? t.dockerContext?.name ?? t.name;
    return plan.retry ? { at: plan.at, until: plan.until, waitingFor: d.retryWaitingFor ?? place, why: failure.transient ? failure.why : said } : null;
  };
  let session: TargetSession | null = null;
  try {
    const driver = driverFor(d.target.kind);
    session = await driver.open(d.target, inventoryAccess, io);
    const live = await session.live(io);
    if (live.state !== "found") {
      state = "failed";
      reason = couldNotCheck(live.reason);
      if (live.state === "unreachable") again = laterCheck({ transient: true, why: "the target did not answer", endpoint: null, registry: false }, live.reason);
    } else {
      liveImage = live.reference;
      log.line(`the service runs ${live.reference ?? "nothing"} (${live.description})`);
      const identity = driver.identity(d.release);
      const onRelease = wanted !== null && live.identity === identity;
      if (onRelease && !live.converged && live.settling) {
        // the target is still rolling the update out: watch it to the end, as the stopped worker would have
        log.step(`${live.settling}: waiting for it to converge`);
        const conv = await session.converge({ reference: wanted, version: null, waiting: null }, io);
        state = conv.outcome === "converged" ? "succeeded" : conv.outcome;
        reason = conv.outcome === "converged" ? null : `${cause}, then ${conv.message}`;
      } else {
        state = onRelease && live.converged ? "succeeded" : "failed";
        reason =
          state === "succeeded"
            ? null
            : `${cause}, and the service ${onRelease ? `runs ${identity} but has not converged (${live.description})` : `runs ${live.reference ?? "no image"}, not ${identity}`}; deploy the release again if it is still wanted`;
      }
      if (state === "succeeded") {
        // converged is not done: the health check the stopped worker did not get to runs now, and an unhealthy
        // release is taken back as the runner would have
        const health = await checkHealth(d, io.signal, log);
        if (health) {
          const { release, previous } = await deployReleases(d, log);
          const back = await session.restore({ reference: release?.image ?? live.reference ?? "", version: null, waiting: null }, previous, "unhealthy", io);
          liveImage = back.live;
          state = "failed";
          reason = `${cause}; the service converged, then ${health}; ${back.summary}`;
        }
      }
    }
  } catch (err) {
    state = "failed";
    const said = session ? session.explain(err) : err instanceof Error ? err.message : String(err);
    reason = couldNotCheck(said);
    again = laterCheck(classifyFailure(err), said);
  } finally {
    await session?.close().catch((err: unknown) => log.line(`could not close the session on the target: ${err instanceof Error ? err.message : String(err)}`));
  }
  if (again) {
    const plan = again;
    const waiting = await db.$transaction((tx) => scheduleReverify(tx, { id: d.id, targetId: d.targetId, targetName: d.target.name }, plan, { waitingFor: plan.waitingFor, reason: reason ?? plan.why }, actor));
    if (waiting) {
      log.step(`${plan.waitingFor} still cannot be reached (${plan.why}); checked again at ${plan.at.toISOString()} (until ${plan.until.toISOString()})`);
      await log.close();
      return null;
    }
  }
  const ended = await db.$transaction(async (tx) => {
    const rows = await tx.$queryRaw<{ state: string }[]>`SELECT state::text FROM deployments WHERE id = ${d.id} FOR UPDATE`;
    const now = rows[0]?.state;
    if (now !== "deploying" && now !== "verifying") return false;
    await endDeployment(tx, { id: d.id, targetId: d.targetId, targetName: d.target.name, releaseId: d.releaseId, state: now }, { state, reason, liveImage, actor, action: state === "succeeded" ? "deployment.reverified" : state === "rolled_back" ? "deployment.rolled_back" : "deployment.failed" });
    return true;
  });
  log.step(ended ? `${state}${reason ? `: ${reason}` : " (re-verified against the live service)"}` : "already ended elsewhere");
  await log.close();
  return ended ? { state, reason } : null;
}
