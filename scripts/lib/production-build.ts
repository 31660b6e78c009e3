// The console's production build for `npm start` and `npm run build`: built when there is none or when the
// sources that go into it changed since it was made, reused otherwise. A fingerprint of those sources (their
// paths and contents) is kept in .next/slipway-build.json after every build made here; a build made some
// other way (plain `next build`) has none and is rebuilt once, since nothing says what it was built from.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";

/**
 * What `next build` reads: the app and everything it imports, static files, and the configuration and
 * packages it is built with. Tests, e2e specs, workers and scripts are not part of the build.
 */
export const BUILD_INPUTS = [
  "app",
  "components",
  "lib",
  "public",
  "types",
  "proxy.ts",
  "next.config.ts",
  "postcss.config.mjs",
  "tsconfig.json",
  "package.json",
  "package-lock.json",
] as const;

/** Held (its content: the builder's pid) while a build runs, so two starts in one checkout build once. */
export const BUILD_LOCK_FILE = ".next-build.lock";

/** Where the fingerprint of the sources of the build in .next is kept. */
export const FINGERPRINT_FILE = path.join(".next", "slipway-build.json");

/** Used when there is no earlier build to say how long one takes here. */
const DEFAULT_BUILD_SECONDS = 180;

const recordSchema = z.object({ fingerprint: z.string(), builtAt: z.string(), seconds: z.number().nonnegative() });
type BuildRecord = z.infer<typeof recordSchema>;

/** Files under `rel` (or `rel` itself), relative to `root`; nothing when it does not exist (types/, public/ are optional). */
function filesUnder(root: string, rel: string): string[] {
  let st;
  try {
    st = statSync(path.join(root, rel));
  } catch {
    return [];
  }
  if (st.isDirectory()) return readdirSync(path.join(root, rel)).flatMap((name) => filesUnder(root, path.join(rel, name)));
  return st.isFile() ? [rel] : [];
}

/**
 * SHA-256 over the path and content of every build input under `dir`, in a fixed order. Contents rather
 * than modification times, so a fresh clone or a checkout that rewrites files without changing them reuses
 * its build; about 6 MB of sources hash in well under a second.
 */
export function sourceFingerprint(dir: string, inputs: readonly string[] = BUILD_INPUTS): string {
  const files = inputs.flatMap((i) => filesUnder(dir, i)).map((f) => f.split(path.sep).join("/")).sort();
  const h = createHash("sha256");
  for (const f of files) {
    const content = readFileSync(path.join(dir, f));
    // length-prefixed, so moving bytes from one file into its neighbour's name changes the result
    h.update(`${f}\0${content.length}\0`);
    h.update(content);
  }
  return h.digest("hex");
}

function readRecord(dir: string): BuildRecord | null {
  try {
    return recordSchema.parse(JSON.parse(readFileSync(path.join(dir, FINGERPRINT_FILE), "utf8")));
  } catch {
    return null;
  }
}

export type BuildDecision = { build: false; fingerprint: string } | { build: true; fingerprint: string; reason: string; estimateSeconds: number };

/** Whether the production build in `dir`/.next is current, and if not, why. */
export function decideBuild(dir: string): BuildDecision {
  const fingerprint = sourceFingerprint(dir);
  const record = readRecord(dir);
  const built = existsSync(path.join(dir, ".next", "BUILD_ID"));
  const estimateSeconds = record?.seconds || DEFAULT_BUILD_SECONDS;
  if (!built) return { build: true, fingerprint, reason: "first start", estimateSeconds };
  if (!record) return { build: true, fingerprint, reason: "the build in .next does not say what it was built from", estimateSeconds };
  if (record.fingerprint !== fingerprint) return { build: true, fingerprint, reason: "the sources changed since the last build", estimateSeconds };
  return { build: false, fingerprint };
}

