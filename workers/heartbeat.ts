// Each worker process records that it is alive every few seconds, so the console lists connected workers.
import os from "node:os";
import { getDb } from "@/lib/db";
import type { Logger } from "@/lib/log";

export const HEARTBEAT_INTERVAL_MS = 10_000;
/** a worker not heard from for this long is shown as gone */
export const HEARTBEAT_STALE_MS = 45_000;

export interface Heartbeat {
  /** records the heartbeat (and the pools) now, not at the next interval */
  beatNow(): void;
  stop(): Promise<void>;
}

export async function startHeartbeat(opts: {
  id: string;
  version: string;
  concurrency: number;
  tasks: string[];
  /** graphile-worker's ids of the process's pools: the reaper frees job locks of pools no live worker names */
  jobPools: () => string[];
  log: Logger;
}): Promise<Heartbeat> {
  const db = getDb();
  const beat = async () => {
    await db.workerHeartbeat.upsert({
      where: { id: opts.id },
      create: {
        id: opts.id,
        hostname: os.hostname(),
        pid: process.pid,
        version: opts.version,
        concurrency: opts.concurrency,
        tasks: opts.tasks,
        jobPools: opts.jobPools(),
      },
      update: { lastSeenAt: new Date(), stoppedAt: null, jobPools: opts.jobPools() },
    });
  };
  await beat();
  const timer = setInterval(() => {
    beat().catch((err: unknown) => opts.log.warn({ err }, "heartbeat failed; will retry"));
  }, HEARTBEAT_INTERVAL_MS);
  timer.unref();
  return {
    beatNow() {
      beat().catch((err: unknown) => opts.log.warn({ err }, "heartbeat failed; will retry"));
    },
    async stop() {
      clearInterval(timer);
      await db.workerHeartbeat
        .update({ where: { id: opts.id }, data: { stoppedAt: new Date(), lastSeenAt: new Date() } })
        .catch((err: unknown) => opts.log.warn({ err }, "could not record the worker's stop"));
    },
  };
}
