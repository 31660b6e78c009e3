// Receive one GitHub webhook delivery: find the app, bound, verify, check, de-duplicate, record.
// The work is the job's (workers/tasks/github-event.ts). A delivery costs one database round trip: the app
// and its secret come from memory (lib/services/webhook-apps.ts), and one statement finds the repository,
// decides and records the delivery with its job's payload; the job is queued right after, in the background
// (lib/services/webhook-dispatch.ts: why not in the same commit).
import { env } from "@/lib/env";
import { getDb, getWebhookPool } from "@/lib/db";
import { verifyGithubSignature } from "@/lib/github/webhook-verify";
import {
  branchOfRef, checkRunPayload, checkSuitePayload, createPayload, pullRequestPayload, pushPayload, ZERO_SHA, type NormalizedEvent,
} from "@/lib/github/webhook-events";
import { refMoveOf, type RefMove } from "@/lib/services/refs";
import { jobPayloads } from "@/lib/jobs/definitions";
import { dispatchWebhookJobsSoon } from "@/lib/services/webhook-dispatch";
import { CURRENT_APP_SQL, forgetWebhookApp, webhookApp, type WebhookApp } from "@/lib/services/webhook-apps";
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
      // a head in another repository, in one deleted since (head.repo null), or in one the payload does not name,
      // is a fork's: never trusted with secrets
      const fork = !pr.head.repo || pr.head.repo.full_name.toLowerCase() !== p.repository.full_name.toLowerCase();
      const base = pr.base ? branchOfRef.safeParse(pr.base.ref) : undefined;
      const fields = { prNumber: p.number, headSha: pr.head.sha, title: pr.title, author: pr.user.login, fork, ...(base?.success ? { baseBranch: base.data } : {}) };
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

/** The app's row or its secret's changed since they were read: read them again and decide again. */
const CHANGED = Symbol("app changed");

/**
 * A delivery that moves nothing (ping, an event Slipway does not handle), recorded as it is: INSERT … ON
 * CONFLICT DO NOTHING, so the row's id when new, null when the app already had this delivery.
 */
async function recordPlain(app: WebhookApp, d: { deliveryId: string; event: string; status: "accepted" | "ignored"; reason: string }): Promise<string | null | typeof CHANGED> {
  const { rows } = await getWebhookPool().query<{ current: boolean; id: string | null }>(
    `WITH app AS (${CURRENT_APP_SQL}),
     ins AS (
       INSERT INTO webhook_deliveries (delivery_id, app_id, event, status, reason)
       SELECT $3, app.id, $4, $5::webhook_delivery_status, $6 FROM app
       ON CONFLICT (app_id, delivery_id) DO NOTHING
       RETURNING id
     )
     SELECT EXISTS (SELECT 1 FROM app) AS current, (SELECT id FROM ins) AS id`,
    [app.id, app.version, d.deliveryId, d.event, d.status, d.reason.slice(0, REASON_MAX)],
  );
  const row = rows[0];
  if (!row?.current) return CHANGED;
  return row.id;
}

interface Received {
  deliveryId: string; event: string; action: string | null; parsed: Parsed;
  /** the app allowlist's or the event's own reason to ignore it (the repository's are decided in SQL) */
  ignored: string | null;
  move: RefMove | null;
  /** the job's payload without what only the statement knows (repositoryId) and the dispatch (seq); null when ignored */
  job: Omit<NormalizedEvent, "repositoryId" | "seq"> | null;
}
type Outcome =
  | { kind: "conflict"; repository: string; storedGithubId: string }
  | { kind: "duplicate" }
  | { kind: "ignored"; reason: string }
  | { kind: "accepted" };

/**
 * The one statement of a handled delivery, one round trip and one transaction: the app is still as read; the
 * repository of that name under the app (case-insensitive, as on GitHub), if any; a GitHub id that contradicts
 * the one learned for it records nothing; otherwise the delivery is recorded (ignored with its reason, or
 * accepted with the move it reports), what GitHub says about the repository is learned (its id, installation
 * and privacy: a repository made private stops its public badge from this delivery on), and an accepted one
 * keeps its job's payload until the dispatch queues the job in the repository's queue (one repository's events
 * run one after another in receipt order).
 */
