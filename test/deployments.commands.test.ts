// lib/services/deployments/{schedule,commands}.ts and the reaper's approval expiry, against the real
// database: which deployments a release creates (approval by rule and confirm level, pins, superseding),
// the approval rules (minimum approvers, approver role, no self-approval, once per person, expiry), and
// rollback / unpin / deploy with their refusals. A refused command changes nothing. (Running deployments
// against a real swarm: test/deploy.pipeline.test.ts.)
import { beforeAll, describe, expect, test } from "vitest";
import { getDb } from "@/lib/db";
import type { Actor } from "@/lib/auth/actor";
import { createDeploymentsForRelease } from "@/lib/services/deployments/schedule";
import { approveDeployment, cancelDeployment, deployRelease, rejectDeployment, rollbackTarget, setApprovalLevel, unpinTarget } from "@/lib/services/deployments/commands";
import { reapDeployments } from "@/lib/deploy/recovery";
import { saveBuildRule, saveContext, saveDeploymentRule, saveRepository, saveTarget } from "@/lib/services/inventory/entities";
import { actorFor, auditCount, createUser, type TestUser } from "@/test/helpers/fixtures";

let admin: TestUser;
let op1: TestUser;
let op2: TestUser;
let viewer: TestUser;
let n = 0;
const worker: Actor = { type: "worker", workerId: "test-worker" };

beforeAll(async () => {
  [admin, op1, op2, viewer] = await Promise.all([createUser("admin"), createUser("operator"), createUser("operator"), createUser("viewer")]);
  await saveContext(actorFor(admin), { name: "swarm1", endpoint: "unix:///tmp/slipway-no-such-docker.sock", role: "swarm_manager" });
});

interface Setup {
  ruleId: string;
  buildRuleId: string;
  repositoryId: string;
  targetIds: string[];
}

async function setup(approval: unknown = "automatic", opts: { confirm?: string; targets?: number } = {}): Promise<Setup> {
  n++;
  const repo = await saveRepository(actorFor(admin), { repo: `d${n}`, url: `https://git.example.org/d${n}.git` });
  const build = await saveBuildRule(actorFor(admin), { repository_id: repo.id, name: "Dockerfile" });
  const rule = await saveDeploymentRule(actorFor(admin), { build_rule_id: build.id, branch: "live", image: `127.0.0.1:5000/d${n}:live`, approval, ...(opts.confirm ? { confirm: opts.confirm } : {}) });
  const targetIds: string[] = [];
  for (let i = 0; i < (opts.targets ?? 1); i++) {
    const t = await saveTarget(actorFor(admin), { deployment_rule_id: rule.id, name: `t${n}-${i}`, context: "swarm1", service: `svc${n}_${i}` });
    targetIds.push(t.id);
  }
  return { ruleId: rule.id, buildRuleId: build.id, repositoryId: repo.id, targetIds };
}

let shaN = 0;
/** A succeeded build of a new commit and its release, as the build runner records them. */
async function release(s: Setup, opts: { pushedBy?: string; triggeredById?: string } = {}): Promise<{ releaseId: string; sha: string }> {
  shaN++;
  const sha = shaN.toString(16).padStart(40, "0");
  const db = getDb();
  const commit = await db.commit.create({ data: { repositoryId: s.repositoryId, sha, message: `change ${shaN}`, pushedBy: opts.pushedBy ?? null } });
  const build = await db.build.create({ data: { buildRuleId: s.buildRuleId, commitId: commit.id, state: "succeeded", trigger: opts.triggeredById ? "manual" : "webhook", triggeredById: opts.triggeredById ?? null } });
  const rel = await db.release.create({ data: { recordedBeforeSigning: true, buildId: build.id, deploymentRuleId: s.ruleId, imageRepo: "127.0.0.1:5000/app", tag: "live", digest: `sha256:${sha.padStart(64, "0")}` } });
  return { releaseId: rel.id, sha };
}

async function recordRelease(s: Setup, opts: { pushedBy?: string; triggeredById?: string } = {}) {
  const r = await release(s, opts);
  const out = await getDb().$transaction((tx) => createDeploymentsForRelease(tx, r.releaseId, worker));
  return { ...r, ...out };
}

const jobs = async (task: string) =>
  getDb().$queryRaw<{ queue_name: string | null; payload: { deploymentId: string } }[]>`
    SELECT q.queue_name, j.payload FROM graphile_worker._private_jobs j
    JOIN graphile_worker._private_tasks t ON t.id = j.task_id
    LEFT JOIN graphile_worker._private_job_queues q ON q.id = j.job_queue_id
    WHERE t.identifier = ${task}`;
