// Regression tests, one per kind of hole found by sending real and hostile GitHub payloads to a running Slipway:
// `unsigned-delivery-claim` (an unsigned request stored a delivery id and GitHub's real delivery was then
// dropped as a duplicate), `accepted-then-lost` (a 202 whose job could never apply), `repository-id-takeover`
// (another repository's id overwrote the stored one), `case-insensitive-name`, and pruning of the table.
import { randomUUID } from "node:crypto";
import { afterEach, beforeAll, describe, expect, test } from "vitest";
import { getDb } from "@/lib/db";
import { log } from "@/lib/log";
import { saveApp, saveRepository } from "@/lib/services/inventory/entities";
import { pruneWebhookDeliveries, receiveGithubWebhook } from "@/lib/services/webhooks";
import { dispatchWebhookJobs } from "@/lib/services/webhook-dispatch";
import { jobPayloads } from "@/lib/jobs/definitions";
import { githubEvent } from "@/workers/tasks/github-event";
import type { TaskContext } from "@/workers/tasks/types";
import { actorFor, createUser } from "@/test/helpers/fixtures";
import { deliveryHeaders, examplePayload, forRepository, sign } from "@/test/helpers/webhook-payloads";

const SECRET = "whsec-ingest-0123456789";
const OTHER_SECRET = "whsec-other-0123456789";
const REPO = "tarides-test/site";
let repositoryId: string;
const ctx = { workerId: "test", log, helpers: {} } as unknown as TaskContext; // the handler uses only log

beforeAll(async () => {
  const actor = actorFor(await createUser("admin"));
  await saveApp(actor, { name: "tarides", webhook_secret: SECRET });
  await saveApp(actor, { name: "mirage", webhook_secret: OTHER_SECRET });
  repositoryId = (await saveRepository(actor, { repo: REPO, app: "tarides" })).id;
  await saveRepository(actor, { repo: "mirage-test/www", app: "mirage" });
});

afterEach(async () => {
  await getDb().$executeRaw`DELETE FROM webhook_deliveries`;
  await getDb().$executeRaw`DELETE FROM graphile_worker._private_jobs`;
});

async function deliver(event: string, payload: unknown, opts: { app?: string; id?: string; secret?: string | null } = {}) {
  const raw = JSON.stringify(payload);
  const id = opts.id ?? randomUUID();
  const secret = opts.secret === undefined ? SECRET : opts.secret;
  const res = await receiveGithubWebhook({ appName: opts.app ?? "tarides", headers: deliveryHeaders(event, id, secret === null ? null : sign(secret, raw)), body: new TextEncoder().encode(raw) });
  return { ...res, id };
}
const branchPush = (repo = REPO) => forRepository(examplePayload("push", undefined, (e) => String(e.ref).startsWith("refs/heads/") && e.deleted === false), repo);
const rows = () => getDb().webhookDelivery.findMany({ orderBy: { id: "asc" } });
/** the github.event jobs, once every delivery recorded so far was dispatched */
const queued = async () => {
  await dispatchWebhookJobs();
  return getDb().$queryRaw<{ payload: unknown }[]>`
    SELECT j.payload FROM graphile_worker._private_jobs j JOIN graphile_worker._private_tasks t ON t.id = j.task_id WHERE t.identifier = 'github.event'`;
};

describe("unsigned-delivery-claim", () => {
  test("an unsigned request naming GitHub's delivery id writes nothing, and the real signed delivery is then accepted", async () => {
    const id = randomUUID();
    for (const app of ["tarides", "made-up-app"]) {
      const forged = await deliver("push", branchPush(), { app, id, secret: null });
      expect([401, 404]).toContain(forged.status);
    }
    const wrongSecret = await deliver("push", branchPush(), { id, secret: "guessed" });
    expect(wrongSecret.status).toBe(401);
    expect(await rows()).toHaveLength(0);
    const real = await deliver("push", branchPush(), { id });
    expect(real.status).toBe(202);
    expect(await queued()).toHaveLength(1);
  });

  test("200 unsigned posts write no row at all", async () => {
    for (let i = 0; i < 200; i++) await deliver("push", branchPush(), { app: `x${i}`, secret: null });
    expect(await rows()).toHaveLength(0);
  });

  test("delivery ids are de-duplicated per app: the same id under two apps is two deliveries", async () => {
    const id = randomUUID();
    expect((await deliver("push", branchPush(), { id })).status).toBe(202);
    expect((await deliver("push", branchPush("mirage-test/www"), { app: "mirage", id, secret: OTHER_SECRET })).status).toBe(202);
    expect((await deliver("push", branchPush(), { id })).status).toBe(200); // a real redelivery to the same app
    expect(await rows()).toHaveLength(2);
  });
});

