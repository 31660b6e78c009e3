// The one place that reads graphile-worker's private tables (graphile_worker._private_jobs/_private_tasks,
// whose shape may change between its versions): "is there still a job that can run this row?".
import { Prisma } from "@/lib/generated/prisma/client";
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
