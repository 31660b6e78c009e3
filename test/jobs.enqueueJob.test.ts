// lib/jobs/enqueue.ts enqueueJob: the job exists exactly when the transaction that enqueued it commits.
import { describe, expect, test } from "vitest";
import { getDb, type Tx } from "@/lib/db";
import { enqueueJob } from "@/lib/jobs/enqueue";
import { ValidationError } from "@/lib/errors";
import { crontab, jobPayloads, type JobPayload } from "@/lib/jobs/definitions";

interface JobRow {
  id: bigint;
  task_identifier: string;
  queue_name: string | null;
  key: string | null;
  priority: number;
  max_attempts: number;
  run_at: Date;
  payload: unknown;
}

/** Jobs as graphile-worker 0.17 stores them (the jobs view lacks the payload, so read the private table). */
async function jobs(): Promise<JobRow[]> {
  return getDb().$queryRaw<JobRow[]>`
    SELECT j.id, t.identifier AS task_identifier, q.queue_name, j.key, j.priority, j.max_attempts, j.run_at, j.payload
    FROM graphile_worker._private_jobs j
    JOIN graphile_worker._private_tasks t ON t.id = j.task_id
    LEFT JOIN graphile_worker._private_job_queues q ON q.id = j.job_queue_id
    ORDER BY j.id`;
}

async function clearJobs() {
  await getDb().$executeRaw`DELETE FROM graphile_worker._private_jobs`;
}

describe("enqueueJob", () => {
  test("a job enqueued in a transaction that rolls back does not exist", async () => {
    await clearJobs();
    await expect(
      getDb().$transaction(async (tx) => {
        await enqueueJob(tx, "maintenance", {});
        expect(await tx.$queryRaw<unknown[]>`SELECT 1 FROM graphile_worker.jobs`).toHaveLength(1);
        throw new Error("the command failed");
      }),
    ).rejects.toThrow("the command failed");
    expect(await jobs()).toEqual([]);
  });

  test("a job enqueued in a committed transaction exists, with its payload and options", async () => {
    await clearJobs();
    const runAt = new Date(Date.now() + 3_600_000);
    const id = await getDb().$transaction((tx) => enqueueJob(tx, "maintenance", {}, { queueName: "housekeeping", priority: 5, maxAttempts: 3, runAt }));
    const [job] = await jobs();
    expect(job).toMatchObject({ task_identifier: "maintenance", queue_name: "housekeeping", priority: 5, max_attempts: 3, payload: {} });
    expect(BigInt(job!.id)).toBe(id);
    expect(job!.run_at.getTime()).toBe(runAt.getTime());
    // the public view agrees
    expect(await getDb().$queryRaw<{ task_identifier: string }[]>`SELECT task_identifier FROM graphile_worker.jobs`).toEqual([{ task_identifier: "maintenance" }]);
  });

  test("an invalid payload is a ValidationError before anything is written, even outside a transaction", async () => {
    await clearJobs();
    const bad = { unexpected: true } as unknown as JobPayload<"maintenance">;
    // the plain client autocommits: had the job been inserted before validation, it would still be there
    const err = await enqueueJob(getDb() as unknown as Tx, "maintenance", bad).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).message).toMatch(/unexpected/);
    expect(await jobs()).toEqual([]);
  });

  test("jobs the crontab starts accept the _cron key graphile-worker adds to their payload", async () => {
    // graphile-worker runs cron tasks with { _cron: { ts, backfilled } }; a schema refusing it drops every run
    for (const name of crontab.split("\n").map((line) => line.trim().split(/\s+/)[5]!)) {
      const schema = jobPayloads[name as keyof typeof jobPayloads];
      expect(schema, name).toBeDefined();
      expect(schema.safeParse({ _cron: { ts: "2026-11-24T18:20:00.000Z", backfilled: false } }).success, name).toBe(true);
    }
  });

  test("the same jobKey in replace mode keeps one job, with the newest settings", async () => {
    await clearJobs();
    const first = new Date(Date.now() + 3_600_000);
    const second = new Date(Date.now() + 7_200_000);
    await getDb().$transaction((tx) => enqueueJob(tx, "maintenance", {}, { jobKey: "maintenance:nightly", jobKeyMode: "replace", runAt: first }));
    await getDb().$transaction((tx) => enqueueJob(tx, "maintenance", {}, { jobKey: "maintenance:nightly", jobKeyMode: "replace", runAt: second }));
    const all = await jobs();
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({ key: "maintenance:nightly" });
    expect(all[0]!.run_at.getTime()).toBe(second.getTime());
  });

  test("without a jobKey, each enqueue is its own job", async () => {
    await clearJobs();
    await getDb().$transaction(async (tx) => {
      await enqueueJob(tx, "maintenance", {});
      await enqueueJob(tx, "maintenance", {});
    });
    expect(await jobs()).toHaveLength(2);
  });
});
