// Commands on notification channels beyond editing them (lib/services/inventory/entities.ts saveChannel):
// redeliver one delivery, send a test event, rotate a webhook's signing secret. Each keeps the order of every
// command (authorize → validate → rows + jobs + audit in one transaction; a refused command changes nothing);
// redeliver and the test event then make their attempt in the request, bounded by the 10 s timeout.
import { z } from "zod";
import { getDb } from "@/lib/db";
import type { Actor } from "@/lib/auth/actor";
import type { Logger } from "@/lib/log";
import { authorize } from "@/lib/services/authorize";
import { recordAudit } from "@/lib/audit/record";
import { CommandError, NotFoundError } from "@/lib/errors";
import { parseInput } from "@/lib/validation/parse";
import { rowId } from "@/lib/validation/ids";
import { enqueueJob } from "@/lib/jobs/enqueue";
import { env } from "@/lib/env";
import { attemptDelivery, queueNotification, type AttemptResult } from "@/lib/services/notifications/deliveries";
import { createSigningSecret } from "@/lib/services/notifications/signing";
import type { NotificationEvent } from "@/lib/validation/notification-events";

const gone = (what: string) => new NotFoundError(`That ${what} does not exist any more; reload the page.`);

/** In words, for the console: how the attempt went. */
export function attemptWords(r: AttemptResult | null): string {
  if (!r) return "Another attempt is running; reload the page in a moment.";
  if (r.state === "delivered") return `Delivered${r.outcome.status ? ` (HTTP ${r.outcome.status})` : ""}.`;
  if (r.state === "failed") return `Not delivered: ${r.outcome.error}`;
  return `Not delivered yet: ${r.outcome.error} Next attempt at ${r.nextAttemptAt?.toISOString().replace(/\.\d+Z$/, "Z")}.`;
}

/** Sends a delivery again under the same delivery id, with a fresh retry schedule. Audited as notification.redelivered. */
export async function redeliver(actor: Actor, raw: unknown, log: Logger): Promise<{ message: string; result: AttemptResult | null }> {
  authorize(actor, "inventory.edit");
  const { delivery_id: id } = parseInput(z.object({ delivery_id: rowId }), raw);
  const now = new Date();
  await getDb().$transaction(async (tx) => {
    const d = await tx.notificationDelivery.findUnique({ where: { id }, include: { channel: { select: { name: true } } } });
    if (!d) throw gone("delivery");
    await tx.notificationDelivery.update({ where: { id }, data: { state: "pending", retryStep: 0, nextAttemptAt: now, deliveredAt: null } });
    // the job in case this request stops before its attempt; the attempt below takes the delivery first
    await enqueueJob(tx, "notification_deliver", { deliveryId: id }, { jobKey: `notification_delivery:${id}`, jobKeyMode: "replace", runAt: new Date(now.getTime() + 90_000), maxAttempts: 3 });
    await recordAudit(tx, {
      actor,
      action: "notification.redelivered",
      subjectType: "notification_channel",
      subjectId: d.channelId,
      summary: `notification channel ${d.channel.name}: ${d.event} redelivered (delivery ${d.id})`,
    });
  });
  const result = await attemptDelivery(id, { now, log });
  return { message: `Redelivered: ${attemptWords(result)}`, result };
}

/** A test event to one channel: its first subscribed event, marked `"test": true`, about nothing real. */
export async function sendTestEvent(actor: Actor, raw: unknown, log: Logger): Promise<{ message: string; result: AttemptResult | null }> {
  authorize(actor, "inventory.edit");
  const { channel_id: id } = parseInput(z.object({ channel_id: rowId }), raw);
  const ids = await getDb().$transaction(async (tx) => {
    const c = await tx.notificationChannel.findUnique({ where: { id } });
    if (!c) throw gone("channel");
    if (!c.enabled) throw new CommandError(`Channel ${c.name} is off: turn it on before sending a test event.`);
    const event = (c.events[0] ?? "deployment.succeeded") as NotificationEvent;
    const base = env().SLIPWAY_URL.replace(/\/+$/, "");
    const made = await queueNotification(
      {
        event,
        test: true,
        app: c.apps[0] ?? null,
        repository: { name: c.repositories[0] ?? "example/test-event", url: `https://github.com/${c.repositories[0] ?? "example/test-event"}` },
        data: { url: `${base}/settings/notifications/${c.id}`, branch: "main", reason: `sent by ${actor.type === "user" || actor.type === "api_token" ? actor.login : "Slipway"}` },
      },
      null,
      { tx, channelIds: [c.id] },
    );
    await recordAudit(tx, { actor, action: "notification_channel.test_sent", subjectType: "notification_channel", subjectId: c.id, summary: `notification channel ${c.name}: test event ${event} sent` });
    return made;
  });
  const result = ids[0] ? await attemptDelivery(ids[0], { log }) : null;
  return { message: `Test event: ${attemptWords(result)}`, result };
}

/** A new signing secret for a webhook channel; the old one stops working at once. Returns the new one, shown once. */
export async function rotateSigningSecret(actor: Actor, raw: unknown): Promise<{ message: string; result: { secret: string } }> {
  authorize(actor, "inventory.edit");
  const { channel_id: id } = parseInput(z.object({ channel_id: rowId }), raw);
  const secret = await getDb().$transaction(async (tx) => {
    const c = await tx.notificationChannel.findUnique({ where: { id } });
    if (!c) throw gone("channel");
    if (c.kind !== "webhook") throw new CommandError(`Channel ${c.name} posts to Slack, which signs nothing: only webhook channels have a signing secret.`);
    return createSigningSecret(tx, c.id, c.name, actor, true);
  });
  return { message: "New signing secret made; the old one no longer signs. Copy it now: it is not shown again.", result: { secret } };
}
