// failed-rollback-pin (issue 13, item 1): a rollback that does not succeed leaves the target's pin as it was
// before it (unpinned, or pinned where it was), the target page's read model says what happened, and "Retry
// rollback" is the same rollback requested again. The rollbacks run through the real runner and the swarm driver
// against a docker context whose socket does not exist: the engine call fails, as a dead swarm manager makes it.
import { beforeAll, describe, expect, test } from "vitest";
import { getDb } from "@/lib/db";
import { log as rootLog } from "@/lib/log";
import { createDeploymentsForRelease } from "@/lib/services/deployments/schedule";
import { cancelDeployment, rollbackTarget } from "@/lib/services/deployments/commands";
import { runDeployment } from "@/lib/deploy/runner";
import { getTargetDetail } from "@/lib/queries/deployment-detail";
import { saveBuildRule, saveContext, saveDeploymentRule, saveRepository, saveTarget } from "@/lib/services/inventory/entities";
import { actorFor, createUser, type TestUser } from "@/test/helpers/fixtures";

let admin: TestUser;
let op1: TestUser;
let op2: TestUser;
let n = 0;
const quiet = rootLog.child({ test: "failed-rollback-pin" });

beforeAll(async () => {
  [admin, op1, op2] = await Promise.all([createUser("admin"), createUser("operator"), createUser("operator")]);
  await saveContext(actorFor(admin), { name: "gone", endpoint: "unix:///tmp/slipway-failed-rollback-no-such.sock", role: "swarm_manager" });
});

/** A target that ran r1 then r2 (r2 current), as the runner leaves it after two successful deployments. */
async function target() {
  n++;
  const a = actorFor(admin);
  const repo = await saveRepository(a, { repo: `frp${n}`, url: `https://git.example.org/frp${n}.git` });
  const build = await saveBuildRule(a, { repository_id: repo.id, name: "Dockerfile" });
  const rule = await saveDeploymentRule(a, { build_rule_id: build.id, branch: "live", image: `127.0.0.1:5000/frp${n}:live` });
  const t = await saveTarget(a, { deployment_rule_id: rule.id, name: `frp-${n}`, context: "gone", service: `svc${n}` });
  const db = getDb();
  const releases: { id: string; sha: string }[] = [];
  for (const i of [1, 2, 3]) {
    const sha = `${n.toString(16)}${i}`.padStart(40, "a");
    const commit = await db.commit.create({ data: { repositoryId: repo.id, sha, message: `change ${i}` } });
    const b = await db.build.create({ data: { buildRuleId: build.id, commitId: commit.id, state: "succeeded", trigger: "webhook" } });
    const rel = await db.release.create({ data: { recordedBeforeSigning: true, buildId: b.id, deploymentRuleId: rule.id, imageRepo: "127.0.0.1:5000/app", tag: "live", digest: `sha256:${sha.padStart(64, "0")}` } });
    releases.push({ id: rel.id, sha });
  }
  const created = await db.$transaction((tx) => createDeploymentsForRelease(tx, releases[1]!.id, { type: "worker", workerId: "test" }));
  await db.deployment.update({ where: { id: created.created[0]!.id }, data: { state: "succeeded", finishedAt: new Date() } });
  await db.target.update({ where: { id: t.id }, data: { currentReleaseId: releases[1]!.id } });
  return { id: t.id, r1: releases[0]!, r2: releases[1]!, r3: releases[2]! };
}

const pinOf = async (id: string) => {
  const t = await getDb().target.findUniqueOrThrow({ where: { id }, select: { pinnedReleaseId: true, pinnedById: true, pinnedAt: true } });
  return t;
};
const run = (id: string) => runDeployment(id, { workerId: "test-worker", log: quiet });

