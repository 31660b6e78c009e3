// Health of the web process: the database answers, and how many workers are connected.
import "server-only";
import { getDb } from "@/lib/db";
import { slipwayVersion } from "@/lib/version";

export interface Health {
  status: "ok" | "degraded";
  version: string;
  database: "ok" | "unreachable";
  workers: number;
}

const WORKER_STALE_MS = 45_000;

export async function healthStatus(): Promise<Health> {
  try {
    const workers = await getDb().workerHeartbeat.count({
      where: { stoppedAt: null, lastSeenAt: { gte: new Date(Date.now() - WORKER_STALE_MS) } },
    });
    return { status: workers > 0 ? "ok" : "degraded", version: slipwayVersion, database: "ok", workers };
  } catch {
    return { status: "degraded", version: slipwayVersion, database: "unreachable", workers: 0 };
  }
}