async function recordHandled(app: WebhookApp, r: Received): Promise<Outcome | typeof CHANGED> {
  const m = r.move;
  const { rows } = await getWebhookPool().query<{
    current: boolean; repository_name: string | null; stored_github_id: string | null; conflict: boolean | null; reason: string | null; seq: string | null;
  }>(
    `WITH app AS (${CURRENT_APP_SQL}),
     repo AS (
       SELECT r.id, r.name, r.github_id FROM repositories r JOIN app ON r.app_id = app.id
       WHERE lower(r.name) = lower($3) AND r.archived_at IS NULL
       LIMIT 1
     ),
     verdict AS (
       SELECT app.id AS app_id, repo.id AS repository_id, repo.name AS repository_name, repo.github_id AS stored_github_id,
              COALESCE(repo.github_id <> $4::bigint, false) AS conflict,
              CASE WHEN repo.id IS NULL THEN $5::text ELSE $6::text END AS reason
       FROM app LEFT JOIN repo ON true
     ),
     ins AS (
       INSERT INTO webhook_deliveries (delivery_id, app_id, repository_id, event, action, status, reason, ref_kind, ref_name, before_sha, after_sha, forced, job_payload)
       SELECT $7, v.app_id, v.repository_id, $8, $9,
              (CASE WHEN v.reason IS NULL THEN 'accepted' ELSE 'ignored' END)::webhook_delivery_status, v.reason,
              CASE WHEN v.reason IS NULL THEN $10::ref_kind END, CASE WHEN v.reason IS NULL THEN $11::text END,
              CASE WHEN v.reason IS NULL THEN $12::text END, CASE WHEN v.reason IS NULL THEN $13::text END,
              v.reason IS NULL AND $14::boolean,
              CASE WHEN v.reason IS NULL THEN $17::jsonb || jsonb_build_object('repositoryId', v.repository_id) END
       FROM verdict v WHERE NOT v.conflict
       ON CONFLICT (app_id, delivery_id) DO NOTHING
       RETURNING id, repository_id, status
     ),
     learned AS (
       UPDATE repositories r
       SET github_id = COALESCE(r.github_id, $4::bigint),
           installation_id = COALESCE($15::bigint, r.installation_id),
           is_private = COALESCE($16::boolean, r.is_private),
           updated_at = now()
       FROM ins
       WHERE ins.status = 'accepted' AND r.id = ins.repository_id
         AND (r.github_id IS NULL OR r.installation_id IS DISTINCT FROM COALESCE($15::bigint, r.installation_id)
              OR r.is_private IS DISTINCT FROM COALESCE($16::boolean, r.is_private))
       RETURNING r.id
     )
     SELECT EXISTS (SELECT 1 FROM app) AS current, v.repository_name, v.stored_github_id, v.conflict, v.reason, ins.id AS seq,
            (SELECT count(*) FROM learned)::int AS learned
     FROM (SELECT 1) one LEFT JOIN verdict v ON true LEFT JOIN ins ON true`,
    [
      app.id, app.version, r.parsed.fullName, String(r.parsed.githubId),
      `repository ${r.parsed.fullName} is not registered under app ${app.name}`.slice(0, REASON_MAX), r.ignored === null ? null : r.ignored.slice(0, REASON_MAX),
      r.deliveryId, r.event, r.action,
      m?.kind ?? null, m?.name ?? null, m?.before ?? null, m?.after ?? null, m?.forced ?? false,
      r.parsed.installationId === undefined ? null : String(r.parsed.installationId), r.parsed.isPrivate ?? null,
      JSON.stringify(r.job ?? {}),
    ],
  );
  const row = rows[0];
  if (!row?.current) return CHANGED;
  if (row.conflict) return { kind: "conflict", repository: row.repository_name!, storedGithubId: row.stored_github_id! };
  if (row.seq === null) return { kind: "duplicate" };
  if (row.reason !== null) return { kind: "ignored", reason: row.reason };
  return { kind: "accepted" };
}

/**
 * The order of every step is the point: nothing is written, and no secret is looked at, before the app is
 * known and the body is within bounds; no row is written before the signature matched the app's current
 * secret; nothing is accepted that the worker could not apply.
 */
export async function receiveGithubWebhook(input: WebhookInput): Promise<WebhookResult> {
  const max = webhookMaxBytes();
  const declared = Number(input.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > max) return error(413, `payload is larger than ${max} bytes`, true);

  const deliveryId = input.headers.get("x-github-delivery");
  const event = input.headers.get("x-github-event");
  if (!deliveryId || !event) return error(400, "X-GitHub-Delivery and X-GitHub-Event headers are required", true);
  if (!HEADER_VALUE.test(deliveryId) || !HEADER_VALUE.test(event)) return error(400, "X-GitHub-Delivery or X-GitHub-Event is not a GitHub delivery id or event name (letters, digits, '.', '_', '-'; at most 100)", true);

  const unknownApp = "no GitHub app of that name is registered in Slipway; check the webhook URL (Settings → GitHub apps shows it)";
  const cached = APP_NAME.test(input.appName) ? await webhookApp(input.appName) : null;
  if (!cached) return error(404, unknownApp, true);

  const raw = await readLimitedStream(input.body, max);
  if (raw === null) return error(413, `payload is larger than ${max} bytes`, true);

  // the cached app first; when it turns out to have changed (or refuses), the app as it is now
  let app: WebhookApp | null = cached;
  for (let attempt = 1; ; attempt++) {
    const fresh = attempt > 1;
    if (!app) return error(404, unknownApp);
    const result = await receiveFor(app, fresh, { deliveryId, event, raw, signature: input.headers.get("x-hub-signature-256") });
    if (result !== CHANGED) return result;
    if (attempt === 3) {
      log.warn({ deliveryId, event, app: app.name, status: 503 }, "github webhook: the app kept changing while the delivery was received");
      return error(503, `app ${app.name} was being changed while this delivery was received; redeliver it from GitHub (the app's Advanced settings)`);
    }
    forgetWebhookApp(input.appName);
    app = await webhookApp(input.appName, { fresh: true });
  }
}

