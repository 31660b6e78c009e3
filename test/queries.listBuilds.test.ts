// The Builds and Deployments lists page newest first with a keyset cursor: every row exactly once, in
// order, also when several rows share a timestamp; an unknown cursor starts from the top and says so.
// The Builds list filters by repository, branch, pull request and state, and pages within a filter.
import { describe, expect, it } from "vitest";
import { getDb } from "@/lib/db";
import { listBuilds, type BuildListFilter } from "@/lib/queries/builds";
import { buildFilterFromSearchParams } from "@/lib/validation/build-filters";
import { listDeployments } from "@/lib/queries/deployments";

async function seed() {
  const db = getDb();
  const repo = await db.repository.create({ data: { name: "acme/web", provider: "git", url: "https://git.example.test/acme/web.git" } });
  const rule = await db.buildRule.create({ data: { repositoryId: repo.id, name: "Dockerfile", kind: "docker" } });
  const dr = await db.deploymentRule.create({ data: { buildRuleId: rule.id, branch: "live", image: "127.0.0.1:5000/acme/web:live" } });
  const target = await db.target.create({ data: { deploymentRuleId: dr.id, name: "web", kind: "swarm_service", service: "web" } });
  const base = Date.UTC(2026, 10, 1);
  const builds = [];
  for (let i = 0; i < 7; i++) {
    const commit = await db.commit.create({ data: { repositoryId: repo.id, sha: String(i).padStart(40, "a") } });
    // pairs share a timestamp, to exercise the id tie-break
    const at = new Date(base + Math.floor(i / 2) * 60_000);
    builds.push(await db.build.create({ data: { buildRuleId: rule.id, commitId: commit.id, trigger: "manual", state: "succeeded", queuedAt: at } }));
  }
  for (const b of builds) {
    const release = await db.release.create({ data: { buildId: b.id, deploymentRuleId: dr.id, imageRepo: "127.0.0.1:5000/acme/web", digest: `sha256:${b.id}` } });
    await db.deployment.create({ data: { targetId: target.id, releaseId: release.id, state: "succeeded", createdAt: b.queuedAt } });
  }
}

async function walk(list: (o: { before?: string; limit?: number }) => Promise<{ rows: { id: string }[]; nextCursor?: string }>, limit = 3): Promise<string[]> {
  const ids: string[] = [];
  let before: string | undefined;
  for (let pages = 0; pages < 20; pages++) {
    const page = await list({ before, limit });
    ids.push(...page.rows.map((r) => r.id));
    if (!page.nextCursor) return ids;
    before = page.nextCursor;
  }
  throw new Error("paging did not end");
}

describe("console list paging", () => {
  it("walks builds and deployments newest first, each row once, across equal timestamps", async () => {
    await seed();
    const db = getDb();
    const expectedBuilds = (await db.build.findMany({ orderBy: [{ queuedAt: "desc" }, { id: "desc" }], select: { id: true } })).map((b) => b.id);
    expect(await walk(listBuilds)).toEqual(expectedBuilds);
    const expectedDeploys = (await db.deployment.findMany({ orderBy: [{ createdAt: "desc" }, { id: "desc" }], select: { id: true } })).map((d) => d.id);
    expect(await walk(listDeployments)).toEqual(expectedDeploys);
    expect(expectedBuilds).toHaveLength(7);
  });

  it("an unknown cursor starts from the top and says so", async () => {
    const top = await listBuilds({ limit: 3 });
    expect(top.cursorNotFound).toBeUndefined();
    expect(top.rows).toHaveLength(3);
    const page = await listBuilds({ before: "no-such-build", limit: 3 });
    expect(page.cursorNotFound).toBe(true);
    // the first page itself, newest first, with the cursor to the next one
    expect(page.rows.map((r) => r.id)).toEqual(top.rows.map((r) => r.id));
    expect(page.nextCursor).toBe(top.nextCursor);
  });
});

