// lib/queries/inventory-repos.ts getRepositoryDetail's history counts: builds per build rule, releases per
// deployment rule and deployments per target are exact up to HISTORY_COUNT_LIMIT and say "more" past it (the
// page shows "1,000+ builds"), each counted on its own rule or target only.
import { randomBytes } from "node:crypto";
import { beforeAll, describe, expect, test } from "vitest";
import { getDb } from "@/lib/db";
import { getRepositoryDetail, HISTORY_COUNT_LIMIT } from "@/lib/queries/inventory-repos";

let repoId = "";

beforeAll(async () => {
  const db = getDb();
  const repo = await db.repository.create({ data: { name: "acme/counts", provider: "git", url: "https://git.example.test/acme/counts.git" } });
  repoId = repo.id;
  const busy = await db.buildRule.create({ data: { repositoryId: repo.id, name: "busy", kind: "docker", position: 0 } });
  const quiet = await db.buildRule.create({ data: { repositoryId: repo.id, name: "quiet", kind: "docker", position: 1 } });
  const commit = await db.commit.create({ data: { repositoryId: repo.id, sha: randomBytes(20).toString("hex") } });
  // one more build than the limit on `busy` (attempts of one commit), three on `quiet`
  await db.build.createMany({ data: Array.from({ length: HISTORY_COUNT_LIMIT + 1 }, (_, i) => ({ buildRuleId: busy.id, commitId: commit.id, attempt: i + 1, state: "succeeded" as const, trigger: "rerun" as const })) });
  await db.build.createMany({ data: Array.from({ length: 3 }, (_, i) => ({ buildRuleId: quiet.id, commitId: commit.id, attempt: i + 1, state: "failed" as const, trigger: "rerun" as const })) });
  // an unrelated repository's builds do not count
  const elsewhere = await db.repository.create({ data: { name: "acme/elsewhere", provider: "git", url: "https://git.example.test/acme/elsewhere.git" } });
  const otherRule = await db.buildRule.create({ data: { repositoryId: elsewhere.id, name: "busy", kind: "docker" } });
  const otherCommit = await db.commit.create({ data: { repositoryId: elsewhere.id, sha: randomBytes(20).toString("hex") } });
  await db.build.createMany({ data: Array.from({ length: 5 }, (_, i) => ({ buildRuleId: otherRule.id, commitId: otherCommit.id, attempt: i + 1, state: "succeeded" as const, trigger: "rerun" as const })) });

  const dr = await db.deploymentRule.create({ data: { buildRuleId: busy.id, branch: "live", image: "127.0.0.1:5000/acme/counts:live" } });
  await db.deploymentRule.create({ data: { buildRuleId: busy.id, branch: "staging", image: "127.0.0.1:5000/acme/counts:staging" } });
  const builds = await db.build.findMany({ where: { buildRuleId: busy.id }, orderBy: { attempt: "asc" }, take: 2, select: { id: true } });
  const releases = [];
  for (const b of builds) releases.push(await db.release.create({ data: { buildId: b.id, deploymentRuleId: dr.id, imageRepo: "127.0.0.1:5000/acme/counts", digest: `sha256:${randomBytes(32).toString("hex")}` } }));
  const ctx = await db.dockerContext.create({ data: { name: "counts-swarm", endpoint: "unix:///var/run/counts.sock", role: "swarm_manager" } });
  const target = await db.target.create({ data: { deploymentRuleId: dr.id, name: "counts-live", kind: "swarm_service", service: "web", dockerContextId: ctx.id } });
  await db.target.create({ data: { deploymentRuleId: dr.id, name: "counts-canary", kind: "swarm_service", service: "canary", dockerContextId: ctx.id } });
  await db.deployment.createMany({ data: releases.map((r) => ({ targetId: target.id, releaseId: r.id, state: "succeeded" as const })) });
});

describe("repository-history-counts", () => {
  test("builds past the limit show as the limit and more; fewer are exact", async () => {
    const r = await getRepositoryDetail(repoId);
    const rules = Object.fromEntries(r!.buildRules.map((b) => [b.name, b]));
    expect(rules.busy).toMatchObject({ builds: HISTORY_COUNT_LIMIT, buildsMore: true });
    expect(rules.quiet).toMatchObject({ builds: 3, buildsMore: false });
  });

  test("releases per deployment rule and deployments per target are counted on their own rule and target", async () => {
    const r = await getRepositoryDetail(repoId);
    const busy = r!.buildRules.find((b) => b.name === "busy")!;
    const rules = Object.fromEntries(busy.deploymentRules.map((d) => [d.branch, d]));
    expect(rules.live).toMatchObject({ releases: 2, releasesMore: false });
    expect(rules.staging).toMatchObject({ releases: 0, releasesMore: false, targets: [] });
    expect(Object.fromEntries(rules.live!.targets.map((t) => [t.name, t.deployments]))).toEqual({ "counts-canary": 0, "counts-live": 2 });
  });
});
