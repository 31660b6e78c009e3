// lib/services/webhooks.ts: real signed GitHub payloads become one delivery row and, once dispatched
// (lib/services/webhook-dispatch.ts), one `github.event` job; bad input gets a clear status and writes nothing.
import { randomUUID } from "node:crypto";
import { afterEach, beforeAll, describe, expect, test } from "vitest";
import { getDb } from "@/lib/db";
import { resetEnvCache } from "@/lib/env";
import { saveApp, saveRepository } from "@/lib/services/inventory/entities";
import { receiveGithubWebhook } from "@/lib/services/webhooks";
import { dispatchWebhookJobs } from "@/lib/services/webhook-dispatch";
import { POST } from "@/app/api/webhooks/github/[app]/route";
import { actorFor, createUser } from "@/test/helpers/fixtures";
import { deliveryHeaders, examplePayload, forRepository, sign } from "@/test/helpers/webhook-payloads";

const SECRET = "whsec-test-0123456789";
const REPO = "tarides-test/site";
let repositoryId: string;

beforeAll(async () => {
  const actor = actorFor(await createUser("admin"));
  await saveApp(actor, { name: "tarides", webhook_secret: SECRET });
  await saveApp(actor, { name: "closed", webhook_secret: SECRET, accounts: ["someone-else"] });
  await saveApp(actor, { name: "nosecret" });
  repositoryId = (await saveRepository(actor, { repo: REPO, app: "tarides" })).id;
  await saveRepository(actor, { repo: "tarides-test/other", app: "closed" });
});

afterEach(async () => {
  await getDb().$executeRaw`DELETE FROM webhook_deliveries`;
  await getDb().$executeRaw`DELETE FROM graphile_worker._private_jobs`;
});

async function deliver(event: string, payload: unknown, opts: { app?: string; id?: string; signature?: string | null; raw?: string } = {}) {
  const raw = opts.raw ?? JSON.stringify(payload);
  const id = opts.id ?? randomUUID();
  const signature = opts.signature === undefined ? sign(SECRET, raw) : opts.signature;
  const res = await receiveGithubWebhook({ appName: opts.app ?? "tarides", headers: deliveryHeaders(event, id, signature), body: new TextEncoder().encode(raw) });
  return { ...res, id };
}

/** a real push to a branch (the first examples are tag pushes, which are ignored) */
const branchPush = () => examplePayload("push", undefined, (e) => String(e.ref).startsWith("refs/heads/") && e.deleted === false);

const deliveries = () => getDb().webhookDelivery.findMany({ orderBy: { id: "asc" } });
/** the github.event jobs, once every delivery recorded so far was dispatched (the receiver leaves that to the background) */
const jobs = async () => {
  await dispatchWebhookJobs();
  return getDb().$queryRaw<{ key: string | null; payload: Record<string, unknown> }[]>`
  SELECT j.key, j.payload FROM graphile_worker._private_jobs j JOIN graphile_worker._private_tasks t ON t.id = j.task_id
  WHERE t.identifier = 'github.event'`;
};

async function expectNothingWritten() {
  expect(await deliveries()).toHaveLength(0);
  expect(await jobs()).toHaveLength(0);
}

