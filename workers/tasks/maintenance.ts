// Hourly housekeeping: drop expired sessions, forget workers that stopped long ago, prune webhook deliveries
// (received from GitHub, and sent to notification channels).
import type { TaskContext } from "@/workers/tasks/types";
import { getDb } from "@/lib/db";
import { pruneWebhookDeliveries } from "@/lib/services/webhooks";
import { pruneNotificationDeliveries } from "@/lib/services/notifications/deliveries";
import { env } from "@/lib/env";

export async function maintenance(_payload: { _cron?: { ts: string; backfilled?: boolean } }, ctx: TaskContext): Promise<void> {
  const db = getDb();
  const now = Date.now();
  const sessions = await db.session.deleteMany({ where: { expires: { lt: new Date(now) } } });
  const workers = await db.workerHeartbeat.deleteMany({ where: { lastSeenAt: { lt: new Date(now - 7 * 86_400_000) } } });
  const deliveries = await pruneWebhookDeliveries(new Date(now));
  const notifications = await pruneNotificationDeliveries(new Date(now), env().SLIPWAY_WEBHOOK_RETENTION_DAYS);
  ctx.log.info({ sessions: sessions.count, workers: workers.count, deliveries, notifications }, "maintenance done");
}
