// Nothing stays "running" after its worker died. A build is held by the worker that claimed it (worker_id);
// when that worker has stopped, or not been heard from for HEARTBEAT_STALE_MS, the build is queued again
// once, with the reason in its log, and failed if its worker dies a second time (a build that kills its
// worker should not loop). A build that was asked to stop is ended the way it was asked. A queued build
// whose job is gone (a claim that failed on a database error) gets a new job.
import { getDb, type Tx } from "@/lib/db";
import { HEARTBEAT_STALE_MS } from "@/lib/queries/workers";
import { enqueueJob } from "@/lib/jobs/enqueue";
import { liveJobExists } from "@/lib/jobs/pending";
import { appendLogLineInTx } from "@/lib/build/log-store";
import { enqueueBuildFollowUps, RUNNING_BUILD_STATES } from "@/lib/services/builds/schedule";

/** A worker silent for this long is gone (the Workers list uses the same figure). */
const WORKER_GONE_MS = HEARTBEAT_STALE_MS;
/** the prefix of the reason the reaper gives; a second death of the worker fails the build */
const REQUEUED = "re-queued";

export interface ReapResult {
  requeued: string[];
  failed: string[];
  ended: string[];
  /** queued builds whose job was gone (its claim failed): given a new job */
  resubmitted: string[];
}

/** A queued build may wait this long for its job before the reaper looks for the job. */
export const ORPHAN_AFTER_MS = 120_000;

export async function reapBuilds(opts: { now?: Date; exceptWorkerId?: string } = {}): Promise<ReapResult> {
  const now = opts.now ?? new Date();
  const out: ReapResult = { requeued: [], failed: [], ended: [], resubmitted: [] };
  const candidates = await getDb().$queryRaw<{ id: string }[]>`
    SELECT b.id FROM builds b
    LEFT JOIN worker_heartbeats w ON w.id = b.worker_id
    WHERE b.state IN ('fetching', 'building', 'pushing')
      AND (b.worker_id IS NULL OR w.id IS NULL OR w.stopped_at IS NOT NULL
           OR w.last_seen_at < ${new Date(now.getTime() - WORKER_GONE_MS)})
      AND b.worker_id IS DISTINCT FROM ${opts.exceptWorkerId ?? null}`;
  for (const { id } of candidates) {
    const result = await getDb().$transaction(async (tx) => {
      const rows = await tx.$queryRaw<{ state: string }[]>`SELECT state::text FROM builds WHERE id = ${id} FOR UPDATE`;
      if (!(RUNNING_BUILD_STATES as readonly string[]).includes(rows[0]?.state ?? "")) return null;
      const b = await tx.build.findUniqueOrThrow({ where: { id }, include: { buildRule: { select: { repository: { select: { appId: true } } } } } });
      const hasApp = b.buildRule.repository.appId !== null;
      const who = b.workerId ? `worker ${b.workerId}` : "its worker";
      if (b.cancelRequestedAt) {
        const state = b.supersededById ? "superseded" : "cancelled";
        await tx.build.update({ where: { id }, data: { state, finishedAt: now, reason: b.reason ?? state } });
        await enqueueBuildFollowUps(tx, id, hasApp);
        return logged(tx, id, { kind: "ended" as const, line: `${who} stopped while the build was ${b.state}; it was being stopped anyway: ${state}` });
      }
      if (b.reason?.startsWith(`${REQUEUED}:`)) {
        const reason = `${who} stopped while the build was ${b.state}, for the second time; not retried again: rebuild it when the build host is healthy`;
        await tx.build.update({ where: { id }, data: { state: "failed", finishedAt: now, reason } });
        await enqueueBuildFollowUps(tx, id, hasApp);
        return logged(tx, id, { kind: "failed" as const, line: reason });
      }
      const reason = `${REQUEUED}: ${who} stopped while the build was ${b.state}`;
      await tx.build.update({ where: { id }, data: { state: "queued", workerId: null, startedAt: null, dockerContextId: null, reason } });
      // a fresh job: the dead worker's job stays locked until graphile-worker's lock timeout
      await enqueueJob(tx, "build_run", { buildId: id }, { jobKey: `build:${id}:requeue`, maxAttempts: 1 });
      await enqueueBuildFollowUps(tx, id, hasApp);
      return logged(tx, id, { kind: "requeued" as const, line: reason });
    });
    if (!result) continue;
    out[result.kind === "requeued" ? "requeued" : result.kind === "failed" ? "failed" : "ended"].push(id);
  }
  // queued builds with no job left that can still run them (a claim that failed, a job dropped by hand)
  const orphans = await getDb().$queryRaw<{ id: string }[]>`
    SELECT b.id FROM builds b
    WHERE b.state = 'queued' AND b.updated_at < ${new Date(now.getTime() - ORPHAN_AFTER_MS)}
      AND NOT ${liveJobExists("build_run", "buildId", "b.id")}`;
  for (const { id } of orphans) {
    const done = await getDb().$transaction(async (tx) => {
      const rows = await tx.$queryRaw<{ state: string }[]>`SELECT state::text FROM builds WHERE id = ${id} FOR UPDATE`;
      if (rows[0]?.state !== "queued") return false;
      await enqueueJob(tx, "build_run", { buildId: id }, { jobKey: `build:${id}:resubmit`, maxAttempts: 1 });
      await tx.build.update({ where: { id }, data: { updatedAt: now } });
      await appendLogLineInTx(tx, "build", id, "==> queued again: the job that should run this build was gone");
      return true;
    });
    if (!done) continue;
    out.resubmitted.push(id);
  }
  return out;
}

/**
 * The result, with its line written to the build's log in the same transaction: the build's next runner, which may
 * start the moment this commits, then finds the line there and writes after it (a log writer opened here, after
 * the commit, raced it for the same chunk number and the line could be lost).
 */
async function logged<T extends { line: string }>(tx: Tx, id: string, r: T): Promise<T> {
  await appendLogLineInTx(tx, "build", id, `==> ${r.line}`);
  return r;
}

