// npm run bench:console — does the console stay fast as history grows? (printed; a benchmark, not a test)
//   - seeds 100 repositories (one build rule, one `live` deployment rule and one swarm target each) and grows
//     the same database to 10k, 100k and 1M builds, each with its commit and ref, 10% of them released and
//     deployed, and as many audit events as builds; seeding is set-based SQL (INSERT … SELECT generate_series);
//   - serves the production build (`next build` output, as `npm start` does) against it, signed in as an
//     admin (a session row and its cookie, as next-auth's adapter writes them);
//   - at each size requests every console page in rounds (each page once a round, after warm-up rounds) and
//     prints p50/p95 (nearest rank: the 19th of 20), the slowest request and the response size;
//     then each page's p95 at the largest size beside its p95 at the smallest, and the ratio;
//   - prints the production build's first-load JS per route (raw and gzip).
// Goal (issue 18): every page p95 < 100 ms at 1M builds and ≤ 1.5× its 10k figure; every response < 300 KB;
// first-load JS per route < 250 kB (gzip, as Next.js reports it).
// Options: --quick (10k and 100k, 8 requests), BENCH_CONSOLE_SIZES=10000,100000,1000000,
// BENCH_CONSOLE_REQUESTS (20), BENCH_CONSOLE_WARMUP (3), BENCH_CONSOLE_PORT (a free one), --js-only (print the
// first-load JS table and stop). DATABASE_URL (a scratch database!) or an embedded PostgreSQL.
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { gzipSync } from "node:zlib";
import { randomBytes } from "node:crypto";
import { spawn } from "node:child_process";
import { consolePages, REPOS } from "@/bench/console-pages";
import { argv, benchDatabase, loadNow, median, ms, num, onCleanup, pct, quick, runBench, type BenchDatabase } from "@/bench/lib";

/** a build every 20 s, the newest now: a million builds are 231 days of history */
const STEP_SECONDS = 20;
const JS_GOAL_KB = 250;
const BYTES_GOAL_KB = 300;

function sizes(): number[] {
  const v = process.env.BENCH_CONSOLE_SIZES;
  const list = v ? v.split(",").map((s) => Number(s.trim())) : quick ? [10_000, 100_000] : [10_000, 100_000, 1_000_000];
  if (list.some((n) => !Number.isInteger(n) || n < 1000) || list.some((n, i) => i > 0 && n <= list[i - 1]!)) {
    throw new Error(`BENCH_CONSOLE_SIZES must be growing whole numbers ≥ 1000, not ${JSON.stringify(v)}`);
  }
  return list;
}

// ─── seeding ───────────────────────────────────────────────────────────────────────────────────────

