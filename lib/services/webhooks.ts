// Receive one GitHub webhook delivery: bound, verify, de-duplicate, record, enqueue. The work is the job's.
import { env } from "@/lib/env";
import type { Prisma } from "@/lib/db";
import { getDb } from "@/lib/db";
import { verifyGithubSignature } from "@/lib/github/webhook-verify";
import {
  checkRunPayload, checkSuitePayload, createPayload, normalizedEvent, pullRequestPayload, pushPayload, type NormalizedEvent,
} from "@/lib/github/webhook-events";
import { enqueueJob } from "@/lib/jobs/enqueue";
import { revealSecret } from "@/lib/services/inventory/secret-values";
import { log } from "@/lib/log";
import { formatPath } from "@/lib/validation/parse";
import type { z } from "zod";

export interface WebhookResult { status: number; body: Record<string, unknown> }
export interface WebhookInput { appName: string; headers: Headers; body: ReadableStream<Uint8Array> | Uint8Array | null }

/** SLIPWAY_WEBHOOK_MAX_BYTES (checked with the rest of the environment at start, lib/env.ts). */
export function webhookMaxBytes(): number {
  return env().SLIPWAY_WEBHOOK_MAX_BYTES;
}

/** Reads at most `max` bytes; null when the body is larger (reading stops there). */
export async function readBounded(body: WebhookInput["body"], max: number): Promise<Uint8Array | null> {
  if (body === null) return new Uint8Array();
  if (body instanceof Uint8Array) return body.byteLength > max ? null : body;
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) { await reader.cancel(); return null; }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

const error = (status: number, message: string): WebhookResult => ({ status, body: { error: message } });

/** The first few problems of a payload, by path ("repository.id (expected number)"). */
function formatIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues.map((i) => `${formatPath(i.path)} (${i.message})`).slice(0, 5).join("; ");
}

type Parsed = { action: string | null; fullName: string; owner: string; githubId: number; installationId?: number; event: Omit<NormalizedEvent, "deliveryId" | "repositoryId"> | null; ignored?: string };

function parseEvent(event: string, json: unknown): Parsed | { error: string } {
  const fail = (e: z.ZodError) => ({ error: `${event} payload is missing fields: ${formatIssues(e.issues)}` });
  const common = (p: { repository: { full_name: string; id: number; owner: { login: string } }; installation?: { id: number } }) => ({
    fullName: p.repository.full_name, owner: p.repository.owner.login, githubId: p.repository.id, installationId: p.installation?.id,
  });
  switch (event) {
    case "push": {
      const r = pushPayload.safeParse(json); if (!r.success) return fail(r.error);
      const p = r.data;
      if (!p.ref.startsWith("refs/heads/")) return { ...common(p), action: null, event: null, ignored: `push to ${p.ref} is not a branch` };
      const branch = p.ref.slice("refs/heads/".length);
      return { ...common(p), action: null, event: p.deleted ? { kind: "branch_deleted", branch } : { kind: "push", branch, headSha: p.after, title: p.head_commit?.message.split("\n")[0]?.slice(0, 1000), author: p.pusher?.name } };
    }
    case "pull_request": {
      const r = pullRequestPayload.safeParse(json); if (!r.success) return fail(r.error);
      const p = r.data; const pr = p.pull_request;
      const fields = { prNumber: p.number, branch: pr.head.ref, headSha: pr.head.sha, title: pr.title.slice(0, 1000), author: pr.user.login };
      if (["opened", "synchronize", "reopened"].includes(p.action)) return { ...common(p), action: p.action, event: { kind: "pull_request", ...fields } };
      if (p.action === "closed") return { ...common(p), action: p.action, event: { kind: "pr_closed", ...fields } };
      return { ...common(p), action: p.action, event: null, ignored: `pull_request action ${p.action} is not handled` };
    }
    case "create": {
      const r = createPayload.safeParse(json); if (!r.success) return fail(r.error);
      const p = r.data;
      if (p.ref_type !== "branch") return { ...common(p), action: null, event: null, ignored: `create of a ${p.ref_type} is not handled` };
      return { ...common(p), action: null, event: { kind: "push", branch: p.ref } };
    }
    case "check_run": {
      const r = checkRunPayload.safeParse(json); if (!r.success) return fail(r.error);
      const p = r.data;
      if (p.action !== "rerequested") return { ...common(p), action: p.action, event: null, ignored: `check_run action ${p.action} is not handled` };
      return { ...common(p), action: p.action, event: { kind: "rerun", headSha: p.check_run.head_sha, checkRunId: p.check_run.id, branch: p.check_run.check_suite?.head_branch ?? undefined } };
    }
    case "check_suite": {
      const r = checkSuitePayload.safeParse(json); if (!r.success) return fail(r.error);
      const p = r.data;
      if (p.action !== "rerequested") return { ...common(p), action: p.action, event: null, ignored: `check_suite action ${p.action} is not handled` };
      return { ...common(p), action: p.action, event: { kind: "rerun", headSha: p.check_suite.head_sha, branch: p.check_suite.head_branch ?? undefined } };
    }
    default:
      return { error: "unreachable" };
  }
}

const HANDLED = new Set(["push", "pull_request", "create", "check_run", "check_suite"]);

type Row = { deliveryId: string; appId: string | null; repositoryId: string | null; event: string; action: string | null; status: "accepted" | "ignored"; reason: string | null };

