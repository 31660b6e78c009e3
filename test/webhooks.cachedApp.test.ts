// lib/services/webhooks.ts with lib/services/webhook-apps.ts: the receiver keeps each app and its decrypted
// webhook secret in memory, so a delivery costs one statement; what is cached is never trusted on its own.
// Changes are made here the way another process makes them (straight to the database, behind the cache's
// back): a rotated secret, an allowlist, a removed app apply to the very next delivery. A delivery is
// recorded once and its job runs once, by a real graphile-worker; a delivery whose web process stopped
// before its job was queued (lib/services/webhook-dispatch.ts) gets it from the worker's minute sweep.
import { randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { run, type Runner } from "graphile-worker";
import { getDb } from "@/lib/db";
import { log } from "@/lib/log";
import { saveApp, saveBuildRule, saveRepository } from "@/lib/services/inventory/entities";
import { storeSecretValue } from "@/lib/services/inventory/secret-values";
import { receiveGithubWebhook } from "@/lib/services/webhooks";
import { dispatchWebhookJobs } from "@/lib/services/webhook-dispatch";
import { buildTaskList } from "@/workers/tasks";
import { webhooksDispatch } from "@/workers/tasks/github-event";
import type { TaskContext } from "@/workers/tasks/types";
import { actorFor, createUser } from "@/test/helpers/fixtures";
import { deliveryHeaders, examplePayload, forRepository, sign } from "@/test/helpers/webhook-payloads";
import { eventually } from "@/test/helpers/eventually";

const OLD = "whsec-cached-old-0123456789";
const NEW = "whsec-cached-new-0123456789";
const REPO = "tarides-test/cached";
let repositoryId: string;

beforeAll(async () => {
  const actor = actorFor(await createUser("admin"));
  await saveApp(actor, { name: "rotating", webhook_secret: OLD });
  await saveApp(actor, { name: "fenced", webhook_secret: OLD });
  await saveApp(actor, { name: "unset" });
  await saveApp(actor, { name: "leaving", webhook_secret: OLD });
  repositoryId = (await saveRepository(actor, { repo: REPO, app: "rotating" })).id;
  await saveBuildRule(actor, { repository_id: repositoryId, dockerfile: "Dockerfile" });
  await saveRepository(actor, { repo: REPO, app: "fenced" });
});

afterEach(async () => {
  await getDb().$executeRaw`DELETE FROM webhook_deliveries`;
  await getDb().$executeRaw`DELETE FROM graphile_worker._private_jobs`;
});

const branchPush = (repo = REPO) => forRepository(examplePayload("push", undefined, (e) => String(e.ref).startsWith("refs/heads/") && e.deleted === false), repo);

async function deliver(app: string, secret: string, payload: Record<string, unknown> = branchPush(), opts: { id?: string; event?: string } = {}) {
  const raw = JSON.stringify(payload);
  const id = opts.id ?? randomUUID();
  const res = await receiveGithubWebhook({ appName: app, headers: deliveryHeaders(opts.event ?? "push", id, sign(secret, raw)), body: new TextEncoder().encode(raw) });
  return { ...res, id };
}
const rows = () => getDb().webhookDelivery.findMany({ orderBy: { id: "asc" } });
/** the github.event jobs, once every delivery recorded so far was dispatched */
const jobs = async () => {
  await dispatchWebhookJobs();
  return getDb().$queryRaw<{ key: string | null }[]>`
    SELECT j.key FROM graphile_worker._private_jobs j JOIN graphile_worker._private_tasks t ON t.id = j.task_id WHERE t.identifier = 'github.event'`;
};

/** Replaces the app's webhook secret as another Slipway process would: the rows change, this process's memory does not. */
async function rotateElsewhere(app: string, value: string) {
  const a = await getDb().githubApp.findUniqueOrThrow({ where: { name: app } });
  await getDb().$transaction((tx) => storeSecretValue(tx, a.webhookSecretId!, value, null));
}

describe("an app changed by another process applies to the next delivery", () => {
  test("a rotated webhook secret: a delivery signed with the old one is 401 and writes nothing; one signed with the new one is accepted", async () => {
    expect((await deliver("rotating", OLD)).status).toBe(202); // the app and its secret are now in memory
    await rotateElsewhere("rotating", NEW);
    try {
      const stale = await deliver("rotating", OLD);
      expect(stale.status).toBe(401);
      expect((await rows()).map((r) => r.deliveryId)).not.toContain(stale.id);
      const fresh = await deliver("rotating", NEW);
      expect(fresh).toMatchObject({ status: 202, body: { accepted: true } });
      expect((await rows()).filter((r) => r.deliveryId === fresh.id)).toMatchObject([{ status: "accepted", repositoryId }]);
      // and the new secret is what is kept from now on
      expect((await deliver("rotating", OLD)).status).toBe(401);
      expect((await deliver("rotating", NEW)).status).toBe(202);
    } finally {
      await rotateElsewhere("rotating", OLD);
    }
  });

  test("a ping signed with a secret replaced elsewhere is 401, not recorded", async () => {
    expect((await deliver("rotating", OLD, examplePayload("ping"), { event: "ping" })).status).toBe(200);
    await rotateElsewhere("rotating", NEW);
    try {
      const r = await deliver("rotating", OLD, examplePayload("ping"), { event: "ping" });
      expect(r.status).toBe(401);
      expect(await rows()).toHaveLength(1);
    } finally {
      await rotateElsewhere("rotating", OLD);
    }
  });

  test("an account allowlist set elsewhere ignores the next delivery, with the reason, and queues nothing", async () => {
    expect((await deliver("fenced", OLD)).status).toBe(202);
    await getDb().githubApp.update({ where: { name: "fenced" }, data: { accountAllowlist: ["someone-else"] } });
    try {
      const r = await deliver("fenced", OLD);
      expect(r).toMatchObject({ status: 202, body: { ignored: "account tarides-test is not in app fenced's account allowlist" } });
      expect((await rows()).at(-1)).toMatchObject({ deliveryId: r.id, status: "ignored", reason: "account tarides-test is not in app fenced's account allowlist", afterSha: null });
      expect(await jobs()).toHaveLength(1); // the first delivery's only
    } finally {
      await getDb().githubApp.update({ where: { name: "fenced" }, data: { accountAllowlist: [] } });
    }
  });

  test("a webhook secret set elsewhere for an app that had none is used at once", async () => {
    const before = await deliver("unset", NEW, examplePayload("ping"), { event: "ping" });
    expect(before.status).toBe(401);
    const actor = actorFor(await createUser("admin"));
    // saveApp of this process would do; the point is that nothing tells this module
    await saveApp(actor, { id: (await getDb().githubApp.findUniqueOrThrow({ where: { name: "unset" } })).id, name: "unset", webhook_secret: NEW });
    expect((await deliver("unset", NEW, examplePayload("ping"), { event: "ping" })).status).toBe(200);
  });

  test("an app removed elsewhere is 404 for the next delivery and nothing is written", async () => {
    expect((await deliver("leaving", OLD, examplePayload("ping"), { event: "ping" })).status).toBe(200);
    const app = await getDb().githubApp.findUniqueOrThrow({ where: { name: "leaving" } });
    await getDb().$transaction(async (tx) => {
      await tx.webhookDelivery.deleteMany({ where: { appId: app.id } });
      await tx.githubApp.update({ where: { id: app.id }, data: { webhookSecretId: null, privateKeySecretId: null } });
      await tx.secret.deleteMany({ where: { scopeKey: `github_app:${app.id}` } });
      await tx.githubApp.delete({ where: { id: app.id } });
    });
    const r = await deliver("leaving", OLD, examplePayload("ping"), { event: "ping" });
    expect(r.status).toBe(404);
    expect(await rows()).toHaveLength(0);
  });
});

describe("recorded once, run once", () => {
  let runner: Runner | undefined;
  afterAll(async () => {
    await runner?.stop();
  });

  test("a delivery GitHub sends twice (a redelivery, or two at once) is one row and one job that runs once; the branch moves and is built once", async () => {
    const p = branchPush();
    p.ref = "refs/heads/twice";
    p.after = "d".repeat(40);
    const id = randomUUID();
    const answers = await Promise.all([deliver("rotating", OLD, p, { id }), deliver("rotating", OLD, p, { id })]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 202]);
    expect((await deliver("rotating", OLD, p, { id })).body).toEqual({ duplicate: true });
    expect(await rows()).toHaveLength(1);
    expect(await jobs()).toHaveLength(1);

    let runs = 0;
    const tasks = buildTaskList("once-test", log);
    const task = tasks["github.event"]!;
    runner = await run({
      connectionString: process.env.DATABASE_URL!,
      concurrency: 2,
      pollInterval: 100,
      noHandleSignals: true,
      taskList: { "github.event": async (payload, helpers) => { runs++; await task(payload, helpers); } },
    });
    await eventually("the job to apply the delivery", async () => (await rows())[0]?.status === "applied", 30_000);
    await eventually("the queue to be empty", async () => (await jobs()).length === 0, 30_000);
    expect(runs).toBe(1);
    const ref = await getDb().ref.findFirstOrThrow({ where: { repositoryId, kind: "branch", name: "twice" } });
    expect(ref.headSha).toBe("d".repeat(40));
    expect(await getDb().build.count({ where: { refs: { some: { refId: ref.id } } } })).toBe(1);
  });
});