/** Users, one docker context, 100 repositories with a rule, a `live` deployment rule, a target and refs each. */
async function seedInventory(db: BenchDatabase): Promise<void> {
  await db.q(`INSERT INTO users (id, login, role, updated_at) VALUES ('u-bench', 'bench', 'admin', now()), ('u-idle', 'idle', 'viewer', now())`);
  await db.q(`INSERT INTO users (id, login, role, updated_at) SELECT 'u' || i, 'user' || i, 'operator', now() FROM generate_series(0, 19) i`);
  await db.q(`INSERT INTO docker_contexts (id, name, endpoint, role, updated_at) VALUES ('ctx', 'bench-swarm', 'unix:///var/run/docker.sock', 'swarm_manager', now())`);
  await db.q(
    `INSERT INTO repositories (id, name, provider, url, updated_at)
     SELECT 'r' || lpad(i::text, 3, '0'), 'bench/repo-' || lpad(i::text, 3, '0'), 'git', 'https://git.invalid/repo-' || i || '.git', now()
     FROM generate_series(0, $1 - 1) i`,
    [REPOS],
  );
  await db.q(
    `INSERT INTO build_rules (id, repository_id, name, kind, build_args, build_secrets, updated_at)
     SELECT 'br' || lpad(i::text, 3, '0'), 'r' || lpad(i::text, 3, '0'), 'Dockerfile', 'docker', '{}', '{}', now() FROM generate_series(0, $1 - 1) i`,
    [REPOS],
  );
  await db.q(
    `INSERT INTO deployment_rules (id, build_rule_id, branch, image, updated_at)
     SELECT 'dr' || lpad(i::text, 3, '0'), 'br' || lpad(i::text, 3, '0'), 'live', 'registry.invalid/bench/repo-' || lpad(i::text, 3, '0') || ':live', now()
     FROM generate_series(0, $1 - 1) i`,
    [REPOS],
  );
  await db.q(
    `INSERT INTO targets (id, deployment_rule_id, name, kind, docker_context_id, service, updated_at)
     SELECT 't' || lpad(i::text, 3, '0'), 'dr' || lpad(i::text, 3, '0'), 'repo-' || lpad(i::text, 3, '0') || '-live', 'swarm_service', 'ctx', 'repo-' || lpad(i::text, 3, '0') || '_web', now()
     FROM generate_series(0, $1 - 1) i`,
    [REPOS],
  );
  // per repository: main, live and three open pull requests
  await db.q(
    `INSERT INTO refs (id, repository_id, kind, name, pr_number, pr_title, head_sha, updated_at)
     SELECT 'ref-' || lpad(i::text, 3, '0') || '-' || k, 'r' || lpad(i::text, 3, '0'),
            (CASE WHEN k < 2 THEN 'branch' ELSE 'pull_request' END)::ref_kind,
            CASE k WHEN 0 THEN 'main' WHEN 1 THEN 'live' ELSE 'pull/' || (k - 1) || '/head' END,
            CASE WHEN k < 2 THEN NULL ELSE k - 1 END, CASE WHEN k < 2 THEN NULL ELSE 'Pull request ' || (k - 1) END,
            md5(i || '-' || k) || substr(md5('h' || i || k), 1, 8), now()
     FROM generate_series(0, $1 - 1) i, generate_series(0, 4) k`,
    [REPOS],
  );
}

/**
 * Builds n in [from, to) with their commits and refs; build n is n×20 s old, of repository n % 100; every
 * tenth hundred is a `live` build, released and deployed (the newest three wait for approval). Growing adds
 * older history, so the newest rows — what the first pages show — are the same at every size.
 */
async function seedBuilds(db: BenchDatabase, t0: Date, from: number, to: number): Promise<void> {
  const chunk = 100_000;
  for (let a = from; a < to; a += chunk) {
    const b = Math.min(to, a + chunk);
    const args = [a, b - 1, t0, STEP_SECONDS, REPOS];
    const n = `generate_series($1::int, $2::int) n`;
    const at = `$3::timestamptz - n * make_interval(secs => $4::int)`;
    const repo = `lpad((n % $5::int)::text, 3, '0')`;
    const kind = `((n / $5::int) % 10)`;
    await db.q(
      `INSERT INTO commits (id, repository_id, sha, message, author, committed_at, created_at)
       SELECT 'c' || n, 'r' || ${repo}, md5(n::text) || substr(md5('s' || n), 1, 8), 'Change number ' || n || ': tidy the handler and its tests',
              'dev' || (n % 7), ${at} - interval '5 minutes', ${at} FROM ${n}`,
      args,
    );
    await db.q(
      `INSERT INTO builds (id, build_rule_id, commit_id, state, trigger, queued_at, started_at, finished_at, log_bytes, updated_at)
       SELECT 'b' || n, 'br' || ${repo}, 'c' || n,
              (CASE WHEN n = 1 THEN 'building' WHEN n % 23 = 5 THEN 'failed' ELSE 'succeeded' END)::build_state,
              'webhook', ${at}, ${at} + interval '1 second', CASE WHEN n = 1 THEN NULL ELSE ${at} + interval '60 seconds' END, 4096, ${at} + interval '60 seconds'
       FROM ${n}`,
      args,
    );
    await db.q(
      `INSERT INTO build_refs (build_id, ref_id, created_at)
       SELECT 'b' || n, 'ref-' || ${repo} || '-' || CASE WHEN ${kind} = 0 THEN 1 WHEN ${kind} < 7 THEN 0 ELSE ${kind} - 5 END, ${at}
       FROM ${n}`,
      args,
    );
    await db.q(
      `INSERT INTO releases (id, build_id, deployment_rule_id, image_repo, tag, digest, created_at)
       SELECT 'rel' || n, 'b' || n, 'dr' || ${repo}, 'registry.invalid/bench/repo-' || ${repo}, 'live', 'sha256:' || md5('d' || n) || md5('e' || n), ${at} + interval '70 seconds'
       FROM ${n} WHERE ${kind} = 0 AND n <> 1 AND n % 23 <> 5`,
      args,
    );
    await db.q(
      `INSERT INTO deployments (id, target_id, release_id, state, trigger, attempts, created_at, queued_at, started_at, finished_at, updated_at)
       SELECT 'd' || n, 't' || ${repo}, 'rel' || n,
              (CASE WHEN n < 3 THEN 'pending_approval' WHEN n % 31 = 0 THEN 'failed' ELSE 'succeeded' END)::deployment_state,
              'release', CASE WHEN n < 3 THEN 0 ELSE 1 END, ${at} + interval '80 seconds',
              CASE WHEN n < 3 THEN NULL ELSE ${at} + interval '80 seconds' END, CASE WHEN n < 3 THEN NULL ELSE ${at} + interval '81 seconds' END,
              CASE WHEN n < 3 THEN NULL ELSE ${at} + interval '100 seconds' END, ${at} + interval '100 seconds'
       FROM ${n} WHERE ${kind} = 0 AND n <> 1 AND n % 23 <> 5`,
      args,
    );
  }
}

