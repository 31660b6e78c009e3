// A worker process that dies mid-deployment leaves its deploy_run job locked in graphile-worker, and a locked
// job locks its named queue (the target's) for graphile-worker's lock timeout of 4 hours: the re-verification
// the reaper queues there, and every later deployment of the target, would wait that long. The reaper frees
// the dead runner's locks (lib/jobs/pending.ts unlockJobsOfDeadRunner). The whole story with a real killed
// worker process is in test/faults/worker-kill.test.ts; this is the reaper's part alone, on real graphile tables.
import { describe, expect, test } from "vitest";
import { getDb } from "@/lib/db";
import { reapDeployments } from "@/lib/deploy/recovery";
import { enqueueJob } from "@/lib/jobs/enqueue";
import { enqueueDeployment, targetQueue } from "@/lib/services/deployments/schedule";
import { seedDeployment } from "@/test/helpers/builds";

interface JobRow {
  identifier: string;
  locked_by: string | null;
  queue_locked_by: string | null;
}

async function jobsOf(deploymentId: string): Promise<JobRow[]> {
  return getDb().$queryRaw<JobRow[]>`
    SELECT t.identifier, j.locked_by, q.locked_by AS queue_locked_by
    FROM graphile_worker._private_jobs j JOIN graphile_worker._private_tasks t ON t.id = j.task_id
    LEFT JOIN graphile_worker._private_job_queues q ON q.id = j.job_queue_id
    WHERE j.payload->>'deploymentId' = ${deploymentId} ORDER BY j.id`;
}

