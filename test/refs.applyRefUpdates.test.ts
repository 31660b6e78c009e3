// lib/services/refs.ts: the branch and pull-request heads Slipway tracks, from webhook moves and from
// full ls-remote listings; only refs that point at a new commit are reported as moved.
import { beforeAll, describe, expect, test } from "vitest";
import { getDb } from "@/lib/db";
import { applyRefUpdates, syncRemoteRefs, pullRefName } from "@/lib/services/refs";
import { saveRepository } from "@/lib/services/inventory/entities";
import { actorFor, createUser } from "@/test/helpers/fixtures";

const sha = (c: string) => c.repeat(40);
let repoId: string;

beforeAll(async () => {
  const admin = await createUser("admin");
  repoId = (await saveRepository(actorFor(admin), { repo: "infra/site", url: "https://git.example.org/infra/site.git" })).id;
});

const tx = <T>(fn: (t: Parameters<Parameters<ReturnType<typeof getDb>["$transaction"]>[0]>[0]) => Promise<T>) => getDb().$transaction(fn);

describe("applyRefUpdates", () => {
  test("a new branch and a new pull request are moved refs; the same head again is not", async () => {
    const first = await tx((t) =>
      applyRefUpdates(t, repoId, [
        { kind: "branch", name: "main", headSha: sha("a") },
        { kind: "pull_request", name: "7", prNumber: 7, prTitle: "Add x", prAuthor: "bob", headSha: sha("b") },
      ]),
    );
    expect(first.moved.map((m) => [m.kind, m.name, m.headSha, m.previousSha])).toEqual([
      ["branch", "main", sha("a"), null],
      ["pull_request", pullRefName(7), sha("b"), null],
    ]);
    const again = await tx((t) => applyRefUpdates(t, repoId, [{ kind: "branch", name: "main", headSha: sha("a") }]));
    expect(again).toEqual({ moved: [], closed: [] });
    const pr = await getDb().ref.findFirstOrThrow({ where: { repositoryId: repoId, kind: "pull_request" } });
    expect([pr.prNumber, pr.prTitle, pr.prAuthor]).toEqual([7, "Add x", "bob"]);
  });

  test("two transactions creating the same new ref at once: one creates it, neither fails", async () => {
    const raceRepo = (await saveRepository(actorFor(await createUser("admin")), { repo: "infra/race", url: "https://git.example.org/infra/race.git" })).id;
    const [a, b] = await Promise.all([
      tx((t) => applyRefUpdates(t, raceRepo, [{ kind: "branch", name: "race", headSha: sha("c") }])),
      tx((t) => applyRefUpdates(t, raceRepo, [{ kind: "branch", name: "race", headSha: sha("c") }])),
    ]);
    expect(a.moved.length + b.moved.length).toBe(1);
    expect(await getDb().ref.count({ where: { repositoryId: raceRepo, name: "race" } })).toBe(1);
  });

  test("a push moves the branch and reports the previous head; deletion closes it; a new push reopens it", async () => {
    const moved = await tx((t) => applyRefUpdates(t, repoId, [{ kind: "branch", name: "main", headSha: sha("c") }]));
    expect(moved.moved[0]).toMatchObject({ name: "main", headSha: sha("c"), previousSha: sha("a") });
    const closed = await tx((t) => applyRefUpdates(t, repoId, [{ kind: "branch", name: "main", headSha: null }]));
    expect(closed.closed.map((c) => c.name)).toEqual(["main"]);
    expect((await getDb().ref.findFirstOrThrow({ where: { repositoryId: repoId, name: "main" } })).closedAt).not.toBeNull();
    const reopened = await tx((t) => applyRefUpdates(t, repoId, [{ kind: "branch", name: "main", headSha: sha("c") }]));
    expect(reopened.moved.map((m) => m.name)).toEqual(["main"]);
    expect((await getDb().ref.findFirstOrThrow({ where: { repositoryId: repoId, name: "main" } })).closedAt).toBeNull();
  });

  test("branch names that look like options or shell are stored as they are", async () => {
    const odd = ["--upload-pack=touch /tmp/x", "$(id)", "a;b", "feature/ü"];
    await tx((t) => applyRefUpdates(t, repoId, odd.map((name) => ({ kind: "branch" as const, name, headSha: sha("d") }))));
    const names = (await getDb().ref.findMany({ where: { repositoryId: repoId, kind: "branch" } })).map((r) => r.name);
    for (const n of odd) expect(names).toContain(n);
  });

  test("a malformed commit id is refused and nothing of the batch is written", async () => {
    const before = await getDb().ref.count();
    await expect(tx((t) => applyRefUpdates(t, repoId, [{ kind: "branch", name: "x1", headSha: sha("e") }, { kind: "branch", name: "x2", headSha: "HEAD" }]))).rejects.toThrow(/not a commit id/);
    expect(await getDb().ref.count()).toBe(before);
  });
});

describe("syncRemoteRefs", () => {
  test("a listing moves what changed and closes what is gone", async () => {
    const listing = { branches: new Map([["main", sha("f")], ["live", sha("1")]]), pulls: new Map([[7, sha("b")]]) };
    const r = await tx((t) => syncRemoteRefs(t, repoId, listing));
    expect(r.moved.map((m) => m.name).sort()).toEqual(["live", "main"]);
    expect(r.closed.map((c) => c.name).sort()).toEqual(["$(id)", "--upload-pack=touch /tmp/x", "a;b", "feature/ü"].sort());
    const again = await tx((t) => syncRemoteRefs(t, repoId, listing));
    expect(again).toEqual({ moved: [], closed: [] });
    const prGone = await tx((t) => syncRemoteRefs(t, repoId, { branches: listing.branches, pulls: new Map() }));
    expect(prGone.closed.map((c) => c.name)).toEqual([pullRefName(7)]);
  });
});
