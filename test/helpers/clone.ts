// A copy of this checkout somewhere else, as a user's clone would be: the working tree (without .git and
// what builds and runs leave behind) and node_modules as hard links (fast; a symlink would make Node resolve
// packages back to this checkout, and Turbopack refuses a symlinked node_modules).
import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";

const LEFT_OUT = new Set([".git", "node_modules", ".next", ".slipway", "test-results", "playwright-report"]);

export interface Clone {
  /** the directory that holds the clone (mode `parentMode`) */
  parent: string;
  /** the clone: <parent>/slipway */
  dir: string;
  remove(): void;
}

/**
 * `withBuild`: the clone gets a copy of this checkout's production build (.next without its cache), as a
 * user who copied a built checkout would have; `npm start` there reuses it when its sources are the same.
 */
export function cloneCheckout(opts: { parentMode: number; withBuild?: boolean }): Clone {
  const from = process.cwd();
  const parent = mkdtempSync(path.join(os.tmpdir(), "slipway-clone-"));
  chmodSync(parent, opts.parentMode);
  const dir = path.join(parent, "slipway");
  mkdirSync(dir);
  cpSync(from, dir, { recursive: true, verbatimSymlinks: true, filter: (src) => path.dirname(src) !== from || !LEFT_OUT.has(path.basename(src)) });
  const linked = spawnSync("cp", ["-al", path.join(from, "node_modules"), path.join(dir, "node_modules")], { encoding: "utf8" });
  if (linked.status !== 0) {
    // another file system: a real copy
    rmSync(path.join(dir, "node_modules"), { recursive: true, force: true });
    cpSync(path.join(from, "node_modules"), path.join(dir, "node_modules"), { recursive: true, verbatimSymlinks: true });
  }
  if (opts.withBuild && existsSync(path.join(from, ".next", "BUILD_ID"))) {
    const next = path.join(from, ".next");
    const skipped = new Set([path.join(next, "cache"), path.join(next, "dev")]);
    cpSync(next, path.join(dir, ".next"), { recursive: true, verbatimSymlinks: true, filter: (src) => !skipped.has(src) });
  }
  // its own copy, newer than package.json: scripts/setup.sh sees node_modules up to date and runs no
  // `npm install`, which would write through the hard links into this checkout's node_modules
  const lock = path.join("node_modules", ".package-lock.json");
  rmSync(path.join(dir, lock), { force: true });
  copyFileSync(path.join(from, lock), path.join(dir, lock));
  return { parent, dir, remove: () => rmSync(parent, { recursive: true, force: true }) };
}
