// The Builds and Deployments lists page newest first with a keyset cursor: every row exactly once, in
// order, also when several rows share a timestamp; an unknown cursor starts from the top and says so.
import { describe, expect, it } from "vitest";
import { getDb } from "@/lib/db";
import { listBuilds } from "@/lib/queries/builds";
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

async function walk(list: (o: { before?: string; limit?: number }) => Promise<{ rows: { id: string }[]; nextCursor?: string }>): Promise<string[]> {
  const ids: string[] = [];
  let before: string | undefined;
  for (let pages = 0; pages < 10; pages++) {
    const page = await list({ before, limit: 3 });
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
    const page = await listBuilds({ before: "no-such-build", limit: 3 });
    expect(page.cursorNotFound).toBe(true);
    expect(page.rows.length).toBeGreaterThan(0);
    expect((await listBuilds({ limit: 3 })).cursorNotFound).toBeUndefined();
  });
});
