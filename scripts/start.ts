// npm start — Slipway in one process: the web console, a worker, and (when DATABASE_URL is not set) an
// embedded PostgreSQL whose data lives in SLIPWAY_DATA_DIR (default .slipway/). Ctrl-C stops the web
// server, lets running jobs finish, then stops the database: nothing is left running.
//
// Without NODE_ENV=production this is the quick start: the console runs in development mode (pages compile
// on first visit), a secret key is generated into the data directory, and the development login is on
// unless GitHub login is configured. With NODE_ENV=production it serves the production build (built on
// first start) and needs SLIPWAY_SECRET_KEY and GitHub login.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseEnv, devLoginEnabled, githubLoginEnabled } from "@/lib/env";
import { checkDatabase } from "@/lib/db/check";
import { prepareDatabase } from "@/lib/db/prepare";
import { dataDirOf, findDatabase, type Database } from "@/lib/db/find-database";
import { closeDb } from "@/lib/db";
import { startWorker, type WorkerHandle } from "@/workers/runtime";
import { startWebServer, type WebServer } from "@/scripts/lib/web-server";
import { explainStartupError } from "@/lib/startup-error";

const say = (msg: string) => console.log(`slipway: ${msg}`);

function ensureSecretKey(dataDir: string): void {
  if (process.env.SLIPWAY_SECRET_KEY) return;
  const file = path.join(dataDir, "secret.key");
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, `${randomBytes(32).toString("hex")}\n`, { mode: 0o600 });
    say(`generated a secret key in ${file} (keep it: it decrypts the secrets stored in the database)`);
  }
  chmodSync(file, 0o600);
  process.env.SLIPWAY_SECRET_KEY = readFileSync(file, "utf8").trim();
}

function ensureProductionBuild(): void {
  if (existsSync(".next/BUILD_ID")) return;
  say("building the console for production (first start only; `npm run build` rebuilds)");
  const r = spawnSync(process.execPath, [path.join("node_modules", "next", "dist", "bin", "next"), "build"], { stdio: "inherit", env: process.env });
  if (r.status !== 0) throw new Error("`next build` failed; see the output above");
}

async function main() {
  process.env.NEXT_TELEMETRY_DISABLED ??= "1";
  const procEnv = process.env as Record<string, string | undefined>;
  procEnv.NODE_ENV ??= "development";
  const production = process.env.NODE_ENV === "production";
  if (!production && process.env.SLIPWAY_DEV_LOGIN === undefined && !(process.env.GITHUB_CLIENT_ID && process.env.GITHUB_CLIENT_SECRET)) {
    process.env.SLIPWAY_DEV_LOGIN = "1";
  }
  if (!production) ensureSecretKey(dataDirOf(parseEnv(process.env)));
  const e = parseEnv(process.env);

  let db: Database | undefined;
  let worker: WorkerHandle | undefined;
  let web: WebServer | undefined;
  let stopping: Promise<void> | undefined;

  const stopAll = (reason: string) => {
    stopping ??= (async () => {
      say(`${reason}: stopping`);
      await web?.close().catch((err: unknown) => console.error("web server:", err));
      await worker?.stop().catch((err: unknown) => console.error("worker:", err));
      await closeDb().catch(() => undefined);
      if (db?.server) say("stopping the embedded PostgreSQL");
      await db?.close();
      say("stopped");
    })();
    return stopping;
  };
  let firstSignalAt = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    // a second signal a moment later means "now" (one Ctrl-C can arrive twice through wrappers: ignore those)
    if (firstSignalAt && Date.now() - firstSignalAt > 1000) {
      say(`${signal} again: stopping the database now and exiting`);
      void (db?.server?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
      return;
    }
    if (firstSignalAt) return;
    firstSignalAt = Date.now();
    void stopAll(signal).then(() => process.exit(0), () => process.exit(1));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  try {
    db = await findDatabase(e, "own", say);
    const url = db.url;
    process.env.DATABASE_URL = url;
    await checkDatabase(url);
    const migrated = await prepareDatabase(url, say);
    say(migrated.applied.length ? `database ready (${migrated.applied.length} migration(s) applied)` : "database ready");
    if (production) ensureProductionBuild();

    worker = await startWorker({ connectionString: url, concurrency: e.SLIPWAY_WORKER_CONCURRENCY, buildConcurrency: e.SLIPWAY_BUILD_CONCURRENCY, deployConcurrency: e.SLIPWAY_DEPLOY_CONCURRENCY });
    web = await startWebServer({ dev: !production, port: e.PORT, host: e.HOST, trustProxy: e.SLIPWAY_TRUST_PROXY });
    worker.done.then(
      () => {
        if (!stopping) void stopAll("the worker stopped").then(() => process.exit(1));
      },
      (err: unknown) => {
        console.error("worker failed:", err);
        void stopAll("the worker failed").then(() => process.exit(1));
      },
    );

    const lines = [
      "",
      `Slipway is running: open ${e.SLIPWAY_URL}${e.SLIPWAY_URL.includes(`:${e.PORT}`) ? "" : ` (listening on ${web.url})`}`,
      `  database: ${db.where}`,
      `  mode:     ${production ? "production" : "quick start (development mode; pages compile on first visit)"}`,
    ];
    if (githubLoginEnabled(e)) lines.push(`  sign in:  with GitHub${e.SLIPWAY_ADMINS.length ? ` (admins: ${e.SLIPWAY_ADMINS.join(", ")})` : " — set SLIPWAY_ADMINS=your-login to be admin"}`);
    if (devLoginEnabled(e)) lines.push(`  sign in:  with the development login on the sign-in page (any name, any role; not for production)`);
    if (!githubLoginEnabled(e) && !devLoginEnabled(e)) lines.push("  sign in:  nobody can: set GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET (see README.md)");
    lines.push("  stop:     Ctrl-C", "");
    console.log(lines.join("\n"));
  } catch (err) {
    await stopAll("start-up failed").catch(() => undefined);
    throw err;
  }
}

main().catch((err: unknown) => {
  explainStartupError("start", err);
  process.exit(1);
});