describe("failed-rollback-pin", () => {
  test("a rollback that fails on an unpinned target leaves it unpinned; the page model offers the same rollback again", async () => {
    const t = await target();
    const rb = await rollbackTarget(actorFor(op1), { targetId: t.id, releaseId: t.r1.id });
    // while it waits and runs, the pin holds new releases back
    expect((await pinOf(t.id)).pinnedReleaseId).toBe(t.r1.id);
    const out = await run(rb.deploymentId);
    expect(out.state).toBe("failed");
    expect(await pinOf(t.id)).toEqual({ pinnedReleaseId: null, pinnedById: null, pinnedAt: null });
    expect((await getDb().target.findUniqueOrThrow({ where: { id: t.id } })).currentReleaseId).toBe(t.r2.id);
    const restored = await getDb().auditEvent.findMany({ where: { subjectId: t.id, action: "target.pin_restored" } });
    expect(restored).toHaveLength(1);
    expect(restored[0]!.summary).toMatch(/did not succeed; not pinned any more/);

    const detail = await getTargetDetail(t.id);
    expect(detail?.pin).toBeNull();
    expect(detail?.failedRollback).toMatchObject({ deploymentId: rb.deploymentId, state: "failed", release: { id: t.r1.id } });
    expect(detail?.failedRollback?.reason).toMatch(/slipway-failed-rollback-no-such\.sock/);

    // "Retry rollback": the same rollback again, pinned again while it runs, and failing again leaves it as before
    const again = await rollbackTarget(actorFor(op2), { targetId: t.id, releaseId: t.r1.id });
    expect(await pinOf(t.id)).toMatchObject({ pinnedReleaseId: t.r1.id, pinnedById: op2.id });
    expect((await getTargetDetail(t.id))?.failedRollback).toBeNull();
    expect((await run(again.deploymentId)).state).toBe("failed");
    expect((await pinOf(t.id)).pinnedReleaseId).toBeNull();
  });

  test("a rollback that fails on a pinned target puts the earlier pin back: release, who and when", async () => {
    const t = await target();
    const pinnedAt = new Date("2026-11-01T10:00:00Z");
    await getDb().target.update({ where: { id: t.id }, data: { pinnedReleaseId: t.r2.id, pinnedById: op2.id, pinnedAt } });
    const rb = await rollbackTarget(actorFor(op1), { targetId: t.id, releaseId: t.r1.id });
    expect((await run(rb.deploymentId)).state).toBe("failed");
    expect(await pinOf(t.id)).toEqual({ pinnedReleaseId: t.r2.id, pinnedById: op2.id, pinnedAt });
    const detail = await getTargetDetail(t.id);
    expect(detail?.pin).toMatchObject({ release: { id: t.r2.id }, by: op2.login });
    expect(detail?.failedRollback?.release.id).toBe(t.r1.id);
  });

  test("a cancelled rollback, and one superseded by another rollback that then fails, leave the pin as before the first", async () => {
    const t = await target();
    const rb = await rollbackTarget(actorFor(op1), { targetId: t.id, releaseId: t.r1.id });
    const c = await cancelDeployment(actorFor(op2), { deploymentId: rb.deploymentId });
    expect(c.message).toMatch(/pin is back/);
    expect((await pinOf(t.id)).pinnedReleaseId).toBeNull();

    await getDb().target.update({ where: { id: t.id }, data: { pinnedReleaseId: t.r2.id, pinnedById: op2.id, pinnedAt: new Date() } });
    const first = await rollbackTarget(actorFor(op1), { targetId: t.id, releaseId: t.r1.id });
    const second = await rollbackTarget(actorFor(op1), { targetId: t.id, releaseId: t.r3.id });
    expect((await getDb().deployment.findUniqueOrThrow({ where: { id: first.deploymentId } })).state).toBe("superseded");
    expect((await pinOf(t.id)).pinnedReleaseId).toBe(t.r3.id);
    expect((await run(second.deploymentId)).state).toBe("failed");
    // not r1 (which never ran): r2, the pin before either rollback
    expect(await pinOf(t.id)).toMatchObject({ pinnedReleaseId: t.r2.id, pinnedById: op2.id });
  });

  test("a pin someone moved while the rollback ran is theirs: it is not touched", async () => {
    const t = await target();
    const rb = await rollbackTarget(actorFor(op1), { targetId: t.id, releaseId: t.r1.id });
    await getDb().target.update({ where: { id: t.id }, data: { pinnedReleaseId: t.r3.id, pinnedById: op2.id } });
    expect((await run(rb.deploymentId)).state).toBe("failed");
    expect(await pinOf(t.id)).toMatchObject({ pinnedReleaseId: t.r3.id, pinnedById: op2.id });
    expect(await getDb().auditEvent.count({ where: { subjectId: t.id, action: "target.pin_restored" } })).toBe(0);
  });
});
