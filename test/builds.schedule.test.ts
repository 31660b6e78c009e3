// lib/services/builds/{schedule,commands,rerun}.ts against the real database: one build per (rule, commit),
// refs linked, superseding, closed refs, local mode, and the Build now / Rebuild / Cancel commands with
// their audit events and role checks. (Running builds: test/build.runBuild.test.ts.)
import { afterEach, beforeAll, describe, expect, test } from "vitest";
import { getDb } from "@/lib/db";
import { resetEnvCache } from "@/lib/env";
import { applyRefUpdates, type RefUpdate } from "@/lib/services/refs";
import { scheduleForRefChanges } from "@/lib/services/builds/schedule";
import { buildNow, cancelBuild, rebuild } from "@/lib/services/builds/commands";
import { rerunFromGithub } from "@/lib/services/builds/rerun";
import { reapBuilds } from "@/lib/build/reaper";
import { saveApp, saveBuildRule, saveDeploymentRule, saveRepository } from "@/lib/services/inventory/entities";
import { actorFor, createUser, type TestUser } from "@/test/helpers/fixtures";

let admin: TestUser;
let operator: TestUser;
let viewer: TestUser;
let n = 0;
const sha = (s: string) => s.repeat(40).slice(0, 40);

beforeAll(async () => {
  [admin, operator, viewer] = await Promise.all([createUser("admin"), createUser("operator"), createUser("viewer")]);
  await saveApp(actorFor(admin), { name: "gh", webhook_secret: "whsec-0123456789" });
});
afterEach(() => {
  delete process.env.SLIPWAY_LOCAL;
  resetEnvCache();
});

async function repoWithRules(rules = 1, opts: { app?: boolean; deployBranch?: string } = {}) {
  n++;
  const repo = await saveRepository(actorFor(admin), opts.app ? { repo: `org/r${n}`, app: "gh" } : { repo: `r${n}`, url: `https://git.example.org/r${n}.git` });
  const ids: string[] = [];
  for (let i = 0; i < rules; i++) {
    const r = await saveBuildRule(actorFor(admin), { repository_id: repo.id, name: `rule${i}`, dockerfile: i ? `Dockerfile.${i}` : "Dockerfile" });
    ids.push(r.id);
    if (opts.deployBranch) await saveDeploymentRule(actorFor(admin), { build_rule_id: r.id, branch: opts.deployBranch, image: `registry.example.org/r${n}:live` });
  }
  return { repositoryId: repo.id, ruleIds: ids };
}

/** Moves refs and schedules, as the webhook and poll handlers do, in one transaction. */
async function move(repositoryId: string, updates: RefUpdate[], trigger: "webhook" | "poll" = "webhook") {
  return getDb().$transaction(async (tx) => {
    return scheduleForRefChanges(tx, repositoryId, await applyRefUpdates(tx, repositoryId, updates), { trigger });
  });
}

const jobsFor = async (identifier: string) =>
  getDb().$queryRaw<{ key: string | null; payload: { buildId: string } }[]>`
    SELECT j.key, j.payload FROM graphile_worker._private_jobs j JOIN graphile_worker._private_tasks t ON t.id = j.task_id WHERE t.identifier = ${identifier}`;