describe("queued after the answer", () => {
  test("an accepted delivery left without its job (the web process stopped after its commit) is queued by the worker's sweep, in its repository's queue, with its receipt order", async () => {
    const p = branchPush();
    p.ref = "refs/heads/orphan";
    const r = await deliver("rotating", OLD, p);
    expect(r.status).toBe(202);
    await dispatchWebhookJobs();
    // as if the background dispatch had never run: the job gone, the payload back on the row
    const [row] = await rows();
    const [job] = await getDb().$queryRaw<{ payload: Record<string, unknown> }[]>`SELECT payload FROM graphile_worker._private_jobs WHERE key LIKE ${`%:${r.id}`}`;
    await getDb().$executeRaw`DELETE FROM graphile_worker._private_jobs`;
    const { seq: _seq, ...rest } = job!.payload;
    await getDb().$executeRaw`UPDATE webhook_deliveries SET job_payload = ${JSON.stringify(rest)}::jsonb WHERE id = ${row!.id}`;

    const ctx = { workerId: "test", log, helpers: {} } as unknown as TaskContext; // the handler uses only log
    await webhooksDispatch({}, ctx);
    const [again] = await getDb().$queryRaw<{ key: string; payload: Record<string, unknown>; queue_name: string | null }[]>`
      SELECT j.key, j.payload, q.queue_name FROM graphile_worker._private_jobs j LEFT JOIN graphile_worker._private_job_queues q ON q.id = j.job_queue_id`;
    const app = await getDb().githubApp.findUniqueOrThrow({ where: { name: "rotating" } });
    expect(again).toMatchObject({ key: `github-delivery:${app.id}:${r.id}`, queue_name: `repository:${repositoryId}`, payload: { ...rest, seq: Number(row!.id), repositoryId } });
    expect((await getDb().webhookDelivery.findUniqueOrThrow({ where: { id: row!.id } })).jobPayload).toBeNull();
    // a second sweep finds nothing left to queue
    await webhooksDispatch({}, ctx);
    expect(await jobs()).toHaveLength(1);
  });
});