const runJobsFor = async (id: string) => (await jobs("deploy_run")).filter((j) => j.payload.deploymentId === id);
const state = async (id: string) => (await getDb().deployment.findUniqueOrThrow({ where: { id } })).state;

/** Everything a refused command could have written. */
async function snapshot() {
  const db = getDb();
  return {
    deployments: await db.deployment.findMany({ orderBy: { id: "asc" }, select: { id: true, state: true, reason: true } }),
    approvals: await db.approval.count(),
    targets: await db.target.findMany({ orderBy: { id: "asc" }, select: { id: true, pinnedReleaseId: true, currentReleaseId: true } }),
    audit: await auditCount(),
    jobs: (await jobs("deploy_run")).length,
  };
}

async function refused(fn: () => Promise<unknown>, message: RegExp) {
  const before = await snapshot();
  await expect(fn()).rejects.toThrow(message);
  expect(await snapshot()).toEqual(before);
}

describe("a recorded release", () => {
  test("queues one deployment per target on the target's own queue, audited, when the rule deploys automatically", async () => {
    const s = await setup("automatic", { targets: 2 });
    const r = await recordRelease(s);
    expect(r.created.map((c) => c.state)).toEqual(["queued", "queued"]);
    for (const [i, c] of r.created.entries()) {
      expect(c.targetId).toBe(s.targetIds[i]);
      expect(await runJobsFor(c.id)).toEqual([{ queue_name: `target:${c.targetId}`, payload: { deploymentId: c.id } }]);
      const ev = await getDb().auditEvent.findFirstOrThrow({ where: { subjectId: c.id, action: "deployment.created" } });
      expect(ev.actorLabel).toBe("worker test-worker");
    }
  });

  test("waits for approval when the rule asks for it, or when its confirm level reaches the configured one", async () => {
    const manual = await recordRelease(await setup("manual"));
    expect(manual.created[0]!.state).toBe("pending_approval");
    expect(await runJobsFor(manual.created[0]!.id)).toEqual([]);

    // default level: above_average and dangerous wait; average deploys
    const dangerous = await recordRelease(await setup("automatic", { confirm: "dangerous" }));
    expect(dangerous.created[0]!.state).toBe("pending_approval");
    const average = await recordRelease(await setup("automatic", { confirm: "average" }));
    expect(average.created[0]!.state).toBe("queued");

    await expect(setApprovalLevel(actorFor(op1), { level: "average" })).rejects.toThrow(/Admin role/);
    await setApprovalLevel(actorFor(admin), { level: "average" });
    const now = await recordRelease(await setup("automatic", { confirm: "average" }));
    expect(now.created[0]!.state).toBe("pending_approval");
    await setApprovalLevel(actorFor(admin), { level: "above_average" });
    await expect(setApprovalLevel(actorFor(admin), { level: "extreme" })).rejects.toThrow(/must be one of/);
  });

  test("a newer release supersedes the target's waiting deployment, which can then not be approved", async () => {
    const s = await setup("manual");
    const first = await recordRelease(s);
    const second = await recordRelease(s);
    const old = await getDb().deployment.findUniqueOrThrow({ where: { id: first.created[0]!.id } });
    expect(old).toMatchObject({ state: "superseded", supersededById: second.created[0]!.id });
    await refused(() => approveDeployment(actorFor(op1), { deploymentId: old.id }), /superseded/);
  });

  test("does not deploy to a pinned target", async () => {
    const s = await setup("automatic", { targets: 2 });
    const first = await recordRelease(s);
    await getDb().target.update({ where: { id: s.targetIds[0] }, data: { pinnedReleaseId: first.releaseId, pinnedById: op1.id, pinnedAt: new Date() } });
    const second = await recordRelease(s);
    expect(second.pinned).toEqual([`t${n}-0`]);
    expect(second.created.map((c) => c.targetId)).toEqual([s.targetIds[1]]);
  });
});

