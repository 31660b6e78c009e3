// Notification deliveries: one row per event per channel (notification_deliveries), written by the job that
// decides to notify, then sent — once right away by that job, again by the `notification_deliver` task with
// backoff — to Slack or to a signed webhook (docs/webhooks.md). The row keeps the envelope, the attempts and
// their outcome in words; its id is the Slipway-Delivery header, stable across retries and redeliveries.
import { randomBytes } from "node:crypto";
import { getDb, type Tx } from "@/lib/db";
import type { Logger } from "@/lib/log";
import { enqueueJob } from "@/lib/jobs/enqueue";
import { postSlack, slackMessage, SlackError, type NotificationFacts } from "@/lib/notify/slack";
import { postWebhook, webhookUrlProblem, type AttemptOutcome } from "@/lib/notify/webhook";
import { revealSecret } from "@/lib/services/inventory/secret-values";
import { ENVELOPE_VERSION, type NotificationData, type NotificationEnvelope, type NotificationEvent } from "@/lib/validation/notification-events";

/** Waits between attempts: after the 1st failed attempt 10 s, then 1 min, 5 min, 30 min, 2 h; then the delivery fails. */
export const RETRY_BACKOFF_MS = [10_000, 60_000, 300_000, 1_800_000, 7_200_000] as const;
/** How long an attempt holds its delivery: another attempt before then finds it not due. */
const ATTEMPT_LEASE_MS = 60_000;
/** The delivery job queued with each new delivery runs this much later, in case the job that sends it first stops. */
const SAFETY_DELAY_MS = 90_000;

function newRowId(prefix: string): string {
  return `${prefix}_${randomBytes(15).toString("base64url")}`;
}

const EMPTY_DATA: Omit<NotificationData, "url"> = {
  target: null,
  branch: null,
  commit: null,
  image: null,
  actor: null,
  reason: null,
  build: null,
  deployment: null,
  live_image: null,
  host: null,
};

export interface EventInput {
  event: NotificationEvent;
  app: string | null;
  repository: { name: string; url: string } | null;
  data: Partial<NotificationData> & { url: string };
  test?: boolean;
}

/** The envelope of one event (docs/webhooks.md). */
export function envelopeFor(input: EventInput, at: Date = new Date()): NotificationEnvelope {
  return {
    id: newRowId("evt"),
    version: ENVELOPE_VERSION,
    event: input.event,
    at: at.toISOString(),
    app: input.app ? { name: input.app } : null,
    repository: input.repository,
    data: { ...EMPTY_DATA, ...input.data },
    ...(input.test ? { test: true } : {}),
  };
}

/** What the Slack message says, from the envelope (the same facts a webhook receives). */
export function factsFromEnvelope(e: NotificationEnvelope): NotificationFacts {
  const d = e.data;
  return {
    event: e.event,
    target: d.target?.name ?? null,
    repository: e.repository?.name ?? "",
    branch: d.branch ?? "",
    commitSha: d.commit?.sha ?? "",
    commitUrl: d.commit?.url ?? null,
    commitMessage: d.commit?.message ?? null,
    image: d.image,
    pageUrl: d.url,
    actor: d.actor,
    reason: e.test ? `A test event sent from Settings → Notifications${d.reason ? `: ${d.reason}` : ""}` : d.reason,
    liveImage: d.live_image,
    host: d.host ? { name: d.host.name, address: d.host.address, port: d.host.port, presented: d.host.presented.fingerprint_sha256, pinned: d.host.pinned } : null,
  };
}

/**
 * Whether a channel hears an event of this app and repository: an empty filter lets everything through; an
 * event that belongs to no repository (host.key_changed) reaches every channel subscribed to it.
 */
export function channelHears(channel: { apps: string[]; repositories: string[] }, app: string | null, repository: string | null): boolean {
  if (repository === null) return true;
  if (channel.apps.length && !(app !== null && channel.apps.includes(app))) return false;
  if (channel.repositories.length && !channel.repositories.includes(repository)) return false;
  return true;
}

async function enqueueAttempt(tx: Tx, deliveryId: string, runAt: Date): Promise<void> {
  await enqueueJob(tx, "notification_deliver", { deliveryId }, { jobKey: `notification_delivery:${deliveryId}`, jobKeyMode: "replace", runAt, maxAttempts: 3 });
}

