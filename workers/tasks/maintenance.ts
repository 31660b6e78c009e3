// Hourly housekeeping: drop expired sessions, forget workers that stopped long ago, prune webhook deliveries.
import type { TaskContext } from "@/workers/tasks/types";
import { getDb } from "@/lib/db";
import { pruneWebhookDeliveries } from "@/lib/services/webhooks";

export async function maintenance(_payload: { _cron?: { ts: string; backfilled?: boolean } }, ctx: TaskContext): Promise<void> {
  const db = getDb();
  const now = Date.now();
  const sessions = await db.session.deleteMany({ where: { expires: { lt: new Date(now) } } });
  const workers = await db.workerHeartbeat.deleteMany({ where: { lastSeenAt: { lt: new Date(now - 7 * 86_400_000) } } });
  const deliveries = await pruneWebhookDeliveries(new Date(now));
  ctx.log.info({ sessions: sessions.count, workers: workers.count, deliveries }, "maintenance done");
}
