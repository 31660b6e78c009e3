// The minute's preview sweep (lib/deploy/preview.ts sweepPreviews) when a rule's previews are turned off or the
// rule is archived: its previews still up are torn down (tear-down job, audit event), the others left alone. The
// tear-down itself, against a real swarm, is in test/previews.pipeline.test.ts.
import { describe, expect, test } from "vitest";
import { randomBytes } from "node:crypto";
import { getDb } from "@/lib/db";
import { sweepPreviews } from "@/lib/deploy/preview";
import { seedBuild } from "@/test/helpers/builds";
import { deleteInventoryEntity } from "@/lib/services/inventory/entities";
import { actorFor, createUser } from "@/test/helpers/fixtures";
import { enqueueJob } from "@/lib/jobs/enqueue";

async function ruleWithPreview(state: "running" | "pending_approval" | "torn_down" | "deploying", rule: { previewEnabled: boolean; archived?: boolean }) {
  const db = getDb();
  const b = await seedBuild("succeeded");
  const r = await db.deploymentRule.create({
    data: { buildRuleId: b.buildRuleId, branch: `main-${b.id}`, image: "127.0.0.1:5000/web:main", previewEnabled: rule.previewEnabled, archivedAt: rule.archived ? new Date() : null },
  });
  const p = await db.preview.create({
    data: {
      deploymentRuleId: r.id, prNumber: 7, headSha: randomBytes(20).toString("hex"), buildId: b.id, imageRepo: "127.0.0.1:5000/web", tag: "pr-7-abcdef0",
      digest: `sha256:${randomBytes(32).toString("hex")}`, service: `web-${b.id}-pr-7`, state,
      ...(state === "running" ? { deployedAt: new Date(), expiresAt: new Date(Date.now() + 3600_000) } : {}),
    },
  });
  return p;
}

async function teardownJobs(previewId: string, task = "preview_teardown", where = "true"): Promise<number> {
  const rows = await getDb().$queryRawUnsafe<{ n: number }[]>(
    `SELECT count(*)::int AS n FROM graphile_worker._private_jobs j JOIN graphile_worker._private_tasks t ON t.id = j.task_id
     WHERE t.identifier = $1 AND j.payload->>'previewId' = $2 AND ${where}`,
    task,
    previewId,
  );
  return rows[0]?.n ?? 0;
}

/** A preview deploying since `ago` ms, with its run job as a worker left it: running (locked), or spent and unlocked. */
async function deployingPreview(ago: number, job: "locked" | "spent") {
  const db = getDb();
  const p = await ruleWithPreview("deploying", { previewEnabled: true });
  await db.$transaction((tx) => enqueueJob(tx, "preview_run", { previewId: p.id }, { queueName: `preview:${p.id}`, jobKey: `preview_run:${p.id}`, maxAttempts: 1 }));
  await db.$executeRaw`
    UPDATE graphile_worker._private_jobs SET attempts = 1, locked_by = ${job === "locked" ? "worker-alive" : null}, locked_at = ${job === "locked" ? new Date() : null}
    WHERE payload->>'previewId' = ${p.id}`;
  await db.$executeRaw`UPDATE previews SET updated_at = ${new Date(Date.now() - ago)} WHERE id = ${p.id}`;
  return p;
}

