// npm run worker — a worker process. Run as many as you like against one database.
// SIGTERM/SIGINT: stop taking jobs, let running ones finish, record the stop, exit.
import { parseEnv } from "@/lib/env";
import { findDatabase } from "@/lib/db/find-database";
import { prepareDatabase } from "@/lib/db/prepare";
import { startWorker } from "@/workers/runtime";
import { closeDb } from "@/lib/db";
import { log } from "@/lib/log";
import { checkDatabase } from "@/lib/db/check";
import { explainStartupError } from "@/lib/startup-error";
import { guardUnhandledRejections } from "@/workers/unhandled";

async function main() {
  guardUnhandledRejections();
  const e = parseEnv(process.env);
  const { url } = await findDatabase(e, "attach");
  process.env.DATABASE_URL = url;
  await checkDatabase(url);
  await prepareDatabase(url, (m) => log.info(m));
  const worker = await startWorker({ connectionString: url, concurrency: e.SLIPWAY_WORKER_CONCURRENCY, buildConcurrency: e.SLIPWAY_BUILD_CONCURRENCY, deployConcurrency: e.SLIPWAY_DEPLOY_CONCURRENCY });
  let signals = 0;
  const shutdown = (signal: string) => {
    signals++;
    if (signals > 1) {
      log.warn(`${signal} again: exiting now`);
      process.exit(130);
    }
    log.info(`${signal}: stopping (send again to exit at once)`);
    worker
      .stop()
      .then(() => closeDb())
      .then(() => process.exit(0), (err: unknown) => {
        log.error({ err }, "error while stopping");
        process.exit(1);
      });
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
  await worker.done;
}

main().catch((err: unknown) => {
  explainStartupError("worker", err);
  process.exit(1);
});
