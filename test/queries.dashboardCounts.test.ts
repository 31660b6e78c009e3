// lib/queries/dashboard.ts dashboardCounts (the dashboard's cards), one statement for six counts: repositories
// and targets not archived, builds queued since midnight UTC, builds queued or running, deployments waiting
// for approval, and deployments queued or running.
import { randomBytes } from "node:crypto";
import { beforeAll, describe, expect, test } from "vitest";
import { getDb } from "@/lib/db";
import { dashboardCounts, startOfUtcDay } from "@/lib/queries/dashboard";

const now = new Date(Date.UTC(2026, 11, 4, 15, 0, 0));
const today = startOfUtcDay(now);
const minutes = (m: number) => new Date(today.getTime() + m * 60_000);

beforeAll(async () => {
  const db = getDb();
  const repo = await db.repository.create({ data: { name: "acme/counts", provider: "git", url: "https://git.example.test/acme/counts.git" } });
  await db.repository.create({ data: { name: "acme/gone", provider: "git", url: "https://git.example.test/acme/gone.git", archivedAt: now } });
  const rule = await db.buildRule.create({ data: { repositoryId: repo.id, name: "Dockerfile", kind: "docker" } });
  const dr = await db.deploymentRule.create({ data: { buildRuleId: rule.id, branch: "live", image: "127.0.0.1:5000/acme/counts:live" } });
  const ctx = await db.dockerContext.create({ data: { name: "counts-swarm", endpoint: "unix:///var/run/counts.sock", role: "swarm_manager" } });
  const target = await db.target.create({ data: { deploymentRuleId: dr.id, name: "counts-live", kind: "swarm_service", service: "web", dockerContextId: ctx.id } });
  await db.target.create({ data: { deploymentRuleId: dr.id, name: "counts-old", kind: "swarm_service", service: "old", dockerContextId: ctx.id, archivedAt: now } });
  // builds: yesterday's (not today), one at midnight (today), and today's in every state
  const states = ["succeeded", "queued", "fetching", "building", "pushing", "failed", "cancelled", "superseded"] as const;
  const builds = [
    { state: "succeeded" as const, queuedAt: minutes(-1) },
    { state: "building" as const, queuedAt: minutes(-90) },
    { state: "succeeded" as const, queuedAt: minutes(0) },
    ...states.map((state, i) => ({ state, queuedAt: minutes(60 + i) })),
  ];
  let release = "";
  for (const b of builds) {
    const commit = await db.commit.create({ data: { repositoryId: repo.id, sha: randomBytes(20).toString("hex") } });
    const build = await db.build.create({ data: { buildRuleId: rule.id, commitId: commit.id, trigger: "webhook", ...b } });
    release ||= (await db.release.create({ data: { buildId: build.id, deploymentRuleId: dr.id, imageRepo: "127.0.0.1:5000/acme/counts", digest: `sha256:${randomBytes(32).toString("hex")}` } })).id;
  }
  const deployments = ["pending_approval", "pending_approval", "queued", "deploying", "verifying", "succeeded", "failed", "cancelled"] as const;
  await db.deployment.createMany({ data: deployments.map((state) => ({ targetId: target.id, releaseId: release, state })) });
});

describe("dashboardCounts", () => {
  test("counts what each card says, in one statement", async () => {
    expect(await dashboardCounts(now)).toEqual({
      repositories: 1,
      targets: 1,
      // midnight and the eight of the afternoon; not the one a minute before midnight, nor the one running since yesterday
      buildsToday: 9,
      // queued, fetching, building, pushing today, and the one building since yesterday
      buildsActive: 5,
      deploymentsPendingApproval: 2,
      deploymentsActive: 3,
    });
  });
});
