// Receive one GitHub webhook delivery: find the app, bound, verify, check, de-duplicate, record, enqueue.
// The work is the job's (workers/tasks/github-event.ts).
import { env } from "@/lib/env";
import type { Prisma } from "@/lib/db";
import { getDb } from "@/lib/db";
import { verifyGithubSignature } from "@/lib/github/webhook-verify";
import {
  branchOfRef, checkRunPayload, checkSuitePayload, createPayload, normalizedEvent, pullRequestPayload, pushPayload, ZERO_SHA, type NormalizedEvent,
} from "@/lib/github/webhook-events";
import { refMoveOf, type RefMove } from "@/lib/services/refs";
import { enqueueJob } from "@/lib/jobs/enqueue";
import { revealSecret } from "@/lib/services/inventory/secret-values";
import { log } from "@/lib/log";
import { readLimitedStream, type BodySource } from "@/lib/http/body";
import { formatPath } from "@/lib/validation/parse";
import { z } from "zod";

export interface WebhookResult {
  status: number;
  body: Record<string, unknown>;
  /** the request body was not read to the end: answer with Connection: close so nobody reuses the connection */
  close?: boolean;
}
export interface WebhookInput { appName: string; headers: Headers; body: BodySource }

/** SLIPWAY_WEBHOOK_MAX_BYTES (checked with the rest of the environment at start, lib/env.ts). */
export function webhookMaxBytes(): number {
  return env().SLIPWAY_WEBHOOK_MAX_BYTES;
}

/**
 * Deletes deliveries older than SLIPWAY_WEBHOOK_RETENTION_DAYS, except a ref move whose job has not run yet
 * (its row carries the move the job applies) until twice that age. Returns how many were deleted.
 */
export async function pruneWebhookDeliveries(now = new Date()): Promise<number> {
  const days = env().SLIPWAY_WEBHOOK_RETENTION_DAYS;
  const cutoff = new Date(now.getTime() - days * 86_400_000);
  const lastChance = new Date(now.getTime() - 2 * days * 86_400_000);
  return getDb().$executeRaw`
    DELETE FROM webhook_deliveries
    WHERE received_at < ${cutoff} AND (status <> 'accepted' OR after_sha IS NULL OR received_at < ${lastChance})`;
}

/** A refusal; `close` when the body was not read to the end (the connection cannot be reused). */
const error = (status: number, message: string, close = false): WebhookResult => ({ status, body: { error: message }, ...(close ? { close } : {}) });

/** The first few problems of a payload, by path ("repository.id (expected number)"). */
function formatIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues.map((i) => `${formatPath(i.path)} (${i.message})`).slice(0, 5).join("; ");
}

type Parsed = {
  action: string | null;
  fullName: string;
  owner: string;
  githubId: number;
  installationId?: number;
  /** GitHub's repository.private, when the payload says */
  isPrivate?: boolean;
  event: Omit<NormalizedEvent, "deliveryId" | "repositoryId" | "seq"> | null;
  ignored?: string;
};