describe("approvals", () => {
  test("an operator approves: the deployment is queued with its job; the approval and the comment are audited", async () => {
    const s = await setup("manual");
    const { created } = await recordRelease(s);
    const id = created[0]!.id;
    const r = await approveDeployment(actorFor(op1), { deploymentId: id, comment: "  looks good  " });
    expect(r).toMatchObject({ state: "queued", approvals: 1, needed: 1 });
    expect(await state(id)).toBe("queued");
    expect(await runJobsFor(id)).toHaveLength(1);
    const a = await getDb().approval.findFirstOrThrow({ where: { deploymentId: id } });
    expect(a).toMatchObject({ userId: op1.id, decision: "approved", comment: "looks good" });
    const ev = await getDb().auditEvent.findFirstOrThrow({ where: { subjectId: id, action: "deployment.approved" } });
    expect(ev.actorLabel).toBe(op1.login);
    // approving again: it is not waiting any more
    await refused(() => approveDeployment(actorFor(op2), { deploymentId: id }), /cannot be approved: it is queued/);
  });

  test("with two approvers needed, the first approval leaves it waiting; the same person twice is refused", async () => {
    const s = await setup({ mode: "manual", min_approvers: 2 });
    const id = (await recordRelease(s)).created[0]!.id;
    expect(await approveDeployment(actorFor(op1), { deploymentId: id })).toMatchObject({ state: "pending_approval", approvals: 1, needed: 2 });
    expect(await runJobsFor(id)).toEqual([]);
    await refused(() => approveDeployment(actorFor(op1), { deploymentId: id }), /already decided/);
    expect(await approveDeployment(actorFor(op2), { deploymentId: id })).toMatchObject({ state: "queued", approvals: 2 });
  });

  test("nobody approves their own change: the pusher, who started the build, who requested the deployment", async () => {
    const s = await setup("manual");
    const pushed = (await recordRelease(s, { pushedBy: op1.login.toUpperCase() })).created[0]!.id;
    await refused(() => approveDeployment(actorFor(op1), { deploymentId: pushed }), /cannot approve your own change: you pushed commit/);
    const built = (await recordRelease(s, { triggeredById: op1.id })).created[0]!.id;
    await refused(() => approveDeployment(actorFor(op1), { deploymentId: built }), /you started the build/);
    // someone else may
    expect((await approveDeployment(actorFor(op2), { deploymentId: built })).state).toBe("queued");
    // a deployment op1 requested by hand
    const s2 = await setup("manual");
    const r = await release(s2);
    const d = await deployRelease(actorFor(op1), { targetId: s2.targetIds[0], releaseId: r.releaseId });
    expect(d.state).toBe("pending_approval");
    await refused(() => approveDeployment(actorFor(op1), { deploymentId: d.deploymentId }), /you requested this deployment/);
  });

  test("the rule's approver role, and viewers, are enforced", async () => {
    const s = await setup({ mode: "manual", approver_role: "admin" });
    const id = (await recordRelease(s)).created[0]!.id;
    await refused(() => approveDeployment(actorFor(op1), { deploymentId: id }), /approved by the Admin role/);
    await refused(() => approveDeployment(actorFor(viewer), { deploymentId: id }), /needs the Operator role/);
    await refused(() => rejectDeployment(actorFor(viewer), { deploymentId: id }), /needs the Operator role/);
    expect((await approveDeployment(actorFor(admin), { deploymentId: id })).state).toBe("queued");
  });

  test("an expired approval is refused, and the reaper cancels the deployment with the reason, audited", async () => {
    const s = await setup({ mode: "manual", expires_after: 3600 });
    const id = (await recordRelease(s)).created[0]!.id;
    const d = await getDb().deployment.findUniqueOrThrow({ where: { id } });
    expect(d.approvalExpiresAt!.getTime()).toBeGreaterThan(Date.now() + 3500_000);
    await getDb().deployment.update({ where: { id }, data: { approvalExpiresAt: new Date(Date.now() - 1000) } });
    await refused(() => approveDeployment(actorFor(op1), { deploymentId: id }), /approval window .* closed/);
    const r = await reapDeployments();
    expect(r.expired).toContain(id);
    expect(await getDb().deployment.findUniqueOrThrow({ where: { id } })).toMatchObject({ state: "cancelled", reason: expect.stringMatching(/approval expired/) });
    expect(await getDb().auditEvent.count({ where: { subjectId: id, action: "deployment.approval_expired" } })).toBe(1);
  });

  test("reject cancels it with the comment as the reason; cancel works on queued ones only", async () => {
    const s = await setup("manual");
    const id = (await recordRelease(s)).created[0]!.id;
    await rejectDeployment(actorFor(op1), { deploymentId: id, comment: "not on a Friday" });
    expect(await getDb().deployment.findUniqueOrThrow({ where: { id } })).toMatchObject({ state: "cancelled", reason: `rejected by ${op1.login}: not on a Friday`, cancelledById: op1.id });
    await refused(() => rejectDeployment(actorFor(op2), { deploymentId: id }), /cannot be rejected: it is cancelled/);

    const auto = await setup("automatic");
    const q = (await recordRelease(auto)).created[0]!.id;
    await cancelDeployment(actorFor(op1), { deploymentId: q });
    expect(await state(q)).toBe("cancelled");
    const running = (await recordRelease(auto)).created[0]!.id;
    await getDb().deployment.update({ where: { id: running }, data: { state: "deploying" } });
    await refused(() => cancelDeployment(actorFor(op1), { deploymentId: running }), /not interrupted half-way/);
    await refused(() => approveDeployment(actorFor(op1), { deploymentId: "nope" }), /no deployment with id nope/);
    await refused(() => approveDeployment(actorFor(op1), { deploymentId: id, comment: "x".repeat(2001) }), /2,000 characters/);
  });
});

