// Preview jobs: run one preview, tear one down (lib/deploy/preview.ts), bring the pull request's comment up to
// date (lib/services/previews/comment.ts), and the minute's sweep of previews past their time to live.
import type { TaskContext } from "@/workers/tasks/types";
import type { JobPayload } from "@/lib/jobs/definitions";
import { removePreview, runPreview, sweepPreviews } from "@/lib/deploy/preview";
import { syncPreviewComment } from "@/lib/services/previews/comment";

export async function previewRun(payload: JobPayload<"preview_run">, ctx: TaskContext): Promise<void> {
  const r = await runPreview(payload.previewId, { workerId: ctx.workerId, log: ctx.log, signal: ctx.helpers.abortSignal });
  ctx.log.info({ previewId: payload.previewId, ...r }, "preview run done");
}

export async function previewTeardown(payload: JobPayload<"preview_teardown">, ctx: TaskContext): Promise<void> {
  const r = await removePreview(payload.previewId, { workerId: ctx.workerId, log: ctx.log, signal: ctx.helpers.abortSignal });
  ctx.log.info({ previewId: payload.previewId, ...r }, "preview tear-down done");
}

export async function previewComment(payload: JobPayload<"preview_comment">, ctx: TaskContext): Promise<void> {
  const r = await syncPreviewComment(payload.previewId, ctx.log, ctx.helpers.abortSignal);
  ctx.log.info({ previewId: payload.previewId, result: r }, "preview comment");
}

export async function previewsSweep(_payload: JobPayload<"previews_sweep">, ctx: TaskContext): Promise<void> {
  const r = await sweepPreviews({ workerId: ctx.workerId });
  if (r.expired.length) ctx.log.info({ previews: r.expired }, "previews past their time to live are being torn down");
  if (r.resubmitted.length) ctx.log.warn({ previews: r.resubmitted }, "previews left without a job got a new one");
  if (r.interrupted.length) ctx.log.warn({ previews: r.interrupted }, "previews whose worker stopped while deploying them are deployed again");
  if (r.switchedOff.length) ctx.log.info({ previews: r.switchedOff }, "previews of a rule whose previews were turned off or archived are being torn down");
}
