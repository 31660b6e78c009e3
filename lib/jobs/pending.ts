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