/** Records that .next was built from the sources with this fingerprint. */
export function writeFingerprint(dir: string, fingerprint: string, seconds: number): void {
  const record: BuildRecord = { fingerprint, builtAt: new Date().toISOString(), seconds: Math.round(seconds) };
  writeFileSync(path.join(dir, FINGERPRINT_FILE), `${JSON.stringify(record, null, 2)}\n`);
}

function minutes(seconds: number): string {
  const m = Math.max(1, Math.round(seconds / 60));
  return `about ${m} min`;
}

/**
 * Runs `next build` in `dir`, printing one progress line every `everyMs` instead of its output; on failure
 * the whole output is printed and an error thrown. `signal` stops the build (Ctrl-C during the first start).
 */
export async function runNextBuild(
  dir: string,
  opts: { say: (line: string) => void; label: string; everyMs?: number; signal?: AbortSignal; env?: NodeJS.ProcessEnv },
): Promise<number> {
  const started = Date.now();
  const nextBin = path.join(dir, "node_modules", "next", "dist", "bin", "next");
  // next build always builds for production, whatever the shell's NODE_ENV says
  const env: NodeJS.ProcessEnv = { ...(opts.env ?? process.env), NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1" };
  const child = spawn(process.execPath, [nextBin, "build"], { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"], signal: opts.signal });
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr.on("data", (d: Buffer) => (output += d.toString()));
  const timer = setInterval(() => opts.say(`${opts.label}: ${Math.round((Date.now() - started) / 1000)} s…`), opts.everyMs ?? 10_000);
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      child.on("error", reject);
      child.on("close", (c) => resolve(c));
    });
    if (code !== 0) {
      process.stderr.write(output.endsWith("\n") ? output : `${output}\n`);
      throw new Error(`\`next build\` failed (exit code ${code}); its output is above. Fix the error and start again.`);
    }
  } finally {
    clearInterval(timer);
  }
  return (Date.now() - started) / 1000;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Takes the checkout's build lock, waiting while another live process holds it (a lock left by a process
 * that died is taken over). Returns the release function.
 */
async function lockBuild(dir: string, say: (line: string) => void, signal?: AbortSignal): Promise<() => void> {
  const file = path.join(dir, BUILD_LOCK_FILE);
  let told = false;
  for (;;) {
    signal?.throwIfAborted();
    try {
      writeFileSync(file, String(process.pid), { flag: "wx" });
      return () => rmSync(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    const holder = Number(readFileSync(file, "utf8").trim());
    if (!Number.isInteger(holder) || holder <= 0 || !alive(holder)) {
      rmSync(file, { force: true });
      continue;
    }
    if (!told) say(`waiting for the build that process ${holder} is making in this checkout`);
    told = true;
    await new Promise((r) => setTimeout(r, 1_000));
  }
}

/**
 * Builds the console for production in `dir` unless its current build was made from the same sources.
 * Returns whether it built. One build at a time per checkout: a start that finds another building waits
 * for it, then reuses what it made.
 */
export async function ensureProductionBuild(
  dir: string,
  opts: { say: (line: string) => void; everyMs?: number; signal?: AbortSignal; force?: boolean },
): Promise<boolean> {
  if (!decideBuild(dir).build && !opts.force) return false;
  const release = await lockBuild(dir, opts.say, opts.signal);
  try {
    // decided again under the lock: the build waited for may be the one needed
    const decision = decideBuild(dir);
    if (!decision.build && !opts.force) return false;
    const reason = decision.build ? decision.reason : "asked to rebuild";
    const estimate = decision.build ? decision.estimateSeconds : (readRecord(dir)?.seconds ?? DEFAULT_BUILD_SECONDS);
    const label = `building the console for production (${reason}, ${minutes(estimate)})`;
    opts.say(`${label}…`);
    const seconds = await runNextBuild(dir, { say: opts.say, label, everyMs: opts.everyMs, signal: opts.signal });
    writeFingerprint(dir, decision.fingerprint, seconds);
    opts.say(`built the console in ${Math.round(seconds)} s`);
    return true;
  } finally {
    release();
  }
}