function parseEvent(event: string, json: unknown): Parsed | { error: string } {
  const fail = (e: z.ZodError) => ({ error: `${event} payload has fields Slipway cannot take: ${formatIssues(e.issues)}` });
  const common = (p: { repository: { full_name: string; id: number; owner: { login: string }; private?: boolean }; installation?: { id: number } }) => ({
    fullName: p.repository.full_name, owner: p.repository.owner.login, githubId: p.repository.id, installationId: p.installation?.id, isPrivate: p.repository.private,
  });
  switch (event) {
    case "push": {
      const r = pushPayload.safeParse(json); if (!r.success) return fail(r.error);
      const p = r.data;
      if (!p.ref.startsWith("refs/heads/")) return { ...common(p), action: null, event: null, ignored: `push to ${p.ref} is not a branch` };
      const b = branchOfRef.safeParse(p.ref.slice("refs/heads/".length));
      if (!b.success) return fail(new z.ZodError(b.error.issues.map((i) => ({ ...i, path: ["ref"] }))));
      const branch = b.data;
      const author = p.pusher?.name;
      return {
        ...common(p),
        action: null,
        event: p.deleted
          ? { kind: "branch_deleted", branch, before: p.before, forced: true, author }
          : { kind: "push", branch, headSha: p.after, before: p.before, forced: p.forced, title: p.head_commit?.message.split("\n")[0], author },
      };
    }
    case "pull_request": {
      const r = pullRequestPayload.safeParse(json); if (!r.success) return fail(r.error);
      const p = r.data; const pr = p.pull_request;
      const fields = { prNumber: p.number, headSha: pr.head.sha, title: pr.title, author: pr.user.login };
      const head = branchOfRef.safeParse(pr.head.ref);
      const branch = head.success ? head.data : undefined; // a fork's branch is shown, never fetched by name
      if (p.action === "synchronize") return { ...common(p), action: p.action, event: { kind: "pull_request", ...fields, branch, before: p.before, forced: false } };
      if (p.action === "opened" || p.action === "reopened") return { ...common(p), action: p.action, event: { kind: "pull_request", ...fields, branch, before: ZERO_SHA, forced: false } };
      if (p.action === "closed") return { ...common(p), action: p.action, event: { kind: "pr_closed", ...fields, branch } };
      return { ...common(p), action: p.action, event: null, ignored: `pull_request action ${p.action} is not handled` };
    }
    case "create": {
      const r = createPayload.safeParse(json); if (!r.success) return fail(r.error);
      const p = r.data;
      if (p.ref_type !== "branch") return { ...common(p), action: null, event: null, ignored: `create of a ${p.ref_type} is not handled` };
      const b = branchOfRef.safeParse(p.ref);
      if (!b.success) return fail(new z.ZodError(b.error.issues.map((i) => ({ ...i, path: ["ref"] }))));
      return { ...common(p), action: null, event: { kind: "push", branch: b.data } };
    }
    case "check_run": {
      const r = checkRunPayload.safeParse(json); if (!r.success) return fail(r.error);
      const p = r.data;
      if (p.action !== "rerequested") return { ...common(p), action: p.action, event: null, ignored: `check_run action ${p.action} is not handled` };
      return { ...common(p), action: p.action, event: { kind: "rerun", headSha: p.check_run.head_sha, checkRunId: p.check_run.id, branch: branchOrUndefined(p.check_run.check_suite?.head_branch) } };
    }
    case "check_suite": {
      const r = checkSuitePayload.safeParse(json); if (!r.success) return fail(r.error);
      const p = r.data;
      if (p.action !== "rerequested") return { ...common(p), action: p.action, event: null, ignored: `check_suite action ${p.action} is not handled` };
      return { ...common(p), action: p.action, event: { kind: "rerun", headSha: p.check_suite.head_sha, branch: branchOrUndefined(p.check_suite.head_branch) } };
    }
    default:
      return { error: "unreachable" };
  }
}

function branchOrUndefined(name: string | null | undefined): string | undefined {
  if (!name) return undefined;
  const b = branchOfRef.safeParse(name);
  return b.success ? b.data : undefined;
}

const HANDLED = new Set(["push", "pull_request", "create", "check_run", "check_suite"]);

/** App names in the URL are inventory names (lib/validation: resourceName); anything else names no app. */
const APP_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
/** GitHub's delivery ids are GUIDs, event names and actions short words; anything longer is refused. */
const HEADER_VALUE = /^[A-Za-z0-9._-]{1,100}$/;
/** Stored reasons are bounded (they quote names from the payload). */
const REASON_MAX = 500;

type Row = {
  deliveryId: string; appId: string; repositoryId: string | null; event: string; action: string | null;
  status: "accepted" | "ignored"; reason: string | null; move?: RefMove | null;
};

/** INSERT … ON CONFLICT DO NOTHING: the new row's id (the receipt order), or null when the app already had this delivery. */
async function recordDelivery(tx: Prisma.TransactionClient, row: Row): Promise<bigint | null> {
  const m = row.move ?? null;
  const reason = row.reason === null ? null : row.reason.slice(0, REASON_MAX);
  const rows = await tx.$queryRaw<{ id: bigint }[]>`
    INSERT INTO webhook_deliveries (delivery_id, app_id, repository_id, event, action, status, reason, ref_kind, ref_name, before_sha, after_sha, forced)
    VALUES (${row.deliveryId}, ${row.appId}, ${row.repositoryId}, ${row.event}, ${row.action}, ${row.status}::webhook_delivery_status, ${reason},
            ${m?.kind ?? null}::ref_kind, ${m?.name ?? null}, ${m?.before ?? null}, ${m?.after ?? null}, ${m?.forced ?? false})
    ON CONFLICT (app_id, delivery_id) DO NOTHING
    RETURNING id`;
  return rows[0]?.id ?? null;
}

async function ignore(row: Omit<Row, "status" | "reason">, reason: string): Promise<WebhookResult> {
  const fresh = await recordDelivery(getDb(), { ...row, status: "ignored", reason });
  log.info({ deliveryId: row.deliveryId, event: row.event, status: fresh !== null ? "ignored" : "duplicate" }, "github webhook");
  return fresh !== null ? { status: 202, body: { ignored: reason.slice(0, REASON_MAX) } } : { status: 200, body: { duplicate: true } };
}

/**
 * The order of every step is the point: nothing is written, and no secret is looked at, before the app is
 * known and the body is within bounds; no row is written before the signature matched; nothing is accepted
 * that the worker could not apply.
 */