/** Audit events n in [from, to), n×20 s old; ids fall as n grows (ids grow with time, as lib/audit/record.ts keeps them). */
async function seedAudit(db: BenchDatabase, t0: Date, from: number, to: number): Promise<void> {
  const chunk = 200_000;
  for (let a = from; a < to; a += chunk) {
    const b = Math.min(to, a + chunk);
    // 60% worker, 30% twenty users (user6 and user16 have 5% each), 10% system; 1% of events per target
    await db.q(
      `INSERT INTO audit_events (id, created_at, actor_type, actor_id, actor_label, action, subject_type, subject_id, summary, after, ip, user_agent, prev_hash, hash)
       SELECT 10000000 - n, $3::timestamptz - n * make_interval(secs => $4::int),
              (CASE WHEN n % 10 < 6 THEN 'worker' WHEN n % 10 < 9 THEN 'user' ELSE 'system' END)::actor_type,
              CASE WHEN n % 10 BETWEEN 6 AND 8 THEN 'u' || (n % 20) END,
              CASE WHEN n % 10 < 6 THEN 'worker-1' WHEN n % 10 < 9 THEN 'user' || (n % 20) ELSE 'system' END,
              (ARRAY['deployment.created', 'deployment.approved', 'build.requested', 'target.updated', 'auth.login'])[1 + n % 5],
              'target', 't' || lpad((n % 100)::text, 3, '0'),
              'Deployment of release ' || n || ' to repo-' || lpad((n % 100)::text, 3, '0') || '-live',
              jsonb_build_object('release', 'rel' || n, 'state', 'succeeded'), '10.0.0.' || (n % 200), 'bench',
              md5('p' || n) || md5('q' || n), md5('h' || n) || md5('i' || n)
       FROM generate_series($1::int, $2::int) n`,
      [a, b - 1, t0, STEP_SECONDS],
    );
  }
}

/** Each target runs its newest successfully deployed release; one is pinned to an older one. */
async function settleTargets(db: BenchDatabase): Promise<void> {
  await db.q(
    `UPDATE targets t SET current_release_id = d.release_id, last_deployed_at = d.finished_at
     FROM (SELECT DISTINCT ON (target_id) target_id, release_id, finished_at FROM deployments WHERE state = 'succeeded' ORDER BY target_id, created_at DESC) d
     WHERE d.target_id = t.id`,
  );
  await db.q(
    `UPDATE targets SET pinned_release_id = (SELECT id FROM releases WHERE deployment_rule_id = 'dr007' ORDER BY created_at DESC OFFSET 3 LIMIT 1),
            pinned_by_id = 'u6', pinned_at = now() WHERE id = 't007'`,
  );
}

// ─── serving and measuring ─────────────────────────────────────────────────────────────────────────

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

