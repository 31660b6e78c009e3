// Worker processes as the console shows them, from their heartbeats (workers/heartbeat.ts writes them).
import { getDb } from "@/lib/db";

/**
 * A worker not heard from for this long is shown as gone. Same value as HEARTBEAT_STALE_MS in
 * workers/heartbeat.ts (lib does not import workers/); workers beat every 10 s.
 */
export const HEARTBEAT_STALE_MS = 45_000;

export type WorkerStatus = "connected" | "stopped" | "gone";

export interface WorkerView {
  id: string;
  hostname: string;
  pid: number;
  version: string;
  concurrency: number;
  tasks: string[];
  startedAt: Date;
  lastSeenAt: Date;
  stoppedAt: Date | null;
  /** connected: beating; stopped: shut down cleanly; gone: stopped beating (killed, crashed, unreachable) */
  status: WorkerStatus;
}

type Row = Omit<WorkerView, "status">;

export function workerStatus(w: Pick<Row, "lastSeenAt" | "stoppedAt">, now: Date = new Date()): WorkerStatus {
  if (w.stoppedAt) return "stopped";
  return now.getTime() - w.lastSeenAt.getTime() <= HEARTBEAT_STALE_MS ? "connected" : "gone";
}

const select = {
  id: true,
  hostname: true,
  pid: true,
  version: true,
  concurrency: true,
  tasks: true,
  startedAt: true,
  lastSeenAt: true,
  stoppedAt: true,
} as const;

/** Workers heard from within HEARTBEAT_STALE_MS and not stopped, longest-running first. */
export async function listConnectedWorkers(now: Date = new Date()): Promise<WorkerView[]> {
  const rows = await getDb().workerHeartbeat.findMany({
    where: { stoppedAt: null, lastSeenAt: { gte: new Date(now.getTime() - HEARTBEAT_STALE_MS) } },
    orderBy: [{ startedAt: "asc" }, { id: "asc" }],
    select,
  });
  return rows.map((r) => ({ ...r, status: "connected" as const }));
}

/** Every worker seen in the last `days` days, connected ones first, then the most recently seen. */
export async function listRecentWorkers(days = 7, now: Date = new Date()): Promise<WorkerView[]> {
  const rows = await getDb().workerHeartbeat.findMany({
    where: { lastSeenAt: { gte: new Date(now.getTime() - days * 86_400_000) } },
    orderBy: [{ lastSeenAt: "desc" }, { id: "asc" }],
    take: 500,
    select,
  });
  const order: Record<WorkerStatus, number> = { connected: 0, gone: 1, stopped: 2 };
  return rows
    .map((r) => ({ ...r, status: workerStatus(r, now) }))
    .sort((a, b) => order[a.status] - order[b.status]);
}
