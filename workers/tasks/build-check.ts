// The `build_check` job: brings a build's "deployability" check run on GitHub up to date with the build's
// state (lib/services/builds/check-run.ts). Enqueued after every state change of a build of a repository
// with a GitHub app (lib/services/builds/schedule.ts enqueueBuildFollowUps, up to 8 attempts); a failure
// throws, so graphile-worker retries with backoff.
import type { TaskContext } from "@/workers/tasks/types";
import { syncBuildCheck } from "@/lib/services/builds/check-run";

export async function buildCheck(payload: { buildId: string }, ctx: TaskContext): Promise<void> {
  let r: Awaited<ReturnType<typeof syncBuildCheck>>;
  try {
    r = await syncBuildCheck(payload.buildId, ctx.helpers.abortSignal);
  } catch (err) {
    // the message names the repository, the commit and what to do; it never carries a token or key
    ctx.log.warn({ buildId: payload.buildId, error: err instanceof Error ? err.message : String(err) }, "check run not updated; the job will retry");
    throw err;
  }
  if (r.action === "skipped") ctx.log.debug({ buildId: payload.buildId, reason: r.reason }, "check run skipped");
  else ctx.log.info({ buildId: payload.buildId, checkRunId: String(r.checkRunId), status: r.status, conclusion: r.conclusion }, `check run ${r.action}`);
}
