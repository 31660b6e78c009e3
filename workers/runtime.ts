// Starts a graphile-worker runner on the database with Slipway's tasks, plus the heartbeat.
// Used by `npm run worker` (workers/main.ts) and by `npm start` (scripts/start.ts), which runs it in-process.
import os from "node:os";
import { randomBytes } from "node:crypto";
import { run, type Runner, type Logger as GwLogger, Logger as GraphileLogger } from "graphile-worker";
import { crontab } from "@/lib/jobs/definitions";
import { log as rootLog, type Logger } from "@/lib/log";
import { buildTaskList, handlers } from "@/workers/tasks";
import { startHeartbeat, type Heartbeat } from "@/workers/heartbeat";
import { slipwayVersion } from "@/lib/version";
import { ensureDeployerKey } from "@/lib/services/deployer-key";
import { reapBuilds } from "@/lib/build/reaper";
import { reapDeployments } from "@/lib/deploy/recovery";

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
/** Deployments get a third runner: a long build never delays a deploy, and deploys never wait behind builds. */
export const DEPLOY_TASKS = ["deploy_run", "deploy_verify"] as const;
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
  const all = buildTaskList(id, log);
  const long = new Set<string>(LONG_TASKS);
  const deploy = new Set<string>(DEPLOY_TASKS);
  const shortTasks = Object.fromEntries(Object.entries(all).filter(([name]) => !long.has(name) && !deploy.has(name)));
  const longTasks = Object.fromEntries(Object.entries(all).filter(([name]) => long.has(name)));
  const deployTasks = Object.fromEntries(Object.entries(all).filter(([name]) => deploy.has(name)));
  const common = { connectionString: opts.connectionString, noHandleSignals: true, pollInterval: 2_000, logger: graphileLogger(log) };
  // the first runner carries the schedules; the build and deploy runners get an empty list, else graphile-worker
  // looks for a ./crontab file and logs "cron is disabled", which reads as if polling were off
  const noCron = { parsedCronItems: [] };
  // webhooks, polls, check runs and the reaper keep flowing while builds run: two runners, one process
  const runner: Runner = await run({ ...common, concurrency: opts.concurrency, taskList: shortTasks, crontab });
  let buildRunner: Runner;
  try {
    buildRunner = await run({ ...common, ...noCron, concurrency: opts.buildConcurrency ?? 2, taskList: longTasks });
  } catch (err) {
    await runner.stop();
    throw err;
  }
  let deployRunner: Runner;
  try {
    // a NOTIFY wakes every runner at once, and the others' job lookups can hide a named queue's new job from this
    // one until its next poll (graphile-worker 0.17): deployments poll often so a deploy starts at once
    deployRunner = await run({ ...common, ...noCron, pollInterval: DEPLOY_POLL_MS, concurrency: opts.deployConcurrency ?? 4, taskList: deployTasks });
  } catch (err) {
    await Promise.all([runner.stop(), buildRunner.stop()]);
    throw err;
  }
  const runners = [runner, buildRunner, deployRunner];
  let heartbeat: Heartbeat | undefined;
  try {
    heartbeat = await startHeartbeat({ id, version: slipwayVersion, concurrency: opts.concurrency, tasks: Object.keys(handlers), log });
  } catch (err) {
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
      if (r.expired.length || r.verify.length || r.resubmitted.length) log.warn(r, "deployments reaped at start");
    })
    .catch((err: unknown) => log.error({ err: err instanceof Error ? err.message : String(err) }, "could not reap deployments at start"));
  let stopping: Promise<void> | undefined;
  return {
    id,
    done: Promise.all(runners.map((r) => r.promise)).then(() => undefined),
    stop() {
      stopping ??= (async () => {
        // running builds are handed back (queued again) within graphile-worker's abort timeout (5 s)
        log.info("worker stopping: finishing running jobs");
        await Promise.all(runners.map((r) => r.stop()));
        await heartbeat?.stop();
        log.info("worker stopped");
      })();
      return stopping;
    },
  };
}
