// lib/queries/deployment-detail.ts getTargetDetail while the target is pinned: the newest release of its
// branch, when newer than the pinned one, is reported as held back (the page says "newer release <sha> is
// waiting: pinned at <sha> by <who>" with Unpin next to it); pinned at the newest, nothing is held back.
// lib/queries/build-detail.ts getBuildDetail: where a rebuild would deploy (the page asks before it does).
import { randomBytes } from "node:crypto";
import { beforeAll, describe, expect, test } from "vitest";
import { getDb } from "@/lib/db";
import { getTargetDetail, targetSummaries } from "@/lib/queries/deployment-detail";
import { getBuildDetail } from "@/lib/queries/build-detail";
import { createUser } from "@/test/helpers/fixtures";

const sha = () => randomBytes(20).toString("hex");
let ruleId = "";
let targetId = "";
let pinnedTargetId = "";
const releases: Record<"a" | "b" | "c", { id: string; sha: string; buildId: string }> = {} as never;

beforeAll(async () => {
  const db = getDb();
  const alice = await createUser("operator", { login: "alice-pins" });
  const repo = await db.repository.create({ data: { name: "acme/pins", provider: "git", url: "https://git.example.test/acme/pins.git" } });
  const rule = await db.buildRule.create({ data: { repositoryId: repo.id, name: "Dockerfile", kind: "docker", buildArgs: [], buildSecrets: [] } });
  const deploy = await db.deploymentRule.create({ data: { buildRuleId: rule.id, branch: "live", image: "127.0.0.1:5000/acme/pins:live" } });
  ruleId = deploy.id;
  const hour = 3_600_000;
  for (const [i, k] of (["a", "b", "c"] as const).entries()) {
    const s = sha();
    const commit = await db.commit.create({ data: { repositoryId: repo.id, sha: s, message: `change ${k}\n\nbody` } });
    const build = await db.build.create({ data: { buildRuleId: rule.id, commitId: commit.id, state: "succeeded", trigger: "webhook" } });
    const rel = await db.release.create({
      data: { buildId: build.id, deploymentRuleId: deploy.id, imageRepo: "127.0.0.1:5000/acme/pins", tag: "live", digest: `sha256:${randomBytes(32).toString("hex")}`, createdAt: new Date(Date.now() - (3 - i) * hour) },
    });
    releases[k] = { id: rel.id, sha: s, buildId: build.id };
  }
  const ctx = await db.dockerContext.create({ data: { name: "pins-swarm", endpoint: "unix:///var/run/pins.sock", role: "swarm_manager" } });
  // rolled back to a while b ran; c was released after: c waits
  const t = await db.target.create({
    data: { deploymentRuleId: ruleId, name: "pins-live", kind: "swarm_service", service: "web", dockerContextId: ctx.id, currentReleaseId: releases.a.id, pinnedReleaseId: releases.a.id, pinnedById: alice.id, pinnedAt: new Date() },
  });
  targetId = t.id;
  // pinned at the newest: nothing waits
  const p = await db.target.create({
    data: { deploymentRuleId: ruleId, name: "pins-canary", kind: "swarm_service", service: "canary", dockerContextId: ctx.id, currentReleaseId: releases.c.id, pinnedReleaseId: releases.c.id, pinnedById: alice.id, pinnedAt: new Date() },
  });
  pinnedTargetId = p.id;
  // live points at c; b is an old commit of live
  await db.ref.create({ data: { repositoryId: repo.id, kind: "branch", name: "live", headSha: releases.c.sha, builds: { create: [{ buildId: releases.b.buildId }, { buildId: releases.c.buildId }] } } });
});

describe("pinned-newer-release", () => {
  test("a pinned target reports the newer release its pin holds back, and who pinned it", async () => {
    const t = await getTargetDetail(targetId);
    expect(t!.pin).toMatchObject({ by: "alice-pins", release: { id: releases.a.id, commitSha: releases.a.sha } });
    expect(t!.heldBack).toMatchObject({ id: releases.c.id, commitSha: releases.c.sha, commitMessage: "change c\n\nbody" });
  });

  test("a target pinned at the newest release holds nothing back", async () => {
    const t = await getTargetDetail(pinnedTargetId);
    expect(t!.pin).not.toBeNull();
    expect(t!.heldBack).toBeNull();
  });

  test("the targets list says which release waits behind each pin", async () => {
    const rows = Object.fromEntries((await targetSummaries()).map((t) => [t.name, t]));
    expect(rows["pins-live"]).toMatchObject({ pinnedBy: "alice-pins", pinnedSha: releases.a.sha, heldBackSha: releases.c.sha });
    expect(rows["pins-canary"]).toMatchObject({ pinnedSha: releases.c.sha, heldBackSha: null });
  });

  test("once unpinned, nothing is held back (the newest is offered for deploying instead)", async () => {
    await getDb().target.update({ where: { id: targetId }, data: { pinnedReleaseId: null, pinnedById: null, pinnedAt: null } });
    const t = await getTargetDetail(targetId);
    expect(t!.heldBack).toBeNull();
    expect(t!.newestRelease?.id).toBe(releases.c.id);
    await getDb().target.update({ where: { id: targetId }, data: { pinnedReleaseId: releases.a.id } });
  });
});

describe("control-confirmations: where a rebuild would deploy", () => {
  test("a rebuild of the head of a deployment branch names its targets, pinned ones marked", async () => {
    const b = await getBuildDetail(releases.c.buildId);
    expect(b!.rebuildDeploysTo).toEqual([
      {
        branch: "live",
        targets: [
          { name: "pins-canary", pinned: true },
          { name: "pins-live", pinned: true },
        ],
      },
    ]);
  });

  test("a rebuild of an older commit of the branch deploys nowhere", async () => {
    const b = await getBuildDetail(releases.b.buildId);
    expect(b!.rebuildDeploysTo).toEqual([]);
  });
});
