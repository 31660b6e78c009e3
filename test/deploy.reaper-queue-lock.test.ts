// A worker process that dies mid-deployment leaves its deploy_run job locked in graphile-worker, and a locked
// job locks its named queue (the target's) for graphile-worker's lock timeout of 4 hours: the re-verification
// the reaper queues there, and every later deployment of the target, would wait that long. The reaper frees
// the dead runner's locks (lib/jobs/pending.ts unlockJobsOfDeadRunner). The whole story with a real killed
// worker process is in test/faults/worker-kill.test.ts; this is the reaper's part alone, on real graphile tables.
import { describe, expect, test } from "vitest";
import { getDb } from "@/lib/db";
import { reapDeployments } from "@/lib/deploy/recovery";
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
});