describe("the deployment reaper and a dead worker's locks", () => {
  test("frees the dead runner's job and the target's queue, so the re-verification can run now", async () => {
    const db = getDb();
    const d = await seedDeployment("verifying");
    const dead = `dead-worker-${process.pid}`;
    await db.workerHeartbeat.create({ data: { id: dead, hostname: "gone", pid: 1, version: "test", concurrency: 1, tasks: ["deploy_run"], lastSeenAt: new Date(Date.now() - 3_600_000) } });
    await db.deployment.update({ where: { id: d.id }, data: { workerId: dead } });
    await db.$transaction((tx) => enqueueDeployment(tx, d.id, d.targetId));
    // as the dead process's runner left it: its job and the target's queue locked by its pool
    await db.$executeRaw`UPDATE graphile_worker._private_jobs SET locked_at = now(), locked_by = 'pool-dead' WHERE payload->>'deploymentId' = ${d.id}`;
    await db.$executeRaw`UPDATE graphile_worker._private_job_queues SET locked_at = now(), locked_by = 'pool-dead' WHERE queue_name = ${targetQueue(d.targetId)}`;
    // another runner's lock (a live process, on another target's queue) is left alone
    const other = await seedDeployment("rolled_back");
    await db.$transaction((tx) => enqueueDeployment(tx, other.id, other.targetId));
    await db.$executeRaw`UPDATE graphile_worker._private_jobs SET locked_at = now(), locked_by = 'pool-alive' WHERE payload->>'deploymentId' = ${other.id}`;
    await db.$executeRaw`UPDATE graphile_worker._private_job_queues SET locked_at = now(), locked_by = 'pool-alive' WHERE queue_name = ${targetQueue(other.targetId)}`;
    expect(await jobsOf(d.id)).toEqual([{ identifier: "deploy_run", locked_by: "pool-dead", queue_locked_by: "pool-dead" }]);

    const r = await reapDeployments();
    expect(r.verify).toContain(d.id);
    const jobs = await jobsOf(d.id);
    expect(jobs.map((j) => j.identifier)).toEqual(["deploy_run", "deploy_verify"]);
    expect(jobs.every((j) => j.locked_by === null && j.queue_locked_by === null)).toBe(true);
    expect(await jobsOf(other.id)).toEqual([{ identifier: "deploy_run", locked_by: "pool-alive", queue_locked_by: "pool-alive" }]);
  });

  test("frees any job and queue held by a pool no live worker names (a killed verifier), keeps live and fresh locks", async () => {
    const db = getDb();
    // the soak's case: a worker killed while it ran a deployment's re-verification; its deploy_verify job and the
    // target's queue stayed locked by its pool, so the next re-verification and the target's next deployment waited
    const d = await seedDeployment("verifying");
    await db.$transaction((tx) => enqueueJob(tx, "deploy_verify", { deploymentId: d.id }, { queueName: targetQueue(d.targetId), jobKey: `deploy_verify:${d.id}`, maxAttempts: 3 }));
    await db.$executeRaw`UPDATE graphile_worker._private_jobs SET locked_at = now() - interval '5 minutes', locked_by = 'pool-killed' WHERE payload->>'deploymentId' = ${d.id}`;
    await db.$executeRaw`UPDATE graphile_worker._private_job_queues SET locked_at = now() - interval '5 minutes', locked_by = 'pool-killed' WHERE queue_name = ${targetQueue(d.targetId)}`;
    // a live worker running a long deployment: its lock is old, but its heartbeat names its pool
    const busy = await seedDeployment("deploying");
    await db.$transaction((tx) => enqueueDeployment(tx, busy.id, busy.targetId));
    await db.$executeRaw`UPDATE graphile_worker._private_jobs SET locked_at = now() - interval '5 minutes', locked_by = 'pool-live' WHERE payload->>'deploymentId' = ${busy.id}`;
    await db.$executeRaw`UPDATE graphile_worker._private_job_queues SET locked_at = now() - interval '5 minutes', locked_by = 'pool-live' WHERE queue_name = ${targetQueue(busy.targetId)}`;
    const live = `live-worker-${process.pid}`;
    await db.workerHeartbeat.create({ data: { id: live, hostname: "here", pid: 2, version: "test", concurrency: 1, tasks: ["deploy_run"], jobPools: ["pool-other", "pool-live"] } });
    await db.deployment.update({ where: { id: busy.id }, data: { workerId: live } });
    // a pool locked a job a moment ago and its worker's first heartbeat has not named it yet: not taken for dead
    const fresh = await seedDeployment("queued");
    await db.$transaction((tx) => enqueueDeployment(tx, fresh.id, fresh.targetId));
    await db.$executeRaw`UPDATE graphile_worker._private_jobs SET locked_at = now(), locked_by = 'pool-new' WHERE payload->>'deploymentId' = ${fresh.id}`;

    // while a live worker does not name its pools (an earlier version), nothing is freed
    const old = `old-worker-${process.pid}`;
    await db.workerHeartbeat.create({ data: { id: old, hostname: "here", pid: 3, version: "older", concurrency: 1, tasks: ["deploy_run"] } });
    expect((await reapDeployments()).unlocked).toEqual([]);
    expect(await jobsOf(d.id)).toEqual([{ identifier: "deploy_verify", locked_by: "pool-killed", queue_locked_by: "pool-killed" }]);
    await db.workerHeartbeat.update({ where: { id: old }, data: { stoppedAt: new Date() } });

    const r = await reapDeployments();
    expect(r.unlocked).toEqual(["pool-killed"]);
    expect(await jobsOf(d.id)).toEqual([{ identifier: "deploy_verify", locked_by: null, queue_locked_by: null }]);
    expect(await jobsOf(busy.id)).toEqual([{ identifier: "deploy_run", locked_by: "pool-live", queue_locked_by: "pool-live" }]);
    expect((await jobsOf(fresh.id))[0]?.locked_by).toBe("pool-new");
    // the freed job can be taken now: graphile-worker's own get_job finds it
    const next = await db.$queryRaw<{ id: string }[]>`
      SELECT j.id::text FROM graphile_worker._private_jobs j JOIN graphile_worker._private_job_queues q ON q.id = j.job_queue_id
      WHERE j.payload->>'deploymentId' = ${d.id} AND j.locked_by IS NULL AND q.locked_by IS NULL AND j.attempts < j.max_attempts`;
    expect(next).toHaveLength(1);
  });
});
