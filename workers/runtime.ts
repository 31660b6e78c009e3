// Starts a graphile-worker runner on the database with Slipway's tasks, plus the heartbeat.
// Used by `npm run worker` (workers/main.ts) and by `npm start` (scripts/start.ts), which runs it in-process.
import { onHostKeyRefused } from "@/lib/ssh/host-key-events";
import { notifyHostKeyChanged } from "@/lib/services/notifications/host-key";
import os from "node:os";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { run, type Runner, type RunnerOptions, type Logger as GwLogger, Logger as GraphileLogger } from "graphile-worker";
import { RETRYABLE_ERROR_CODES } from "graphile-worker/dist/lib";
import { crontab } from "@/lib/jobs/definitions";
import { log as rootLog, type Logger } from "@/lib/log";
import { buildTaskList, handlers } from "@/workers/tasks";
import { startHeartbeat, type Heartbeat } from "@/workers/heartbeat";
import { slipwayVersion } from "@/lib/version";
import { ensureDeployerKey } from "@/lib/services/deployer-key";
import { ensureProvenanceKey } from "@/lib/services/provenance-key";
import { reapBuilds } from "@/lib/build/reaper";
import { reapDeployments } from "@/lib/deploy/recovery";
import { startLockSweeper } from "@/workers/lock-sweeper";

// graphile-worker retries a statement that failed with one of these codes (with backoff, up to 100 times) and
// gives up on any other error: a runner whose "get the next job" statement failed because PostgreSQL was
// restarting (refused connection, connection reset, "terminating connection due to administrator command")
// stopped for good, and the worker process with it, instead of waiting for the database to come back
// (test/faults/postgres-restart.test.ts). The library exports the table and reads it on each failure.
const CONNECTION_LOST = { minDelay: 1_000, maxDelay: 30_000 };
for (const code of ["ECONNREFUSED", "ECONNRESET", "EPIPE", "57P01", "57P02", "08000", "08001", "08003", "08006"]) {
  RETRYABLE_ERROR_CODES[code] ??= CONNECTION_LOST;
}

/** graphile-worker's own pool size when it makes the pool (its maxPoolSize default). */
const RUNNER_POOL_MAX = 10;

/**
 * Starts a runner on a pool of its own that this process owns. graphile-worker, given only a connection string,
 * makes a pool and, when the runner stops, first removes the pool's error listeners and then ends it without
 * waiting: an idle connection that PostgreSQL closed in that moment ("terminating connection due to administrator
 * command", a restart) emitted 'error' on a pool nobody listened to, and the whole worker process died of an
 * unhandled error (npm run faults, PostgreSQL restart, 2026-12-05). This pool keeps its listeners until it is
 * ended, after the runner has stopped.
 */
async function startRunner(connectionString: string, options: Omit<RunnerOptions, "pgPool" | "connectionString">, log: Logger): Promise<Runner> {
  const pool = new pg.Pool({ connectionString, max: RUNNER_POOL_MAX });
  // pg drops a broken client from the pool by itself; these only keep its 'error' events from going unhandled
  pool.on("error", (err) => log.warn({ err: err.message }, "a job runner's idle database connection failed; the pool opens another"));
  pool.on("connect", (client) => {
    client.on("error", (err) => log.warn({ err: err.message }, "a job runner's database connection failed while in use"));
  });
  let runner: Runner;
  try {
    runner = await run({ ...options, pgPool: pool });
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw err;
  }
  // ended once the runner has stopped, whichever way (its listeners stay on until then and after)
  void runner.promise.then(
    () => undefined,
    () => undefined,
  ).then(() => pool.end().catch(() => undefined));
  return runner;
}