interface PageFigures {
  page: string;
  p50: number;
  p95: number;
  /** the slowest request (the p95 of 20 is the 19th) */
  max: number;
  bytes: number;
  /** the page's database reads alone (bench/console-reads.ts) */
  reads?: { p50: number; p95: number };
}

/** Times every page's read models in a child process (bench/console-reads.ts), one JSON line per page. */
function measureReads(size: number, warmup: number, requests: number, token: string): Promise<Map<string, { p50: number; p95: number }>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", "bench/console-reads.ts"], {
      env: { ...process.env, BENCH_CONSOLE_READS: JSON.stringify({ size, warmup, requests, token }) },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (b: Buffer) => (out += b.toString()));
    child.once("error", reject);
    child.once("exit", (code) => {
      if (code !== 0) return reject(new Error(`bench/console-reads.ts exited with ${code}`));
      const rows = out
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l) as { page: string; p50: number; p95: number });
      resolve(new Map(rows.map((r) => [r.page, { p50: r.p50, p95: r.p95 }])));
    });
  });
}

/**
 * Every page `warmup` times, then `requests` rounds in which each page is requested once (one request at a
 * time): a pause of the machine (another process, a checkpoint, a collection) lands on whichever page is
 * being served then, so taking the pages in turn spreads it over all of them instead of making one page's p95.
 * Every sample is kept: the max is printed beside the p95.
 */
async function measurePages(base: string, cookie: string, pages: { page: string; url: string }[], warmup: number, requests: number): Promise<PageFigures[]> {
  const once = async (page: string, url: string) => {
    const t = performance.now();
    const res = await fetch(base + url, { headers: { cookie }, redirect: "manual" });
    const body = await res.arrayBuffer();
    const took = performance.now() - t;
    if (res.status !== 200) throw new Error(`${page}: GET ${url} answered ${res.status}${res.headers.get("location") ? ` → ${res.headers.get("location")}` : ""}`);
    return { took, bytes: body.byteLength };
  };
  for (let i = 0; i < warmup; i++) for (const p of pages) await once(p.page, p.url);
  const times = pages.map(() => [] as number[]);
  const bytes = pages.map(() => 0);
  for (let i = 0; i < requests; i++) {
    for (const [j, p] of pages.entries()) {
      const r = await once(p.page, p.url);
      times[j]!.push(r.took);
      bytes[j] = Math.max(bytes[j]!, r.bytes);
    }
  }
  return pages.map((p, j) => ({ page: p.page, p50: median(times[j]!), p95: pct(times[j]!, 95), max: Math.max(...times[j]!), bytes: bytes[j]! }));
}

const kb = (n: number) => `${(n / 1024).toFixed(n < 10 * 1024 ? 1 : 0)} KB`;
const label = (n: number) => (n >= 1_000_000 ? `${n / 1_000_000}M` : n >= 1000 ? `${n / 1000}k` : String(n));

function printSize(size: number, rows: PageFigures[]): void {
  const w = Math.max(...rows.map((r) => r.page.length));
  console.log(`\n${label(size)} builds, ${label(size)} audit events${loadNow()}`);
  console.log(
    `${"page".padEnd(w)}  ${"p50".padStart(7)}  ${"p95".padStart(7)}  ${"max".padStart(7)}  ${"size".padStart(8)}  ${"reads p50".padStart(9)}  ${"reads p95".padStart(9)}`,
  );
  for (const r of rows) {
    console.log(
      `${r.page.padEnd(w)}  ${ms(r.p50).padStart(7)}  ${ms(r.p95).padStart(7)}  ${ms(r.max).padStart(7)}  ${kb(r.bytes).padStart(8)}  ${ms(r.reads?.p50 ?? NaN).padStart(9)}  ${ms(r.reads?.p95 ?? NaN).padStart(9)}`,
    );
  }
}