describe("scheduling", () => {
  test("each build rule builds a commit once, however many refs point at it", async () => {
    const { repositoryId, ruleIds } = await repoWithRules(2);
    const first = await move(repositoryId, [
      { kind: "branch", name: "main", headSha: sha("a") },
      { kind: "branch", name: "copy", headSha: sha("a") },
      { kind: "pull_request", name: "4", prNumber: 4, prTitle: "Fix", prAuthor: "me", headSha: sha("a") },
    ]);
    expect(first.filter((b) => b.created)).toHaveLength(2);
    const builds = await getDb().build.findMany({ where: { buildRuleId: { in: ruleIds } }, include: { refs: { include: { ref: true } } } });
    expect(builds).toHaveLength(2);
    for (const b of builds) expect(b.refs.map((r) => r.ref.name).sort()).toEqual(["copy", "main", "pull/4/head"]);
    const runJobs = (await jobsFor("build_run")).filter((j) => builds.some((b) => b.id === j.payload.buildId));
    expect(runJobs.map((j) => j.key).sort()).toEqual(builds.map((b) => `build:${b.id}`).sort());
    // a repository without an app reports no check runs
    expect((await jobsFor("build_check")).filter((j) => builds.some((b) => b.id === j.payload.buildId))).toHaveLength(0);
  });

  test("a newer commit supersedes the queued build of the ref it moved, not a build another ref still wants", async () => {
    const { repositoryId, ruleIds } = await repoWithRules(1);
    await move(repositoryId, [{ kind: "branch", name: "main", headSha: sha("b") }, { kind: "branch", name: "keep", headSha: sha("b") }]);
    await move(repositoryId, [{ kind: "branch", name: "main", headSha: sha("c") }]);
    const still = await getDb().build.findFirstOrThrow({ where: { buildRuleId: ruleIds[0], commit: { sha: sha("b") } } });
    expect(still.state).toBe("queued"); // "keep" still points at it
    await move(repositoryId, [{ kind: "branch", name: "keep", headSha: sha("d") }]);
    const gone = await getDb().build.findFirstOrThrow({ where: { id: still.id } });
    expect(gone.state).toBe("superseded");
    expect(gone.reason).toBe(`superseded: keep moved on to ${sha("d").slice(0, 12)}`);
    expect(gone.finishedAt).not.toBeNull();
  });

  test("a deleted branch cancels its queued build", async () => {
    const { repositoryId, ruleIds } = await repoWithRules(1);
    await move(repositoryId, [{ kind: "branch", name: "topic", headSha: sha("e") }]);
    await move(repositoryId, [{ kind: "branch", name: "topic", headSha: null }]);
    const b = await getDb().build.findFirstOrThrow({ where: { buildRuleId: ruleIds[0] } });
    expect(b.state).toBe("cancelled");
    expect(b.reason).toBe("cancelled: topic was deleted or closed");
  });

  test("a GitHub repository's builds get a check-run job", async () => {
    const { repositoryId } = await repoWithRules(1, { app: true });
    const [b] = await move(repositoryId, [{ kind: "branch", name: "main", headSha: sha("f") }]);
    expect((await jobsFor("build_check")).filter((j) => j.payload.buildId === b!.buildId).map((j) => j.key)).toEqual([null]);
  });

  test("local mode builds deployment branches only and reports nothing to GitHub", async () => {
    process.env.SLIPWAY_LOCAL = "1";
    resetEnvCache();
    const { repositoryId } = await repoWithRules(1, { app: true, deployBranch: "live" });
    const builds = await move(repositoryId, [
      { kind: "branch", name: "live", headSha: sha("1") },
      { kind: "branch", name: "feature", headSha: sha("2") },
      { kind: "pull_request", name: "7", prNumber: 7, headSha: sha("3") },
    ]);
    expect(builds).toHaveLength(1);
    expect((await getDb().ref.findUniqueOrThrow({ where: { id: builds[0]!.refId } })).name).toBe("live");
    expect((await jobsFor("build_check")).filter((j) => j.payload.buildId === builds[0]!.buildId)).toHaveLength(0);
  });
});

describe("Build now, Rebuild, Cancel", () => {
  test("Build now queues the ref's head once per rule, audited; a second click queues nothing", async () => {
    const { repositoryId } = await repoWithRules(2);
    await move(repositoryId, [{ kind: "branch", name: "main", headSha: sha("9") }]);
    const ref = await getDb().ref.findFirstOrThrow({ where: { repositoryId, name: "main" } });
    // the scheduled builds are cancelled; Build now queues new attempts
    for (const b of await getDb().build.findMany({ where: { refs: { some: { refId: ref.id } } } })) await cancelBuild(actorFor(operator), { buildId: b.id });
    const r = await buildNow(actorFor(operator), { refId: ref.id });
    expect(r.buildIds).toHaveLength(2);
    expect(r.message).toMatch(/^Queued 2 builds of main/);
    const rows = await getDb().build.findMany({ where: { id: { in: r.buildIds } } });
    expect(rows.map((b) => [b.trigger, b.attempt, b.triggeredById])).toEqual([
      ["manual", 2, operator.id],
      ["manual", 2, operator.id],
    ]);
    expect(await getDb().auditEvent.count({ where: { action: "build.requested", subjectId: { in: r.buildIds } } })).toBe(2);
    const again = await buildNow(actorFor(operator), { refId: ref.id });
    expect(again.buildIds).toEqual([]);
    expect(again.message).toMatch(/Already building main/);
    await expect(buildNow(actorFor(viewer), { refId: ref.id })).rejects.toThrow(/Operator role/);
    await expect(buildNow(actorFor(operator), { refId: "" })).rejects.toThrow();
  });

  test("Rebuild makes the next attempt on the same commit and refs; refused while one is active", async () => {
    const { repositoryId, ruleIds } = await repoWithRules(1);
    await move(repositoryId, [{ kind: "branch", name: "main", headSha: sha("8") }]);
    const b = await getDb().build.findFirstOrThrow({ where: { buildRuleId: ruleIds[0] } });
    await expect(rebuild(actorFor(operator), { buildId: b.id })).rejects.toThrow(/still queued or running/);
    await getDb().build.update({ where: { id: b.id }, data: { state: "failed", reason: "boom", finishedAt: new Date() } });
    const r = await rebuild(actorFor(operator), { buildId: b.id });
    const next = await getDb().build.findUniqueOrThrow({ where: { id: r.buildIds[0] }, include: { refs: true } });
    expect([next.attempt, next.trigger, next.commitId, next.state]).toEqual([2, "rerun", b.commitId, "queued"]);
    expect(next.refs).toHaveLength(1);
    expect(await getDb().auditEvent.count({ where: { action: "build.rebuilt", subjectId: next.id } })).toBe(1);
  });

  test("Cancel of a queued build ends it at once; of an ended one is refused in words", async () => {
    const { repositoryId, ruleIds } = await repoWithRules(1);
    await move(repositoryId, [{ kind: "branch", name: "main", headSha: sha("7") }]);
    const b = await getDb().build.findFirstOrThrow({ where: { buildRuleId: ruleIds[0] } });
    expect((await cancelBuild(actorFor(operator), { buildId: b.id })).message).toBe("Cancelled.");
    const row = await getDb().build.findUniqueOrThrow({ where: { id: b.id } });
    expect([row.state, row.reason, row.cancelledById]).toEqual(["cancelled", `cancelled by ${operator.login}`, operator.id]);
    await expect(cancelBuild(actorFor(operator), { buildId: b.id })).rejects.toThrow(/already ended \(cancelled\)/);
    await expect(cancelBuild(actorFor(operator), { buildId: "nope" })).rejects.toThrow(/no build with id nope/);
  });

  test("Re-run on GitHub (check_run rerequested) rebuilds the build that check run reports on", async () => {
    const { repositoryId, ruleIds } = await repoWithRules(1, { app: true });
    await move(repositoryId, [{ kind: "branch", name: "main", headSha: sha("6") }]);
    const b = await getDb().build.findFirstOrThrow({ where: { buildRuleId: ruleIds[0] } });
    await getDb().build.update({ where: { id: b.id }, data: { state: "failed", checkRunId: 31337n, finishedAt: new Date() } });
    const r = await rerunFromGithub({ deliveryId: "d-1", repositoryId, kind: "rerun", checkRunId: 31337, headSha: sha("6") });
    expect(r.rebuilt).toHaveLength(1);
    const again = await rerunFromGithub({ deliveryId: "d-2", repositoryId, kind: "rerun", headSha: sha("6") });
    expect(again).toEqual({ rebuilt: [], skipped: "already queued or running" });
    expect(await getDb().auditEvent.count({ where: { action: "build.rebuilt", subjectId: r.rebuilt[0] } })).toBe(1);
  });
});

