// What the benchmarks share: their options, figures, cleanup registry, scratch database and the table they
// print. Each bench/*.ts measures its own thing; this is the frame around it.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";

// ─── options: --quick, --only=1,2,…, and BENCH_* numbers ───────────────────────────────────────────

export const argv = process.argv.slice(2);
export const quick = argv.includes("--quick");

/** The measurements picked with --only=1,3 (all of `all` without it). */
export function onlyMeasurements(all: string): Set<string> {
  return new Set((argv.find((a) => a.startsWith("--only="))?.slice("--only=".length) ?? all).split(",").map((s) => s.trim()));
}

/** A whole number above 0 from the command line (`--name N` or `--name=N`), else `fallback`; anything else is refused in words. */
export function intArg(name: string, fallback: number): number {
  const i = argv.indexOf(`--${name}`);
  const raw = i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) {
    // a usage error, read before anything started: said in one line, no stack
    console.error(`--${name} must be a whole number above 0, not ${JSON.stringify(raw ?? "")}`);
    process.exit(2);
  }
  return n;
}

/** A positive number from the environment variable `name`, else `full` (or `small` with --quick). */
export function num(name: string, full: number, small: number, opts: { integer?: boolean } = {}): number {
  const v = process.env[name];
  if (v !== undefined && v !== "") {
    const n = Number(v);
    const ok = opts.integer ? Number.isInteger(n) && n > 0 : Number.isFinite(n) && n > 0;
    if (!ok) throw new Error(`${name} must be a positive ${opts.integer ? "whole " : ""}number, not ${JSON.stringify(v)}`);
    return n;
  }
  return quick ? small : full;
}

// ─── figures ──────────────────────────────────────────────────────────────────────────────────────

/**
 * The p-th percentile by nearest rank: the smallest sample with at least p% of the samples at or below it
 * (rank ⌈p/100 × n⌉). Of 20 samples the p95 is the 19th, so one slow request out of 20 is the max, not the p95
 * (the rank used to be one too high: the p95 of 20 was their max).
 */
export function pct(samples: number[], p: number): number {
  if (samples.length === 0) return NaN;
  const s = [...samples].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

export function median(samples: number[]): number {
  if (samples.length === 0) return NaN;
  const s = [...samples].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export const ms = (n: number) => (Number.isNaN(n) ? "—" : `${n.toFixed(Math.abs(n) < 10 ? 1 : 0)} ms`);
export const secs = (n: number) => (Number.isNaN(n) ? "—" : `${(n / 1000).toFixed(2)} s`);
export const loadNow = () => `   [machine load ${os.loadavg()[0]!.toFixed(2)}]`;
export const sleep = (t: number) => new Promise((r) => setTimeout(r, t));

export async function until<T>(what: string, check: () => Promise<T | null | undefined | false>, timeoutMs: number, everyMs = 20): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

export interface Row {
  figure: string;
  value: string;
  goal: string;
}

export function printTable(rows: Row[]): void {
  const w1 = Math.max(...rows.map((r) => r.figure.length), 6);
  const w2 = Math.max(...rows.map((r) => r.value.length), 5);
  console.log(`\n${"figure".padEnd(w1)}  ${"value".padEnd(w2)}  goal`);
  console.log(`${"-".repeat(w1)}  ${"-".repeat(w2)}  ----`);
  for (const r of rows) console.log(`${r.figure.padEnd(w1)}  ${r.value.padEnd(w2)}  ${r.goal}`);
}

// ─── cleanup: everything started is stopped, in reverse order, whatever happens ──────────────────────

const cleanups: Array<{ what: string; fn: () => unknown }> = [];
export const onCleanup = (what: string, fn: () => unknown) => cleanups.push({ what, fn });
let cleaning: Promise<void> | undefined;

export function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    while (cleanups.length > 0) {
      const c = cleanups.pop()!;
      try {
        await c.fn();
      } catch (err) {
        console.error(`cleanup (${c.what}): ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  })();
  return cleaning;
}

/**
 * Runs the benchmark: cleans up after it (and on Ctrl-C or SIGTERM, exiting 130), exits 0 or, printing the
 * error, 1. Once interrupted, what fails is only what the cleanup took away from under the run.
 */
export function runBench(main: () => Promise<void>, opts: { onDone?: () => void } = {}): void {
  let interrupted = false;
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      interrupted = true;
      console.error(`\n${signal}: cleaning up`);
      void cleanup().finally(() => process.exit(130));
    });
  }
  main()
    .then(() => cleanup())
    .then(
      () => {
        opts.onDone?.();
        process.exit(0);
      },
      async (err: unknown) => {
        if (interrupted) return;
        console.error(err);
        await cleanup();
        process.exit(1);
      },
    );
}

// ─── the database: DATABASE_URL (a scratch one!), else an embedded PostgreSQL in a temp directory ─────

export interface BenchDatabase {
  url: string;
  embedded: boolean;
  /** a plain connection for the benchmark's own queries */
  q<T extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<T[]>;
}

/** Migrates the database; refuses one where `nonEmptySql` (SELECT … AS n) counts rows. */
export async function benchDatabase(nonEmptySql: string): Promise<BenchDatabase> {
  let url = process.env.DATABASE_URL;
  const embedded = !url;
  if (!url) {
    const { startEmbeddedPostgres } = await import("@/lib/db/embedded");
    const dir = mkdtempSync(path.join(os.tmpdir(), "slipway-bench-"));
    onCleanup("embedded PostgreSQL directory", () => rmSync(dir, { recursive: true, force: true }));
    const server = await startEmbeddedPostgres({ dataDir: dir, database: "bench" });
    onCleanup("embedded PostgreSQL", () => server.stop());
    url = server.url;
    process.env.DATABASE_URL = url;
    const { resetEnvCache } = await import("@/lib/env");
    resetEnvCache();
  }
  const { prepareDatabase } = await import("@/lib/db/prepare");
  const { closeDb } = await import("@/lib/db");
  await prepareDatabase(url);
  onCleanup("Prisma client", () => closeDb());
  const sql = new pg.Client({ connectionString: url });
  await sql.connect();
  onCleanup("pg client", () => sql.end());
  const q = async <T extends pg.QueryResultRow>(text: string, values: unknown[] = []) => (await sql.query<T>(text, values)).rows;
  if (Number((await q<{ n: string }>(nonEmptySql))[0]!.n) > 0) {
    throw new Error("the benchmark needs an empty database: point DATABASE_URL at a scratch database");
  }
  return { url, embedded, q };
}
