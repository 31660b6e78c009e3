// one-database-lookup: every command finds Slipway's database the same way (lib/db/find-database.ts):
// DATABASE_URL when set; else the embedded database of SLIPWAY_DATA_DIR, through the server a running
// `npm start` keeps there, or one started for the command. `npm run audit:verify` used to ignore
// SLIPWAY_DATA_DIR.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { ChildProcess } from "node:child_process";
import { afterAll, describe, expect, test } from "vitest";
import { parseEnv } from "@/lib/env";
import { findDatabase } from "@/lib/db/find-database";
import { startEmbeddedPostgres } from "@/lib/db/embedded";
import { withClient } from "@/test/helpers/pg";
import { runScript, startScript, waitForExit } from "@/test/helpers/spawn";

const dirs: string[] = [];
const owners: ChildProcess[] = [];

afterAll(async () => {
  for (const o of owners) if (o.exitCode === null) o.kill("SIGTERM");
  await Promise.all(owners.map((o) => (o.exitCode === null ? waitForExit(o, 30_000).catch(() => undefined) : undefined)));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDataDir(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), "slipway-lookup-"));
  dirs.push(d);
  return d;
}

const migrations = readdirSync("prisma/migrations").filter((n) => /^\d{14}_/.test(n));

/** The first line a child prints on stdout. */
function firstLine(child: ChildProcess, timeoutMs = 90_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`no output within ${timeoutMs} ms`)), timeoutMs);
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      if (out.includes("\n")) {
        clearTimeout(timer);
        resolve(out.slice(0, out.indexOf("\n")));
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`exited (${code}) before printing`));
    });
  });
}

function eventCount(stdout: string): number {
  const m = /audit log intact: (\d+) event\(s\)/.exec(stdout);
  if (!m) throw new Error(`audit:verify said: ${stdout}`);
  return Number(m[1]);
}

describe("one-database-lookup", () => {
  test("audit:verify, db:migrate and slipway all use SLIPWAY_DATA_DIR's database: started for the command, or the running Slipway's", { timeout: 300_000 }, async () => {
    const dataDir = tempDataDir();
    const env = { DATABASE_URL: undefined, SLIPWAY_DATA_DIR: dataDir, LOG_LEVEL: "silent" };

    // an import writes the inventory and its audit events into the data directory's database
    const imported = await runScript("scripts/slipway.ts", ["import", "examples/ocurrent-deployer.yml"], env, 120_000);
    expect(imported.code, imported.stderr).toBe(0);

    const verified = await runScript("scripts/audit-verify.ts", [], env, 120_000);
    expect(verified.code, verified.stderr).toBe(0);
    expect(verified.stdout).toContain(`database: embedded PostgreSQL in ${path.join(dataDir, "postgres")}`);
    const events = eventCount(verified.stdout);
    expect(events).toBeGreaterThan(0);

    const status = await runScript("scripts/db-migrate.ts", ["--status"], env, 120_000);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout.trim().split("\n").map((l) => l.split(/\s+/))).toEqual(migrations.map((m) => ["applied", m]));

    // what the commands saw is what is there
    const pg = await startEmbeddedPostgres({ dataDir });
    try {
      const counted = await withClient(pg.url, async (c) => Number((await c.query<{ n: string }>("SELECT count(*) AS n FROM audit_events")).rows[0]!.n));
      expect(counted).toBe(events);
    } finally {
      await pg.stop();
    }

    // while a Slipway runs on the directory, every command uses its server
    const owner = startScript("test/fixtures/embedded-owner.ts", [dataDir]);
    owners.push(owner);
    const info = JSON.parse(await firstLine(owner)) as { url: string };
    const again = await runScript("scripts/audit-verify.ts", [], env, 120_000);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain(`database: the embedded PostgreSQL of the Slipway running on ${dataDir}`);
    expect(eventCount(again.stdout)).toBe(events);
    const exported = await runScript("scripts/slipway.ts", ["export"], env, 120_000);
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stdout).toContain("repo: mirage/mirage-www");
    // npm run web and npm run worker attach to it too, and never start one of their own
    const attached = await findDatabase(parseEnv({ SLIPWAY_DATA_DIR: dataDir }), "attach");
    expect(attached.url).toBe(info.url);
    expect(attached.server).toBeUndefined();

    owner.kill("SIGTERM");
    expect((await waitForExit(owner, 60_000)).code).toBe(0);
    await expect(findDatabase(parseEnv({ SLIPWAY_DATA_DIR: dataDir }), "attach")).rejects.toThrow(
      `DATABASE_URL: is not set, and no \`npm start\` is running on the data directory ${dataDir}`,
    );
  });

  test("DATABASE_URL, when set, is the database of every command, whatever SLIPWAY_DATA_DIR says", { timeout: 120_000 }, async () => {
    const dataDir = path.join(tempDataDir(), "never-made");
    const url = process.env.DATABASE_URL!;
    for (const use of ["own", "borrow", "attach"] as const) {
      const db = await findDatabase(parseEnv({ DATABASE_URL: url, SLIPWAY_DATA_DIR: dataDir }), use);
      expect([db.url, db.server]).toEqual([url, undefined]);
      await db.close();
    }
    const verified = await runScript("scripts/audit-verify.ts", [], { DATABASE_URL: url, SLIPWAY_DATA_DIR: dataDir, LOG_LEVEL: "silent" }, 60_000);
    expect(verified.code, verified.stderr).toBe(0);
    expect(eventCount(verified.stdout)).toBe(0); // this test file's own database, fresh from the template
    expect(() => readdirSync(dataDir)).toThrow(/ENOENT/);
  });

  test("every command that uses the database finds it through findDatabase, and none finds it on its own", () => {
    const commands = ["scripts/start.ts", "scripts/web.ts", "scripts/slipway.ts", "scripts/audit-verify.ts", "scripts/db-migrate.ts", "scripts/backup.ts", "scripts/restore.ts", "workers/main.ts"];
    // db:diff needs any PostgreSQL for Prisma's SQL dialect and writes nothing to it; the soak, like the benchmarks
    // (bench/lib.ts benchDatabase), runs in a scratch database of its own and refuses one with data: neither is
    // Slipway's database
    const notSlipwaysDatabase = ["scripts/db-diff.ts", "scripts/soak.ts"];
    const scripts = readdirSync("scripts").filter((f) => f.endsWith(".ts")).map((f) => `scripts/${f}`);
    for (const file of scripts) {
      if (/DATABASE_URL|embedded|@\/lib\/db/.test(readFileSync(file, "utf8"))) expect([...commands, ...notSlipwaysDatabase], `${file} uses a database`).toContain(file);
    }
    for (const file of commands) {
      const src = readFileSync(file, "utf8").replace(/^\s*\/\/.*$/gm, ""); // code, not comments
      expect(src, file).toContain(`from "@/lib/db/find-database"`);
      // reading DATABASE_URL or the data directory, or starting the embedded server, is findDatabase's job
      expect(src.match(/startEmbeddedPostgres|claimDataDir|runningEmbeddedUrl|postgres\.json|SLIPWAY_DATA_DIR|\bDATABASE_URL\b(?!\s*=[^=])/g) ?? [], file).toEqual([]);
    }
  });
});
