// A worker whose database connections are all closed by the server, in waves, again and again, while jobs run and
// end ("terminating connection due to administrator command", SQLSTATE 57P01, what a PostgreSQL shutdown sends):
// its runners stop and are started again, the process never dies of an unhandled 'error' event, and every job
// queued meanwhile runs. The crash this guards against came from `npm run faults` (PostgreSQL restart, 6th of 10
// trials, 2026-12-05): graphile-worker, given a connection string, removed its pool's error listeners before ending
// the pool when a runner stopped, and an idle connection the shutting-down server closed in that moment crashed
// the worker; workers/runtime.ts startRunner now owns the runners' pools and their listeners. This test did not
// hit that exact moment on the code before the fix (the window is milliseconds wide): the fault suite's 10 trials
// are its evidence; this one keeps the worker's survival of closed connections in `npm test`. Vitest fails the run
// on an unhandled error in this process, where the worker runs.
import { afterAll, describe, expect, test } from "vitest";
import { getDb } from "@/lib/db";
import { startWorker, type WorkerHandle } from "@/workers/runtime";
import { withClient } from "@/test/helpers/pg";
import { eventually } from "@/test/helpers/eventually";

let worker: WorkerHandle | undefined;
afterAll(async () => {
  await worker?.stop();
});

const url = () => process.env.DATABASE_URL!;

async function addJobs(n: number): Promise<string[]> {
  return withClient(url(), async (c) => {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) ids.push((await c.query<{ id: string }>("SELECT (graphile_worker.add_job('maintenance', '{}'::json, max_attempts := 25)).id::text AS id")).rows[0]!.id);
    return ids;
  });
}

describe("a worker whose connections the server closes", () => {
  test("keeps running: its runners start again and every job queued meanwhile runs", async () => {
    worker = await startWorker({ connectionString: url(), concurrency: 2, id: `terminated-${process.pid}` });
    let exited = false;
    void worker.done.then(() => (exited = true));
    const ids: string[] = [];
    for (let round = 0; round < 20; round++) {
      ids.push(...(await addJobs(6)));
      // jobs being taken and ended: close every other connection to this database mid-way
      await new Promise((r) => setTimeout(r, 150 + (round % 4) * 100));
      // in waves a few milliseconds apart, as a server shutting down closes them: a runner that stopped at the first
      // wave is being torn down at the next ones, with connections of its pool still open
      const closed = await withClient(url(), async (c) => {
        let n = 0;
        for (const gap of [0, 15, 15, 30, 60]) {
          await new Promise((r) => setTimeout(r, gap));
          n += (await c.query<{ n: number }>("SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")).rows[0]!.n;
        }
        return n;
      });
      expect(closed).toBeGreaterThan(0);
      await new Promise((r) => setTimeout(r, 250));
    }
    ids.push(...(await addJobs(3)));
    await eventually(
      "every job queued through the closures to run",
      async () => (await withClient(url(), (c) => c.query("SELECT 1 FROM graphile_worker.jobs WHERE id = ANY($1::bigint[])", [ids]))).rowCount === 0,
      120_000,
      500,
    );
    expect(exited).toBe(false);
    // the worker's own database work goes on too
    await eventually("its heartbeat after the closures", async () => ((await getDb().workerHeartbeat.findUnique({ where: { id: `terminated-${process.pid}` } }))?.lastSeenAt.getTime() ?? 0) > Date.now() - 15_000, 60_000, 500);
  }, 240_000);
});
