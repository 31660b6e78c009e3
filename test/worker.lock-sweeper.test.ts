// workers/lock-sweeper.ts: a job locked by one of this process's pools that no runner started (its "get job"
// answer was lost when the database restarted) is unlocked once the lock is old enough; a job a runner holds,
// a job that just ended (its end may still be on its way), a fresh lock and another process's lock are kept.
// The whole fault (PostgreSQL restarted under real workers) is test/faults/postgres-restart.test.ts.
import { afterAll, describe, expect, test } from "vitest";
import type { Job, WorkerPool } from "graphile-worker";
import { getDb } from "@/lib/db";
import { log } from "@/lib/log";
import { LOST_LOCK_AGE_S, startLockSweeper } from "@/workers/lock-sweeper";

const sweeper = startLockSweeper(log, 3_600_000);
afterAll(() => sweeper.stop());

async function lockedJob(lockedBy: string, ageS: number, queue?: string): Promise<string> {
  const rows = await getDb().$queryRaw<{ id: string }[]>`SELECT (graphile_worker.add_job('maintenance', '{}'::json, queue_name := ${queue ?? null}::text)).id::text AS id`;
  const id = rows[0]!.id;
  await getDb().$executeRaw`UPDATE graphile_worker._private_jobs SET locked_by = ${lockedBy}, locked_at = now() - make_interval(secs => ${ageS}), attempts = 1 WHERE id = ${id}::bigint`;
  if (queue) await getDb().$executeRaw`UPDATE graphile_worker._private_job_queues SET locked_by = ${lockedBy}, locked_at = now() - make_interval(secs => ${ageS}) WHERE queue_name = ${queue}`;
  return id;
}

async function lockOf(id: string): Promise<string | null> {
  const rows = await getDb().$queryRaw<{ locked_by: string | null }[]>`SELECT locked_by FROM graphile_worker._private_jobs WHERE id = ${id}::bigint`;
  return rows[0]!.locked_by;
}

describe("startLockSweeper", () => {
  test("unlocks only the old locks of its own pools that no runner holds (and their queue)", async () => {
    const ownPool = { id: "pool-own-test" } as WorkerPool;
    const old = LOST_LOCK_AGE_S + 30;
    // before any pool is known, nothing is touched
    const early = await lockedJob(ownPool.id, old);
    expect(await sweeper.sweep()).toEqual([]);
    expect(await lockOf(early)).toBe(ownPool.id);

    sweeper.events.emit("pool:create", { ctx: {} as never, workerPool: ownPool });
    const lost = await lockedJob(ownPool.id, old, "lost-queue");
    const running = await lockedJob(ownPool.id, old);
    const justEnded = await lockedJob(ownPool.id, old);
    const fresh = await lockedJob(ownPool.id, 1);
    const others = await lockedJob("pool-of-another-process", old);
    sweeper.events.emit("job:start", { ctx: {} as never, worker: {} as never, job: { id: running } as Job });
    sweeper.events.emit("job:start", { ctx: {} as never, worker: {} as never, job: { id: justEnded } as Job });
    sweeper.events.emit("job:complete", { ctx: {} as never, worker: {} as never, job: { id: justEnded } as Job, error: undefined });

    expect((await sweeper.sweep()).sort()).toEqual([early, lost].sort());
    expect(await lockOf(early)).toBeNull();
    expect(await lockOf(lost)).toBeNull();
    const queue = await getDb().$queryRaw<{ locked_by: string | null }[]>`SELECT locked_by FROM graphile_worker._private_job_queues WHERE queue_name = 'lost-queue'`;
    expect(queue[0]!.locked_by).toBeNull();
    expect(await lockOf(running)).toBe(ownPool.id);
    expect(await lockOf(justEnded)).toBe(ownPool.id);
    expect(await lockOf(fresh)).toBe(ownPool.id);
    expect(await lockOf(others)).toBe("pool-of-another-process");
    // the unlocked jobs are available again: their attempt stays counted, and a worker may take them
    const available = await getDb().$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM graphile_worker.jobs WHERE id = ANY(${[early, lost]}::bigint[]) AND locked_by IS NULL AND attempts = 1`;
    expect(Number(available[0]!.n)).toBe(2);
  });
});
