// workers/runtime.ts startWorker and workers/main.ts: a worker registers its heartbeat, runs queued jobs
// (maintenance drops expired sessions), records its stop; the worker process exits 0 on SIGTERM.
import os from "node:os";
import { afterAll, describe, expect, test } from "vitest";
import { getDb } from "@/lib/db";
import { enqueueJob } from "@/lib/jobs/enqueue";
import { hashToken } from "@/lib/auth/tokens";
import { startWorker, type WorkerHandle } from "@/workers/runtime";
import { createSession, createUser } from "@/test/helpers/fixtures";
import { startScript, waitForExit } from "@/test/helpers/spawn";
import pkg from "@/package.json" with { type: "json" };
import { eventually } from "@/test/helpers/eventually";

const running: WorkerHandle[] = [];
afterAll(async () => {
  for (const w of running) await w.stop();
});


async function jobExists(id: bigint): Promise<boolean> {
  const rows = await getDb().$queryRaw<unknown[]>`SELECT 1 FROM graphile_worker._private_jobs WHERE id = ${id}`;
  return rows.length > 0;
}

async function enqueueMaintenance(): Promise<bigint> {
  return getDb().$transaction((tx) => enqueueJob(tx, "maintenance", {}));
}

describe("startWorker", () => {
  let worker: WorkerHandle;

  test("registers a heartbeat with its host, pid, version and tasks", async () => {
    worker = await startWorker({ connectionString: process.env.DATABASE_URL!, concurrency: 2, id: "test-worker-1" });
    running.push(worker);
    const hb = await getDb().workerHeartbeat.findUniqueOrThrow({ where: { id: "test-worker-1" } });
    expect(hb).toMatchObject({ hostname: os.hostname(), pid: process.pid, version: pkg.version, concurrency: 2, stoppedAt: null });
    expect(hb.tasks).toContain("maintenance");
    // its three runners' graphile-worker pools, the locked_by of the jobs they take: what the reaper keeps
    expect(hb.jobPools).toHaveLength(3);
    expect(hb.jobPools.every((p) => /^pool-[0-9a-f]+$/.test(p))).toBe(true);
  });

  test("runs an enqueued maintenance job, which deletes expired sessions and long-gone workers only", async () => {
    const u = await createUser("viewer");
    const expired = await createSession(u.id, new Date(Date.now() - 60_000));
    const valid = await createSession(u.id, new Date(Date.now() + 3_600_000));
    const weekAgo = new Date(Date.now() - 8 * 86_400_000);
    await getDb().workerHeartbeat.create({ data: { id: "gone-worker", hostname: "old", pid: 1, version: "0", concurrency: 1, tasks: [], startedAt: weekAgo, lastSeenAt: weekAgo } });
    expect(await getDb().session.count({ where: { userId: u.id } })).toBe(2);

    const id = await enqueueMaintenance();
    // a job leaves the queue only when it succeeded (a failed one stays, with its error, for a retry)
    await eventually("the maintenance job to finish", async () => !(await jobExists(id)));

    const left = await getDb().session.findMany({ where: { userId: u.id } });
    expect(left).toHaveLength(1);
    expect(left[0]!.tokenHash).toBe(hashToken(valid));
    expect(left[0]!.tokenHash).not.toBe(hashToken(expired));
    expect(await getDb().workerHeartbeat.findUnique({ where: { id: "gone-worker" } })).toBeNull();
    expect(await getDb().workerHeartbeat.findUnique({ where: { id: "test-worker-1" } })).not.toBeNull();
  });

  test("a job with a malformed payload is dropped, not retried forever", async () => {
    const [row] = await getDb().$queryRaw<{ id: bigint }[]>`SELECT id FROM graphile_worker.add_job('maintenance', '{"bogus": 1}'::json)`;
    await eventually("the malformed job to be dropped", async () => !(await jobExists(row!.id)));
  });

  test("stop() lets the runner finish and records stopped_at", async () => {
    await worker.stop();
    await worker.done;
    const hb = await getDb().workerHeartbeat.findUniqueOrThrow({ where: { id: "test-worker-1" } });
    expect(hb.stoppedAt).toBeInstanceOf(Date);
    // stopping twice is harmless
    await worker.stop();
  });
});

describe("npm run worker (workers/main.ts)", () => {
  test("runs jobs, and on SIGTERM stops, records stopped_at and exits 0", async () => {
    const id = `proc-worker-${process.pid}`;
    const child = startScript("workers/main.ts", [], { DATABASE_URL: process.env.DATABASE_URL, SLIPWAY_WORKER_ID: id, SLIPWAY_WORKER_CONCURRENCY: "1" });
    const exited = waitForExit(child, 60_000);
    try {
      const hb = await eventually("the worker process's heartbeat", () => getDb().workerHeartbeat.findUnique({ where: { id } }));
      expect(hb).toMatchObject({ pid: child.pid, stoppedAt: null });
      // a job done proves the process is past start-up (its signal handlers are installed by then)
      const job = await enqueueMaintenance();
      await eventually("the worker process to run a job", async () => !(await jobExists(job)));
    } catch (err) {
      child.kill("SIGKILL");
      throw err;
    }
    child.kill("SIGTERM");
    const result = await exited;
    expect(result.signal, result.stderr).toBeNull();
    expect(result.code, result.stderr).toBe(0);
    const hb = await getDb().workerHeartbeat.findUniqueOrThrow({ where: { id } });
    expect(hb.stoppedAt).toBeInstanceOf(Date);
  });
});
