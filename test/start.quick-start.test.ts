// `npm start` as a user runs it: the embedded database, migrations, the worker and the console in one
// process (in development mode, as `npm run dev` runs it: what is tested here does not need the production
// build; test/start.one-time-link.test.ts runs the production one). Started, killed with SIGKILL (no clean-up at all), started again on the same data directory:
// it comes back with the data; a second copy on the same directory is refused; Ctrl-C leaves nothing running.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import type { ChildProcess } from "node:child_process";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { startScript, waitForExit } from "@/test/helpers/spawn";

const dataDir = mkdtempSync(path.join(os.tmpdir(), "slipway-quickstart-"));
const children: ChildProcess[] = [];

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.listen(0, "127.0.0.1", () => {
      const p = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(p));
    });
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function start(port: number): Promise<{ child: ChildProcess; output: () => string }> {
  const child = startScript("scripts/start.ts", ["--dev"], {
    DATABASE_URL: undefined,
    NODE_ENV: undefined,
    SLIPWAY_DATA_DIR: dataDir,
    PORT: String(port),
    SLIPWAY_URL: `http://127.0.0.1:${port}`,
    SLIPWAY_LOG_FORMAT: "json",
    LOG_LEVEL: "warn",
  });
  children.push(child);
  let out = "";
  child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (out += d.toString()));
  const deadline = Date.now() + 120_000;
  while (!out.includes("Slipway is running")) {
    if (child.exitCode !== null) throw new Error(`npm start exited (${child.exitCode}):\n${out}`);
    if (Date.now() > deadline) throw new Error(`npm start did not become ready:\n${out}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return { child, output: () => out };
}

async function health(port: number): Promise<{ status: number; body: { database: string; workers: number } }> {
  const res = await fetch(`http://127.0.0.1:${port}/api/health`, { signal: AbortSignal.timeout(90_000) });
  return { status: res.status, body: (await res.json()) as { database: string; workers: number } };
}

function embeddedUrl(): string {
  const c = JSON.parse(readFileSync(path.join(dataDir, "postgres.json"), "utf8")) as { port: number; password: string; user: string };
  return `postgresql://${c.user}:${encodeURIComponent(c.password)}@127.0.0.1:${c.port}/slipway`;
}

function postmasterPid(): number {
  return Number(readFileSync(path.join(dataDir, "postgres", "postmaster.pid"), "utf8").split("\n")[0]);
}

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  try {
    const pid = postmasterPid();
    if (isAlive(pid)) process.kill(pid, "SIGQUIT");
  } catch {
    // no server left
  }
  rmSync(dataDir, { recursive: true, force: true });
});

describe("npm start", () => {
  it("survives SIGKILL, refuses a second copy, and stops cleanly", { timeout: 300_000 }, async () => {
    const port = await freePort();
    const first = await start(port);
    const h1 = await health(port);
    expect(h1.status).toBe(200);
    expect(h1.body.database).toBe("ok");
    expect(h1.body.workers).toBe(1);

    // something to find after the crash
    const client = new pg.Client({ connectionString: embeddedUrl() });
    await client.connect();
    await client.query("INSERT INTO settings (key, value, updated_at) VALUES ('quickstart-test', '\"kept\"', now())");
    await client.end();
    const orphan = postmasterPid();

    // a second Slipway on the same data directory is refused while the first one lives
    const second = await waitForExit(
      startScript("scripts/start.ts", ["--dev"], { DATABASE_URL: undefined, NODE_ENV: undefined, SLIPWAY_DATA_DIR: dataDir, PORT: String(await freePort()) }),
      60_000,
    );
    expect(second.code).toBe(1);
    expect(second.stderr + second.stdout).toMatch(/another Slipway \(pid \d+\) is running on the data directory/);

    // kill -9: the embedded PostgreSQL is orphaned, still running
    first.child.kill("SIGKILL");
    await waitForExit(first.child, 10_000).catch(() => undefined);
    expect(isAlive(orphan)).toBe(true);

    // start again on the same directory: the orphan is stopped, the data is there
    const again = await start(port);
    expect(again.output()).toMatch(/left running by a previous Slipway/);
    expect(isAlive(orphan)).toBe(false);
    const h2 = await health(port);
    expect(h2.status).toBe(200);
    const c2 = new pg.Client({ connectionString: embeddedUrl() });
    await c2.connect();
    const kept = await c2.query("SELECT value FROM settings WHERE key = 'quickstart-test'");
    await c2.end();
    expect(kept.rows[0]?.value).toBe("kept");

    // Ctrl-C: exits 0 and leaves no PostgreSQL behind
    const pgPid = postmasterPid();
    again.child.kill("SIGINT");
    const done = await waitForExit(again.child, 60_000);
    expect(done.code).toBe(0);
    expect(isAlive(pgPid)).toBe(false);
  });
});
