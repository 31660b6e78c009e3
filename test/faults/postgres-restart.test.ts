// Fault: PostgreSQL restarted while two worker processes (`npm run worker`) and the console (`npm run web`, the
// production build) run on it. A private PostgreSQL of this test's own (embedded, restarted on the same port).
// While it is down, console pages answer 503 with a plain "Database unavailable" page (proxy.ts,
// lib/db/availability.ts), never a stack trace; once it is back, the same worker processes (not restarted) run
// the jobs that fell due while it was down, the job queued just before the stop, and new ones: none is lost.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "@/lib/db/embedded";
import { prepareDatabase } from "@/lib/db/prepare";
import { ensureProductionBuild } from "@/scripts/lib/production-build";
import { eventually } from "@/test/helpers/eventually";
import { faultTimeout, faultTrials, recordFault } from "@/test/helpers/faults";
import { npmRun, userEnv, type NpmRun } from "@/test/helpers/npm";
import { withClient } from "@/test/helpers/pg";
import { waitForExit } from "@/test/helpers/spawn";

// the port the lead gave this part (one web server at a time)
const PORT = 3440;
const base = `http://127.0.0.1:${PORT}`;
const dataDir = mkdtempSync(path.join(os.tmpdir(), `slipway-fault-pg-${process.pid}-`));
const appDir = mkdtempSync(path.join(os.tmpdir(), `slipway-fault-pg-app-${process.pid}-`));
let pgServer: EmbeddedPostgres | undefined;
const running: NpmRun[] = [];

async function startPg(): Promise<EmbeddedPostgres> {
  // the same data directory: the server comes back on the port it had (remembered in postgres.json)
  return startEmbeddedPostgres({ dataDir, settings: { fsync: "off", synchronous_commit: "off", full_page_writes: "off" } });
}

/** A plain GET that never throws: status and body, or status 0 when nothing answered. */
async function get(pathname: string): Promise<{ status: number; body: string }> {
  try {
    const res = await fetch(`${base}${pathname}`, { redirect: "manual", signal: AbortSignal.timeout(20_000) });
    return { status: res.status, body: await res.text() };
  } catch {
    return { status: 0, body: "" };
  }
}

/** Queues a `maintenance` job (harmless housekeeping) to run at `runAt`; returns its id. */
async function addJob(url: string, runAt: Date): Promise<string> {
  return withClient(url, async (c) => {
    const r = await c.query<{ id: string }>("SELECT (graphile_worker.add_job('maintenance', '{}'::json, run_at := $1::timestamptz, max_attempts := 25)).id::text AS id", [runAt.toISOString()]);
    return r.rows[0]!.id;
  });
}

/** The jobs among `ids` still in the queue (a job that ran successfully is deleted by graphile-worker). */
async function pendingJobs(url: string, ids: string[]): Promise<{ id: string; attempts: number; last_error: string | null; locked_by: string | null }[]> {
  return withClient(url, async (c) => (await c.query("SELECT id::text AS id, attempts, last_error, locked_by, locked_at, run_at FROM graphile_worker.jobs WHERE id = ANY($1::bigint[])", [ids])).rows);
}

async function heartbeats(url: string): Promise<Map<string, Date>> {
  return withClient(url, async (c) => {
    const r = await c.query<{ id: string; last_seen_at: Date }>("SELECT id, last_seen_at FROM worker_heartbeats WHERE stopped_at IS NULL");
    return new Map(r.rows.map((row) => [row.id, row.last_seen_at]));
  });
}

beforeAll(async () => {
  // a checkout that has never been built builds once, here (as `npm start` would)
  await ensureProductionBuild(process.cwd(), { say: (l) => console.log(l), everyMs: 30_000 });
  pgServer = await startPg();
  await prepareDatabase(pgServer.url);
}, 900_000);

afterAll(async () => {
  for (const r of running) {
    if (r.child.exitCode === null && r.child.signalCode === null) {
      r.interrupt();
      await waitForExit(r.child, 30_000).catch(() => r.kill());
    }
  }
  await pgServer?.stop();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(appDir, { recursive: true, force: true });
}, 120_000);

