// npm run bench:quickstart — what a person clicking through a fresh `npm start` waits for: each console page
// requested once (the first visit) and then BENCH_QUICKSTART_REPEATS times (median), signed in, in the
// production build that `npm start` serves beside the development mode that `npm run dev` runs (the old
// quick start: the baseline). The development server runs in a fresh clone of this checkout, so its first
// visits compile as they would on a fresh machine; the production run reuses this checkout's build (built
// first, untimed, when there is none). Uses DATABASE_URL when set (a scratch database!), else an embedded
// PostgreSQL in a temp directory. --quick: fewer pages and repeats.
import { spawn, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { benchDatabase, loadNow, median, ms, num, onCleanup, quick, runBench, until } from "@/bench/lib";

const ALL_PAGES = ["/", "/builds", "/deployments", "/targets", "/repositories", "/services", "/approvals", "/hosts", "/audit", "/settings/users"];
const PAGES = quick ? ALL_PAGES.slice(0, 4) : ALL_PAGES;
const REPEATS = num("BENCH_QUICKSTART_REPEATS", 5, 3, { integer: true });

interface ModeFigures {
  first: number[];
  warm: number[];
}

async function freePort(): Promise<number> {
  const { freePort: free } = await import("@/test/helpers/processes");
  return free();
}

/** Runs scripts/start.ts in `dir` until its banner says it serves; the caller stops it. */
async function startConsole(dir: string, args: string[], env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/start.ts", ...args], { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  onCleanup(`start.ts ${args.join(" ")}`, async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGINT");
    await until("start.ts to stop", async () => child.exitCode !== null || child.signalCode !== null, 60_000, 100).catch(() => child.kill("SIGKILL"));
  });
  await until(
    "the console to start",
    async () => {
      if (child.exitCode !== null) throw new Error(`start.ts exited (${child.exitCode}):\n${out}`);
      return out.includes("stop:     Ctrl-C");
    },
    600_000,
    100,
  );
  return child;
}

async function timePage(base: string, page: string, cookie: string): Promise<number> {
  const t = performance.now();
  const res = await fetch(`${base}${page}`, { headers: { cookie }, redirect: "manual", signal: AbortSignal.timeout(120_000) });
  await res.arrayBuffer();
  const elapsed = performance.now() - t;
  if (res.status !== 200) throw new Error(`${page} answered ${res.status}`);
  return elapsed;
}

async function measure(base: string, cookie: string): Promise<Map<string, ModeFigures>> {
  const figures = new Map<string, ModeFigures>();
  for (const page of PAGES) figures.set(page, { first: [await timePage(base, page, cookie)], warm: [] });
  for (let i = 0; i < REPEATS; i++) for (const page of PAGES) figures.get(page)!.warm.push(await timePage(base, page, cookie));
  return figures;
}

