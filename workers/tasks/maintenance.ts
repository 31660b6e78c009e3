// Hourly housekeeping: drop expired sessions and forget workers that stopped long ago.
import type { TaskContext } from "@/workers/tasks/types";
import { getDb } from "@/lib/db";

export async function maintenance(_payload: { _cron?: { ts: string; backfilled?: boolean } }, ctx: TaskContext): Promise<void> {
  const db = getDb();
  const now = Date.now();
  const sessions = await db.session.deleteMany({ where: { expires: { lt: new Date(now) } } });
  const workers = await db.workerHeartbeat.deleteMany({ where: { lastSeenAt: { lt: new Date(now - 7 * 86_400_000) } } });
  ctx.log.info({ sessions: sessions.count, workers: workers.count }, "maintenance done");
}
