// lib/services/polling.ts: repositories without an app are polled with git ls-remote (a real repository on
// disk and over git://); their branch and pull-request heads are tracked, a failed poll is recorded in words,
// and only repositories whose interval has passed are enqueued.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { getDb } from "@/lib/db";
import { enqueueDuePolls, pollRepository } from "@/lib/services/polling";
import { saveRepository } from "@/lib/services/inventory/entities";
import { actorFor, createUser, type TestUser } from "@/test/helpers/fixtures";
import { createBareRepo, startGitDaemon, type BareRepo, type GitDaemon } from "@/test/helpers/git-server";

let admin: TestUser;
let repo: BareRepo;
let daemon: GitDaemon;

beforeAll(async () => {
  admin = await createUser("admin");
  repo = createBareRepo({ Dockerfile: "FROM scratch\n" }, { branches: ["main"], name: "site.git" });
  daemon = await startGitDaemon(repo.root);
});
afterAll(async () => {
  await daemon?.stop();
  repo?.remove();
});

async function refsOf(repositoryId: string) {
  return (await getDb().ref.findMany({ where: { repositoryId, closedAt: null }, orderBy: { name: "asc" } })).map((r) => [r.kind, r.name, r.headSha]);
}

describe("pollRepository", () => {
  test("lists branches and pull requests over git://, then records only what moved", async () => {
    const { id } = await saveRepository(actorFor(admin), { repo: "infra/site", url: daemon.url(repo.name) });
    const live = repo.commit("live", { Dockerfile: "FROM scratch\nLABEL x=1\n" });
    repo.setRef("refs/pull/3/head", live);
    const first = await pollRepository(id);
    expect(first.ok).toBe(true);
    expect(await refsOf(id)).toEqual([
      ["branch", "live", live],
      ["branch", "main", repo.initial],
      ["pull_request", "pull/3/head", live],
    ]);
    const row = await getDb().repository.findUniqueOrThrow({ where: { id } });
    expect(row.lastPolledAt).not.toBeNull();
    expect(row.lastPollError).toBeNull();

    const moved = repo.commit("main", { Dockerfile: "FROM scratch\nLABEL x=2\n" });
    const second = await pollRepository(id);
    expect(second.ok && second.changes.moved.map((m) => [m.name, m.headSha, m.previousSha])).toEqual([["main", moved, repo.initial]]);
  });

  test("a repository that cannot be reached keeps its refs and records the error in words", async () => {
    const { id } = await saveRepository(actorFor(admin), { repo: "infra/gone", url: daemon.url("site.git") });
    expect((await pollRepository(id)).ok).toBe(true);
    const before = await refsOf(id);
    expect(before.length).toBeGreaterThan(0);
    // the repository moves away: the next poll cannot list it
    await getDb().repository.update({ where: { id }, data: { url: daemon.url("no-such-repo.git"), lastPolledAt: null } });
    const r = await pollRepository(id);
    expect(r).toMatchObject({ ok: false, error: expect.stringContaining("no-such-repo.git") });
    const row = await getDb().repository.findUniqueOrThrow({ where: { id } });
    expect(row.lastPollError).toBe(r.ok === false && "error" in r ? r.error : "");
    expect(row.lastPolledAt).not.toBeNull();
    expect(await refsOf(id)).toEqual(before);
  });
});

describe("enqueueDuePolls", () => {
  test("enqueues git repositories whose interval has passed, once each", async () => {
    const db = getDb();
    await db.repository.updateMany({ data: { lastPolledAt: new Date() } });
    const { id } = await saveRepository(actorFor(admin), { repo: "infra/new", url: "https://git.example.org/new.git" });
    const jobs = async () =>
      (await db.$queryRaw<{ key: string }[]>`SELECT key FROM graphile_worker._private_jobs WHERE key LIKE 'poll:%'`).map((j) => j.key);
    expect(await enqueueDuePolls()).toBe(1);
    expect(await enqueueDuePolls()).toBe(1); // still due: the same key, not a second job
    expect(await jobs()).toEqual([`poll:${id}`]);
    // an hour later every repository is due again (their interval is 5 minutes)
    expect(await enqueueDuePolls(new Date(Date.now() + 3_600_000))).toBe(3);
  });
});
