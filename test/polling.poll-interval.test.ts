// A repository's poll interval is kept for every interval the validation accepts (30 s to a day), not rounded
// up to the crontab's minute: each poll plans the next one interval after it started (a job with run_at), and
// the every-minute plan enqueues what falls due before its next run at the moment it falls due. Real
// PostgreSQL and graphile-worker's queue, a real repository served over git://, the real repository_poll task.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { getDb } from "@/lib/db";
import { log } from "@/lib/log";
import { enqueueDuePolls, POLL_CRON_PERIOD_MS } from "@/lib/services/polling";
import { saveRepository } from "@/lib/services/inventory/entities";
import { pollOne } from "@/workers/tasks/polling";
import type { TaskContext } from "@/workers/tasks/types";
import { actorFor, createUser, type TestUser } from "@/test/helpers/fixtures";
import { createBareRepo, startGitDaemon, type BareRepo, type GitDaemon } from "@/test/helpers/git-server";

const ctx = { workerId: "test", log, helpers: {} } as unknown as TaskContext; // the handler uses log and helpers.abortSignal

let admin: TestUser;
let repo: BareRepo;
let daemon: GitDaemon;

beforeAll(async () => {
  admin = await createUser("admin");
  repo = createBareRepo({ Dockerfile: "FROM scratch\n" }, { branches: ["main"], name: "polled.git" });
  daemon = await startGitDaemon(repo.root);
});
afterAll(async () => {
  await daemon?.stop();
  repo?.remove();
});

/** The queued poll of the repository (job key poll:<id>): when it runs and whether it has run yet. */
async function queuedPoll(repositoryId: string) {
  const rows = await getDb().$queryRaw<{ run_at: Date; attempts: number }[]>`
    SELECT run_at, attempts FROM graphile_worker._private_jobs WHERE key = ${`poll:${repositoryId}`}`;
  return rows[0] ?? null;
}

let n = 0;
async function polledRepository(interval: string): Promise<string> {
  return (await saveRepository(actorFor(admin), { repo: `infra/polled-${++n}`, url: daemon.url(repo.name), poll_interval: interval })).id;
}

describe("poll-interval", () => {
  test.each([
    ["30s", 30],
    ["45s", 45],
    ["90s", 90],
    ["1d", 86_400],
  ])("a poll with a %s interval plans the next one %i s after it started", async (interval, seconds) => {
    const id = await polledRepository(interval);
    await pollOne({ repositoryId: id }, ctx);
    const row = await getDb().repository.findUniqueOrThrow({ where: { id } });
    expect(row.lastPollError).toBeNull();
    expect(row.lastPolledAt).not.toBeNull();
    const next = await queuedPoll(id);
    expect(next, "a poll is queued for the next interval").not.toBeNull();
    expect(next!.attempts).toBe(0);
    expect(next!.run_at.getTime() - row.lastPolledAt!.getTime()).toBe(seconds * 1000);
  });

  test("the every-minute plan enqueues each poll that falls due before its next run, for the moment it falls due", async () => {
    const now = new Date(Date.now() + 7 * 86_400_000); // a week on: every repository of this file is due, or nearly
    const db = getDb();
    const thirty = await polledRepository("30s");
    const ninety = await polledRepository("90s");
    const hourly = await polledRepository("1h");
    await db.repository.update({ where: { id: thirty }, data: { lastPolledAt: new Date(now.getTime() - 10_000) } });
    await db.repository.update({ where: { id: ninety }, data: { lastPolledAt: new Date(now.getTime() - 45_000) } });
    await db.repository.update({ where: { id: hourly }, data: { lastPolledAt: new Date(now.getTime() - 1_800_000) } });

    await enqueueDuePolls(now);
    // due in 20 s and in 45 s: planned for then, not for the minute after
    expect((await queuedPoll(thirty))?.run_at.getTime()).toBe(now.getTime() + 20_000);
    expect((await queuedPoll(ninety))?.run_at.getTime()).toBe(now.getTime() + 45_000);
    // due in half an hour: planned by a later run of the crontab
    expect(await queuedPoll(hourly)).toBeNull();
    expect(45_000).toBeLessThan(POLL_CRON_PERIOD_MS);

    // planned again a minute later (the poll still waiting): the same job, the same moment
    await enqueueDuePolls(new Date(now.getTime() + 1_000));
    const jobs = await db.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM graphile_worker._private_jobs WHERE key = ${`poll:${ninety}`}`;
    expect(Number(jobs[0]!.n)).toBe(1);
    expect((await queuedPoll(ninety))?.run_at.getTime()).toBe(now.getTime() + 45_000);
  });
});