interface Supervised {
  /** resolves once stop() was called and the runner has stopped */
  done: Promise<void>;
  stop(): Promise<void>;
}

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * A graphile-worker runner that is started again when it stops on its own: a runner stops for good when a
 * statement it cannot retry fails (recording a job's end while PostgreSQL restarts), and without this the
 * worker process ran no more jobs of that kind until someone restarted it. The first start's error is thrown.
 */
async function supervise(name: string, start: () => Promise<Runner>, log: Logger): Promise<Supervised> {
  let current = await start();
  let stopped = false;
  let wake: (() => void) | undefined;
  const done = (async () => {
    for (;;) {
      const err = await current.promise.then(
        () => undefined,
        (e: unknown) => e,
      );
      if (stopped) return;
      log.warn({ runner: name, err: err === undefined ? undefined : errorText(err) }, "a job runner stopped (the database went away?); starting it again");
      for (let delay = 1_000; ; delay = Math.min(delay * 2, 30_000)) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, delay);
          wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
        if (stopped) return;
        try {
          current = await start();
          break;
        } catch (e) {
          log.warn({ runner: name, err: errorText(e), nextInMs: Math.min(delay * 2, 30_000) }, "could not start the job runner again; will retry");
        }
      }
      if (stopped) {
        await current.stop().catch(() => undefined);
        return;
      }
      log.info({ runner: name }, "job runner started again");
    }
  })();
  return {
    done,
    async stop() {
      stopped = true;
      wake?.();
      // a runner that already stopped on its own says so; nothing to stop then
      await current.stop().catch(() => undefined);
      await done;
    },
  };
}

export interface WorkerHandle {
  id: string;
  stop(): Promise<void>;
  /** resolves when the runner stops (on its own, or after stop()) */
  done: Promise<void>;
}

function graphileLogger(log: Logger): GwLogger {
  return new GraphileLogger((scope) => (level, message, meta) => {
    const fields: Record<string, unknown> = { ...scope, ...(meta ?? {}) };
    // graphile-worker attaches whole pg errors (with their client and its config): keep the words only
    for (const key of ["error", "err"]) {
      const e = fields[key] as { message?: string; code?: string } | undefined;
      if (e && typeof e === "object") fields[key] = { message: e.message, code: e.code };
    }
    if (level === "error") log.error(fields, message);
    else if (level === "warning") log.warn(fields, message);
    else if (level === "info") log.info(fields, message);
    else log.debug(fields, message);
  });
}