describe("accepted-then-lost: refused at receipt, or applied whole", () => {
  type Variant = [string, (p: Record<string, unknown>) => void];
  const pushVariants: Variant[] = [
    ["a NUL byte in the ref", (p) => { p.ref = "refs/heads/ma\u0000in"; }],
    ["a newline in the ref", (p) => { p.ref = "refs/heads/ma\nin"; }],
    ["a ref git refuses (..)", (p) => { p.ref = "refs/heads/a..b"; }],
    ["a ref git refuses (.lock)", (p) => { p.ref = "refs/heads/x.lock"; }],
    ["a ref git refuses (trailing /)", (p) => { p.ref = "refs/heads/feature/"; }],
    ["a NUL byte in pusher.name", (p) => { p.pusher = { name: "ev\u0000il" }; }],
    ["an escape sequence in pusher.name", (p) => { p.pusher = { name: "\u001b[31mred" }; }],
    ["a NUL byte in the commit message", (p) => { p.head_commit = { ...(p.head_commit as object), message: "fix\u0000" }; }],
    ["a repository id beyond 2^53", (p) => { (p.repository as Record<string, unknown>).id = 2 ** 60; }],
    ["a tab and a carriage return in the commit message (kept, as spaces)", (p) => { p.head_commit = { ...(p.head_commit as object), message: "fix:\tthe thing\r\nmore" }; }],
    ["a branch with unicode and slashes (valid)", (p) => { p.ref = "refs/heads/fix/héllo-wörld"; }],
  ];
  const prVariants: Variant[] = [
    ["a pull request number above 2^31-1", (p) => { p.number = 2 ** 31; }],
    ["a pull request number of 0", (p) => { p.number = 0; }],
    ["a NUL byte in the pull request title", (p) => { (p.pull_request as Record<string, unknown>).title = "t\u0000"; }],
    ["a NUL byte in the pull request author", (p) => { (p.pull_request as Record<string, unknown>).user = { login: "a\u0000" }; }],
    ["a pull request number of 2^31-1 (valid)", (p) => { p.number = 2 ** 31 - 1; }],
  ];

  async function feed(event: string, payload: Record<string, unknown>) {
    const r = await deliver(event, payload);
    if (r.status === 400) {
      // the field is named, and nothing was written
      expect(String(r.body.error)).toMatch(/cannot take: [a-z_.[\]0-9]+ \(/);
      expect(await rows()).toHaveLength(0);
      expect(await queued()).toHaveLength(0);
      return "refused";
    }
    expect(r.status).toBe(202);
    const [job] = await queued();
    // the worker validates the payload as the job runner does, then applies it whole
    const payload2 = jobPayloads["github.event"].parse(job!.payload);
    await githubEvent(payload2, ctx);
    const [row] = await rows();
    expect(row!.status).toBe("applied");
    const ref = await getDb().ref.findFirst({ where: { repositoryId, headSha: payload2.headSha! }, orderBy: { updatedAt: "desc" } });
    expect(ref).not.toBeNull();
    return "applied";
  }

  test.each(pushVariants)("push with %s: a 400 naming the field, or applied", async (what, change) => {
    const p = branchPush();
    p.after = randomUUID().replace(/-/g, "").padEnd(40, "a");
    change(p);
    const outcome = await feed("push", p);
    expect(outcome).toBe(what.includes("(valid)") || what.includes("(kept") ? "applied" : "refused");
  });

  test.each(prVariants)("pull request with %s: a 400 naming the field, or applied", async (what, change) => {
    const p = forRepository(examplePayload("pull_request", "opened"), REPO);
    (p.pull_request as { head: { sha: string } }).head.sha = randomUUID().replace(/-/g, "").padEnd(40, "b");
    change(p);
    const outcome = await feed("pull_request", p);
    expect(outcome).toBe(what.includes("(valid)") ? "applied" : "refused");
  });

  test("control characters in free text are stored as spaces", async () => {
    const p = forRepository(examplePayload("pull_request", "opened"), REPO);
    (p.pull_request as { head: { sha: string }; title: string }).head.sha = "c".repeat(40);
    (p.pull_request as { title: string }).title = "Fix\tthe\u0007bell";
    await feed("pull_request", p);
    const ref = await getDb().ref.findFirstOrThrow({ where: { repositoryId, headSha: "c".repeat(40) } });
    expect(ref.prTitle).toBe("Fix the bell");
  });
});

describe("repository-id-takeover and case-insensitive-name", () => {
  test("a repository name that differs only in case is the same repository", async () => {
    const r = await deliver("push", branchPush("Tarides-Test/SITE"));
    expect(r.status).toBe(202);
    expect(await rows()).toMatchObject([{ status: "accepted", repositoryId }]);
  });

  test("a signed payload with another repository.id for a registered name is refused and changes nothing", async () => {
    expect((await deliver("push", forRepository(branchPush(), REPO, 4242))).status).toBe(202);
    expect((await getDb().repository.findUniqueOrThrow({ where: { id: repositoryId } })).githubId).toBe(4242n);
    const r = await deliver("push", forRepository(branchPush(), REPO, 9999));
    expect(r.status).toBe(409);
    expect(String(r.body.error)).toContain("4242");
    expect(String(r.body.error)).toContain("9999");
    expect((await getDb().repository.findUniqueOrThrow({ where: { id: repositoryId } })).githubId).toBe(4242n);
    expect(await rows()).toHaveLength(1);
  });
});

describe("pruning", () => {
  test("deliveries older than the retention are deleted; a recent one, and an old move whose job has not run, stay", async () => {
    const fresh = await deliver("push", branchPush());
    const old = await deliver("push", branchPush());
    const ping = await deliver("ping", examplePayload("ping"));
    const ignored = await deliver("issues", forRepository(examplePayload("issues"), REPO));
    for (const d of [old, ping, ignored]) {
      await getDb().$executeRaw`UPDATE webhook_deliveries SET received_at = now() - interval '15 days' WHERE delivery_id = ${d.id}`;
    }
    // `old` is an accepted move whose job has not run: kept until twice the retention
    expect(await pruneWebhookDeliveries()).toBe(2);
    expect((await rows()).map((r) => r.deliveryId).sort()).toEqual([fresh.id, old.id].sort());
    await getDb().$executeRaw`UPDATE webhook_deliveries SET received_at = now() - interval '29 days' WHERE delivery_id = ${old.id}`;
    expect(await pruneWebhookDeliveries()).toBe(1);
    expect((await rows()).map((r) => r.deliveryId)).toEqual([fresh.id]);
  });
});
