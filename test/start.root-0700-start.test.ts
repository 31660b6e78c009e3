// root-0700-start: the README's two commands, run as root from a clone under a directory only root can enter
// (/root/slipway on a fresh VM or container). PostgreSQL refuses root and runs as the `postgres` user, which
// cannot reach anything under that directory: `npm start` keeps the cluster in /var/lib/slipway/pg-clusters/
// and says so in its banner, and `npm test` (its own embedded PostgreSQL in test/global-setup.ts) runs too.
import { existsSync, readFileSync, realpathSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { cloneCheckout, type Clone } from "@/test/helpers/clone";
import { npmRun, npmRunToEnd, userEnv, type NpmRun } from "@/test/helpers/npm";
import { waitForExit } from "@/test/helpers/spawn";
import { freePort } from "@/test/helpers/processes";
import { SYSTEM_DIR } from "@/lib/db/embedded";
import { ensureProductionBuild } from "@/scripts/lib/production-build";

const asRoot = process.getuid?.() === 0;
let clone: Clone | undefined;
let start: NpmRun | undefined;
let clusterDir: string | undefined;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function postmaster(dir: string): number {
  return Number(readFileSync(path.join(dir, "postmaster.pid"), "utf8").split("\n")[0]);
}

/** uid of a running process (its real uid, from /proc) */
function processUid(pid: number): number {
  return Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]);
}

beforeAll(async () => {
  if (!asRoot) return;
  // `npm start` serves the production build: the clone gets this checkout's (built here first when it has
  // no current one), and reuses it because its sources are the same
  await ensureProductionBuild(process.cwd(), { say: (l) => console.log(l), everyMs: 30_000 });
  clone = cloneCheckout({ parentMode: 0o700, withBuild: true });
}, 900_000);

afterAll(async () => {
  if (start && start.child.exitCode === null) {
    start.kill();
    await waitForExit(start.child, 10_000).catch(() => undefined);
  }
  if (clusterDir?.startsWith(`${SYSTEM_DIR}/pg-clusters/`)) {
    if (existsSync(path.join(clusterDir, "postmaster.pid"))) {
      const pid = postmaster(clusterDir);
      if (isAlive(pid)) process.kill(pid, "SIGQUIT");
    }
    rmSync(clusterDir, { recursive: true, force: true });
  }
  clone?.remove();
});

// Only root meets this: any other user runs PostgreSQL as itself, and reaches its own clone.
describe.skipIf(!asRoot)("root-0700-start", () => {
  test("npm start from a clone under a 0700 directory: the cluster goes where PostgreSQL can reach it, the banner says where, Ctrl-C stops it all", { timeout: 300_000 }, async () => {
    const { parent, dir } = clone!;
    expect(statSync(parent).mode & 0o777).toBe(0o700);
    const port = await freePort();
    start = npmRun(dir, ["start"], userEnv({ PORT: String(port), LOG_LEVEL: "warn" }));
    await start.printed("stop:     Ctrl-C", 180_000);
    const out = start.output();
    expect(out).not.toContain("building the console");

    // the banner names the cluster's place, outside the private directory
    const banner = /database: embedded PostgreSQL in (\S+)/.exec(out);
    expect(banner, out).not.toBeNull();
    clusterDir = banner![1]!;
    expect(clusterDir.startsWith(`${SYSTEM_DIR}/pg-clusters/`), out).toBe(true);
    const creds = JSON.parse(readFileSync(path.join(dir, ".slipway", "postgres.json"), "utf8")) as { cluster: string };
    expect(creds.cluster).toBe(clusterDir);
    expect(existsSync(path.join(clusterDir, "PG_VERSION"))).toBe(true);
    expect(out).toContain(`cannot reach ${path.join(dir, ".slipway")}`);

    // the server runs as an unprivileged user, from binaries outside the private directory
    const pgPid = postmaster(clusterDir);
    expect(processUid(pgPid)).not.toBe(0);
    expect(statSync(clusterDir).uid).toBe(processUid(pgPid));
    expect(statSync(clusterDir).mode & 0o777).toBe(0o700);
    const exe = realpathSync(`/proc/${pgPid}/exe`);
    expect(exe.startsWith(`${SYSTEM_DIR}/pg-binaries/`), exe).toBe(true);

    // and the console works on it
    const health = await fetch(`http://127.0.0.1:${port}/api/health`, { signal: AbortSignal.timeout(120_000) });
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ database: "ok", workers: 1 });

    // Ctrl-C: everything stops, the database last (npm itself ends by the signal, as in a terminal)
    start.interrupt();
    const done = await waitForExit(start.child, 90_000);
    expect([done.code, done.signal], start.output()).toEqual([null, "SIGINT"]);
    expect(start.output()).toContain("slipway: stopped");
    expect(start.output()).not.toMatch(/start-up failed|unexpected error/);
    expect(isAlive(pgPid)).toBe(false);
  });

  test("npm test from the same clone: the tests' own embedded PostgreSQL starts and a database test passes", { timeout: 300_000 }, async () => {
    const result = await npmRunToEnd(clone!.dir, ["test", "--", "test/sessions.sessionUserByToken.test.ts"], userEnv(), 280_000);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/tests: 4 passed, 0 failed/);
  });
});