describe("rollback and pins", () => {
  test("roll back deploys the earlier release without rebuilding and pins the target; both audited", async () => {
    const s = await setup("automatic");
    const first = await recordRelease(s);
    await getDb().deployment.update({ where: { id: first.created[0]!.id }, data: { state: "succeeded" } });
    await getDb().target.update({ where: { id: s.targetIds[0] }, data: { currentReleaseId: first.releaseId } });
    const second = await recordRelease(s);
    await getDb().deployment.update({ where: { id: second.created[0]!.id }, data: { state: "succeeded" } });
    await getDb().target.update({ where: { id: s.targetIds[0] }, data: { currentReleaseId: second.releaseId } });
    const builds = await getDb().build.count();

    const r = await rollbackTarget(actorFor(op1), { targetId: s.targetIds[0], releaseId: first.releaseId });
    const d = await getDb().deployment.findUniqueOrThrow({ where: { id: r.deploymentId } });
    expect(d).toMatchObject({ state: "queued", trigger: "rollback", releaseId: first.releaseId, previousReleaseId: second.releaseId, requestedById: op1.id });
    expect(await runJobsFor(d.id)).toHaveLength(1);
    expect(await getDb().build.count()).toBe(builds);
    expect(await getDb().target.findUniqueOrThrow({ where: { id: s.targetIds[0] } })).toMatchObject({ pinnedReleaseId: first.releaseId, pinnedById: op1.id });
    const actions = (await getDb().auditEvent.findMany({ where: { OR: [{ subjectId: d.id }, { subjectId: s.targetIds[0] }] }, orderBy: { id: "asc" } })).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(["deployment.rollback_requested", "target.pinned"]));

    // a new release while pinned builds but does not deploy there
    const third = await recordRelease(s);
    expect(third.created).toEqual([]);
    expect(third.pinned).toHaveLength(1);
    // deploying another release than the pin is refused
    await refused(() => deployRelease(actorFor(op1), { targetId: s.targetIds[0], releaseId: third.releaseId }), /is pinned by/);

    // unpin: follows the branch again and offers the newest release
    await getDb().deployment.update({ where: { id: d.id }, data: { state: "succeeded" } });
    const u = await unpinTarget(actorFor(op2), { targetId: s.targetIds[0] });
    expect(u.newestReleaseId).toBe(third.releaseId);
    expect(await getDb().target.findUniqueOrThrow({ where: { id: s.targetIds[0] } })).toMatchObject({ pinnedReleaseId: null, pinnedById: null });
    expect(await getDb().auditEvent.count({ where: { subjectId: s.targetIds[0], action: "target.unpinned" } })).toBe(1);
    await refused(() => unpinTarget(actorFor(op2), { targetId: s.targetIds[0] }), /is not pinned/);
  });

  test("refused: a release of another target, while a deployment runs, by a viewer", async () => {
    const a = await setup("automatic");
    const b = await setup("automatic");
    const relB = await release(b);
    await refused(() => rollbackTarget(actorFor(op1), { targetId: a.targetIds[0], releaseId: relB.releaseId }), /built for another deployment rule/);
    const relA = await recordRelease(a);
    await getDb().deployment.update({ where: { id: relA.created[0]!.id }, data: { state: "verifying" } });
    await refused(() => rollbackTarget(actorFor(op1), { targetId: a.targetIds[0], releaseId: relA.releaseId }), /is verifying now; wait until it ends/);
    await refused(() => rollbackTarget(actorFor(viewer), { targetId: a.targetIds[0], releaseId: relA.releaseId }), /needs the Operator role/);
    await refused(() => rollbackTarget(actorFor(op1), { targetId: "missing", releaseId: relA.releaseId }), /no target with id missing/);
  });
});

