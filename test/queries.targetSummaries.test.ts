// lib/queries/deployment-detail.ts targetSummaries (the Targets page and the dashboard): each target's newest
// deployment and its rule's newest release are read per target from the top of an index, not by loading
// every deployment: the newest by time wins, the larger id among deployments made in the same millisecond; a
// target without deployments has none; a release without a digest is not offered; archived targets are left
// out; a deployment made later (a rollback) is the last one at once. targetSummaryPage pages them by name in the
// database: the pages list each target once; a cursor that is gone or the last name starts from the first.
import { randomBytes } from "node:crypto";
import { beforeAll, describe, expect, test } from "vitest";
import { getDb } from "@/lib/db";
import { targetSummaries, targetSummaryPage } from "@/lib/queries/deployment-detail";
import { createUser } from "@/test/helpers/fixtures";

const sha = () => randomBytes(20).toString("hex");
const base = Date.UTC(2026, 10, 1);
const at = (minutes: number) => new Date(base + minutes * 60_000);
const rel: Record<"r1" | "r2" | "r3", { id: string; sha: string }> = {} as never;
let targetA = "";

beforeAll(async () => {
  const db = getDb();
  const bob = await createUser("operator", { login: "bob-latest" });
  const repo = await db.repository.create({ data: { name: "acme/latest", provider: "git", url: "https://git.example.test/acme/latest.git" } });
  const rule = await db.buildRule.create({ data: { repositoryId: repo.id, name: "Dockerfile", kind: "docker" } });
  const dr = await db.deploymentRule.create({ data: { buildRuleId: rule.id, branch: "live", image: "127.0.0.1:5000/acme/latest:live" } });
  for (const [i, k] of (["r1", "r2", "r3"] as const).entries()) {
    const s = sha();
    const commit = await db.commit.create({ data: { repositoryId: repo.id, sha: s } });
    const build = await db.build.create({ data: { buildRuleId: rule.id, commitId: commit.id, state: "succeeded", trigger: "webhook" } });
    // r3 is the newest release but has no digest yet (a unikernel-less docker release without a pushed image): not offered
    const r = await db.release.create({
      data: { buildId: build.id, deploymentRuleId: dr.id, imageRepo: "127.0.0.1:5000/acme/latest", digest: k === "r3" ? null : `sha256:${randomBytes(32).toString("hex")}`, createdAt: at(i * 10) },
    });
    rel[k] = { id: r.id, sha: s };
  }
  const ctx = await db.dockerContext.create({ data: { name: "latest-swarm", endpoint: "unix:///var/run/latest.sock", role: "swarm_manager" } });
  const a = await db.target.create({
    data: { deploymentRuleId: dr.id, name: "latest-a", kind: "swarm_service", service: "a", dockerContextId: ctx.id, currentReleaseId: rel.r1.id, pinnedReleaseId: rel.r1.id, pinnedById: bob.id },
  });
  targetA = a.id;
  await db.target.create({ data: { deploymentRuleId: dr.id, name: "latest-b", kind: "swarm_service", service: "b", dockerContextId: ctx.id } });
  await db.target.create({ data: { deploymentRuleId: dr.id, name: "latest-archived", kind: "swarm_service", service: "c", dockerContextId: ctx.id, archivedAt: at(100) } });
  // many deployments on a, two of them in the same millisecond (the id breaks the tie)
  const rows = [];
  for (let i = 0; i < 30; i++) rows.push({ id: `dep-a-${String(i).padStart(2, "0")}`, targetId: a.id, releaseId: rel.r1.id, state: "succeeded" as const, createdAt: at(i) });
  rows.push({ id: "dep-a-tie-1", targetId: a.id, releaseId: rel.r2.id, state: "failed" as const, createdAt: at(50) });
  rows.push({ id: "dep-a-tie-2", targetId: a.id, releaseId: rel.r2.id, state: "cancelled" as const, createdAt: at(50) });
  await db.deployment.createMany({ data: rows });
});

describe("targets-list-latest", () => {
  test("each target shows its newest deployment (the larger id when two share a time) and nothing for a target never deployed", async () => {
    const rows = Object.fromEntries((await targetSummaries()).map((t) => [t.name, t]));
    expect(rows["latest-a"]).toMatchObject({ lastDeploymentId: "dep-a-tie-2", lastState: "cancelled" });
    expect(rows["latest-b"]).toMatchObject({ lastDeploymentId: null, lastState: null, heldBackSha: null });
    expect(rows["latest-archived"]).toBeUndefined();
  });

  test("the pin holds back the newest release that has a digest", async () => {
    const rows = Object.fromEntries((await targetSummaries()).map((t) => [t.name, t]));
    expect(rows["latest-a"]).toMatchObject({ pinnedBy: "bob-latest", pinnedSha: rel.r1.sha, heldBackSha: rel.r2.sha, currentRelease: { commitSha: rel.r1.sha } });
  });

  test("a deployment made later (a rollback waiting for approval) is the last one at once", async () => {
    await getDb().deployment.create({ data: { id: "dep-a-rollback", targetId: targetA, releaseId: rel.r1.id, state: "pending_approval", trigger: "rollback", createdAt: at(60) } });
    const a = (await targetSummaries()).find((t) => t.name === "latest-a");
    expect(a).toMatchObject({ lastDeploymentId: "dep-a-rollback", lastState: "pending_approval" });
  });
});

describe("targetSummaryPage", () => {
  test("pages by name in the database: together every target not archived, once, with the total on each page", async () => {
    const all = (await targetSummaries()).map((t) => t.name);
    const seen: string[] = [];
    let after: string | undefined;
    let pages = 0;
    do {
      const p = await targetSummaryPage({ after, limit: 1 });
      expect(p.total).toBe(all.length);
      expect(p.rows).toHaveLength(1);
      seen.push(...p.rows.map((t) => t.name));
      after = p.nextCursor;
      pages++;
    } while (after && pages < 10);
    expect(seen).toEqual(all);
    expect(all).toEqual(["latest-a", "latest-b"]);
  });

  test("a page's rows are the full summaries (latest deployment, pin)", async () => {
    const [a] = (await targetSummaryPage({ limit: 1 })).rows;
    expect(a).toMatchObject({ name: "latest-a", pinnedBy: "bob-latest", heldBackSha: rel.r2.sha, lastDeploymentId: "dep-a-rollback" });
  });

  test("a name that is gone, archived or the last one starts again from the first target", async () => {
    for (const after of ["no-such-target", "latest-archived", "latest-b"]) {
      const p = await targetSummaryPage({ after, limit: 1 });
      expect(p.rows.map((t) => t.name)).toEqual(["latest-a"]);
      expect(p.nextCursor).toBe("latest-a");
    }
  });
});
