// The one place that reads graphile-worker's private tables (graphile_worker._private_jobs/_private_tasks,
// whose shape may change between its versions): "is there still a job that can run this row?".
import { Prisma } from "@/lib/generated/prisma/client";
import type { Tx } from "@/lib/db";
import type { JobName } from "@/lib/jobs/definitions";

/**
 * SQL condition: a job of `task` whose payload's `payloadKey` equals `idColumn` exists and has attempts
 * left (running, waiting, or waiting to retry). `idColumn` is SQL text written by the caller, such as
 * "d.id", never input.
 */
export function liveJobExists(task: JobName, payloadKey: string, idColumn: string): Prisma.Sql {
  return Prisma.sql`EXISTS (
    SELECT 1 FROM graphile_worker._private_jobs j JOIN graphile_worker._private_tasks t ON t.id = j.task_id
    WHERE t.identifier = ${task} AND j.payload->>${payloadKey} = ${Prisma.raw(idColumn)} AND j.attempts < j.max_attempts)`;
}

/**
 * Frees what a dead worker process still holds in graphile-worker: the job of `task` that ran the row `id`
 * stays locked by the dead process's runner for graphile-worker's lock timeout (4 hours), and with it the job's
 * named queue, so nothing else on that queue (a deployment target's re-verification, its next deployments)
 * would run until then. Unlocks every job and queue of the runner that holds it (graphile-worker's own
 * force_unlock_workers): only for a row whose Slipway worker is known dead, whose runner died with it.
 */
export async function unlockJobsOfDeadRunner(tx: Tx, task: JobName, payloadKey: string, id: string): Promise<number> {
  const lockers = await tx.$queryRaw<{ locked_by: string }[]>`
    SELECT DISTINCT j.locked_by FROM graphile_worker._private_jobs j JOIN graphile_worker._private_tasks t ON t.id = j.task_id
    WHERE t.identifier = ${task} AND j.payload->>${payloadKey} = ${id} AND j.locked_by IS NOT NULL`;
  if (lockers.length === 0) return 0;
  await tx.$executeRaw`SELECT graphile_worker.force_unlock_workers(${lockers.map((l) => l.locked_by)}::text[])`;
  return lockers.length;
}

/**
 * Frees every job and named queue still locked by a worker pool that no live Slipway worker names (each worker's
 * heartbeat lists its pools, worker_heartbeats.job_pools): a process killed while it ran any job (a
 * re-verification, a deployment it had already ended, a notification) would otherwise hold that job and its queue
 * (a target's) for graphile-worker's lock timeout of 4 hours. Only locks older than `staleMs` are freed, so a
 * pool that has not yet been named by its worker's first heartbeat is never taken for a dead one. Does nothing
 * while a live worker names no pools (a worker of an earlier version, which does not say which are its own).
 * Returns the pools whose locks were freed.
 */
export async function unlockJobsOfDeadWorkers(tx: Tx, opts: { now: Date; staleMs: number }): Promise<string[]> {
  const since = new Date(opts.now.getTime() - opts.staleMs);
  const live = await tx.$queryRaw<{ job_pools: string[] }[]>`
    SELECT job_pools FROM worker_heartbeats WHERE stopped_at IS NULL AND last_seen_at >= ${since}`;
  if (live.some((w) => w.job_pools.length === 0)) return [];
  const alive = live.flatMap((w) => w.job_pools);
  const dead = await tx.$queryRaw<{ locked_by: string }[]>`
    SELECT locked_by FROM graphile_worker._private_jobs
      WHERE locked_by IS NOT NULL AND locked_at < ${since} AND NOT (locked_by = ANY(${alive}::text[]))
    UNION
    SELECT locked_by FROM graphile_worker._private_job_queues
      WHERE locked_by IS NOT NULL AND locked_at < ${since} AND NOT (locked_by = ANY(${alive}::text[]))`;
  if (dead.length === 0) return [];
  const pools = dead.map((d) => d.locked_by).sort();
  await tx.$executeRaw`SELECT graphile_worker.force_unlock_workers(${pools}::text[])`;
  return pools;
}
