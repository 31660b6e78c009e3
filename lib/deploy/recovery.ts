// Nothing stays "deploying". The reaper (at worker start and every minute) ends approvals whose window
// closed, hands deployments held by a worker that stopped to `deploy_verify`, and gives queued deployments
// whose job is gone a new one. Re-verification compares the live service with the release: running its
// digest on every replica → succeeded; otherwise failed with what the service runs. The drift check does
// the same comparison for targets at rest.
import { getDb } from "@/lib/db";
import type { Actor } from "@/lib/auth/actor";
import { recordAudit } from "@/lib/audit/record";
import { HEARTBEAT_STALE_MS } from "@/lib/queries/workers";
import { enqueueJob } from "@/lib/jobs/enqueue";
import { BuildLogWriter } from "@/lib/build/log-writer";
import { dockerClient, type DockerClient, type DockerContextAccess } from "@/lib/docker/engine";
import { explainDockerFailure } from "@/lib/docker/failure";
import { settleOnAbort } from "@/lib/docker/abort";
import { contextAccess } from "@/lib/services/inventory/checks";
import { enqueueDeployment, targetQueue } from "@/lib/services/deployments/schedule";
import { endDeployment, releaseImage } from "@/lib/deploy/runner";
import { imageDigest, inspectServiceImage, readService, SwarmError, waitForConvergence } from "@/lib/deploy/swarm";
import { ComposeError, inspectComposeService } from "@/lib/deploy/compose";

/** A queued deployment may wait this long for its job before the reaper looks for the job. */
export const ORPHAN_AFTER_MS = 120_000;

export interface DeploymentReapResult {
  expired: string[];
  verify: string[];
  resubmitted: string[];
}

export async function reapDeployments(opts: { now?: Date; exceptWorkerId?: string; actor?: Actor } = {}): Promise<DeploymentReapResult> {
  const now = opts.now ?? new Date();
  const actor: Actor = opts.actor ?? { type: "system", label: "reaper" };
  const out: DeploymentReapResult = { expired: [], verify: [], resubmitted: [] };
  const db = getDb();

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
      // one verification job per deployment, however often the reaper runs before it does
      await enqueueJob(tx, "deploy_verify", { deploymentId: h.id }, { queueName: targetQueue(h.target_id), jobKey: `deploy_verify:${h.id}`, jobKeyMode: "preserve_run_at", maxAttempts: 3 });
    });
    out.verify.push(h.id);
  }

  const orphans = await db.$queryRaw<{ id: string; target_id: string }[]>`
    SELECT d.id, d.target_id FROM deployments d
    WHERE d.state = 'queued' AND d.queued_at < ${new Date(now.getTime() - ORPHAN_AFTER_MS)}
      AND NOT EXISTS (
        SELECT 1 FROM graphile_worker._private_jobs j JOIN graphile_worker._private_tasks t ON t.id = j.task_id
        WHERE t.identifier = 'deploy_run' AND j.payload->>'deploymentId' = d.id AND j.attempts < j.max_attempts)`;
  for (const o of orphans) {
    await db.$transaction((tx) => enqueueDeployment(tx, o.id, o.target_id));
    out.resubmitted.push(o.id);
  }
  return out;
}

export interface LiveState {
  /** the image the service or containers run, as the engine names it */
  image: string | null;
  converged: boolean;
  detail: string;
}

/** What the target runs now, asked of its engine. Throws an Error in words when the engine cannot be asked. */
export async function inspectTarget(t: { kind: string; service: string; composeProject: string | null; dockerContextId: string | null }, signal: AbortSignal): Promise<LiveState> {
  if (!t.dockerContextId) throw new Error("the target names no docker context");
  const { access } = await contextAccess(t.dockerContextId);
  const client = dockerClient(access, { timeoutMs: 15_000 });
  try {
    if (t.kind === "swarm_service") return await settleOnAbort(inspectServiceImage(client.docker, t.service, signal), signal);
    if (t.kind === "compose_service" && t.composeProject) {
      const c = await settleOnAbort(inspectComposeService(client.docker, t.composeProject, t.service, signal), signal);
      const images = [...new Set(c.images)];
      return { image: images.length === 1 ? images[0]! : images.length ? images.join(", ") : null, converged: images.length === 1 && c.running === c.total && c.total > 0, detail: c.detail };
    }
    throw new Error(`${t.kind} targets cannot be inspected`);
  } catch (err) {
    throw new Error(explain(err, client, access));
  }
}

function explain(err: unknown, client: DockerClient, access: DockerContextAccess): string {
  if ((err instanceof SwarmError || err instanceof ComposeError) && client.hostKeyVerdict()?.accepted !== false) return err.message;
  const f = explainDockerFailure(client, access, err, 15_000);
  return f.presented ? `${f.message} Presented ${f.presented.algorithm} ${f.presented.fingerprintSha256}; pinned ${f.pinned?.join(", ") || "none"}.` : f.message;
}

