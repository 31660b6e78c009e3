// lib/deploy/targets/index.ts: which kinds have a driver, and what the engine does with a kind that has none
// (unikernel, until its driver lands): the runner fails the deployment with the reason in words, re-verification
// fails it the same way, and the drift check leaves the target alone. Against the real database; no target
// is reached. (Deployments through the drivers: test/deploy.pipeline.test.ts.)
import { beforeAll, describe, expect, test } from "vitest";
import { getDb } from "@/lib/db";
import { log } from "@/lib/log";
import { readDeploymentLog } from "@/lib/build/log-store";
import { driverFor, drivenKinds } from "@/lib/deploy/targets";
import { runDeployment } from "@/lib/deploy/runner";
import { reverifyDeployment } from "@/lib/deploy/recovery";
import { checkDrift } from "@/lib/deploy/drift";
import { saveBuildRule, saveDeploymentRule, saveHost, saveRepository, saveTarget } from "@/lib/services/inventory/entities";
import { actorFor, createUser } from "@/test/helpers/fixtures";

const NO_DRIVER = /^no driver for target kind unikernel\b/;

test("swarm and compose services and artifact repositories have a driver; unikernel has none, said in words", () => {
  expect([...drivenKinds].sort()).toEqual(["artifact_repository", "compose_service", "swarm_service"]);
  expect(driverFor("swarm_service")).not.toBe(driverFor("compose_service"));
  expect(() => driverFor("unikernel")).toThrow(NO_DRIVER);
});

describe("a unikernel target", () => {
  let targetId: string;
  let releaseId: string;

  beforeAll(async () => {
    const a = actorFor(await createUser("admin"));
    await saveHost(a, { name: "uk-host", address: "192.0.2.10", user: "deploy" });
    const repo = await saveRepository(a, { repo: "mirage-www", url: "https://git.example.org/mirage-www.git" });
    const build = await saveBuildRule(a, { repository_id: repo.id, kind: "unikernel", target: "hvt" });
    const rule = await saveDeploymentRule(a, { build_rule_id: build.id, branch: "master", image: "127.0.0.1:5000/www:live-mirage-hvt" });
    const target = await saveTarget(a, { deployment_rule_id: rule.id, name: "www", host: "uk-host", service: "www" });
    targetId = target.id;
    const db = getDb();
    const commit = await db.commit.create({ data: { repositoryId: repo.id, sha: "e".repeat(40), message: "unikernel" } });
    const b = await db.build.create({ data: { buildRuleId: build.id, commitId: commit.id, state: "succeeded", trigger: "webhook" } });
    const rel = await db.release.create({
      data: { buildId: b.id, deploymentRuleId: rule.id, imageRepo: "127.0.0.1:5000/www", tag: "hvt", digest: `sha256:${"1".repeat(64)}`, artifactPath: "/unikernel.hvt", artifactSha256: "2".repeat(64) },
    });
    releaseId = rel.id;
    expect((await db.target.findUniqueOrThrow({ where: { id: targetId } })).kind).toBe("unikernel");
  });

  const deployment = (state: "queued" | "verifying") =>
    getDb().deployment.create({ data: { targetId, releaseId, state, queuedAt: new Date(), ...(state === "verifying" ? { workerId: "gone", startedAt: new Date() } : {}) } });
  const actions = async (id: string) => (await getDb().auditEvent.findMany({ where: { subjectId: id }, orderBy: { id: "asc" } })).map((e) => e.action);

  test("a deployment to it fails with the reason, is audited and logged, and leaves the target as it was", async () => {
    const d = await deployment("queued");
    const out = await runDeployment(d.id, { workerId: "w", log });
    expect(out.state).toBe("failed");
    expect(out.reason).toMatch(NO_DRIVER);
    const row = await getDb().deployment.findUniqueOrThrow({ where: { id: d.id } });
    expect(row).toMatchObject({ state: "failed", workerId: "w" });
    expect(row.reason).toMatch(NO_DRIVER);
    expect(await actions(d.id)).toEqual(["deployment.started", "deployment.failed"]);
    const text = (await readDeploymentLog(d.id, -1, 100)).map((c) => c.text).join("");
    expect(text).toMatch(/==> failed: no driver for target kind unikernel/);
    expect(await getDb().target.findUniqueOrThrow({ where: { id: targetId } })).toMatchObject({ currentReleaseId: null, liveImage: null });
  });

  test("re-verifying one that was interrupted fails it with the reason", async () => {
    const d = await deployment("verifying");
    const out = await reverifyDeployment(d.id, { workerId: "w2" });
    expect(out?.state).toBe("failed");
    expect(out?.reason).toMatch(/could not be checked: no driver for target kind unikernel/);
    expect((await getDb().deployment.findUniqueOrThrow({ where: { id: d.id } })).state).toBe("failed");
  });

  test("the drift check leaves it alone", async () => {
    await getDb().target.update({ where: { id: targetId }, data: { currentReleaseId: releaseId } });
    const r = await checkDrift();
    expect(r.errors).toEqual([]);
    expect(r.changes).toEqual([]);
    expect(r.checked).toBe(0);
  });
});