describe("nothing stuck", () => {
  test("a queued deployment whose job is gone (or failed for good) gets a new one from the reaper", async () => {
    const s = await setup("automatic");
    const id = (await recordRelease(s)).created[0]!.id;
    await getDb().$executeRaw`UPDATE graphile_worker._private_jobs SET attempts = max_attempts WHERE payload->>'deploymentId' = ${id}`;
    await getDb().deployment.update({ where: { id }, data: { queuedAt: new Date(Date.now() - 5 * 60_000) } });
    const r = await reapDeployments();
    expect(r.resubmitted).toContain(id);
    expect(await runJobsFor(id)).toHaveLength(2);
    // once it has a live job, it is left alone
    expect((await reapDeployments()).resubmitted).not.toContain(id);
  });

  test("a deployment held by a worker killed with SIGKILL: the reaper frees the dead worker's job and queue locks, so the verification runs", async () => {
    // found by the soak (test/faults/soak.test.ts): the dead worker's deploy_run job kept the target's queue
    // locked for graphile-worker's four hours, so the reaper's deploy_verify on that queue never ran
    const s = await setup("automatic");
    const id = (await recordRelease(s)).created[0]!.id;
    const long = new Date(Date.now() - 5 * 60_000);
    await getDb().workerHeartbeat.create({ data: { id: "soak-dead", hostname: "h", pid: 1, version: "test", concurrency: 1, tasks: [], lastSeenAt: long } });
    await getDb().deployment.update({ where: { id }, data: { state: "deploying", workerId: "soak-dead", startedAt: long } });
    await getDb().$executeRaw`UPDATE graphile_worker._private_jobs SET locked_by = 'pool-dead', locked_at = ${long}, attempts = 1 WHERE payload->>'deploymentId' = ${id}`;
    await getDb().$executeRaw`UPDATE graphile_worker._private_job_queues SET locked_by = 'pool-dead', locked_at = ${long} WHERE queue_name = ${`target:${s.targetIds[0]}`}`;
    // a live worker's lock on another job is not touched
    const other = (await recordRelease(await setup("automatic"))).created[0]!.id;
    await getDb().$executeRaw`UPDATE graphile_worker._private_jobs SET locked_by = 'pool-alive', locked_at = now() WHERE payload->>'deploymentId' = ${other}`;

    const r = await reapDeployments();
    expect(r.verify).toContain(id);
    const locks = await getDb().$queryRaw<{ n: bigint }[]>`
      SELECT count(*) AS n FROM graphile_worker._private_job_queues WHERE queue_name = ${`target:${s.targetIds[0]}`} AND locked_by IS NOT NULL`;
    expect(Number(locks[0]!.n)).toBe(0);
    const jobs = await getDb().$queryRaw<{ identifier: string; locked_by: string | null }[]>`
      SELECT t.identifier, j.locked_by FROM graphile_worker._private_jobs j JOIN graphile_worker._private_tasks t ON t.id = j.task_id
      WHERE j.payload->>'deploymentId' = ${id} ORDER BY j.id`;
    expect(jobs.map((j) => j.identifier)).toContain("deploy_verify");
    expect(jobs.every((j) => j.locked_by === null)).toBe(true);
    const alive = await getDb().$queryRaw<{ locked_by: string | null }[]>`SELECT locked_by FROM graphile_worker._private_jobs WHERE payload->>'deploymentId' = ${other}`;
    expect(alive.map((j) => j.locked_by)).toContain("pool-alive");
  });

  test("a deployment whose target is still busy re-verifying another waits: a new job a few seconds later, the row untouched", async () => {
    const s = await setup("automatic");
    const first = (await recordRelease(s)).created[0]!.id;
    await getDb().deployment.update({ where: { id: first }, data: { state: "verifying", workerId: "gone" } });
    const second = (await recordRelease(s)).created[0]!.id;
    const { runDeployment } = await import("@/lib/deploy/runner");
    const { log } = await import("@/lib/log");
    const out = await runDeployment(second, { workerId: "w", log });
    expect(out).toMatchObject({ state: "skipped", reason: expect.stringMatching(/still being verified/) });
    expect(await state(second)).toBe("queued");
    const later = await getDb().$queryRaw<{ run_at: Date; queue_name: string }[]>`
      SELECT j.run_at, q.queue_name FROM graphile_worker._private_jobs j JOIN graphile_worker._private_job_queues q ON q.id = j.job_queue_id
      WHERE j.payload->>'deploymentId' = ${second} ORDER BY j.id DESC LIMIT 1`;
    expect(later[0]!.queue_name).toBe(`target:${s.targetIds[0]}`);
    expect(later[0]!.run_at.getTime()).toBeGreaterThan(Date.now() + 2000);
  });
});