function printRatios(first: number, last: number, a: PageFigures[], b: PageFigures[]): void {
  const w = Math.max(...a.map((r) => r.page.length));
  const h1 = `p95 ${label(first)}`;
  const h2 = `p95 ${label(last)}`;
  console.log(`\nEach page at ${label(last)} beside ${label(first)} (goal: p95 < 100 ms and ≤ 1.5×; response < ${BYTES_GOAL_KB} KB)`);
  console.log(`${"page".padEnd(w)}  ${h1.padStart(9)}  ${h2.padStart(9)}  ratio  ${"reads".padStart(15)}  goal`);
  let met = 0;
  for (const r of a) {
    const s = b.find((x) => x.page === r.page)!;
    const ratio = s.p95 / r.p95;
    const ok = s.p95 < 100 && ratio <= 1.5 && s.bytes < BYTES_GOAL_KB * 1024;
    if (ok) met++;
    const why = ok ? "met" : [s.p95 >= 100 ? "p95 ≥ 100 ms" : "", ratio > 1.5 ? "ratio > 1.5" : "", s.bytes >= BYTES_GOAL_KB * 1024 ? `≥ ${BYTES_GOAL_KB} KB` : ""].filter(Boolean).join(", ");
    const reads = r.reads && s.reads ? `${ms(r.reads.p95)} → ${ms(s.reads.p95)}` : "—";
    console.log(`${r.page.padEnd(w)}  ${ms(r.p95).padStart(9)}  ${ms(s.p95).padStart(9)}  ${ratio.toFixed(2).padStart(5)}  ${reads.padStart(15)}  ${why}`);
  }
  console.log(`${met} of ${a.length} pages meet the goal (reads: the p95 of the page's database reads alone, at both sizes)`);
}

// ─── first-load JS per route, from the production build's manifests ───────────────────────────────

/**
 * For every page of the app router: the JS a first visit loads — the build's root main files plus the
 * entry files its client reference manifest names — summed raw and gzip-compressed (-9,
 * which is what Next.js's own size report used; the goal is on gzip).
 */
function firstLoadJs(dir: string): { route: string; raw: number; gzip: number }[] {
  const next = path.join(dir, ".next");
  const buildManifest = JSON.parse(readFileSync(path.join(next, "build-manifest.json"), "utf8")) as { rootMainFiles?: string[]; polyfillFiles?: string[] };
  const root = buildManifest.rootMainFiles ?? [];
  const sizes = new Map<string, { raw: number; gzip: number }>();
  const sizeOf = (f: string) => {
    let s = sizes.get(f);
    if (!s) {
      const file = path.join(next, f.replace(/^\/?_next\//, ""));
      const data = existsSync(file) ? readFileSync(file) : Buffer.alloc(0);
      s = { raw: data.length, gzip: data.length ? gzipSync(data, { level: 9 }).length : 0 };
      sizes.set(f, s);
    }
    return s;
  };
  const out: { route: string; raw: number; gzip: number }[] = [];
  const appDir = path.join(next, "server", "app");
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = path.join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name === "page_client-reference-manifest.js") {
        const rel = path.relative(appDir, d);
        const text = readFileSync(p, "utf8");
        // the file assigns one JSON object: globalThis.__RSC_MANIFEST["/route/page"] = {…}
        const json = text.slice(text.indexOf("=", text.indexOf("__RSC_MANIFEST[")) + 1).trim().replace(/;$/, "");
        const manifest = JSON.parse(json) as { entryJSFiles?: Record<string, string[]> };
        const files = new Set<string>(root);
        // the route's page and every layout, error, not-found and forbidden boundary above it: the browser
        // loads all of them on a first visit (the polyfills load only in browsers without modules: left out)
        for (const list of Object.values(manifest.entryJSFiles ?? {})) for (const f of list) files.add(f);
        let raw = 0;
        let gzip = 0;
        for (const f of files) {
          const s = sizeOf(f);
          raw += s.raw;
          gzip += s.gzip;
        }
        const route = "/" + rel.split(path.sep).filter((s) => !/^\(.*\)$/.test(s)).join("/");
        out.push({ route: route === "/" ? "/" : route.replace(/\/$/, ""), raw, gzip });
      }
    }
  };
  walk(appDir);
  return out.sort((a, b) => a.route.localeCompare(b.route));
}

