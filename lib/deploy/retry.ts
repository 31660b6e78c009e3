// A deployment that failed on a transient error (lib/deploy/targets/failure-class.ts: a host, sshd, dockerd or
// registry briefly down) goes back to `queued` with its next attempt in the database: the row's retry_at and a
// deploy_run job with that run_at on the target's queue. So a worker restart loses nothing, Cancel and a newer
// release (which supersedes queued deployments) stop it as they stop any queued deployment, and the next attempt
// is taken by whichever worker is free. Attempts back off (10 s, 20 s, 40 s, … at most 2 min) within a window that
// starts at the first transient failure (SLIPWAY_DEPLOY_RETRY_SECONDS, default 10 min; 0: never retry).
import type { Tx } from "@/lib/db";
import type { Actor } from "@/lib/auth/actor";
import { env } from "@/lib/env";
import { recordAudit } from "@/lib/audit/record";
import { enqueueJob } from "@/lib/jobs/enqueue";
import { targetQueue } from "@/lib/services/deployments/schedule";
import { retryWords } from "@/lib/validation/deployment-retry";

const FIRST_DELAY_MS = 10_000;
const MAX_DELAY_MS = 120_000;

/** How long after `failures` failed attempts the next one runs: 10 s, 20 s, 40 s, … at most 2 min. */
export function retryDelayMs(failures: number): number {
  return Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** Math.max(0, failures - 1));
}

/** The retry window, from the environment (SLIPWAY_DEPLOY_RETRY_SECONDS). */
export function retryWindowMs(): number {
  return env().SLIPWAY_DEPLOY_RETRY_SECONDS * 1000;
}

export type RetryPlan = { retry: true; at: Date; until: Date } | { retry: false; why: string };

/**
 * Whether a deployment that failed its `attempts`-th attempt on a transient error is tried again, and when.
 * `until`: the window's end, set at the first transient failure (null before).
 */
export function planRetry(a: { attempts: number; until: Date | null; now: Date; windowMs: number }): RetryPlan {
  if (a.windowMs <= 0) return { retry: false, why: "retrying is turned off (SLIPWAY_DEPLOY_RETRY_SECONDS=0)" };
  const until = a.until ?? new Date(a.now.getTime() + a.windowMs);
  const left = until.getTime() - a.now.getTime();
  if (left <= 0) return { retry: false, why: `gave up after ${a.attempts} attempts: still failing when the retry window ended at ${until.toISOString()}` };
  const at = new Date(a.now.getTime() + Math.min(retryDelayMs(a.attempts), left));
  return { retry: true, at, until };
}

/**
 * Puts a deployment the worker holds (state deploying) back to queued, its next attempt at `plan.at`: the row, the
 * job and the audit event in the caller's transaction. False when the row is no longer the worker's.
 */
export async function scheduleRetry(
  tx: Tx,
  d: { id: string; targetId: string; targetName: string; attempts: number },
  plan: { at: Date; until: Date },
  failure: { waitingFor: string; reason: string },
  actor: Actor,
): Promise<boolean> {
  const rows = await tx.$queryRaw<{ state: string }[]>`SELECT state::text FROM deployments WHERE id = ${d.id} FOR UPDATE`;
  if (rows[0]?.state !== "deploying") return false;
  const now = new Date();
  await tx.deployment.update({
    where: { id: d.id },
    data: { state: "queued", queuedAt: now, workerId: null, reason: failure.reason, retryAt: plan.at, retryUntil: plan.until, retryWaitingFor: failure.waitingFor },
  });
  await enqueueJob(tx, "deploy_run", { deploymentId: d.id }, { queueName: targetQueue(d.targetId), maxAttempts: 1, runAt: plan.at });
  const words = retryWords({ waitingFor: failure.waitingFor, attempts: d.attempts, retryAt: plan.at, now });
  await recordAudit(tx, {
    actor,
    action: "deployment.retry_scheduled",
    subjectType: "deployment",
    subjectId: d.id,
    summary: `${d.targetName}: ${words}: ${failure.reason}`,
    before: { state: "deploying" },
    after: { state: "queued", attempts: d.attempts, retryAt: plan.at.toISOString(), retryUntil: plan.until.toISOString(), waitingFor: failure.waitingFor },
  });
  return true;
}

/**
 * The target went away (host, sshd or dockerd briefly down) after it was changed, while the update was being
 * watched: the change may complete without Slipway, so the deployment is not failed on the spot. It stays
 * `verifying`, held by no worker, and a deploy_verify job at `plan.at` asks the target what it runs then and
 * ends the deployment by that (lib/deploy/recovery.ts), as after a worker crash. In the caller's transaction;
 * false when the row is no longer verifying.
 */
export async function scheduleReverify(
  tx: Tx,
  d: { id: string; targetId: string; targetName: string },
  plan: { at: Date; until: Date },
  failure: { waitingFor: string; reason: string },
  actor: Actor,
): Promise<boolean> {
  const rows = await tx.$queryRaw<{ state: string }[]>`SELECT state::text FROM deployments WHERE id = ${d.id} FOR UPDATE`;
  const was = rows[0]?.state;
  // deploying: its worker died (the reaper's re-verification could not check the target either); from now on
  // what the target runs ends it, as for a deployment lost mid-watch
  if (was !== "verifying" && was !== "deploying") return false;
  await tx.deployment.update({
    where: { id: d.id },
    data: { state: "verifying", workerId: null, reason: failure.reason, retryAt: plan.at, retryUntil: plan.until, retryWaitingFor: failure.waitingFor },
  });
  await enqueueJob(tx, "deploy_verify", { deploymentId: d.id }, { queueName: targetQueue(d.targetId), jobKey: `deploy_verify:${d.id}`, jobKeyMode: "replace", maxAttempts: 3, runAt: plan.at });
  await recordAudit(tx, {
    actor,
    action: "deployment.reverify_scheduled",
    subjectType: "deployment",
    subjectId: d.id,
    summary: `${d.targetName}: ${failure.waitingFor} went away while the update was watched (${failure.reason}); what it runs is checked again at ${plan.at.toISOString()}`,
    before: { state: was },
    after: { state: "verifying", retryAt: plan.at.toISOString(), retryUntil: plan.until.toISOString(), waitingFor: failure.waitingFor },
  });
  return true;
}

