// Polling jobs: every minute, plan the polls that fall due before the next minute (each at its moment); each
// poll lists one repository's heads and plans the repository's next poll one interval later.
import type { TaskContext } from "@/workers/tasks/types";
import { enqueueDuePolls, pollRepository, scheduleNextPoll } from "@/lib/services/polling";

export async function pollDue(_payload: { _cron?: { ts: string; backfilled?: boolean } }, ctx: TaskContext): Promise<void> {
  const n = await enqueueDuePolls();
  if (n) ctx.log.debug({ repositories: n }, "polls enqueued");
}

export async function pollOne(payload: { repositoryId: string }, ctx: TaskContext): Promise<void> {
  const r = await pollRepository(payload.repositoryId, ctx.helpers.abortSignal);
  if ("skipped" in r) ctx.log.info({ repositoryId: payload.repositoryId, reason: r.skipped }, "poll skipped");
  else if (!r.ok) ctx.log.warn({ repositoryId: payload.repositoryId, error: r.error }, "poll failed");
  else ctx.log.info({ repositoryId: payload.repositoryId, moved: r.changes.moved.length, closed: r.changes.closed.length }, "polled");
  if ("skipped" in r) return;
  const next = await scheduleNextPoll(payload.repositoryId);
  if (next) ctx.log.debug({ repositoryId: payload.repositoryId, at: next.toISOString() }, "next poll planned");
}