function printFirstLoadJs(dir: string): void {
  const rows = firstLoadJs(dir);
  if (!rows.length) {
    console.log("\nfirst-load JS: no client reference manifests under .next/server/app (run `npx next build`)");
    return;
  }
  const w = Math.max(...rows.map((r) => r.route.length), 5);
  console.log(`\nFirst-load JS per route (production build; goal < ${JS_GOAL_KB} kB gzip each)`);
  console.log(`${"route".padEnd(w)}  ${"raw".padStart(9)}  ${"gzip".padStart(9)}  goal`);
  for (const r of rows) console.log(`${r.route.padEnd(w)}  ${kb(r.raw).padStart(9)}  ${kb(r.gzip).padStart(9)}  ${r.gzip < JS_GOAL_KB * 1024 ? "met" : "over"}`);
}

// ─── main ───────────────────────────────────────────────────────────────────────────────────────────

async function main() {
  const dir = process.cwd();
  if (!existsSync(path.join(dir, ".next", "BUILD_ID"))) throw new Error("no production build here: run `npx next build` first");
  if (argv.includes("--js-only")) {
    printFirstLoadJs(dir);
    return;
  }
  const plan = sizes();
  const requests = num("BENCH_CONSOLE_REQUESTS", 20, 8, { integer: true });
  const warmup = num("BENCH_CONSOLE_WARMUP", 3, 2, { integer: true });
  const db = await benchDatabase("SELECT count(*) AS n FROM builds");
  const version = (await db.q<{ server_version: string }>("SHOW server_version"))[0]!.server_version;
  console.log(`console at scale (${os.cpus().length} cores, PostgreSQL ${version}, ${requests} requests per page after ${warmup} warm-up)${loadNow()}`);

  const t0 = new Date();
  // the seed's deployments are written a hundred thousand at a time: the DORA facts are derived once per size
  // below (dora_rebuild) instead of by the trigger for each row
  await db.q(`SET slipway.dora_off = 'on'`);
  await seedInventory(db);
  // the web server, as `npm start` runs it: the production build behind Slipway's own HTTP server
  const port = process.env.BENCH_CONSOLE_PORT ? Number(process.env.BENCH_CONSOLE_PORT) : await freePort();
  Object.assign(process.env, {
    NODE_ENV: "production",
    SLIPWAY_URL: `http://127.0.0.1:${port}`,
    NEXTAUTH_URL: `http://127.0.0.1:${port}`,
    SLIPWAY_SECRET_KEY: process.env.SLIPWAY_SECRET_KEY ?? randomBytes(32).toString("hex"),
    LOG_LEVEL: "warn",
  });
  const { resetEnvCache } = await import("@/lib/env");
  resetEnvCache();
  const { hashToken } = await import("@/lib/auth/tokens");
  const { sessionCookieName } = await import("@/lib/auth/cookies");
  const token = randomBytes(32).toString("base64url");
  await db.q(`INSERT INTO sessions (id, token_hash, user_id, expires) VALUES ('s-bench', $1, 'u-bench', now() + interval '1 day')`, [hashToken(token)]);
  const cookie = `${sessionCookieName()}=${token}`;
  const { startWebServer } = await import("@/scripts/lib/web-server");
  const web = await startWebServer({ dev: false, port, host: "127.0.0.1", trustProxy: false });
  onCleanup("web server", () => web.close());

  const results: PageFigures[][] = [];
  let seeded = 0;
  for (const size of plan) {
    const t = performance.now();
    await seedBuilds(db, t0, seeded, size);
    await seedAudit(db, t0, seeded, size);
    if (seeded === 0) await settleTargets(db);
    await db.q("SELECT dora_rebuild()");
    seeded = size;
    // a database that has been running has its statistics and visibility map: so does this one
    await db.q("VACUUM ANALYZE");
    // and the seed's writes are on disk before the clock starts, not flushed under the first pages measured
    await db.q("CHECKPOINT");
    console.log(`\nseeded ${label(size)} builds and audit events in ${((performance.now() - t) / 1000).toFixed(1)} s${loadNow()}`);
    const rows = await measurePages(web.url, cookie, consolePages(size), warmup, requests);
    const reads = await measureReads(size, warmup, requests, token);
    for (const r of rows) r.reads = reads.get(r.page);
    results.push(rows);
    printSize(size, rows);
  }
  if (plan.length > 1) printRatios(plan[0]!, plan[plan.length - 1]!, results[0]!, results[results.length - 1]!);
  printFirstLoadJs(dir);
}

runBench(main);