async function main() {
  const db = await benchDatabase("SELECT count(*) AS n FROM users");
  // a signed-in admin, as the pages are seen after signing in
  const token = randomBytes(32).toString("base64url");
  await db.q(`INSERT INTO users (id, login, role, updated_at) VALUES ('u-bench', 'bench-admin', 'admin', now())`);
  await db.q(`INSERT INTO sessions (id, token_hash, user_id, expires) VALUES ('s-bench', $1, 'u-bench', now() + interval '1 day')`, [createHash("sha256").update(token).digest("hex")]);
  const cookie = `next-auth.session-token=${token}`;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "slipway-bench-quickstart-"));
  onCleanup("data directory", () => rmSync(dataDir, { recursive: true, force: true }));
  // without NODE_ENV, as in a user's shell: start.ts picks the mode (the project's types declare it always set)
  const shell: Record<string, string | undefined> = { ...process.env };
  delete shell.NODE_ENV;
  delete shell.SLIPWAY_DEV_LOGIN;
  const env = (port: number): NodeJS.ProcessEnv => {
    const e: Record<string, string | undefined> = {
      ...shell,
      DATABASE_URL: db.url,
      SLIPWAY_DATA_DIR: dataDir,
      PORT: String(port),
      SLIPWAY_URL: `http://127.0.0.1:${port}`,
      NEXTAUTH_URL: `http://127.0.0.1:${port}`,
      LOG_LEVEL: "warn",
    };
    return e as NodeJS.ProcessEnv;
  };

  console.log(`quick start benchmark: ${PAGES.length} pages, first visit + ${REPEATS} repeats each (${os.cpus().length} cores)${loadNow()}`);

  // production: what `npm start` serves
  const { ensureProductionBuild } = await import("@/scripts/lib/production-build");
  await ensureProductionBuild(process.cwd(), { say: (l) => console.log(`  ${l}`), everyMs: 30_000 });
  const record = JSON.parse(readFileSync(path.join(process.cwd(), ".next", "slipway-build.json"), "utf8")) as { seconds: number };
  const prodPort = await freePort();
  const tProd = performance.now();
  const prodChild = await startConsole(process.cwd(), [], env(prodPort));
  const prodStart = performance.now() - tProd;
  const prod = await measure(`http://127.0.0.1:${prodPort}`, cookie);
  prodChild.kill("SIGINT");
  await until("the production console to stop", async () => prodChild.exitCode !== null || prodChild.signalCode !== null, 60_000, 100);
  console.log(`  production: measured${loadNow()}`);

  // development (the baseline): `npm run dev` in a fresh clone
  const { cloneCheckout } = await import("@/test/helpers/clone");
  const clone = cloneCheckout({ parentMode: 0o755 });
  onCleanup("clone", () => clone.remove());
  const devPort = await freePort();
  const tDev = performance.now();
  const devChild = await startConsole(clone.dir, ["--dev"], env(devPort));
  const devStart = performance.now() - tDev;
  const dev = await measure(`http://127.0.0.1:${devPort}`, cookie);
  devChild.kill("SIGINT");
  console.log(`  development: measured${loadNow()}`);

  const w = Math.max(...PAGES.map((p) => p.length), 4);
  console.log(`\n${"page".padEnd(w)}  ${"first visit: dev".padStart(16)}  ${"prod".padStart(8)}  ${"ratio".padStart(6)}  ${"then (median): dev".padStart(18)}  ${"prod".padStart(8)}  ${"ratio".padStart(6)}`);
  const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
  const allFirst = { dev: [] as number[], prod: [] as number[] };
  const allWarm = { dev: [] as number[], prod: [] as number[] };
  for (const page of PAGES) {
    const d = dev.get(page)!;
    const p = prod.get(page)!;
    allFirst.dev.push(d.first[0]!);
    allFirst.prod.push(p.first[0]!);
    allWarm.dev.push(median(d.warm));
    allWarm.prod.push(median(p.warm));
    console.log(
      `${page.padEnd(w)}  ${ms(d.first[0]!).padStart(16)}  ${ms(p.first[0]!).padStart(8)}  ${ratio(p.first[0]!, d.first[0]!).padStart(6)}  ${ms(median(d.warm)).padStart(18)}  ${ms(median(p.warm)).padStart(8)}  ${ratio(median(p.warm), median(d.warm)).padStart(6)}`,
    );
  }
  const mf = { dev: median(allFirst.dev), prod: median(allFirst.prod) };
  const mw = { dev: median(allWarm.dev), prod: median(allWarm.prod) };
  console.log(`${"median".padEnd(w)}  ${ms(mf.dev).padStart(16)}  ${ms(mf.prod).padStart(8)}  ${ratio(mf.prod, mf.dev).padStart(6)}  ${ms(mw.dev).padStart(18)}  ${ms(mw.prod).padStart(8)}  ${ratio(mw.prod, mw.dev).padStart(6)}`);
  console.log(
    `\nstart to "Slipway is running": dev ${(devStart / 1000).toFixed(1)} s, production ${(prodStart / 1000).toFixed(1)} s (build reused; the last build took ${record.seconds} s)${loadNow()}`,
  );
  console.log("ratio: production / development (below 1: production is faster)");
}

runBench(main);
