// npm start — Slipway in one process: the web console, a worker, and (when DATABASE_URL is not set) an
// embedded PostgreSQL whose data lives in SLIPWAY_DATA_DIR (default .slipway/). Ctrl-C stops the web
// server, lets running jobs finish, then stops the database: nothing is left running.
//
// It serves the production build of the console: built on the first start and again whenever the sources
// that go into it changed (scripts/lib/production-build.ts), reused otherwise. Without SLIPWAY_SECRET_KEY a
// key is generated into the data directory. Without GitHub login it prints a one-time sign-in link
// (lib/auth/login-links.ts) that signs in as local-admin; Enter in the terminal or SIGUSR2 prints another.
//
// `npm run dev` (--dev, or NODE_ENV=development) runs the console in development mode instead: pages compile
// on first visit, and the development login is on unless GitHub login is configured.
import "@/scripts/lib/start-mode";
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
import { ensureProductionBuild } from "@/scripts/lib/production-build";
import { enableLoginLinks, LOGIN_LINK_TTL_MS, mintLoginLink } from "@/lib/auth/login-links";

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

const minutes = Math.round(LOGIN_LINK_TTL_MS / 60_000);

/** The banner's sign-in lines: a new one-time link (the only place its token is ever written). */
function loginLinkLines(baseUrl: string): string[] {
  const { url } = mintLoginLink(baseUrl);
  return [
    `  sign in:  open this link within ${minutes} minutes; it works once and signs you in as local-admin (an admin):`,
    `            ${url}`,
    `            another link: press Enter here, or run \`kill -USR2 ${process.pid}\` (a new link replaces the last one)`,
  ];
}

/** Enter in the terminal, or SIGUSR2, prints a new link. */
function offerNewLinks(baseUrl: string): void {
  const again = () => console.log(["", ...loginLinkLines(baseUrl), ""].join("\n"));
  process.on("SIGUSR2", again);
  if (process.stdin.isTTY) {
    process.stdin.on("data", again);
    // reading the terminal must not keep the process alive on its own
    process.stdin.unref();
  }
}

async function main() {
  process.env.NEXT_TELEMETRY_DISABLED ??= "1";
  // NODE_ENV was settled by scripts/lib/start-mode.ts before anything read it
  const production = process.env.NODE_ENV === "production";
  if (!production && process.env.SLIPWAY_DEV_LOGIN === undefined && !(process.env.GITHUB_CLIENT_ID && process.env.GITHUB_CLIENT_SECRET)) {
    process.env.SLIPWAY_DEV_LOGIN = "1";
  }
  // the data directory, read before SLIPWAY_SECRET_KEY exists (production requires it to parse)
  ensureSecretKey(dataDirOf(parseEnv({ ...process.env, NODE_ENV: "development", SLIPWAY_DEV_LOGIN: undefined })));
  const e = parseEnv(process.env);
  // no GitHub login in production: the operator signs in with one-time links this process prints
  const links = production && !githubLoginEnabled(e);
  const building = new AbortController();

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
    building.abort();
    void stopAll(signal).then(() => process.exit(0), () => process.exit(1));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  try {
    // first, so that a failed build leaves nothing to stop
    if (production) await ensureProductionBuild(process.cwd(), { say, signal: building.signal });
    db = await findDatabase(e, "own", say);
    const url = db.url;
    process.env.DATABASE_URL = url;
    await checkDatabase(url);
    const migrated = await prepareDatabase(url, say);
    say(migrated.applied.length ? `database ready (${migrated.applied.length} migration(s) applied)` : "database ready");

    worker = await startWorker({ connectionString: url, concurrency: e.SLIPWAY_WORKER_CONCURRENCY, buildConcurrency: e.SLIPWAY_BUILD_CONCURRENCY, deployConcurrency: e.SLIPWAY_DEPLOY_CONCURRENCY });
    if (links) enableLoginLinks();
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
      `  mode:     ${production ? "production build" : "development (pages compile on first visit; `npm start` serves the production build)"}`,
    ];
    if (githubLoginEnabled(e)) lines.push(`  sign in:  with GitHub${e.SLIPWAY_ADMINS.length ? ` (admins: ${e.SLIPWAY_ADMINS.join(", ")})` : " — set SLIPWAY_ADMINS=your-login to be admin"}`);
    if (devLoginEnabled(e)) lines.push(`  sign in:  with the development login on the sign-in page (any name, any role; not for production)`);
    if (links) lines.push(...loginLinkLines(e.SLIPWAY_URL));
    if (!githubLoginEnabled(e) && !devLoginEnabled(e) && !links) lines.push("  sign in:  nobody can: set GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET (see README.md)");
    lines.push("  stop:     Ctrl-C", "");
    console.log(lines.join("\n"));
    if (links) offerNewLinks(e.SLIPWAY_URL);
  } catch (err) {
    await stopAll("start-up failed").catch(() => undefined);
    throw err;
  }
}

main().catch((err: unknown) => {
  explainStartupError("start", err);
  process.exit(1);
});