describe("previews of a rule whose previews were turned off or that was archived", () => {
  test("are torn down by the sweep, audited with the reason; those of an enabled rule and those already gone are left", async () => {
    const db = getDb();
    const off = await ruleWithPreview("running", { previewEnabled: false });
    const waiting = await ruleWithPreview("pending_approval", { previewEnabled: false });
    const archived = await ruleWithPreview("running", { previewEnabled: true, archived: true });
    const on = await ruleWithPreview("running", { previewEnabled: true });
    const gone = await ruleWithPreview("torn_down", { previewEnabled: false });

    const r = await sweepPreviews({ workerId: "test-sweep" });
    expect([...r.switchedOff].sort()).toEqual([off.id, waiting.id, archived.id].sort());
    for (const p of [off, waiting, archived]) {
      expect((await db.preview.findUniqueOrThrow({ where: { id: p.id } })).state).toBe("tearing_down");
      expect(await teardownJobs(p.id)).toBe(1);
    }
    expect((await db.preview.findUniqueOrThrow({ where: { id: off.id } })).reason).toBe("previews were turned off for its deployment rule");
    expect((await db.preview.findUniqueOrThrow({ where: { id: archived.id } })).reason).toBe("its deployment rule was removed from the inventory");
    const audit = await db.auditEvent.findMany({ where: { action: "preview.teardown_requested", subjectId: { in: [off.id, archived.id] } }, select: { summary: true } });
    expect(audit.map((a) => a.summary).sort()).toEqual([`${archived.service}: its deployment rule was removed from the inventory`, `${off.service}: previews were turned off for its deployment rule`].sort());
    expect((await db.preview.findUniqueOrThrow({ where: { id: on.id } })).state).toBe("running");
    expect((await db.preview.findUniqueOrThrow({ where: { id: gone.id } })).state).toBe("torn_down");
    expect(await teardownJobs(on.id)).toBe(0);

    // the next sweep finds nothing more to do
    expect((await sweepPreviews({ workerId: "test-sweep" })).switchedOff).toEqual([]);
  });
});

describe("a deployment rule with previews deleted from the console", () => {
  test("is archived, not deleted (its previews keep their rows), and the sweep tears its running preview down", async () => {
    const db = getDb();
    const admin = await createUser("admin", { login: `del-${randomBytes(3).toString("hex")}` });
    const p = await ruleWithPreview("running", { previewEnabled: true });
    const before = await db.preview.findUniqueOrThrow({ where: { id: p.id }, select: { deploymentRuleId: true } });
    const r = await deleteInventoryEntity(actorFor(admin), { kind: "deploy", id: before.deploymentRuleId });
    expect(r.archived).toBe(true);
    expect((await db.deploymentRule.findUniqueOrThrow({ where: { id: before.deploymentRuleId } })).archivedAt).not.toBeNull();
    const event = await db.auditEvent.findFirstOrThrow({ where: { subjectId: before.deploymentRuleId }, orderBy: { id: "desc" } });
    expect(event.action).toBe("deployment_rule.archived");
    expect(event.summary).toContain("1 preview");

    const swept = await sweepPreviews({ workerId: "test-sweep" });
    expect(swept.switchedOff).toContain(p.id);
    expect((await db.preview.findUniqueOrThrow({ where: { id: p.id } })).state).toBe("tearing_down");
    expect(await teardownJobs(p.id)).toBe(1);
  });
});

describe("a preview whose worker stopped while deploying it", () => {
  test("is queued again with a new run job once its job is spent and a minute has passed (audited); a run under way or a fresh one is left", async () => {
    const db = getDb();
    const dead = await deployingPreview(5 * 60_000, "spent");
    const alive = await deployingPreview(5 * 60_000, "locked");
    const fresh = await deployingPreview(10_000, "spent");

    const r = await sweepPreviews({ workerId: "test-sweep" });
    expect(r.interrupted).toContain(dead.id);
    expect(r.interrupted).not.toContain(alive.id);
    expect(r.interrupted).not.toContain(fresh.id);
    const row = await db.preview.findUniqueOrThrow({ where: { id: dead.id } });
    expect([row.state, row.reason]).toEqual(["queued", "its worker stopped while deploying it: deploying again"]);
    // a new run job with its attempt to come, beside the spent one
    expect(await teardownJobs(dead.id, "preview_run", "j.attempts < j.max_attempts")).toBe(1);
    const event = await db.auditEvent.findFirstOrThrow({ where: { subjectId: dead.id, action: "preview.redeployed" } });
    expect(event.summary).toBe(`${dead.service}: its worker stopped while deploying it: deploying again`);
    for (const p of [alive, fresh]) expect((await db.preview.findUniqueOrThrow({ where: { id: p.id } })).state).toBe("deploying");

    // queued now, with a job: the next sweep does nothing more to it
    expect((await sweepPreviews({ workerId: "test-sweep" })).interrupted).not.toContain(dead.id);
  });
});