/**
 * Writes one delivery per enabled channel that subscribes to the event and whose filter lets it through,
 * each with its delivery job (in case the caller stops before sending). `dedupeKey` names what the event is
 * about: a second call with the same key queues nothing for a channel that already has it. Returns the ids
 * of the new deliveries, for the caller to send right away (attemptDelivery).
 */
export async function queueNotification(input: EventInput, dedupeKey: string | null, opts: { now?: Date; tx?: Tx; channelIds?: string[] } = {}): Promise<string[]> {
  const now = opts.now ?? new Date();
  const write = async (tx: Tx): Promise<string[]> => {
    const channels = await tx.notificationChannel.findMany({
      where: { enabled: true, events: { has: input.event }, ...(opts.channelIds ? { id: { in: opts.channelIds } } : {}) },
      select: { id: true, apps: true, repositories: true },
      orderBy: { name: "asc" },
    });
    const hearing = channels.filter((c) => opts.channelIds || channelHears(c, input.app, input.repository?.name ?? null));
    if (!hearing.length) return [];
    const envelope = envelopeFor(input, now);
    const rows = hearing.map((c) => ({
      id: newRowId("dlv"),
      channelId: c.id,
      event: input.event,
      envelopeId: envelope.id,
      payload: envelope as unknown as object,
      dedupeKey,
      nextAttemptAt: now,
      createdAt: now,
    }));
    await tx.notificationDelivery.createMany({ data: rows, skipDuplicates: true });
    const made = await tx.notificationDelivery.findMany({ where: { id: { in: rows.map((r) => r.id) } }, select: { id: true } });
    for (const r of made) await enqueueAttempt(tx, r.id, new Date(now.getTime() + SAFETY_DELAY_MS));
    return made.map((r) => r.id);
  };
  if (opts.tx) return write(opts.tx);
  return getDb().$transaction(write, { timeout: 30_000, maxWait: 15_000 });
}

function slackOutcome(err: unknown): AttemptOutcome {
  if (!(err instanceof SlackError)) return { result: "retry", status: null, error: err instanceof Error ? err.message : String(err) };
  const retry = err.status === null || err.status >= 500 || err.status === 408 || err.status === 429 || err.code === "rollup_error";
  return { result: retry ? "retry" : "refused", status: err.status, error: retry ? `${err.message}; Slipway will try again` : `${err.message}. Not retried: fix the channel, then redeliver.` };
}

export interface AttemptResult {
  state: "pending" | "delivered" | "failed";
  outcome: AttemptOutcome;
  nextAttemptAt: Date | null;
}

/**
 * One attempt of a delivery that is due at `now`: sends it, records the outcome, and on a failure worth
 * retrying schedules the next attempt (RETRY_BACKOFF_MS) as a delivery job at that time. Returns null when
 * the delivery is not due (delivered, failed, another attempt holds it, or its next attempt is later).
 */