describe("the reaper and queued builds", () => {
  test("a queued build whose job is gone gets a new one; one still waiting for its job is left alone", async () => {
    const { repositoryId, ruleIds } = await repoWithRules(2);
    await move(repositoryId, [{ kind: "branch", name: "main", headSha: sha("5") }]);
    const [lost, waiting] = await getDb().build.findMany({ where: { buildRuleId: { in: ruleIds } }, orderBy: { buildRuleId: "asc" } });
    await getDb().$executeRaw`DELETE FROM graphile_worker._private_jobs WHERE payload->>'buildId' = ${lost!.id}`;
    const r = await reapBuilds({ now: new Date(Date.now() + 5 * 60_000) });
    expect(r.resubmitted).toContain(lost!.id);
    expect(r.resubmitted).not.toContain(waiting!.id);
    expect((await jobsFor("build_run")).filter((j) => j.payload.buildId === lost!.id).map((j) => j.key)).toEqual([`build:${lost!.id}:resubmit`]);
  });

  test("a build held by a dead worker is queued again once, failed the second time, and ended if it was being stopped", async () => {
    const { repositoryId, ruleIds } = await repoWithRules(3);
    await move(repositoryId, [{ kind: "branch", name: "main", headSha: sha("4") }]);
    const [first, second, stopping] = await getDb().build.findMany({ where: { buildRuleId: { in: ruleIds } }, orderBy: { buildRuleId: "asc" } });
    const running = { state: "building" as const, workerId: "gone-worker", startedAt: new Date() };
    await getDb().build.update({ where: { id: first!.id }, data: running });
    await getDb().build.update({ where: { id: second!.id }, data: { ...running, reason: "re-queued: worker w1 stopped while the build was fetching" } });
    await getDb().build.update({ where: { id: stopping!.id }, data: { ...running, cancelRequestedAt: new Date(), reason: `cancelled by ${operator.login}` } });
    const r = await reapBuilds();
    expect(r.requeued).toContain(first!.id);
    expect(r.failed).toContain(second!.id);
    expect(r.ended).toContain(stopping!.id);
    const rows = await getDb().build.findMany({ where: { id: { in: [first!.id, second!.id, stopping!.id] } } });
    const byId = new Map(rows.map((b) => [b.id, b]));
    expect([byId.get(first!.id)!.state, byId.get(first!.id)!.reason, byId.get(first!.id)!.workerId]).toEqual(["queued", "re-queued: worker gone-worker stopped while the build was building", null]);
    expect(byId.get(second!.id)!.state).toBe("failed");
    expect(byId.get(second!.id)!.reason).toMatch(/for the second time; not retried again/);
    expect([byId.get(stopping!.id)!.state, byId.get(stopping!.id)!.reason]).toEqual(["cancelled", `cancelled by ${operator.login}`]);
    expect((await jobsFor("build_run")).filter((j) => j.payload.buildId === first!.id).map((j) => j.key)).toContain(`build:${first!.id}:requeue`);
  });
});
