// lib/queries/deployment-detail.ts getTargetDetail's history: a bounded page of the target's deployments,
// newest first, grouped by release; `before` (the last deployment of a page) gives the next page by keyset, so
// walking the pages shows every deployment exactly once and in order — also when several share a timestamp —
// and leaves superseded ones out; a cursor from another target starts from the newest and says so. The
// deployment of the newest release already on its way is found whatever page is shown.
import { randomBytes } from "node:crypto";
import { beforeAll, describe, expect, test } from "vitest";
import { getDb } from "@/lib/db";
import { getTargetDetail, TARGET_HISTORY_PAGE } from "@/lib/queries/deployment-detail";
import type { DeploymentState } from "@/lib/generated/prisma/client";

const base = Date.UTC(2026, 10, 1);
let targetId = "";
let otherDeployment = "";
let expected: string[] = [];
let newestRelease = "";

beforeAll(async () => {
  const db = getDb();
  const repo = await db.repository.create({ data: { name: "acme/history", provider: "git", url: "https://git.example.test/acme/history.git" } });
  const rule = await db.buildRule.create({ data: { repositoryId: repo.id, name: "Dockerfile", kind: "docker" } });
  const dr = await db.deploymentRule.create({ data: { buildRuleId: rule.id, branch: "live", image: "127.0.0.1:5000/acme/history:live" } });
  const releases: string[] = [];
  for (let i = 0; i < 4; i++) {
    const commit = await db.commit.create({ data: { repositoryId: repo.id, sha: randomBytes(20).toString("hex") } });
    const build = await db.build.create({ data: { buildRuleId: rule.id, commitId: commit.id, state: "succeeded", trigger: "webhook" } });
    const r = await db.release.create({ data: { buildId: build.id, deploymentRuleId: dr.id, imageRepo: "127.0.0.1:5000/acme/history", digest: `sha256:${randomBytes(32).toString("hex")}`, createdAt: new Date(base + i * 1000) } });
    releases.push(r.id);
  }
  newestRelease = releases[3]!;
  const ctx = await db.dockerContext.create({ data: { name: "history-swarm", endpoint: "unix:///var/run/history.sock", role: "swarm_manager" } });
  const t = await db.target.create({ data: { deploymentRuleId: dr.id, name: "history-live", kind: "swarm_service", service: "web", dockerContextId: ctx.id, currentReleaseId: releases[0] } });
  const other = await db.target.create({ data: { deploymentRuleId: dr.id, name: "history-other", kind: "swarm_service", service: "other", dockerContextId: ctx.id } });
  targetId = t.id;
  // 130 deployments over three releases; pairs share a timestamp; every seventh was superseded (not shown)
  const rows: { id: string; targetId: string; releaseId: string; state: DeploymentState; createdAt: Date }[] = Array.from({ length: 130 }, (_, i) => ({
    id: `hist-${String(i).padStart(3, "0")}`,
    targetId: t.id,
    releaseId: releases[i % 3]!,
    state: i % 7 === 3 ? "superseded" : "succeeded",
    createdAt: new Date(base + 60_000 + Math.floor(i / 2) * 1000),
  }));
  // the newest release waits for approval, far back in the history (the page shows it is on its way)
  rows.push({ id: "hist-waiting", targetId: t.id, releaseId: newestRelease, state: "pending_approval", createdAt: new Date(base + 30_000) });
  await db.deployment.createMany({ data: rows });
  otherDeployment = (await db.deployment.create({ data: { targetId: other.id, releaseId: releases[0]!, state: "succeeded" } })).id;
  expected = [...rows]
    .filter((r) => r.state !== "superseded")
    .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1))
    .map((r) => r.id);
});

const idsOf = (t: NonNullable<Awaited<ReturnType<typeof getTargetDetail>>>) => t.history.flatMap((h) => h.deployments.map((d) => d.id));

describe("target-history-keyset", () => {
  test("walking the Older pages shows every deployment once, newest first, superseded ones left out", async () => {
    const seen: string[] = [];
    let before: string | undefined;
    for (let pages = 0; ; pages++) {
      expect(pages).toBeLessThan(20);
      const t = await getTargetDetail(targetId, { before, limit: 20 });
      const ids = idsOf(t!);
      // each page holds the next twenty of the history (grouped by release on the page, each group newest first)
      expect(new Set(ids)).toEqual(new Set(expected.slice(seen.length, seen.length + 20)));
      for (const h of t!.history) {
        const times = h.deployments.map((d) => d.createdAt.getTime());
        expect(times).toEqual([...times].sort((a, b) => b - a));
      }
      seen.push(...ids);
      if (!t!.historyNextCursor) break;
      before = t!.historyNextCursor;
    }
    expect(seen).toHaveLength(expected.length);
    expect(new Set(seen).size).toBe(seen.length);
  });

  test("the first page is bounded and offers the next one", async () => {
    const t = await getTargetDetail(targetId);
    expect(idsOf(t!)).toHaveLength(TARGET_HISTORY_PAGE);
    expect(new Set(idsOf(t!))).toEqual(new Set(expected.slice(0, TARGET_HISTORY_PAGE)));
    expect(t!.historyNextCursor).toBe(expected[TARGET_HISTORY_PAGE - 1]);
    expect(t!.historyCursorNotFound).toBeUndefined();
  });

  test("a cursor that is not one of this target's deployments starts from the newest and says so", async () => {
    const t = await getTargetDetail(targetId, { before: otherDeployment, limit: 20 });
    expect(t!.historyCursorNotFound).toBe(true);
    expect(new Set(idsOf(t!))).toEqual(new Set(expected.slice(0, 20)));
  });

  test("the newest release's deployment waiting for approval is found though it is not on the page shown", async () => {
    const t = await getTargetDetail(targetId, { limit: 5 });
    expect(idsOf(t!)).not.toContain("hist-waiting");
    expect(t!.newestRelease?.id).toBe(newestRelease);
    expect(t!.newestOnItsWay).toEqual({ id: "hist-waiting", state: "pending_approval" });
  });
});