export async function receiveGithubWebhook(input: WebhookInput): Promise<WebhookResult> {
  const max = webhookMaxBytes();
  const declared = Number(input.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > max) return error(413, `payload is larger than ${max} bytes`, true);

  const deliveryId = input.headers.get("x-github-delivery");
  const event = input.headers.get("x-github-event");
  if (!deliveryId || !event) return error(400, "X-GitHub-Delivery and X-GitHub-Event headers are required", true);
  if (!HEADER_VALUE.test(deliveryId) || !HEADER_VALUE.test(event)) return error(400, "X-GitHub-Delivery or X-GitHub-Event is not a GitHub delivery id or event name (letters, digits, '.', '_', '-'; at most 100)", true);

  const db = getDb();
  const app = APP_NAME.test(input.appName)
    ? await db.githubApp.findUnique({ where: { name: input.appName }, select: { id: true, name: true, webhookSecretId: true, accountAllowlist: true } })
    : null;
  if (!app) return error(404, "no GitHub app of that name is registered in Slipway; check the webhook URL (Settings → GitHub apps shows it)", true);

  const raw = await readLimitedStream(input.body, max);
  if (raw === null) return error(413, `payload is larger than ${max} bytes`, true);

  const secret = app.webhookSecretId ? await revealSecret(app.webhookSecretId) : null;
  if (!secret) {
    log.warn({ deliveryId, event, app: app.name, status: 401 }, "github webhook for an app without a webhook secret");
    return error(401, `app ${app.name} has no webhook secret, so no delivery can be verified; set it under Settings → GitHub apps (the same secret as on GitHub)`);
  }
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
    return fresh !== null ? { status: 200, body: { pong: true } } : { status: 200, body: { duplicate: true } };
  }
  if (!HANDLED.has(event)) return ignore(base, `event ${event} is not handled`);

  const parsed = parseEvent(event, json);
  if ("error" in parsed) return error(400, parsed.error);
  const withAction = { ...base, action: parsed.action };
  // GitHub's names are case-insensitive: Ocurrent/Site is ocurrent/site
  const repo = await db.repository.findFirst({
    where: { name: { equals: parsed.fullName, mode: "insensitive" }, appId: app.id, archivedAt: null },
    select: { id: true, name: true, githubId: true, installationId: true, isPrivate: true },
  });
  if (!repo) return ignore(withAction, `repository ${parsed.fullName} is not registered under app ${app.name}`);
  if (repo.githubId !== null && repo.githubId !== BigInt(parsed.githubId)) {
    log.warn({ deliveryId, event, app: app.name, repository: repo.name, stored: String(repo.githubId), sent: parsed.githubId }, "github webhook for another repository of the same name refused");
    return error(
      409,
      `repository ${repo.name} is registered with GitHub id ${repo.githubId}, but this delivery is for id ${parsed.githubId} (deleted and re-created, or another repository renamed to it); remove it under Repositories and add it again to follow the new one`,
    );
  }
  const withRepo = { ...withAction, repositoryId: repo.id };
  if (app.accountAllowlist.length > 0 && !app.accountAllowlist.some((a) => a.toLowerCase() === parsed.owner.toLowerCase())) {
    return ignore(withRepo, `account ${parsed.owner} is not in app ${app.name}'s account allowlist`);
  }
  if (!parsed.event) return ignore(withRepo, parsed.ignored ?? `event ${event} is not handled`);
  // fields the job cannot carry are the sender's fault: 400, nothing written
  const checked = normalizedEvent.safeParse({ deliveryId, repositoryId: repo.id, ...parsed.event });
  if (!checked.success) return error(400, `${event} payload has fields Slipway cannot take: ${formatIssues(checked.error.issues)}`);
  const move = refMoveOf(checked.data);

  const seq = await db.$transaction(async (tx) => {
    const id = await recordDelivery(tx, { ...withRepo, status: "accepted", reason: null, move });
    if (id === null) return null;
    const learn: Prisma.RepositoryUpdateInput = {};
    if (repo.githubId === null) learn.githubId = BigInt(parsed.githubId);
    if (parsed.installationId !== undefined && repo.installationId !== BigInt(parsed.installationId)) learn.installationId = BigInt(parsed.installationId);
    // a repository made private stops its public badge from the next delivery on (lib/queries/badges.ts)
    if (parsed.isPrivate !== undefined && repo.isPrivate !== parsed.isPrivate) learn.isPrivate = parsed.isPrivate;
    if (Object.keys(learn).length > 0) await tx.repository.update({ where: { id: repo.id }, data: learn });
    // one repository's events run one after another; their order is decided by `seq` (lib/services/refs.ts applyRefEvent)
    const normalized: NormalizedEvent = { ...checked.data, seq: Number(id) };
    await enqueueJob(tx, "github.event", normalized, { jobKey: `github-delivery:${app.id}:${deliveryId}`, queueName: `repository:${repo.id}` });
    return id;
  });
  log.info({ deliveryId, event, status: seq !== null ? "accepted" : "duplicate" }, "github webhook");
  return seq !== null ? { status: 202, body: { accepted: true } } : { status: 200, body: { duplicate: true } };
}