export async function attemptDelivery(deliveryId: string, opts: { now?: Date; log: Logger; signal?: AbortSignal }): Promise<AttemptResult | null> {
  const now = opts.now ?? new Date();
  const db = getDb();
  // claim it: an attempt holds the delivery for a lease, so a job that fires meanwhile finds it not due
  const claimed = await db.notificationDelivery.updateMany({
    where: { id: deliveryId, state: "pending", OR: [{ nextAttemptAt: null }, { nextAttemptAt: { lte: now } }] },
    data: { nextAttemptAt: new Date(now.getTime() + ATTEMPT_LEASE_MS) },
  });
  if (claimed.count === 0) return null;
  const d = await db.notificationDelivery.findUniqueOrThrow({ where: { id: deliveryId }, include: { channel: true } });
  const envelope = d.payload as unknown as NotificationEnvelope;
  const channel = d.channel;

  let outcome: AttemptOutcome;
  const url = channel.urlSecretId ? await revealSecret(channel.urlSecretId) : null;
  if (!channel.enabled) outcome = { result: "refused", status: null, error: `Channel ${channel.name} is off: turn it on under Settings → Notifications, then redeliver.` };
  else if (!url) outcome = { result: "refused", status: null, error: `Channel ${channel.name} has no URL: set it under Settings → Notifications, then redeliver.` };
  else if (channel.kind === "webhook") {
    const secret = channel.signingSecretId ? await revealSecret(channel.signingSecretId) : null;
    if (!secret) outcome = { result: "refused", status: null, error: `Channel ${channel.name} has no signing secret: rotate it under Settings → Notifications, then redeliver.` };
    else
      outcome = await postWebhook({
        url,
        body: JSON.stringify(envelope),
        event: d.event,
        deliveryId: d.id,
        secret,
        channelName: channel.name,
        unixSeconds: Math.floor(now.getTime() / 1000),
        signal: opts.signal,
      });
  } else {
    const problem = webhookUrlProblem(url);
    if (problem) outcome = { result: "refused", status: null, error: `The Slack webhook URL of channel ${channel.name} ${problem}: paste the URL Slack gave you under Settings → Notifications.` };
    else {
      try {
        await postSlack(url, slackMessage(factsFromEnvelope(envelope)), { signal: opts.signal, channelName: channel.name });
        outcome = { result: "delivered", status: 200, error: null };
      } catch (err) {
        opts.signal?.throwIfAborted();
        outcome = slackOutcome(err);
      }
    }
  }

  const attempts = d.attempts + 1;
  const result = await db.$transaction(async (tx): Promise<AttemptResult> => {
    if (outcome.result === "delivered") {
      await tx.notificationDelivery.update({ where: { id: d.id }, data: { state: "delivered", attempts, lastStatus: outcome.status, lastError: null, nextAttemptAt: null, deliveredAt: now } });
      return { state: "delivered", outcome, nextAttemptAt: null };
    }
    const wait = outcome.result === "retry" ? RETRY_BACKOFF_MS[d.retryStep] : undefined;
    if (wait === undefined) {
      const error = outcome.result === "retry" ? `${outcome.error?.replace(/; Slipway will try again$/, "")}. Gave up after ${attempts} attempts: redeliver once the endpoint is fixed.` : outcome.error;
      await tx.notificationDelivery.update({ where: { id: d.id }, data: { state: "failed", attempts, lastStatus: outcome.status, lastError: error, nextAttemptAt: null } });
      return { state: "failed", outcome: { ...outcome, error }, nextAttemptAt: null };
    }
    const next = new Date(now.getTime() + wait);
    await tx.notificationDelivery.update({ where: { id: d.id }, data: { attempts, retryStep: d.retryStep + 1, lastStatus: outcome.status, lastError: outcome.error, nextAttemptAt: next } });
    await enqueueAttempt(tx, d.id, next);
    return { state: "pending", outcome, nextAttemptAt: next };
  });
  const fields = { deliveryId: d.id, channel: channel.name, event: d.event, attempt: attempts, status: outcome.status };
  if (result.state === "delivered") opts.log.info(fields, "notification delivered");
  else opts.log.warn({ ...fields, error: result.outcome.error, nextAttemptAt: result.nextAttemptAt }, result.state === "failed" ? "notification delivery failed" : "notification delivery will be retried");
  return result;
}

/** Queues the event and sends each new delivery once right away; later attempts are the delivery jobs'. Returns how many channels took it now. */
export async function notify(input: EventInput, dedupeKey: string | null, log: Logger, signal?: AbortSignal): Promise<number> {
  const ids = await queueNotification(input, dedupeKey);
  let delivered = 0;
  for (const id of ids) {
    const r = await attemptDelivery(id, { log, signal });
    if (r?.state === "delivered") delivered++;
  }
  return delivered;
}

/**
 * Deletes deliveries that ended (delivered or failed) more than `days` ago (the hourly maintenance job, with
 * SLIPWAY_WEBHOOK_RETENTION_DAYS); pending ones stay whatever their age. Returns how many were deleted.
 */
export async function pruneNotificationDeliveries(now: Date, days: number): Promise<number> {
  const cutoff = new Date(now.getTime() - days * 86_400_000);
  const r = await getDb().notificationDelivery.deleteMany({ where: { state: { in: ["delivered", "failed"] }, createdAt: { lt: cutoff } } });
  return r.count;
}
