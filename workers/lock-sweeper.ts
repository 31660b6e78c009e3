// Frees jobs that this worker process's runners locked but never received: when PostgreSQL restarts (or the
// connection breaks) while a runner's "get the next job" statement is in flight, the statement can commit (the
// job is locked by the runner's pool, its attempt counted) and the answer never arrive. graphile-worker then
// leaves the job locked for 4 hours, so a job queued just before a database restart ran only hours later
// (test/faults/postgres-restart.test.ts). Every few seconds this compares the jobs locked by the process's own
// pools with the jobs its runners actually hold, and unlocks the others once their lock is old enough that no
// answer can still be on its way (and those whose end could not be recorded). Jobs of workers that died are graphile-worker's and the reapers' business.
import { EventEmitter } from "node:events";
import type { WorkerEvents } from "graphile-worker";
import { getDb } from "@/lib/db";
import type { Logger } from "@/lib/log";

/** A lock this old with no job started for it was never received (a job starts within milliseconds of its lock). */
export const LOST_LOCK_AGE_S = 30;
/** After a job ends, its end is recorded in one statement (workers/runtime.ts): the job counts as held a minute
 * longer, so a lock whose release is still on its way is never taken for a lost one. A job whose end could not be
 * recorded (the database went away; its runner then stops and is started again) is unlocked after that and runs
 * again: at least once, never lost. */
const HELD_AFTER_END_MS = 60_000;
const SWEEP_EVERY_MS = 10_000;

export interface LockSweeper {
  /** passed to graphile-worker's run() as `events`: tells the sweeper about pools and jobs */
  events: WorkerEvents;
  /** one sweep now; returns the ids of the jobs unlocked */
  sweep(): Promise<string[]>;
  /** graphile-worker's ids of this process's pools (what `locked_by` says of the jobs they hold), for the heartbeat */
  pools(): string[];
  /** called when a pool is created (a runner started or started again) */
  onPool(listener: () => void): void;
  stop(): void;
}

export function startLockSweeper(log: Logger, everyMs = SWEEP_EVERY_MS): LockSweeper {
  const events = new EventEmitter() as WorkerEvents;
  const pools = new Set<string>();
  const held = new Map<string, NodeJS.Timeout | null>();
  const poolListeners: (() => void)[] = [];
  events.on("pool:create", ({ workerPool }) => {
    pools.add(workerPool.id);
    for (const l of poolListeners) l();
  });
  events.on("job:start", ({ job }) => held.set(job.id, null));
  events.on("job:complete", ({ job }) => {
    const t = setTimeout(() => held.delete(job.id), HELD_AFTER_END_MS);
    t.unref();
    held.set(job.id, t);
  });

  let sweeping: Promise<string[]> | undefined;
  const sweep = (): Promise<string[]> => {
    sweeping ??= (async () => {
      if (pools.size === 0) return [];
      const rows = await getDb().$queryRaw<{ id: string }[]>`
        WITH lost AS (
          UPDATE graphile_worker._private_jobs
          SET locked_by = NULL, locked_at = NULL
          WHERE locked_by = ANY(${[...pools]}::text[])
            AND locked_at < now() - make_interval(secs => ${LOST_LOCK_AGE_S})
            AND NOT (id = ANY(${[...held.keys()]}::bigint[]))
          RETURNING id, job_queue_id, locked_by
        ), queues AS (
          UPDATE graphile_worker._private_job_queues AS q
          SET locked_by = NULL, locked_at = NULL
          FROM lost
          WHERE q.id = lost.job_queue_id AND q.locked_by = ANY(${[...pools]}::text[])
        )
        SELECT id::text AS id FROM lost`;
      const ids = rows.map((r) => r.id);
      if (ids.length > 0) log.warn({ jobs: ids }, "jobs locked by this worker but never received (the database connection broke) were unlocked to run again");
      return ids;
    })().finally(() => {
      sweeping = undefined;
    });
    return sweeping;
  };
  const timer = setInterval(() => {
    // while the database is away this fails like everything else; the next sweep tries again
    sweep().catch((err: unknown) => log.debug({ err: err instanceof Error ? err.message : String(err) }, "lost-lock sweep failed; will retry"));
  }, everyMs);
  timer.unref();
  return {
    events,
    sweep,
    pools: () => [...pools],
    onPool(listener) {
      poolListeners.push(listener);
    },
    stop() {
      clearInterval(timer);
      for (const t of held.values()) if (t) clearTimeout(t);
    },
  };
}
