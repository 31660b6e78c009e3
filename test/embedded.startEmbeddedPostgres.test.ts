// lib/db/embedded.ts: the embedded PostgreSQL keeps its data across restarts, recovers a server orphaned by
// a killed owner (SIGKILL), and one data directory has one owner at a time.
import { mkdtempSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { claimDataDir, EmbeddedPostgresError, startEmbeddedPostgres } from "@/lib/db/embedded";
import { withClient } from "@/test/helpers/pg";
import { startScript, waitForExit } from "@/test/helpers/spawn";
import type { ChildProcess } from "node:child_process";

const dirs: string[] = [];
const pidsToReap: number[] = [];

afterAll(() => {
  // only if a test failed half-way: no server may outlive the tests
  for (const pid of pidsToReap) if (isAlive(pid)) process.kill(pid, "SIGKILL");
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDataDir(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), "slipway-embedded-test-"));
  dirs.push(d);
  return d;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function rows(url: string): Promise<string[]> {
  return withClient(url, async (c) => (await c.query<{ note: string }>(`SELECT note FROM notes ORDER BY note`)).rows.map((r) => r.note));
}

/** The first line a child prints on stdout (bounded). */
function firstLine(child: ChildProcess, timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    const timer = setTimeout(() => reject(new Error(`no output within ${timeoutMs} ms; stderr: ${err}`)), timeoutMs);
    child.stderr?.on("data", (d: Buffer) => (err += d.toString()));
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf("\n");
      if (nl >= 0) {
        clearTimeout(timer);
        resolve(out.slice(0, nl));
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`exited (${code}) before printing; stderr: ${err}`));
    });
  });
}

describe("startEmbeddedPostgres", () => {
  test("keeps its data across a stop and a start on the same directory", async () => {
    const dataDir = tempDataDir();
    const first = await startEmbeddedPostgres({ dataDir });
    pidsToReap.push(first.pid);
    try {
      await withClient(first.url, async (c) => {
        await c.query(`CREATE TABLE notes (note text)`);
        await c.query(`INSERT INTO notes VALUES ('written before the restart')`);
      });
    } finally {
      await first.stop();
    }
    expect(isAlive(first.pid)).toBe(false);
    // the password is kept, readable by its owner only
    expect(statSync(path.join(dataDir, "postgres.json")).mode & 0o777).toBe(0o600);

    const second = await startEmbeddedPostgres({ dataDir });
    pidsToReap.push(second.pid);
    try {
      expect(new URL(second.url).password).toBe(new URL(first.url).password);
      expect(await rows(second.url)).toEqual(["written before the restart"]);
    } finally {
      await second.stop();
    }
  });

  test("after its owner is killed (SIGKILL), the orphaned server is stopped and started again with the data intact", async () => {
    const dataDir = tempDataDir();
    const owner = startScript("test/fixtures/embedded-owner.ts", [dataDir]);
    const ownerExit = waitForExit(owner, 120_000);
    let info: { pid: number; pgPid: number; url: string };
    try {
      info = JSON.parse(await firstLine(owner)) as typeof info;
    } catch (err) {
      owner.kill("SIGKILL");
      throw err;
    }
    pidsToReap.push(info.pgPid);
    expect(info.pid).toBe(owner.pid);
    await withClient(info.url, async (c) => {
      await c.query(`CREATE TABLE notes (note text)`);
      await c.query(`INSERT INTO notes VALUES ('committed before the crash')`);
    });

    // one owner per data directory: refused while the owner lives
    expect(() => claimDataDir(dataDir)).toThrow(EmbeddedPostgresError);
    expect(() => claimDataDir(dataDir)).toThrow(`another Slipway (pid ${info.pid}) is running on the data directory ${dataDir}`);

    owner.kill("SIGKILL");
    expect((await ownerExit).signal).toBe("SIGKILL");
    // its PostgreSQL runs on, orphaned (it is in its own process group)
    expect(isAlive(info.pgPid)).toBe(true);

    // the owner is gone: the directory can be claimed, and the server started again
    const release = claimDataDir(dataDir);
    try {
      const pg = await startEmbeddedPostgres({ dataDir });
      pidsToReap.push(pg.pid);
      try {
        expect(pg.pid).not.toBe(info.pgPid);
        expect(isAlive(info.pgPid)).toBe(false);
        expect(await rows(pg.url)).toEqual(["committed before the crash"]);
      } finally {
        await pg.stop();
      }
    } finally {
      release();
    }
  });
});

describe("claimDataDir", () => {
  test("refuses while another live process holds the directory, and succeeds once it has exited", async () => {
    const dataDir = tempDataDir();
    const holder = startScript("test/fixtures/embedded-owner.ts", [dataDir, "--claim-only"]);
    const holderExit = waitForExit(holder, 120_000);
    try {
      expect(JSON.parse(await firstLine(holder))).toMatchObject({ pid: holder.pid, pgPid: null });
      expect(() => claimDataDir(dataDir)).toThrow(/another Slipway \(pid \d+\) is running on the data directory/);
    } finally {
      holder.kill("SIGTERM");
    }
    expect((await holderExit).code).toBe(0);
    const release = claimDataDir(dataDir);
    // claiming again from the same process is fine; releasing lets the next owner in
    release();
    claimDataDir(dataDir)();
  });
});