describe("receiveGithubWebhook", () => {
  test("an accepted push writes the delivery and enqueues one normalized github.event job", async () => {
    const p = forRepository(branchPush(), REPO);
    const r = await deliver("push", p);
    expect(r.status).toBe(202);
    const [row] = await deliveries();
    expect(row).toMatchObject({ deliveryId: r.id, status: "accepted", repositoryId, event: "push" });
    const js = await jobs();
    expect(js).toHaveLength(1);
    const app = await getDb().githubApp.findUniqueOrThrow({ where: { name: "tarides" } });
    expect(js[0]?.key).toBe(`github-delivery:${app.id}:${r.id}`);
    expect(js[0]?.payload).toMatchObject({ deliveryId: r.id, repositoryId, kind: "push", branch: String(p.ref).replace("refs/heads/", ""), headSha: p.after });
    const repo = await getDb().repository.findUniqueOrThrow({ where: { id: repositoryId } });
    expect(repo.githubId).toBe(4242n);
  });

  test("a forged signature is 401 and writes nothing", async () => {
    const r = await deliver("push", forRepository(branchPush(), REPO), { signature: sign("not-the-secret", "{}") });
    expect(r.status).toBe(401);
    await expectNothingWritten();
  });

  test("a missing signature is 401 and writes nothing", async () => {
    const r = await deliver("push", forRepository(branchPush(), REPO), { signature: null });
    expect(r.status).toBe(401);
    await expectNothingWritten();
  });

  test("an unknown app is 404 and writes nothing, with the connection closed (its body was not read)", async () => {
    const r = await deliver("push", forRepository(branchPush(), REPO), { app: "nope" });
    expect(r).toMatchObject({ status: 404, close: true });
    expect(String(r.body.error)).toContain("Settings → GitHub apps");
    await expectNothingWritten();
  });

  test("an app name of 8,000 characters is 404 and writes nothing", async () => {
    const r = await deliver("push", forRepository(branchPush(), REPO), { app: "a".repeat(8000) });
    expect(r.status).toBe(404);
    await expectNothingWritten();
  });

  test("an app without a webhook secret is 401 with what to do, and writes nothing", async () => {
    const r = await deliver("push", forRepository(branchPush(), REPO), { app: "nosecret" });
    expect(r.status).toBe(401);
    expect(String(r.body.error)).toContain("Settings → GitHub apps");
    await expectNothingWritten();
  });

  test("an unknown repository is 202 ignored with the reason", async () => {
    const r = await deliver("push", forRepository(branchPush(), "someone/else"));
    expect(r).toMatchObject({ status: 202, body: { ignored: "repository someone/else is not registered under app tarides" } });
    expect(await deliveries()).toMatchObject([{ status: "ignored", reason: "repository someone/else is not registered under app tarides" }]);
    expect(await jobs()).toHaveLength(0);
  });

  test("an account outside the app's allowlist is ignored", async () => {
    const r = await deliver("push", forRepository(branchPush(), "tarides-test/other"), { app: "closed" });
    expect(r.status).toBe(202);
    expect(String(r.body.ignored)).toContain("allowlist");
    expect(await jobs()).toHaveLength(0);
  });

  test("an oversized body is 413 and writes nothing", async () => {
    process.env.SLIPWAY_WEBHOOK_MAX_BYTES = "1000";
    resetEnvCache();
    try {
      const r = await deliver("push", forRepository(branchPush(), REPO));
      expect(r).toMatchObject({ status: 413, close: true });
    } finally {
      delete process.env.SLIPWAY_WEBHOOK_MAX_BYTES;
      resetEnvCache();
    }
    await expectNothingWritten();
  });

  test("a branch name longer than Slipway takes is 400 with the field named, and writes nothing", async () => {
    const p = forRepository(branchPush(), REPO);
    p.ref = `refs/heads/${"b".repeat(1200)}`;
    const r = await deliver("push", p);
    expect(r.status).toBe(400);
    expect(String(r.body.error)).toMatch(/^push payload has fields Slipway cannot take: ref \(/);
    await expectNothingWritten();
  });

  test("an accepted delivery's job runs in its repository's queue, so a repository's events apply in order", async () => {
    const r = await deliver("push", forRepository(branchPush(), REPO));
    expect(r.status).toBe(202);
    await dispatchWebhookJobs();
    const [q] = await getDb().$queryRaw<{ queue_name: string | null }[]>`
      SELECT q.queue_name FROM graphile_worker._private_jobs j LEFT JOIN graphile_worker._private_job_queues q ON q.id = j.job_queue_id`;
    expect(q?.queue_name).toBe(`repository:${repositoryId}`);
  });

  test("malformed JSON is 400 and writes nothing", async () => {
    const r = await deliver("push", null, { raw: "{not json" });
    expect(r.status).toBe(400);
    await expectNothingWritten();
  });

  test("a payload missing the head sha is 400 and writes nothing", async () => {
    const p = forRepository(branchPush(), REPO);
    delete p.after;
    const r = await deliver("push", p);
    expect(r.status).toBe(400);
    expect(String(r.body.error)).toContain("after");
    await expectNothingWritten();
  });

  test("a redelivery is 200 duplicate and adds nothing", async () => {
    const p = forRepository(branchPush(), REPO);
    const first = await deliver("push", p);
    const again = await deliver("push", p, { id: first.id });
    expect(again).toMatchObject({ status: 200, body: { duplicate: true } });
    expect(await deliveries()).toHaveLength(1);
    expect(await jobs()).toHaveLength(1);
  });

  test("a deleted branch is branch_deleted", async () => {
    const p = forRepository(branchPush(), REPO);
    Object.assign(p, { deleted: true, after: "0".repeat(40), head_commit: null });
    expect((await deliver("push", p)).status).toBe(202);
    expect((await jobs())[0]?.payload).toMatchObject({ kind: "branch_deleted" });
  });

  test.each([["opened", "pull_request"], ["synchronize", "pull_request"], ["closed", "pr_closed"]])("pull_request %s is %s", async (action, kind) => {
    const p = forRepository(examplePayload("pull_request", action), REPO);
    expect((await deliver("pull_request", p)).status).toBe(202);
    const pr = p.pull_request as { number: number; head: { sha: string } };
    expect((await jobs())[0]?.payload).toMatchObject({ kind, prNumber: p.number, headSha: pr.head.sha });
  });

  test("check_run rerequested is a rerun", async () => {
    const p = forRepository(examplePayload("check_run", "rerequested"), REPO);
    expect((await deliver("check_run", p)).status).toBe(202);
    const cr = p.check_run as { id: number; head_sha: string };
    expect((await jobs())[0]?.payload).toMatchObject({ kind: "rerun", checkRunId: cr.id, headSha: cr.head_sha });
  });

  test("ping is 200 pong, recorded accepted", async () => {
    const r = await deliver("ping", examplePayload("ping"));
    expect(r).toMatchObject({ status: 200, body: { pong: true } });
    expect(await deliveries()).toMatchObject([{ status: "accepted" }]);
  });

  test("an unsupported event is 202 ignored and recorded", async () => {
    const r = await deliver("issues", forRepository(examplePayload("issues"), REPO));
    expect(r).toMatchObject({ status: 202, body: { ignored: "event issues is not handled" } });
    expect(await deliveries()).toMatchObject([{ status: "ignored" }]);
  });

  test("the route handler answers Connection: close when the body was not read to the end", async () => {
    const raw = JSON.stringify(forRepository(branchPush(), REPO));
    const req = new Request("http://localhost/api/webhooks/github/nope", { method: "POST", headers: deliveryHeaders("push", randomUUID(), sign(SECRET, raw)), body: raw });
    const res = await POST(req, { params: Promise.resolve({ app: "nope" }) });
    expect(res.status).toBe(404);
    expect(res.headers.get("connection")).toBe("close");
  });

  test("the route handler reads the raw body from a Request", async () => {
    const raw = JSON.stringify(forRepository(branchPush(), REPO));
    const req = new Request("http://localhost/api/webhooks/github/tarides", { method: "POST", headers: deliveryHeaders("push", randomUUID(), sign(SECRET, raw)), body: raw });
    const res = await POST(req, { params: Promise.resolve({ app: "tarides" }) });
    expect(res.status).toBe(202);
    expect(await jobs()).toHaveLength(1);
  });
});
