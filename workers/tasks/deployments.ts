// Deployment jobs: one deployment run (lib/deploy/runner.ts), re-verification after a worker stopped,
// notifications, the reaper (lib/deploy/recovery.ts) and the drift check (lib/deploy/drift.ts).
import type { TaskContext } from "@/workers/tasks/types";
import { runDeployment } from "@/lib/deploy/runner";
import { reapDeployments, reverifyDeployment } from "@/lib/deploy/recovery";
import { checkDrift } from "@/lib/deploy/drift";
import { notifyDeployment, notifyDrift } from "@/lib/services/deployments/notify";
import type { JobPayload } from "@/lib/jobs/definitions";

type Cron = { _cron?: { ts: string; backfilled?: boolean } };

export async function deployRun(payload: { deploymentId: string }, ctx: TaskContext): Promise<void> {
  const r = await runDeployment(payload.deploymentId, { workerId: ctx.workerId, log: ctx.log, signal: ctx.helpers.abortSignal });
  ctx.log.info({ deploymentId: payload.deploymentId, state: r.state, reason: r.reason }, "deployment job done");
}

export async function deployVerify(payload: { deploymentId: string }, ctx: TaskContext): Promise<void> {
  const r = await reverifyDeployment(payload.deploymentId, { workerId: ctx.workerId, signal: ctx.helpers.abortSignal });
  ctx.log.info({ deploymentId: payload.deploymentId, ...(r ?? { state: "not running any more" }) }, "deployment re-verified");
}

export async function deployNotify(payload: JobPayload<"deploy_notify">, ctx: TaskContext): Promise<void> {
  await notifyDeployment(payload.deploymentId, payload.event, ctx.log, ctx.helpers.abortSignal);
}

export async function deploymentsReap(_payload: Cron, ctx: TaskContext): Promise<void> {
  const r = await reapDeployments({ exceptWorkerId: ctx.workerId, actor: { type: "worker", workerId: ctx.workerId } });
  if (r.expired.length || r.verify.length || r.resubmitted.length || r.unlocked.length) ctx.log.warn(r, "deployments reaped");
}

export async function driftCheck(_payload: Cron, ctx: TaskContext): Promise<void> {
  const r = await checkDrift({ signal: ctx.helpers.abortSignal, actor: { type: "worker", workerId: ctx.workerId } });
  for (const e of r.errors) ctx.log.warn({ target: e.name, err: e.message }, "drift check could not inspect a target");
  for (const c of r.changes) {
    ctx.log.warn(c, c.drifted ? "drift detected" : "drift cleared");
    if (c.drifted) await notifyDrift(c, ctx.log, ctx.helpers.abortSignal).catch((err: unknown) => ctx.log.warn({ err: err instanceof Error ? err.message : String(err) }, "drift notification failed"));
  }
}