/** INSERT … ON CONFLICT DO NOTHING: true when this delivery id is new. */
async function recordDelivery(tx: Prisma.TransactionClient, row: Row): Promise<boolean> {
  const n = await tx.$executeRaw`
    INSERT INTO webhook_deliveries (delivery_id, app_id, repository_id, event, action, status, reason)
    VALUES (${row.deliveryId}, ${row.appId}, ${row.repositoryId}, ${row.event}, ${row.action}, ${row.status}::webhook_delivery_status, ${row.reason})
    ON CONFLICT (delivery_id) DO NOTHING`;
  return n === 1;
}

async function ignore(row: Omit<Row, "status" | "reason">, reason: string): Promise<WebhookResult> {
  const fresh = await recordDelivery(getDb(), { ...row, status: "ignored", reason });
  log.info({ deliveryId: row.deliveryId, event: row.event, status: fresh ? "ignored" : "duplicate" }, "github webhook");
  return fresh ? { status: 202, body: { ignored: reason } } : { status: 200, body: { duplicate: true } };
}

export async function receiveGithubWebhook(input: WebhookInput): Promise<WebhookResult> {
  const max = webhookMaxBytes();
  const declared = Number(input.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > max) return error(413, `payload is larger than ${max} bytes`);
  const raw = await readBounded(input.body, max);
  if (raw === null) return error(413, `payload is larger than ${max} bytes`);

  const deliveryId = input.headers.get("x-github-delivery");
  const event = input.headers.get("x-github-event");
  if (!deliveryId || !event) return error(400, "X-GitHub-Delivery and X-GitHub-Event headers are required");
  if (deliveryId.length > 100 || event.length > 100) return error(400, "X-GitHub-Delivery or X-GitHub-Event is too long");

  const db = getDb();
  const app = await db.githubApp.findUnique({ where: { name: input.appName }, select: { id: true, name: true, webhookSecretId: true, accountAllowlist: true } });
  if (!app) return ignore({ deliveryId, appId: null, repositoryId: null, event, action: null }, `app ${input.appName} is not registered`);
  const secret = app.webhookSecretId ? await revealSecret(app.webhookSecretId) : null;
  if (!secret) return ignore({ deliveryId, appId: app.id, repositoryId: null, event, action: null }, `app ${app.name} has no webhook secret; set it under Settings → GitHub apps`);

  if (!verifyGithubSignature(secret, raw, input.headers.get("x-hub-signature-256"))) {
    log.warn({ deliveryId, event, app: app.name, status: 401 }, "github webhook signature rejected");
    return error(401, "X-Hub-Signature-256 is missing or does not match the app's webhook secret");
  }

  let json: unknown;
  try { json = JSON.parse(Buffer.from(raw).toString("utf8")); } catch { return error(400, "the body is not valid JSON"); }
  if (typeof json !== "object" || json === null) return error(400, "the body is not a JSON object");

  const base = { deliveryId, appId: app.id, repositoryId: null, event, action: null };
  if (event === "ping") {
    const fresh = await recordDelivery(db, { ...base, status: "accepted", reason: "ping" });
    return fresh ? { status: 200, body: { pong: true } } : { status: 200, body: { duplicate: true } };
  }
  if (!HANDLED.has(event)) return ignore(base, `event ${event} is not handled`);

  const parsed = parseEvent(event, json);
  if ("error" in parsed) return error(400, parsed.error);
  const withAction = { ...base, action: parsed.action };
  const repo = await db.repository.findFirst({ where: { name: parsed.fullName, appId: app.id }, select: { id: true, githubId: true, installationId: true } });
  if (!repo) return ignore(withAction, `repository ${parsed.fullName} is not registered under app ${app.name}`);
  const withRepo = { ...withAction, repositoryId: repo.id };
  if (app.accountAllowlist.length > 0 && !app.accountAllowlist.some((a) => a.toLowerCase() === parsed.owner.toLowerCase())) {
    return ignore(withRepo, `account ${parsed.owner} is not in app ${app.name}'s account allowlist`);
  }
  if (!parsed.event) return ignore(withRepo, parsed.ignored ?? `event ${event} is not handled`);
  // fields the job cannot carry (a branch name of thousands of characters) are the sender's fault: 400, nothing written
  const checked = normalizedEvent.safeParse({ deliveryId, repositoryId: repo.id, ...parsed.event });
  if (!checked.success) return error(400, `${event} payload has fields Slipway cannot take: ${formatIssues(checked.error.issues)}`);
  const normalized: NormalizedEvent = checked.data;

  const fresh = await db.$transaction(async (tx) => {
    if (!(await recordDelivery(tx, { ...withRepo, status: "accepted", reason: null }))) return false;
    const learn: Prisma.RepositoryUpdateInput = {};
    if (repo.githubId !== BigInt(parsed.githubId)) learn.githubId = BigInt(parsed.githubId);
    if (parsed.installationId !== undefined && repo.installationId !== BigInt(parsed.installationId)) learn.installationId = BigInt(parsed.installationId);
    if (Object.keys(learn).length > 0) await tx.repository.update({ where: { id: repo.id }, data: learn });
    // one repository's events apply one after another, in the order they were received
    await enqueueJob(tx, "github.event", normalized, { jobKey: `github-delivery:${deliveryId}`, queueName: `repository:${repo.id}` });
    return true;
  });
  log.info({ deliveryId, event, status: fresh ? "accepted" : "duplicate" }, "github webhook");
  return fresh ? { status: 202, body: { accepted: true } } : { status: 200, body: { duplicate: true } };
}