/** Ends a deployment whose worker stopped, by what the target runs now. */
export async function reverifyDeployment(deploymentId: string, opts: { workerId: string; signal?: AbortSignal }): Promise<{ state: string; reason: string | null } | null> {
  const db = getDb();
  const d = await db.deployment.findUnique({ where: { id: deploymentId }, include: { target: true, release: true } });
  if (!d || (d.state !== "deploying" && d.state !== "verifying")) return null;
  const actor: Actor = { type: "worker", workerId: opts.workerId };
  const wanted = releaseImage(d.release);
  const log = await BuildLogWriter.openDeployment(d.id, []);
  log.step(`re-verifying: ${d.workerId ? `worker ${d.workerId}` : "its worker"} stopped while the deployment was ${d.state}`);
  let state: "succeeded" | "failed" | "rolled_back";
  let reason: string | null;
  let live: LiveState | null = null;
  const signal = opts.signal ?? AbortSignal.timeout((d.target.convergeTimeoutSeconds + d.target.monitorSeconds + 60) * 1000);
  try {
    live = await inspectTarget(d.target, signal);
    log.line(`the service runs ${live.image ?? "nothing"} (${live.detail})`);
    const onRelease = wanted !== null && imageDigest(live.image) === d.release.digest;
    if (onRelease && !live.converged && d.target.kind === "swarm_service") {
      // the swarm is still rolling the update out: watch it to the end, as the stopped worker would have
      log.step(`the swarm is still updating ${d.target.service}: waiting for it to converge`);
      const conv = await watchSwarm(d.target, wanted, signal, (l) => log.line(l));
      state = conv.outcome === "converged" ? "succeeded" : conv.outcome;
      reason = conv.outcome === "converged" ? null : `the worker stopped mid-deployment, then ${conv.message}`;
      if (conv.outcome === "converged") live = { ...live, converged: true };
    } else {
      state = onRelease && live.converged ? "succeeded" : "failed";
      reason =
        state === "succeeded"
          ? null
          : `the worker stopped mid-deployment, and the service ${onRelease ? `runs ${d.release.digest} but has not converged (${live.detail})` : `runs ${live.image ?? "no image"}, not ${d.release.digest}`}; deploy the release again if it is still wanted`;
    }
  } catch (err) {
    state = "failed";
    reason = `the worker stopped mid-deployment, and the service could not be checked: ${err instanceof Error ? err.message : String(err)}`;
  }
  const ended = await db.$transaction(async (tx) => {
    const rows = await tx.$queryRaw<{ state: string }[]>`SELECT state::text FROM deployments WHERE id = ${d.id} FOR UPDATE`;
    const now = rows[0]?.state;
    if (now !== "deploying" && now !== "verifying") return false;
    await endDeployment(tx, { id: d.id, targetId: d.targetId, targetName: d.target.name, releaseId: d.releaseId, state: now }, { state, reason, liveImage: live?.image ?? null, actor, action: state === "succeeded" ? "deployment.reverified" : state === "rolled_back" ? "deployment.rolled_back" : "deployment.failed" });
    return true;
  });
  log.step(ended ? `${state}${reason ? `: ${reason}` : " (re-verified against the live service)"}` : "already ended elsewhere");
  await log.close();
  return ended ? { state, reason } : null;
}

/** Waits for a swarm service to converge on `image`, through the target's context. */
async function watchSwarm(t: { dockerContextId: string | null; service: string; monitorSeconds: number; convergeTimeoutSeconds: number }, image: string, signal: AbortSignal, log: (l: string) => void) {
  const { access } = await contextAccess(t.dockerContextId!);
  const client = dockerClient(access, { timeoutMs: 15_000 });
  try {
    const svc = await readService(client.docker, t.service, signal);
    return await waitForConvergence(client.docker, { serviceId: svc.id, image, monitorMs: t.monitorSeconds * 1000, timeoutMs: t.convergeTimeoutSeconds * 1000, signal, log });
  } catch (err) {
    throw new Error(explain(err, client, access));
  }
}

export interface DriftChange {
  targetId: string;
  name: string;
  drifted: boolean;
  liveImage: string | null;
  expected: string | null;
}

/** Compares each deployed target at rest with its current release; records changes of drift. */
export async function checkDrift(opts: { signal?: AbortSignal; actor?: Actor } = {}): Promise<{ checked: number; changes: DriftChange[]; errors: Array<{ name: string; message: string }> }> {
  const db = getDb();
  const actor: Actor = opts.actor ?? { type: "system", label: "drift check" };
  const targets = await db.target.findMany({
    where: { kind: { in: ["swarm_service", "compose_service"] }, currentReleaseId: { not: null }, deployments: { none: { state: { in: ["queued", "deploying", "verifying"] } } } },
    include: { currentRelease: true },
  });
  const changes: DriftChange[] = [];
  const errors: Array<{ name: string; message: string }> = [];
  for (const t of targets) {
    if (opts.signal?.aborted) break;
    let live: LiveState;
    try {
      live = await inspectTarget(t, AbortSignal.any([opts.signal ?? new AbortController().signal, AbortSignal.timeout(30_000)]));
    } catch (err) {
      errors.push({ name: t.name, message: err instanceof Error ? err.message : String(err) });
      continue;
    }
    const expected = t.currentRelease ? releaseImage(t.currentRelease) : null;
    const drifted = imageDigest(live.image) !== t.currentRelease?.digest;
    const change = await db.$transaction(async (tx) => {
      const now = new Date();
      const row = await tx.target.findUnique({ where: { id: t.id }, select: { driftDetectedAt: true } });
      if (!row) return null;
      await tx.target.update({ where: { id: t.id }, data: { liveImage: live.image, liveCheckedAt: now, driftDetectedAt: drifted ? (row.driftDetectedAt ?? now) : null } });
      const was = row.driftDetectedAt !== null;
      if (was === drifted) return null;
      await recordAudit(tx, {
        actor,
        action: drifted ? "target.drift_detected" : "target.drift_cleared",
        subjectType: "target",
        subjectId: t.id,
        summary: drifted ? `${t.name} runs ${live.image ?? "nothing"}, not its last release ${expected ?? ""}` : `${t.name} runs its last release again`,
        before: { liveImage: t.liveImage },
        after: { liveImage: live.image, expected },
      });
      return { targetId: t.id, name: t.name, drifted, liveImage: live.image, expected };
    });
    if (change) changes.push(change);
  }
  return { checked: targets.length, changes, errors };
}