describe("fault: PostgreSQL restarted under two workers and the console", () => {
  test("pages answer 503 'Database unavailable' while it is down; the workers reconnect by themselves and no job is lost", { timeout: faultTimeout(1_800_000) }, async () => {
    const url = pgServer!.url;
    const env = userEnv({ DATABASE_URL: url, PORT: String(PORT), HOST: "127.0.0.1", SLIPWAY_DATA_DIR: appDir, LOG_LEVEL: "warn", SLIPWAY_SECRET_KEY: randomBytes(32).toString("hex") });
    const web = npmRun(process.cwd(), ["run", "web"], env);
    const workers = [npmRun(process.cwd(), ["run", "worker"], env), npmRun(process.cwd(), ["run", "worker"], env)];
    running.push(web, ...workers);
    await eventually("the console to answer /login", async () => {
      if (web.child.exitCode !== null) throw new Error(`npm run web exited:\n${web.output()}`);
      const r = await get("/login");
      if (r.status !== 0 && r.status !== 200) throw new Error(`/login answered ${r.status}:\n${r.body.slice(0, 2000)}\n${web.output()}`);
      return r.status === 200;
    }, 180_000, 500);
    await eventually("two workers' heartbeats", async () => (await heartbeats(url)).size >= 2, 120_000, 500);
    const workerIds = [...(await heartbeats(url)).keys()];

    const trials = faultTrials();
    let passed = 0;
    const downSeconds: number[] = [];
    const consoleBackSeconds: number[] = [];
    const jobsDoneSeconds: number[] = [];
    try {
      for (let trial = 0; trial < trials; trial++) {
        // due while the database is down: runs only after it is back
        const dueDuring = await addJob(url, new Date(Date.now() + 3_000));
        // due now: a worker may take it at once, or only after the restart; either way it runs once
        const dueNow = await addJob(url, new Date());

        const stoppedAt = Date.now();
        await pgServer!.stop();
        // the console says the database is unavailable: 503, words, no stack trace, no internals
        const down = await eventually("a 503 'Database unavailable' page", async () => {
          const r = await get("/");
          return r.status === 503 ? r : null;
        }, 30_000, 200);
        downSeconds.push((Date.now() - stoppedAt) / 1000);
        expect(down.body).toContain("Database unavailable");
        expect(down.body).toContain("Slipway cannot reach its PostgreSQL database");
        expect(down.body).not.toMatch(/\bat \S+ \(|ECONNREFUSED|Error:|127\.0\.0\.1:\d+|postgresql:\/\//);
        const login = await get("/login");
        expect(login.status).toBe(503);
        expect(login.body).toContain("Database unavailable");
        // down for a while, as a restart after an upgrade or a crash would be
        await new Promise((r) => setTimeout(r, 4_000));
        for (const w of workers) expect(w.child.exitCode, `a worker exited while the database was down:\n${w.output()}`).toBeNull();

        const restartedAt = Date.now();
        pgServer = await startPg();
        expect(pgServer.url).toBe(url);
        await eventually("the console to answer again", async () => (await get("/login")).status === 200, 60_000, 200);
        consoleBackSeconds.push((Date.now() - restartedAt) / 1000);
        // a job queued after the restart runs too, on the same worker processes
        const after = await addJob(url, new Date());
        const ids = [dueDuring, dueNow, after];
        let left: Awaited<ReturnType<typeof pendingJobs>> = [];
        await eventually("every job queued before, during and after the restart to run", async () => (left = await pendingJobs(url, ids)).length === 0, 180_000, 250).catch((err: Error) => {
          throw new Error(`${err.message}: still queued ${JSON.stringify(left)}\n${workers.map((w) => w.output().slice(-3000)).join("\n---\n")}`);
        });
        jobsDoneSeconds.push((Date.now() - restartedAt) / 1000);
        // both workers are the ones started before the restart, and both are alive and beating again
        for (const w of workers) expect(w.child.exitCode, w.output()).toBeNull();
        await eventually("both workers' heartbeats after the restart", async () => {
          const beats = await heartbeats(url);
          return workerIds.every((id) => (beats.get(id)?.getTime() ?? 0) > restartedAt);
        }, 60_000, 500);
        passed++;
      }
    } finally {
      const avg = (xs: number[]) => (xs.length ? (xs.reduce((a, b) => a + b, 0) / xs.length).toFixed(1) : "-");
      const figures = { "503 after stop (s)": avg(downSeconds), "console back (s)": avg(consoleBackSeconds), "jobs done after restart (s)": avg(jobsDoneSeconds) };
      console.log(`postgres restart: ${passed}/${trials} trials passed`, figures);
      recordFault({ suite: "PostgreSQL restart", fault: "PostgreSQL stopped and started under 2 workers and the console", trials, passed, figures });
    }
    expect(passed).toBe(trials);
  });
});
