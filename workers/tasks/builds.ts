// Build jobs: one build run (lib/build/runner.ts), the reaper of builds whose worker died, and the
// build.failed / build.succeeded notification.
import type { TaskContext } from "@/workers/tasks/types";
import { runBuild } from "@/lib/build/runner";
import { reapBuilds } from "@/lib/build/reaper";
import { notifyBuildEnded } from "@/lib/services/builds/notify";

export async function buildRun(payload: { buildId: string }, ctx: TaskContext): Promise<void> {
  const r = await runBuild(payload.buildId, { workerId: ctx.workerId, log: ctx.log, signal: ctx.helpers.abortSignal });
  ctx.log.info({ buildId: payload.buildId, state: r.state, reason: r.reason }, "build job done");
}

export async function buildsReap(_payload: { _cron?: { ts: string; backfilled?: boolean } }, ctx: TaskContext): Promise<void> {
  const r = await reapBuilds({ exceptWorkerId: ctx.workerId });
  if (r.requeued.length || r.failed.length || r.ended.length || r.resubmitted.length) ctx.log.warn(r, "builds of stopped workers reaped");
}

export async function buildNotify(payload: { buildId: string }, ctx: TaskContext): Promise<void> {
  const n = await notifyBuildEnded(payload.buildId, ctx.log, ctx.helpers.abortSignal);
  if (n) ctx.log.info({ buildId: payload.buildId, channels: n }, "build end announced");
}