describe("build list filters", () => {
  /** Another repository with a branch, a pull request and builds in every state, interleaved in time. */
  async function seedFiltered() {
    const db = getDb();
    const repo = await db.repository.create({ data: { name: "acme/api", provider: "git", url: "https://git.example.test/acme/api.git" } });
    const rule = await db.buildRule.create({ data: { repositoryId: repo.id, name: "Dockerfile", kind: "docker" } });
    const main = await db.ref.create({ data: { repositoryId: repo.id, kind: "branch", name: "main", headSha: "f".repeat(40) } });
    const pr = await db.ref.create({ data: { repositoryId: repo.id, kind: "pull_request", name: "pull/42/head", prNumber: 42, headSha: "e".repeat(40) } });
    const states = ["queued", "building", "succeeded", "failed", "cancelled", "fetching", "failed", "succeeded"] as const;
    const base = Date.UTC(2026, 10, 2);
    const made: { id: string; state: string; ref: "main" | "pr" }[] = [];
    for (const [i, state] of states.entries()) {
      const commit = await db.commit.create({ data: { repositoryId: repo.id, sha: String(i).padStart(40, "b") } });
      const ref = i % 2 === 0 ? main : pr;
      const b = await db.build.create({
        data: { buildRuleId: rule.id, commitId: commit.id, trigger: "webhook", state, queuedAt: new Date(base + Math.floor(i / 3) * 60_000), refs: { create: [{ refId: ref.id }] } },
      });
      made.push({ id: b.id, state, ref: i % 2 === 0 ? "main" : "pr" });
    }
    return made;
  }

  const ids = (filter: BuildListFilter, limit = 2) => walk((o) => listBuilds({ ...o, filter }), limit);
  const newestFirst = async (pick: (b: { id: string; state: string; ref: string }) => boolean, made: { id: string; state: string; ref: string }[]) => {
    const wanted = new Set(made.filter(pick).map((b) => b.id));
    const all = await getDb().build.findMany({ orderBy: [{ queuedAt: "desc" }, { id: "desc" }], select: { id: true } });
    return all.map((b) => b.id).filter((id) => wanted.has(id));
  };

  it("filters by repository, branch, pull request and state, paging within the filter", async () => {
    const made = await seedFiltered();
    expect(await ids({ repository: "acme/api" })).toEqual(await newestFirst(() => true, made));
    expect(await ids({ repository: "acme/api", branch: "main" })).toEqual(await newestFirst((b) => b.ref === "main", made));
    expect(await ids({ pr: 42 })).toEqual(await newestFirst((b) => b.ref === "pr", made));
    expect(await ids({ state: "failed" })).toEqual(await newestFirst((b) => b.state === "failed", made));
    expect(await ids({ state: "active", repository: "acme/api" })).toEqual(await newestFirst((b) => ["queued", "fetching", "building", "pushing"].includes(b.state), made));
    expect(await ids({ branch: "main", state: "succeeded" })).toEqual(await newestFirst((b) => b.ref === "main" && b.state === "succeeded", made));
    // the other repository's builds are all succeeded and serve no ref
    expect(await ids({ repository: "acme/web", state: "succeeded" }, 3)).toHaveLength(7);
    expect(await ids({ repository: "acme/web", branch: "main" })).toEqual([]);
    expect(await ids({ repository: "no/such-repo" })).toEqual([]);
    expect(await ids({ pr: 7 })).toEqual([]);
  });

  it("a cursor from outside the filter still pages in order", async () => {
    const all = await getDb().build.findMany({ orderBy: [{ queuedAt: "desc" }, { id: "desc" }], select: { id: true, state: true } });
    const cursor = all.find((b) => b.state !== "failed")!;
    const after = all.slice(all.indexOf(cursor) + 1).filter((b) => b.state === "failed").map((b) => b.id);
    expect((await listBuilds({ before: cursor.id, filter: { state: "failed" } })).rows.map((r) => r.id)).toEqual(after);
  });

  it("query-string filters are validated in words", () => {
    expect(buildFilterFromSearchParams({ repository: " acme/api ", branch: "feature/x", pr: "#42", state: "active" })).toMatchObject({
      success: true,
      data: { repository: "acme/api", branch: "feature/x", pr: 42, state: "active" },
    });
    expect(buildFilterFromSearchParams({ repository: "", branch: "", pr: "", state: "" })).toMatchObject({ success: true, data: {} });
    const bad = buildFilterFromSearchParams(new URLSearchParams("state=exploded&pr=abc&branch=a%20b"));
    expect(bad.success).toBe(false);
    const messages = Object.fromEntries(bad.error!.issues.map((i) => [String(i.path[0]), i.message]));
    expect(messages.state).toContain("must be one of: active, queued");
    expect(messages.pr).toBe("must be a pull request number, e.g. 42");
    expect(messages.branch).toContain("no spaces");
  });
});