async function receiveFor(
  app: WebhookApp,
  fresh: boolean,
  d: { deliveryId: string; event: string; raw: Uint8Array; signature: string | null },
): Promise<WebhookResult | typeof CHANGED> {
  const { deliveryId, event } = d;
  // a refusal is never decided on what was cached: the secret may have been set or rotated since
  if (!app.secret) {
    if (!fresh) return CHANGED;
    log.warn({ deliveryId, event, app: app.name, status: 401 }, "github webhook for an app without a webhook secret");
    return error(401, `app ${app.name} has no webhook secret, so no delivery can be verified; set it under Settings → GitHub apps (the same secret as on GitHub)`);
  }
  if (!verifyGithubSignature(app.secret, d.raw, d.signature)) {
    if (!fresh) return CHANGED;
    log.warn({ deliveryId, event, app: app.name, status: 401 }, "github webhook signature rejected");
    return error(401, "X-Hub-Signature-256 is missing or does not match the app's webhook secret");
  }

  let json: unknown;
  const text = Buffer.from(d.raw).toString("utf8");
  try { json = JSON.parse(text); } catch {
    // a webhook set to application/x-www-form-urlencoded sends payload=<json>: say which setting to change
    return error(400, text.startsWith("payload=")
      ? "the body is form-encoded (payload=…); set the webhook's Content type to application/json in the GitHub App's (or repository's) webhook settings"
      : "the body is not valid JSON");
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) return error(400, "the body is not a JSON object");

  if (event === "ping" || !HANDLED.has(event)) {
    const reason = event === "ping" ? "ping" : `event ${event} is not handled`;
    const id = await recordPlain(app, { deliveryId, event, status: event === "ping" ? "accepted" : "ignored", reason });
    if (id === CHANGED) return CHANGED;
    log.info({ deliveryId, event, status: id !== null ? (event === "ping" ? "accepted" : "ignored") : "duplicate" }, "github webhook");
    if (id === null) return { status: 200, body: { duplicate: true } };
    return event === "ping" ? { status: 200, body: { pong: true } } : { status: 202, body: { ignored: reason } };
  }

  // the payload is checked here, not in the job: what the worker could not store is the sender's fault (a 400
  // naming the field, nothing written), and the move it reports must be recorded at receipt, where every
  // other job of the repository sees it (lib/services/refs.ts applyRefEvent). It costs well under a millisecond.
  const parsed = parseEvent(event, json);
  if ("error" in parsed) return error(400, parsed.error);
  let job: Received["job"] = null;
  let move: RefMove | null = null;
  if (parsed.event) {
    // the repository and the receipt order are filled in by the statement; the rest is checked as the job's payload is
    const checked = jobPayloads["github.event"].safeParse({ deliveryId, repositoryId: "-", seq: 1, ...parsed.event });
    if (!checked.success) return error(400, `${event} payload has fields Slipway cannot take: ${formatIssues(checked.error.issues)}`);
    const { repositoryId: _r, seq: _s, ...rest } = checked.data;
    job = rest;
    move = refMoveOf(checked.data);
  }
  const outsideAllowlist = app.accountAllowlist.length > 0 && !app.accountAllowlist.some((a) => a.toLowerCase() === parsed.owner.toLowerCase());
  const ignored = outsideAllowlist
    ? `account ${parsed.owner} is not in app ${app.name}'s account allowlist`
    : parsed.event
      ? null
      : (parsed.ignored ?? `event ${event} is not handled`);

  const outcome = await recordHandled(app, { deliveryId, event, action: parsed.action, parsed, ignored, move, job: ignored === null ? job : null });
  if (outcome === CHANGED) return CHANGED;
  switch (outcome.kind) {
    case "conflict": {
      const name = outcome.repository;
      log.warn({ deliveryId, event, app: app.name, repository: name, stored: String(outcome.storedGithubId), sent: parsed.githubId }, "github webhook for another repository of the same name refused");
      return error(
        409,
        `repository ${name} is registered with GitHub id ${outcome.storedGithubId}, but this delivery is for id ${parsed.githubId} (deleted and re-created, or another repository renamed to it); remove it under Repositories and add it again to follow the new one`,
      );
    }
    case "duplicate":
      log.info({ deliveryId, event, status: "duplicate" }, "github webhook");
      return { status: 200, body: { duplicate: true } };
    case "ignored":
      log.info({ deliveryId, event, status: "ignored" }, "github webhook");
      return { status: 202, body: { ignored: outcome.reason } };
    case "accepted":
      dispatchWebhookJobsSoon();
      log.info({ deliveryId, event, status: "accepted" }, "github webhook");
      return { status: 202, body: { accepted: true } };
  }
}