export function newWorkerId(): string {
  return process.env.SLIPWAY_WORKER_ID ?? `${os.hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
}

/** Jobs that may run for many minutes get their own runner, so they never hold every slot of the worker. */
export const LONG_TASKS = ["build_run"] as const;
/** Deployments and previews get a third runner: a long build never delays a deploy, and deploys never wait behind builds. */
export const DEPLOY_TASKS = ["deploy_run", "deploy_verify", "preview_run", "preview_teardown"] as const;
/** about 10 light queries a second per idle worker process: the price of starting a deploy within ~0.1 s */
const DEPLOY_POLL_MS = 100;

export async function startWorker(opts: {
  connectionString: string;
  concurrency: number;
  buildConcurrency?: number;
  deployConcurrency?: number;
  id?: string;
  log?: Logger;
}): Promise<WorkerHandle> {
  const id = opts.id ?? newWorkerId();
  const log = (opts.log ?? rootLog).child({ worker: id });
  // The deployer's SSH key exists before any job needs it (generated and audited on the first start).
  const deployerKey = await ensureDeployerKey();
  log.info({ fingerprint: deployerKey.fingerprintSha256 }, "deployer key ready");
  // so is the key that signs every release's provenance (Settings → Provenance key shows its public half)
  const provenanceKey = await ensureProvenanceKey("first start");
  log.info({ keyId: provenanceKey.keyId }, "provenance key ready");
  const all = buildTaskList(id, log);
  const long = new Set<string>(LONG_TASKS);
  const deploy = new Set<string>(DEPLOY_TASKS);
  const shortTasks = Object.fromEntries(Object.entries(all).filter(([name]) => !long.has(name) && !deploy.has(name)));
  const longTasks = Object.fromEntries(Object.entries(all).filter(([name]) => long.has(name)));
  const deployTasks = Object.fromEntries(Object.entries(all).filter(([name]) => deploy.has(name)));
  // A job's end (complete or failed) is recorded through graphile-worker's batcher (delay 0: no waiting): when that
  // statement fails because PostgreSQL went away, the batcher ends the runner cleanly (it is started again below).
  // Without it, a job that ended while the database restarted ("Connection terminated unexpectedly", not one of
  // the library's retryable codes) left an unhandled rejection that killed the whole worker process
  // (test/faults/postgres-restart.test.ts).
  const preset = { worker: { completeJobBatchDelay: 0, failJobBatchDelay: 0 } };
  // jobs locked by this process's runners but never received or never released (the database went away) run again
  const sweeper = startLockSweeper(log);
  const common = { noHandleSignals: true, pollInterval: 2_000, logger: graphileLogger(log), preset, events: sweeper.events };
  const start = (options: Omit<RunnerOptions, "pgPool" | "connectionString">) => () => startRunner(opts.connectionString, options, log);
  // the first runner carries the schedules; the build and deploy runners get an empty list, else graphile-worker
  // looks for a ./crontab file and logs "cron is disabled", which reads as if polling were off
  const noCron = { parsedCronItems: [] };
  // webhooks, polls, check runs and the reaper keep flowing while builds run: two runners, one process
  const runners: Supervised[] = [];
  try {
    runners.push(await supervise("jobs", start({ ...common, concurrency: opts.concurrency, taskList: shortTasks, crontab }), log));
    runners.push(await supervise("builds", start({ ...common, ...noCron, concurrency: opts.buildConcurrency ?? 2, taskList: longTasks }), log));
    // a NOTIFY wakes every runner at once, and the others' job lookups can hide a named queue's new job from this
    // one until its next poll (graphile-worker 0.17): deployments poll often so a deploy starts at once
    runners.push(await supervise("deployments", start({ ...common, ...noCron, pollInterval: DEPLOY_POLL_MS, concurrency: opts.deployConcurrency ?? 4, taskList: deployTasks }), log));
  } catch (err) {
    sweeper.stop();
    await Promise.all(runners.map((r) => r.stop()));
    throw err;
  }
  let heartbeat: Heartbeat | undefined;
  try {
    heartbeat = await startHeartbeat({ id, version: slipwayVersion, concurrency: opts.concurrency, tasks: Object.keys(handlers), jobPools: () => sweeper.pools(), log });
    // a runner started again (after the database went away) has a new pool: named at once, not 10 s later
    const beating = heartbeat;
    sweeper.onPool(() => beating.beatNow());
  } catch (err) {
    sweeper.stop();
    await Promise.all(runners.map((r) => r.stop()));
    throw err;
  }
  log.info(
    { concurrency: opts.concurrency, buildConcurrency: opts.buildConcurrency ?? 2, deployConcurrency: opts.deployConcurrency ?? 4, tasks: Object.keys(handlers), schedules: crontab.split("\n") },
    "worker started",
  );
  // builds left running by a worker that died are queued again or failed now, not a minute from now
  void reapBuilds({ exceptWorkerId: id })
    .then((r) => {
      if (r.requeued.length || r.failed.length || r.ended.length || r.resubmitted.length) log.warn(r, "builds of stopped workers reaped at start");
    })
    .catch((err: unknown) => log.error({ err: err instanceof Error ? err.message : String(err) }, "could not reap builds at start"));
  // deployments held by a worker that died are re-verified against the live service now
  void reapDeployments({ exceptWorkerId: id, actor: { type: "worker", workerId: id } })
    .then((r) => {
      if (r.expired.length || r.verify.length || r.resubmitted.length || r.unlocked.length) log.warn(r, "deployments reaped at start");
    })
    .catch((err: unknown) => log.error({ err: err instanceof Error ? err.message : String(err) }, "could not reap deployments at start"));
  // a host that presents a key that is not pinned is announced (host.key_changed), once per host and key
  const stopHostKeyEvents = onHostKeyRefused((r) => {
    void notifyHostKeyChanged(r, log).catch((err: unknown) => log.warn({ err: err instanceof Error ? err.message : String(err) }, "could not send host.key_changed"));
  });
  let stopping: Promise<void> | undefined;
  return {
    id,
    done: Promise.all(runners.map((r) => r.done)).then(() => undefined),
    stop() {
      stopping ??= (async () => {
        // running builds are handed back (queued again) within graphile-worker's abort timeout (5 s)
        log.info("worker stopping: finishing running jobs");
        stopHostKeyEvents();
        await Promise.all(runners.map((r) => r.stop()));
        sweeper.stop();
        await heartbeat?.stop();
        log.info("worker stopped");
      })();
      return stopping;
    },
  };
}
