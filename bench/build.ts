// npm run bench:build — figures for the build pipeline (printed; this is a benchmark, not a test):
//   1. webhook received → build started: signed push deliveries (200), one at a time, each a new commit on its
//      own branch, to an idle worker started in-process (workers/runtime.ts startWorker). The time from just
//      before the receiver (lib/services/webhooks.ts) is called to builds.started_at (set by the runner's
//      claim), p50/p99/max, and where it goes (receiver, github.event job, build_run job).
//   2. the same context built and pushed by Slipway (runBuild of a push to a deployment branch) and by the
//      docker CLI (`docker build` + `docker push`, classic builder as Slipway drives it), alternating, on a
//      few MB of random files with a RUN step in busybox; a file changes before every build so neither side
//      builds from cache. Both medians and the ratio Slipway/CLI.
//   3. 1,000 signed deliveries in 10 s across 100 repositories (pushes to two branches per repository, so
//      refs share builds and newer commits supersede older ones), through the route handler: response
//      p50/p99/max, deliveries lost (202 answers vs webhook_deliveries rows vs github.event jobs the worker
//      applied), builds created vs collapsed, and the time the worker takes to drain.
// Real services: a private dockerd (needs root), a private docker-registry, a loopback stand-in of GitHub's
// REST API (installation tokens, check runs) and an https git server (git http-backend) standing in for
// github.com, so builds fetch with an installation token as they would from GitHub. Slipway runs git without
// global or system config, so the server's self-signed certificate is trusted through a `git` wrapper put
// first on PATH (it adds `-c http.sslCAInfo=…`).
// Uses DATABASE_URL when set (a scratch database!), else an embedded PostgreSQL in a temp directory.
// Smaller runs: --quick, --only=1,3, and the BENCH_BUILD_* variables below. Everything started is stopped
// and every temp directory removed, also on failure and on Ctrl-C.
import { execFile, execFileSync, spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { promisify } from "node:util";
import pino from "pino";
import { gitHttpBackendServer, trustGitCertificate, untrustGitCertificate } from "@/test/helpers/git-https-server";
import { argv, benchDatabase, loadNow, median, ms, num, onCleanup, onlyMeasurements, pct, printTable, quick, runBench, secs, sleep, until, type Row } from "@/bench/lib";

const execFileP = promisify(execFile);
const GIT = "/usr/bin/git";
const GIT_HTTP_BACKEND = "/usr/lib/git-core/git-http-backend";

// ─── options ──────────────────────────────────────────────────────────────────────────────────────

const only = onlyMeasurements("1,2,3");
const options = {
  /** 1: measured deliveries (after 5 warm-up ones) */
  latencyN: num("BENCH_BUILD_LATENCY_N", 200, 20),
  /** 2: builds per side */
  compareN: num("BENCH_BUILD_COMPARE_N", 10, 3),
  /** 2: size of the context in MB of random files (one of them changes before every build) */
  contextMb: num("BENCH_BUILD_CONTEXT_MB", 8, 4),
  /** 3: deliveries, repositories, seconds */
  burstN: num("BENCH_BUILD_BURST_N", 1000, 100),
  burstRepos: num("BENCH_BUILD_BURST_REPOS", 100, 10),
  burstSeconds: num("BENCH_BUILD_BURST_SECONDS", 10, 2),
  /** 3: give up waiting for the worker to drain after this long */
  drainTimeoutS: num("BENCH_BUILD_DRAIN_TIMEOUT_S", 1200, 300),
  /** the worker's concurrency (SLIPWAY_WORKER_CONCURRENCY, default 4 as in production) */
  concurrency: num("SLIPWAY_WORKER_CONCURRENCY", 4, 4),
  /** builds the worker runs at once in its build runner (SLIPWAY_BUILD_CONCURRENCY, default 2 as in production) */
  buildConcurrency: num("SLIPWAY_BUILD_CONCURRENCY", 2, 2),
};

// ─── small helpers ────────────────────────────────────────────────────────────────────────────────

const triple = (xs: number[]) => `${ms(pct(xs, 50))} / ${ms(pct(xs, 99))} / ${ms(Math.max(...xs))}`;

const GIT_ENV: NodeJS.ProcessEnv = {
  NODE_ENV: process.env.NODE_ENV,
  PATH: "/usr/bin:/bin",
  HOME: os.tmpdir(),
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: "/dev/null",
};

function initBareRepo(dir: string): void {
  execFileSync(GIT, ["init", "--quiet", "--bare", "--initial-branch=main", "--", dir], { env: GIT_ENV });
  // GitHub serves any commit reachable from a ref by its SHA; so does this server
  execFileSync(GIT, ["config", "uploadpack.allowReachableSHA1InWant", "true"], { cwd: dir, env: GIT_ENV });
}

interface NewCommit {
  ref: string;
  /** a SHA, or ":N" for the Nth commit of this same import (1-based) */
  parent?: string;
  /** files to add or change (paths may have directories); with a parent the rest of its tree is kept */
  files: Record<string, Buffer | string>;
  message: string;
}

/** Writes commits with `git fast-import` (one process for many commits, binary content); returns their SHAs. */
function importCommits(gitDir: string, commits: NewCommit[]): string[] {
  const parts: Buffer[] = [];
  const ts = Math.floor(Date.now() / 1000);
  const data = (b: Buffer) => parts.push(Buffer.from(`data ${b.length}\n`), b, Buffer.from("\n"));
  commits.forEach((c, i) => {
    parts.push(Buffer.from(`commit ${c.ref}\nmark :${i + 1}\ncommitter Bench <bench@example.org> ${ts} +0000\n`));
    data(Buffer.from(c.message));
    if (c.parent) parts.push(Buffer.from(`from ${c.parent}\n`));
    for (const [p, content] of Object.entries(c.files)) {
      parts.push(Buffer.from(`M 100644 inline ${p}\n`));
      data(Buffer.isBuffer(content) ? content : Buffer.from(content));
    }
    parts.push(Buffer.from("\n"));
  });
  const marks = path.join(gitDir, "bench-marks");
  execFileSync(GIT, ["fast-import", "--quiet", "--force", `--export-marks=${marks}`], { env: { ...GIT_ENV, GIT_DIR: gitDir }, input: Buffer.concat(parts), maxBuffer: 64 << 20 });
  const map = new Map(
    readFileSync(marks, "utf8")
      .trim()
      .split("\n")
      .map((l) => l.split(" ") as [string, string]),
  );
  return commits.map((_, i) => {
    const sha = map.get(`:${i + 1}`);
    if (!sha) throw new Error(`git fast-import did not report commit ${i + 1}`);
    return sha;
  });
}

// ─── the https git server (a child process: `bench/build.ts --serve-git ROOT CERT KEY`) ───────────────

/** git http-backend behind https, as CGI: what `git fetch https://…` talks to on GitHub (test/helpers/git-https-server.ts). */
function serveGit(root: string, certFile: string, keyFile: string): void {
  const git = gitHttpBackendServer(root, { cert: certFile, key: keyFile }, { backendStderr: "inherit" });
  const { server } = git;
  server.listen(0, "127.0.0.1", () => console.log(`listening ${(server.address() as AddressInfo).port}`));
  const bye = () => {
    console.log(`requests ${git.requests}, with a token ${git.authorizations.filter((a) => a.startsWith("Basic ")).length}`);
    process.exit(0);
  };
  process.on("SIGTERM", bye);
  process.on("SIGINT", bye);
}

// ─── the benchmark ───────────────────────────────────────────────────────────────────────────────


async function main() {
  if (argv.includes("--help")) {
    console.log("npm run bench:build [-- --quick] [-- --only=1,2,3]   (see the top of bench/build.ts for BENCH_BUILD_* variables)");
    return;
  }
  if (process.getuid?.() !== 0) throw new Error("bench:build starts a private dockerd, which needs root (run it as root, e.g. in the dev container)");
  for (const bin of ["/usr/sbin/dockerd", "/usr/bin/docker-registry", GIT, GIT_HTTP_BACKEND]) {
    if (!existsSync(bin)) throw new Error(`${bin} is missing; run scripts/setup.sh`);
  }
  const dockerCli = execFileSync("/bin/sh", ["-c", "command -v docker"], { encoding: "utf8" }).trim();
  // the application logger (receiver, runner) stays quiet; the worker gets its own logger below
  process.env.LOG_LEVEL ??= "warn";
  process.env.SLIPWAY_LOG_FORMAT ??= "json";

  const work = mkdtempSync("/tmp/sw-bb-");
  onCleanup("temp directory", () => rmSync(work, { recursive: true, force: true }));
  // the builds' git mirrors (lib/git/mirror.ts) live in the temp directory, not in the checkout's .slipway/
  process.env.SLIPWAY_GIT_CACHE_DIR ??= path.join(work, "git-mirrors");
  const rows: Row[] = [];

  // the database
  const { url, embedded, q } = await benchDatabase("SELECT count(*) AS n FROM builds");
  const { getDb } = await import("@/lib/db");

  const { logOptions } = await import("@/lib/log");
  const { receiveGithubWebhook } = await import("@/lib/services/webhooks");
  const { POST } = await import("@/app/api/webhooks/github/[app]/route");
  const { saveApp, saveBuildRule, saveContext, saveDeploymentRule, saveRegistry, saveRepository } = await import("@/lib/services/inventory/entities");
  const { applyRefUpdates } = await import("@/lib/services/refs");
  const { scheduleBuildsForMovedRefs } = await import("@/lib/services/builds/schedule");
  const { runBuild } = await import("@/lib/build/runner");
  const { readBuildLog } = await import("@/lib/build/log-store");
  const { startWorker } = await import("@/workers/runtime");
  const { actorFor, createUser } = await import("@/test/helpers/fixtures");
  const { startDockerd } = await import("@/test/helpers/dockerd");
  const { startRegistry } = await import("@/test/helpers/registry");
  const { importBusybox } = await import("@/test/helpers/busybox");
  const { generateAppKeyPair, startGithubApi } = await import("@/test/helpers/github-api");
  const { spawnDaemon, stopDaemon } = await import("@/test/helpers/processes");
  const { deliveryHeaders, examplePayload, forRepository, sign } = await import("@/test/helpers/webhook-payloads");

  // the worker's log: production's format and redaction, at info; counted here, warnings and errors kept
  const seen = { applied: new Set<string>(), warnings: 0, errors: 0, problems: new Map<string, number>() };
  // BENCH_BUILD_WORKER_LOG=debug keeps graphile-worker's debug lines too, and prints the last ones when a
  // stopped worker leaves a job locked
  const recent: string[] = [];
  const workerLog = pino(
    { ...logOptions, level: process.env.BENCH_BUILD_WORKER_LOG === "debug" ? "debug" : "info" },
    {
      write(line: string) {
        recent.push(line.length > 400 ? `${line.slice(0, 400)}…` : line.trimEnd());
        if (recent.length > 60) recent.shift();
        let rec: { level?: number; msg?: string; deliveryId?: string; job?: string; error?: unknown; err?: unknown; reason?: unknown };
        try {
          rec = JSON.parse(line) as typeof rec;
        } catch {
          return;
        }
        if ((rec.msg === "github event applied" || rec.msg === "github event: no ref change") && rec.deliveryId) seen.applied.add(rec.deliveryId);
        if ((rec.level ?? 0) >= 40) {
          if ((rec.level ?? 0) >= 50) seen.errors++;
          else seen.warnings++;
          const detail = JSON.stringify(rec.error ?? rec.err ?? rec.reason ?? "").slice(0, 160);
          const key = `${typeof rec.job === "string" ? `${rec.job}: ` : ""}${(rec.msg ?? "").split("\n")[0]!.slice(0, 200)} ${detail}`.replace(/\s+/g, " ");
          seen.problems.set(key, (seen.problems.get(key) ?? 0) + 1);
        }
      },
    },
  );

  // machine facts
  const pgVersion = (await q<{ server_version: string }>("SHOW server_version"))[0]!.server_version;
  const cpu = os.cpus();
  console.log("Slipway build pipeline benchmark");
  console.log(`machine: ${cpu.length} CPUs (${cpu[0]?.model.trim() ?? "?"}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, load ${os.loadavg().map((l) => l.toFixed(2)).join(" ")}`);
  console.log(`software: node ${process.version}, PostgreSQL ${pgVersion} (${embedded ? "embedded, fsync on" : "DATABASE_URL"}), ${execFileSync(GIT, ["--version"], { encoding: "utf8" }).trim()}`);
  console.log(
    `worker: in-process startWorker, concurrency ${options.concurrency} + build runner ${options.buildConcurrency} (build contexts: max_concurrent_builds ${options.concurrency}), graphile-worker pollInterval 2 s + LISTEN/NOTIFY${quick ? "   [--quick]" : ""}`,
  );

  // services
  const keys = generateAppKeyPair();
  const INSTALLATION = 990001;
  const APP_ID = 4711;
  const burstNames = Array.from({ length: options.burstRepos }, (_, i) => `bench/r${String(i).padStart(3, "0")}`);
  const installations = Object.fromEntries(["bench/lat", "bench/big", ...burstNames].map((n) => [n, INSTALLATION]));
  const started = <T extends { stop(): Promise<void> }>(what: string) => (s: T): T => {
    onCleanup(what, () => s.stop());
    return s;
  };
  const [dockerd, registry, api] = await Promise.all([
    startDockerd().then(started("dockerd")),
    startRegistry().then(started("registry")),
    startGithubApi({ appId: APP_ID, publicKey: keys.publicKey, installations }).then(started("GitHub API stand-in")),
  ]);
  const dockerVersion = execFileSync(dockerCli, ["-H", dockerd.endpoint, "version", "--format", "{{.Client.Version}} (client) / {{.Server.Version}} (daemon, overlay2)"], { encoding: "utf8" }).trim();
  console.log(`docker: ${dockerVersion}; registry: docker-registry on ${registry.url}`);
  const busybox = await importBusybox(dockerd.docker, `${registry.url}/busybox:latest`);

  // the https git server and the git wrapper that trusts its certificate
  const gitRoot = path.join(work, "git");
  mkdirSync(gitRoot);
  const { cert, key } = trustGitCertificate();
  onCleanup("git certificate and PATH", () => untrustGitCertificate());
  const gitLog = path.join(work, "git-server.log");
  const gitServer = spawnDaemon(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), "--serve-git", gitRoot, cert, key], { logFile: gitLog });
  onCleanup("git server", () => stopDaemon(gitServer, 5000));
  const gitPort = await until(
    "the https git server",
    async () => {
      if (gitServer.exitCode !== null) throw new Error(`the git server exited: ${readFileSync(gitLog, "utf8")}`);
      return /listening (\d+)/.exec(readFileSync(gitLog, "utf8"))?.[1];
    },
    30_000,
    50,
  );
  const gitUrl = (name: string) => `https://127.0.0.1:${gitPort}/${name}.git`;

  // inventory: an app with a webhook secret and a key the API stand-in knows, the build host, the registry
  const SECRET = `whsec-bench-${randomBytes(8).toString("hex")}`;
  const admin = actorFor(await createUser("admin"));
  await saveApp(admin, { name: "bench", app_id: APP_ID, api_url: api.url, private_key: keys.privateKey, webhook_secret: SECRET });
  await saveContext(admin, { name: "builder", endpoint: dockerd.endpoint, role: "build", max_concurrent_builds: options.concurrency });
  await saveRegistry(admin, { name: "local", url: registry.url });

  async function registerRepo(name: string, rule: Record<string, unknown> = {}) {
    const id = (await saveRepository(admin, { repo: name, app: "bench", url: gitUrl(name.replace("/", "-")) })).id;
    await getDb().repository.update({ where: { id }, data: { installationId: BigInt(INSTALLATION) } });
    const buildRuleId = (await saveBuildRule(admin, { repository_id: id, dockerfile: "Dockerfile", ...rule })).id;
    return { id, buildRuleId, gitDir: path.join(gitRoot, `${name.replace("/", "-")}.git`) };
  }

  const pushExample = examplePayload("push", undefined, (e) => String(e.ref).startsWith("refs/heads/") && e.deleted === false);
  function pushDelivery(repo: string, githubId: number, branch: string, sha: string, before: string) {
    const p = forRepository(structuredClone(pushExample), repo, githubId);
    Object.assign(p, { ref: `refs/heads/${branch}`, after: sha, before, deleted: false, created: before === "0".repeat(40), installation: { id: INSTALLATION } });
    const raw = JSON.stringify(p);
    const id = randomUUID();
    return { id, raw, body: new TextEncoder().encode(raw), signature: sign(SECRET, raw) };
  }

  let worker: Awaited<ReturnType<typeof startWorker>> | undefined;
  onCleanup("worker", () => worker?.stop());
  /** when the current worker started (database clock): jobs locked before then belong to a stopped worker */
  let workerSince = new Date(0);
  const findings: string[] = [];
  async function launchWorker(id: string) {
    workerSince = (await q<{ now: Date }>("SELECT now()"))[0]!.now;
    worker = await startWorker({ connectionString: url!, concurrency: options.concurrency, buildConcurrency: options.buildConcurrency, id, log: workerLog });
  }
  async function stopWorker(what: string) {
    const stopAt = (await q<{ now: Date }>("SELECT now()"))[0]!.now;
    await worker?.stop();
    worker = undefined;
    const left = await q<{ task: string; n: string; locked_at: Date }>(
      `SELECT t.identifier AS task, count(*) AS n, min(j.locked_at) AS locked_at FROM graphile_worker._private_jobs j
       JOIN graphile_worker._private_tasks t ON t.id = j.task_id WHERE j.locked_at >= $1 GROUP BY 1`,
      [workerSince],
    );
    if (left.length) {
      const line = `after ${what}'s worker stopped (worker.stop() resolved), jobs still locked: ${left.map((l) => `${l.n}× ${l.task} (locked ${l.locked_at.getTime() - stopAt.getTime()} ms after stop() was called)`).join(", ")}; graphile-worker frees such a lock after 4 h`;
      console.log(`  NOTE ${line}`);
      if (process.env.BENCH_BUILD_WORKER_LOG === "debug") console.log(`  the worker's last log lines:\n    ${recent.join("\n    ")}`);
      findings.push(line);
    }
  }
  const jobCounts = async () =>
    (
      await q<{ running: string; ready: string; waiting: string }>(
        `SELECT count(*) FILTER (WHERE locked_at >= $1) AS running,
                count(*) FILTER (WHERE locked_at IS NULL AND run_at <= now() AND attempts < max_attempts) AS ready,
                count(*) FILTER (WHERE locked_at IS NULL AND run_at > now() AND attempts < max_attempts) AS waiting
         FROM graphile_worker._private_jobs`,
        [workerSince],
      )
    ).map((r) => ({ running: Number(r.running), ready: Number(r.ready), waiting: Number(r.waiting) }))[0]!;
  const idle = async () => {
    const j = await jobCounts();
    return j.running === 0 && j.ready === 0;
  };
  const ACTIVE = `('queued','fetching','building','pushing')`;

  // ─── 1. webhook received → build started ──────────────────────────────────────────────────────
  if (only.has("1")) {
    console.log(`\n1. webhook received → build started (${options.latencyN} deliveries, one at a time, idle worker)${loadNow()}`);
    const WARM = 5;
    const n = options.latencyN + WARM;
    const repo = await registerRepo("bench/lat");
    initBareRepo(repo.gitDir);
    const dockerfile = "FROM scratch\nCOPY hello.txt /\n";
    const [, ...heads] = importCommits(repo.gitDir, [
      { ref: "refs/heads/main", files: { Dockerfile: dockerfile, "hello.txt": "hello\n" }, message: "initial" },
      ...Array.from({ length: n }, (_, i) => ({ ref: `refs/heads/b${i}`, parent: ":1", files: { "hello.txt": `hello from branch b${i}\n` }, message: `change on b${i}` })),
    ]);
    const deliveries = heads.map((sha, i) => ({ sha, ...pushDelivery("bench/lat", 1001, `b${i}`, sha, "0".repeat(40)) }));

    await launchWorker("bench-worker-1");
    const total: number[] = [];
    const receiver: number[] = [];
    const toQueued: number[] = [];
    const queuedToStarted: number[] = [];
    const states = new Map<string, number>();
    let slowPickups = 0;
    const neverStarted: string[] = [];
    for (const [i, d] of deliveries.entries()) {
      await until("the worker to be idle", idle, 60_000, 10);
      const t0 = Date.now();
      const p0 = performance.now();
      const r = await receiveGithubWebhook({ appName: "bench", headers: deliveryHeaders("push", d.id, d.signature), body: d.body });
      const recv = performance.now() - p0;
      if (r.status !== 202) throw new Error(`delivery ${i}: the receiver answered ${r.status} ${JSON.stringify(r.body)}`);
      // the build starts when the runner claims it; a build whose claim failed stays queued with no job left
      type Started = { id: string; started_at: Date | null; queued_at: Date; state: string };
      const find = async () =>
        (
          await q<Started>(
            `SELECT b.id, b.started_at, b.queued_at, b.state::text FROM builds b JOIN commits c ON c.id = b.commit_id WHERE c.sha = $1 AND b.build_rule_id = $2`,
            [d.sha, repo.buildRuleId],
          )
        )[0];
      let b: Started | undefined;
      try {
        b = await until(`the build of delivery ${i} to start`, async () => {
          const row = await find();
          return row?.started_at ? row : null;
        }, 15_000, 5);
      } catch {
        const row = await find();
        const j = await jobCounts();
        neverStarted.push(`delivery ${i}: build ${row ? `${row.id} ${row.state}` : "not created"}, jobs running ${j.running}, ready ${j.ready}`);
        continue;
      }
      const buildId = b.id;
      const done = await until(
        `the build of delivery ${i} to end`,
        async () => (await q<{ state: string; reason: string | null }>(`SELECT state::text, reason FROM builds WHERE id = $1 AND state NOT IN ${ACTIVE}`, [buildId]))[0],
        120_000,
        20,
      );
      if (i < WARM) continue;
      const started = b.started_at!.getTime() - t0;
      total.push(started);
      receiver.push(recv);
      toQueued.push(b.queued_at.getTime() - t0);
      queuedToStarted.push(b.started_at!.getTime() - b.queued_at.getTime());
      if (started > 1000) slowPickups++;
      const k = done.state === "failed" ? `failed (${(done.reason ?? "").slice(0, 80)})` : done.state;
      states.set(k, (states.get(k) ?? 0) + 1);
    }
    await stopWorker("measurement 1");
    console.log(`  delivery → build started   p50/p99/max  ${triple(total)}   (goal p99 < 100 ms)`);
    console.log(`    receiver call (202)       p50/p99/max  ${triple(receiver)}`);
    console.log(`    delivery → build queued   p50/p99/max  ${triple(toQueued)}   (github.event job picked up and applied)`);
    console.log(`    queued → started          p50/p99/max  ${triple(queuedToStarted)}   (build_run job picked up and claimed)`);
    console.log(`  over 1 s: ${slowPickups} of ${total.length}; builds ended: ${[...states].map(([s, c]) => `${c} ${s}`).join(", ")}`);
    if (neverStarted.length) console.log(`  NEVER STARTED (not in the figures above): ${neverStarted.length}\n    ${neverStarted.join("\n    ")}`);
    rows.push({ figure: `1 webhook → build started p50/p99/max (n=${total.length})`, value: triple(total), goal: "p99 < 100 ms" });
    if (neverStarted.length) rows.push({ figure: "1 builds that never started (stuck queued)", value: String(neverStarted.length), goal: "0" });
  }

  // ─── 2. Slipway vs the docker CLI ────────────────────────────────────────────────────────────
  if (only.has("2")) {
    console.log(`\n2. build + push of the same context: Slipway (runBuild) vs docker CLI, alternating, ${options.compareN} each (+1 warm-up each)${loadNow()}`);
    // nothing else may take these builds: no worker runs now, and the jobs the scheduling enqueues are dropped
    const repo = await registerRepo("bench/big");
    const image = `${registry.url}/bench/slipway:live`;
    await saveDeploymentRule(admin, { build_rule_id: repo.buildRuleId, branch: "live", image });
    initBareRepo(repo.gitDir);
    const staticCount = Math.max(1, Math.round(options.contextMb) - 1);
    const staticFiles: Record<string, Buffer> = {};
    for (let i = 0; i < staticCount; i++) staticFiles[`data/static-${i}.bin`] = randomBytes(1 << 20);
    const dockerfile = `FROM ${busybox}\nCOPY data /data\nRUN ["/bin/sh", "-c", "cat /data/* > /blob && ls -l /blob"]\n`;
    const change = () => randomBytes(1 << 20);
    let tip = importCommits(repo.gitDir, [{ ref: "refs/heads/live", files: { Dockerfile: dockerfile, ...staticFiles, "data/zz-change.bin": change() }, message: "initial" }])[0]!;
    const contextBytes = staticCount * (1 << 20) + (1 << 20) + dockerfile.length;
    console.log(`  context: ${staticCount + 1} random files, ${(contextBytes / 2 ** 20).toFixed(1)} MiB; Dockerfile: FROM busybox, COPY data, RUN cat; the 1 MiB data/zz-change.bin is new before every build`);

    const cliConfig = path.join(work, "docker-config");
    mkdirSync(cliConfig);
    const cliEnv: NodeJS.ProcessEnv = { NODE_ENV: process.env.NODE_ENV, PATH: process.env.PATH, HOME: work, DOCKER_CONFIG: cliConfig, DOCKER_BUILDKIT: "0" };
    const cliTag = `${registry.url}/bench/cli:live`;

    /** the commit Slipway built last (the CLI script's commits are not in Slipway's mirror) */
    let slipTip = tip;
    async function slipwayOnce(i: number) {
      tip = importCommits(repo.gitDir, [{ ref: "refs/heads/live", parent: tip, files: { "data/zz-change.bin": change() }, message: `change ${i}` }])[0]!;
      const sha = tip;
      slipTip = sha;
      const scheduled = await getDb().$transaction(async (tx) => {
        const changes = await applyRefUpdates(tx, repo.id, [{ kind: "branch", name: "live", headSha: sha }]);
        return scheduleBuildsForMovedRefs(tx, repo.id, changes.moved, { trigger: "webhook" });
      });
      await q(`DELETE FROM graphile_worker._private_jobs WHERE locked_at IS NULL`);
      const buildId = scheduled.find((s) => s.created)?.buildId;
      if (!buildId) throw new Error("scheduling created no build");
      // the phases, from the build's state (polled; 10 ms resolution)
      const phases: Record<string, number> = {};
      let polling = true;
      const t = performance.now();
      const poller = (async () => {
        while (polling) {
          const s = (await q<{ state: string }>("SELECT state::text FROM builds WHERE id = $1", [buildId]))[0]?.state;
          if (s && phases[s] === undefined) phases[s] = performance.now() - t;
          await sleep(10);
        }
      })();
      const out = await runBuild(buildId, { workerId: "bench-runner", log: workerLog });
      const total = performance.now() - t;
      polling = false;
      await poller;
      if (out.state !== "succeeded") {
        const text = (await readBuildLog(buildId, -1, 10_000)).map((c) => c.text).join("");
        throw new Error(`Slipway build ${i} ${out.state}: ${out.reason}\n${text.slice(-3000)}`);
      }
      const building = phases.building ?? NaN;
      const pushing = phases.pushing ?? NaN;
      return { total, fetch: building, build: pushing - building, push: total - pushing };
    }

    // Slipway labels every image with its commit, build and repository; the classic builder turns labels into
    // one more (metadata) step. The CLI baseline labels its image the same way, so both sides build the same
    // image; the plain `docker build` without labels is measured too and printed beside it.
    const cliLabels = (i: number) => ["org.opencontainers.image.revision", "dev.slipway.build", "dev.slipway.repository"].flatMap((k) => ["--label", `${k}=${k === "dev.slipway.build" ? `cli-${i}` : randomBytes(20).toString("hex")}`]);
    async function cliOnce(i: number, labels = true) {
      const dir = path.join(work, `cli-${i}`);
      mkdirSync(path.join(dir, "data"), { recursive: true });
      writeFileSync(path.join(dir, "Dockerfile"), dockerfile);
      for (const [p, content] of Object.entries(staticFiles)) writeFileSync(path.join(dir, p), content);
      writeFileSync(path.join(dir, "data/zz-change.bin"), change());
      const t = performance.now();
      await execFileP(dockerCli, ["-H", dockerd.endpoint, "build", "--tag", cliTag, ...(labels ? cliLabels(i) : []), "--file", path.join(dir, "Dockerfile"), dir], { env: cliEnv, maxBuffer: 64 << 20 });
      const built = performance.now() - t;
      await execFileP(dockerCli, ["-H", dockerd.endpoint, "push", cliTag], { env: cliEnv, maxBuffer: 64 << 20 });
      const total = performance.now() - t;
      rmSync(dir, { recursive: true, force: true });
      return { total, build: built, push: total - built };
    }

    // The docker CLI doing the same as Slipway, as a hand-written script on a build machine would: it keeps a clone
    // of the repository (made once, warm, like Slipway's mirror), fetches the new commit into it from the same
    // https server with the same token (depth 1, by SHA), and builds that commit with the same labels from
    // `git archive <sha> | docker build -` (no checkout and no .git in the context, as Slipway), then pushes.
    const cliClone = path.join(work, "cli-clone");
    const { installationToken: tokenFor } = await import("@/lib/github/app-client");
    const scriptToken = (await tokenFor(repo.id)) ?? "";
    const scriptEnv: NodeJS.ProcessEnv = {
      ...cliEnv,
      GIT_CONFIG_NOSYSTEM: "1",
      GIT_CONFIG_GLOBAL: "/dev/null",
      GIT_CONFIG_COUNT: "1",
      GIT_CONFIG_KEY_0: "http.extraHeader",
      GIT_CONFIG_VALUE_0: `Authorization: Basic ${Buffer.from(`x-access-token:${scriptToken}`).toString("base64")}`,
    };
    await execFileP("git", ["clone", "--quiet", "--depth=1", "--no-tags", "--bare", gitUrl("bench-big"), cliClone], { env: scriptEnv });
    /** `a | b` without a shell: resolves when both exited 0 */
    const pipe = (a: [string, string[]], b: [string, string[]], env: NodeJS.ProcessEnv) =>
      new Promise<void>((resolve, reject) => {
        const left = spawn(a[0], a[1], { env, stdio: ["ignore", "pipe", "pipe"] });
        const right = spawn(b[0], b[1], { env, stdio: ["pipe", "ignore", "pipe"] });
        let err = "";
        for (const c of [left, right]) c.stderr.on("data", (d: Buffer) => void (err += d.toString()));
        left.stdout.pipe(right.stdin);
        let open = 2;
        const exit = (who: string) => (code: number | null) => {
          if (code !== 0) reject(new Error(`${who} exited ${code}: ${err.slice(-2000)}`));
          else if (--open === 0) resolve();
        };
        left.on("exit", exit(a[1].join(" ")));
        right.on("exit", exit(b[1].join(" ")));
      });
    async function scriptOnce(i: number) {
      tip = importCommits(repo.gitDir, [{ ref: "refs/heads/live", parent: tip, files: { "data/zz-change.bin": change() }, message: `script change ${i}` }])[0]!;
      const sha = tip;
      const t = performance.now();
      await execFileP("git", ["--git-dir", cliClone, "fetch", "--quiet", "--depth=1", "--no-tags", "origin", `+${sha}:refs/heads/build`], { env: scriptEnv });
      const fetched = performance.now() - t;
      await pipe(["git", ["--git-dir", cliClone, "archive", "--format=tar", sha]], [dockerCli, ["-H", dockerd.endpoint, "build", "--quiet", "--tag", cliTag, ...cliLabels(i + 2000), "-"]], scriptEnv);
      const built = performance.now() - t;
      await execFileP(dockerCli, ["-H", dockerd.endpoint, "push", cliTag], { env: cliEnv, maxBuffer: 64 << 20 });
      const total = performance.now() - t;
      return { total, fetch: fetched, build: built - fetched, push: total - built };
    }

    // the warm-up build is the first one of this repository on this machine: its git mirror is cold
    const cold = await slipwayOnce(-1);
    await cliOnce(-1);
    await cliOnce(-2, false);
    await scriptOnce(-3);
    const slip: Awaited<ReturnType<typeof slipwayOnce>>[] = [];
    const cli: Awaited<ReturnType<typeof cliOnce>>[] = [];
    const plain: Awaited<ReturnType<typeof cliOnce>>[] = [];
    const script: Awaited<ReturnType<typeof scriptOnce>>[] = [];
    for (let i = 0; i < options.compareN; i++) {
      // each side goes first a quarter of the time
      const sides = [
        async () => slip.push(await slipwayOnce(i)),
        async () => script.push(await scriptOnce(i)),
        async () => cli.push(await cliOnce(i)),
        async () => plain.push(await cliOnce(i + 1000, false)),
      ];
      for (let k = 0; k < sides.length; k++) await sides[(i + k) % sides.length]!();
      process.stdout.write(
        `  round ${i + 1}/${options.compareN}: Slipway ${secs(slip.at(-1)!.total)}, CLI script (fetch+build+push) ${secs(script.at(-1)!.total)}, CLI on disk ${secs(cli.at(-1)!.total)}, CLI on disk without labels ${secs(plain.at(-1)!.total)}   [load ${os.loadavg()[0]!.toFixed(2)}]\n`,
      );
    }
    // for reference: the product's fetch and context stream alone, on the last commit
    const { installationToken } = await import("@/lib/github/app-client");
    const { fetchCommit, withTempCheckout } = await import("@/lib/git/fetch");
    const { prepareContext } = await import("@/lib/build/context");
    const tarFs = (await import("tar-fs")).default;
    const drainStream = async (stream: NodeJS.ReadableStream) => {
      let bytes = 0;
      await pipeline(stream, new Writable({ write: (c: Buffer, _e, cb) => ((bytes += c.length), cb()) }));
      return bytes;
    };
    const { checkoutFromMirror, commitFromMirror } = await import("@/lib/git/mirror");
    const { prepareTreeContext } = await import("@/lib/build/context");
    const ref = { fetch: [] as number[], mirror: [] as number[], tree: [] as number[], tar: [] as number[], gzip: [] as number[], gzBytes: 0 };
    const rule = { contextDir: "", dockerfile: "Dockerfile", includeGit: false };
    for (let i = 0; i < 3; i++) {
      await withTempCheckout(async (dir) => {
        const token = (await installationToken(repo.id)) ?? undefined;
        let t = performance.now();
        await fetchCommit(gitUrl("bench/big".replace("/", "-")), slipTip, dir, { token, timeoutMs: 120_000, depth: 1, ref: "refs/heads/live" });
        ref.fetch.push(performance.now() - t);
        // the same commit from this machine's git mirror, where the builds above left it
        await withTempCheckout(async (mirrored) => {
          const m = performance.now();
          const got = await checkoutFromMirror({ root: process.env.SLIPWAY_GIT_CACHE_DIR!, maxBytes: 2 ** 40 }, gitUrl("bench/big".replace("/", "-")), slipTip, mirrored, { key: repo.id, keepGitDir: false, token, timeoutMs: 120_000, depth: 1, ref: "refs/heads/live" });
          ref.mirror.push(performance.now() - m);
          if (got.source !== "cached") throw new Error(`the commit built last was not in the git mirror (${got.source})`);
        });
        // what a build does now: the commit's tree from the mirror and its context streamed from git's objects
        const m = performance.now();
        const c = await commitFromMirror({ root: process.env.SLIPWAY_GIT_CACHE_DIR!, maxBytes: 2 ** 40 }, gitUrl("bench-big"), slipTip, { key: repo.id, token, timeoutMs: 120_000, depth: 1, ref: "refs/heads/live" });
        const treeCtx = await prepareTreeContext(c, rule);
        if ("checkoutNeeded" in treeCtx) throw new Error(treeCtx.checkoutNeeded);
        await drainStream(treeCtx.stream());
        ref.tree.push(performance.now() - m);
        const ctx = await prepareContext(dir, rule);
        t = performance.now();
        await drainStream(tarFs.pack(dir, { entries: [...ctx.entries] })); // rule.contextDir is the root
        ref.tar.push(performance.now() - t);
        t = performance.now();
        ref.gzBytes = await drainStream(ctx.stream());
        ref.gzip.push(performance.now() - t);
      });
    }
    const sMed = median(slip.map((s) => s.total));
    const cMed = median(cli.map((c) => c.total));
    const ratio = sMed / cMed;
    const scMed = median(script.map((c) => c.total));
    const fairRatio = sMed / scMed;
    console.log(`  Slipway median ${secs(sMed)}  (claim+token+fetch+context ${ms(median(slip.map((s) => s.fetch)))}, build ${ms(median(slip.map((s) => s.build)))}, push+record ${ms(median(slip.map((s) => s.push)))})`);
    console.log(
      `  CLI script median ${secs(scMed)}  (git fetch of the new commit into a warm clone ${ms(median(script.map((c) => c.fetch)))}, git archive | docker build - ${ms(median(script.map((c) => c.build)))}, push ${ms(median(script.map((c) => c.push)))}; same labels)`,
    );
    console.log(`  CLI     median ${secs(cMed)}  (build ${ms(median(cli.map((c) => c.build)))}, push ${ms(median(cli.map((c) => c.push)))}; the CLI builds from a directory already on disk, with Slipway's three --label flags)`);
    const pMed = median(plain.map((c) => c.total));
    console.log(`  CLI without --label median ${secs(pMed)}  (build ${ms(median(plain.map((c) => c.build)))}, push ${ms(median(plain.map((c) => c.push)))})`);
    console.log(`  ratio Slipway / CLI script ${fairRatio.toFixed(3)}   (goal ≤ 1.10: both get the new commit from the server, build it with the same labels and push it)`);
    console.log(`  ratio Slipway / CLI on disk ${ratio.toFixed(3)} (the CLI never fetches: stricter than the issue's "doing the same"); without labels ${(sMed / pMed).toFixed(3)}`);
    console.log(`  git mirror: first build (cold mirror) claim+token+fetch+context ${ms(cold.fetch)}, total ${secs(cold.total)}; later builds (warm mirror, one new commit each) ${ms(median(slip.map((s) => s.fetch)))}, total ${secs(sMed)}`);
    const sBuildPush = median(slip.map((s) => s.build + s.push));
    console.log(`  build+push phases only (Slipway from state building to the end, vs the whole CLI run): ${secs(sBuildPush)} vs ${secs(cMed)}, ratio ${(sBuildPush / cMed).toFixed(3)}`);
    console.log(
      `  for reference, Slipway's own functions alone (median of 3): fetchCommit (depth 1, https, token) ${ms(median(ref.fetch))}; ` +
        `checkoutFromMirror of a commit already in the mirror ${ms(median(ref.mirror))}; ` +
        `commitFromMirror + prepareTreeContext + its whole tar (what a build does now, no checkout) ${ms(median(ref.tree))}; ` +
        `context as a plain tar ${ms(median(ref.tar))}; from a checkout (prepareContext, ${(ref.gzBytes / 2 ** 20).toFixed(1)} MiB) ${ms(median(ref.gzip))}; the CLI sends a plain tar`,
    );
    rows.push({ figure: `2 build+push median Slipway / CLI script / CLI on disk (n=${options.compareN})`, value: `${secs(sMed)} / ${secs(scMed)} / ${secs(cMed)}`, goal: "" });
    rows.push({ figure: "2 ratio Slipway / CLI script (fetch+build+push, same labels)", value: fairRatio.toFixed(3), goal: "≤ 1.10" });
    rows.push({ figure: "2 ratio Slipway / CLI on disk (no fetch, same labels)", value: ratio.toFixed(3), goal: "" });
    rows.push({ figure: "2 ratio Slipway/CLI without labels", value: (sMed / pMed).toFixed(3), goal: "" });
    rows.push({ figure: "2 fetch phase: first build (cold mirror) / later (warm)", value: `${ms(cold.fetch)} / ${ms(median(slip.map((s) => s.fetch)))}`, goal: "" });
    rows.push({ figure: "2 ratio without Slipway's fetch (build+push only, vs CLI on disk)", value: (sBuildPush / cMed).toFixed(3), goal: "" });
    rows.push({ figure: "2 fetch phase: Slipway (claim…context) / CLI script (git fetch)", value: `${ms(median(slip.map((s) => s.fetch)))} / ${ms(median(script.map((c) => c.fetch)))}`, goal: "" });
    // the check-run jobs these builds enqueued are not part of what follows
    await q(`DELETE FROM graphile_worker._private_jobs WHERE locked_at IS NULL`);
  }

  // ─── 3. a burst of deliveries ──────────────────────────────────────────────────────────────
  if (only.has("3")) {
    const K = options.burstN;
    const R = options.burstRepos;
    const perRepo = Math.ceil(K / R);
    const commitsPerRepo = Math.ceil(perRepo / 2);
    console.log(`\n3. ${K} signed deliveries in ${options.burstSeconds} s across ${R} repositories (route handler; per repository: pushes to main and release, ${commitsPerRepo} commits, each pushed to both)${loadNow()}`);
    const repos: Array<Awaited<ReturnType<typeof registerRepo>> & { name: string; shas: string[] }> = [];
    for (const name of burstNames) {
      const r = await registerRepo(name);
      initBareRepo(r.gitDir);
      const shas = importCommits(
        r.gitDir,
        Array.from({ length: commitsPerRepo }, (_, c): NewCommit => ({
          ref: "refs/heads/main",
          parent: c === 0 ? undefined : `:${c}`,
          files: c === 0 ? { Dockerfile: "FROM scratch\nCOPY hello.txt /\n", "hello.txt": `${name} 0\n` } : { "hello.txt": `${name} ${c}\n` },
          message: `commit ${c}`,
        })),
      );
      repos.push({ ...r, name, shas });
    }
    // delivery k goes to repository k % R: each repository gets one every R deliveries, alternately main and release
    const plan = Array.from({ length: K }, (_, k) => {
      const r = k % R;
      const j = Math.floor(k / R);
      const repo = repos[r]!;
      const c = Math.floor(j / 2);
      const branch = j % 2 === 0 ? "main" : "release";
      const sha = repo.shas[c]!;
      const before = c === 0 ? "0".repeat(40) : repo.shas[c - 1]!;
      return { repo, branch, sha, ...pushDelivery(repo.name, 2000 + r, branch, sha, before) };
    });
    const lastSha = new Map<string, string>();
    for (const p of plan) lastSha.set(`${p.repo.id}:${p.branch}`, p.sha);
    const ruleIds = repos.map((r) => r.buildRuleId);
    seen.applied.clear();

    await launchWorker("bench-worker-3");
    await sleep(500);
    const loopDelay = monitorEventLoopDelay({ resolution: 5 });
    loopDelay.enable();
    const interval = (options.burstSeconds * 1000) / K;
    const service: number[] = [];
    const fromSchedule: number[] = [];
    const statuses = new Map<number, number>();
    const accepted = new Set<string>();
    let maxLag = 0;
    const bySecond: number[][] = [];
    const cpu0 = process.cpuUsage();
    const start = performance.now();
    const sends: Promise<void>[] = [];
    for (const [k, d] of plan.entries()) {
      const due = start + k * interval;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
      maxLag = Math.max(maxLag, performance.now() - due);
      sends.push(
        (async () => {
          const t = performance.now();
          const req = new Request(`http://127.0.0.1/api/webhooks/github/bench`, { method: "POST", headers: deliveryHeaders("push", d.id, d.signature), body: d.raw });
          const res = await POST(req, { params: Promise.resolve({ app: "bench" }) });
          const body = (await res.json()) as { accepted?: boolean };
          const end = performance.now();
          service.push(end - t);
          fromSchedule.push(end - due);
          (bySecond[Math.floor((due - start) / 1000)] ??= []).push(end - t);
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          if (res.status === 202 && body.accepted) accepted.add(d.id);
        })(),
      );
    }
    await Promise.all(sends);
    const sentIn = performance.now() - start;
    const tSent = performance.now();
    const cpuSend = process.cpuUsage(cpu0);
    // a delivery is done when its job recorded what it did: applied, or stale (a newer delivery of the same
    // ref decides it); the worker's log says "applied" only for the first kind, so the rows are counted
    const ids = plan.map((p) => p.id);
    const done = async () =>
      Number((await q<{ n: string }>(`SELECT count(*) AS n FROM webhook_deliveries WHERE delivery_id = ANY($1) AND status IN ('applied', 'stale')`, [[...accepted]]))[0]!.n);
    const appliedDuringSend = await done();
    console.log(`  sent ${K} in ${secs(sentIn)} (sender lag max ${ms(maxLag)}); answers: ${[...statuses].map(([s, c]) => `${c}× ${s}`).join(", ")}`);
    console.log(`  response p50/p99/max ${triple(service)}   (from the scheduled send time: ${triple(fromSchedule)})`);
    const loopDuringSend = { p99: loopDelay.percentile(99) / 1e6, max: loopDelay.max / 1e6 };
    console.log(`  event-loop delay of this process (receiver and worker share it) while sending: p99 ${ms(loopDuringSend.p99)}, max ${ms(loopDuringSend.max)}; its CPU use: ${(((cpuSend.user + cpuSend.system) / 1000 / sentIn) * 100).toFixed(0)}% of one CPU`);
    console.log(`  response median by second of the burst: ${bySecond.map((b) => ms(median(b))).join(", ")}`);
    console.log(`  github.event jobs applied by the time the last answer came: ${appliedDuringSend} of ${accepted.size}`);

    // drain: every accepted delivery applied by the worker, then every build ended and no job left to run
    const deadline = options.drainTimeoutS * 1000;
    let eventsDrained = NaN;
    let buildsDrained = NaN;
    let drainError: string | undefined;
    try {
      await until("the github.event jobs", async () => (await done()) === accepted.size, deadline, 100);
      eventsDrained = performance.now() - tSent;
      // drained when no job runs and none is ready: nothing can move any more (jobs waiting for a retry aside)
      await until("the queue to empty", async () => (await idle()) && (await idle()), Math.max(1000, deadline - eventsDrained), 100);
      buildsDrained = performance.now() - tSent;
    } catch (err) {
      drainError = err instanceof Error ? err.message : String(err);
      const left = await q<{ task: string; locked: boolean; attempts: number; max_attempts: number; run_at: Date; last_error: string | null; n: string }>(
        `SELECT t.identifier AS task, j.locked_at IS NOT NULL AS locked, j.attempts, j.max_attempts, max(j.run_at) AS run_at, max(j.last_error) AS last_error, count(*) AS n
         FROM graphile_worker._private_jobs j JOIN graphile_worker._private_tasks t ON t.id = j.task_id GROUP BY 1, 2, 3, 4 ORDER BY 7 DESC LIMIT 10`,
      );
      for (const l of left) drainError += `\n    left: ${l.n}× ${l.task} locked=${l.locked} attempts=${l.attempts}/${l.max_attempts} run_at=${l.run_at.toISOString()} ${(l.last_error ?? "").slice(0, 160)}`;
    }
    loopDelay.disable();
    await stopWorker("measurement 3");

    const byStatus = await q<{ status: string; n: string }>(`SELECT status::text, count(*) AS n FROM webhook_deliveries WHERE delivery_id = ANY($1) GROUP BY 1`, [ids]);
    const rowCount = (st: string) => Number(byStatus.find((b) => b.status === st)?.n ?? 0);
    const rowsRecorded = byStatus.reduce((a, b) => a + Number(b.n), 0);
    const applied = await done();
    const leftEvents = Number(
      (
        await q<{ n: string }>(
          `SELECT count(*) AS n FROM graphile_worker._private_jobs j JOIN graphile_worker._private_tasks t ON t.id = j.task_id WHERE t.identifier = 'github.event'`,
        )
      )[0]!.n,
    );
    const lost = accepted.size - applied;
    const builds = await q<{ state: string; n: string }>(`SELECT state::text, count(*) AS n FROM builds WHERE build_rule_id = ANY($1) GROUP BY 1 ORDER BY 2 DESC`, [ruleIds]);
    const nBuilds = builds.reduce((a, b) => a + Number(b.n), 0);
    const superseded = Number(builds.find((b) => b.state === "superseded")?.n ?? 0);
    const links = Number((await q<{ n: string }>(`SELECT count(*) AS n FROM build_refs br JOIN builds b ON b.id = br.build_id WHERE b.build_rule_id = ANY($1)`, [ruleIds]))[0]!.n);
    const refs = await q<{ repository_id: string; name: string; head_sha: string }>(`SELECT repository_id, name, head_sha FROM refs WHERE repository_id = ANY($1)`, [repos.map((r) => r.id)]);
    const rightHeads = refs.filter((r) => lastSha.get(`${r.repository_id}:${r.name}`) === r.head_sha).length;
    const failedReasons = await q<{ reason: string | null; n: string }>(`SELECT reason, count(*) AS n FROM builds WHERE build_rule_id = ANY($1) AND state = 'failed' GROUP BY 1`, [ruleIds]);
    const stuck = await q<{ id: string; state: string; reason: string | null }>(`SELECT id, state::text, reason FROM builds WHERE build_rule_id = ANY($1) AND state IN ${ACTIVE}`, [ruleIds]);
    const ranToEnd = builds.filter((b) => ["succeeded", "failed"].includes(b.state)).reduce((a, b) => a + Number(b.n), 0);

    console.log(
      `  deliveries: ${accepted.size} accepted (202), ${rowsRecorded} webhook_deliveries rows (${byStatus.map((b) => `${b.n} ${b.status}`).join(", ")}), ${applied} done by their github.event job (applied or stale), ${rowCount("accepted")} still waiting, ${leftEvents} github.event jobs left in the queue → lost ${lost}`,
    );
    console.log(`  receiver p50/p99/max ${triple(service)}, lost ${lost}`);
    console.log(`  builds: ${nBuilds} created for ${K} ref moves (${plan.length - nBuilds} collapsed: ${links - nBuilds} ref moves linked to an existing build of the same commit); ${superseded} superseded before they ran to the end; states: ${builds.map((b) => `${b.n} ${b.state}`).join(", ")}`);
    console.log(`  refs at the last pushed commit: ${rightHeads} of ${lastSha.size}`);
    for (const f of failedReasons) console.log(`  failed: ${f.n}× ${(f.reason ?? "").replace(/\s+/g, " ").slice(0, 300)}`);
    if (stuck.length) console.log(`  STUCK after the drain (active, but no job will move them): ${stuck.length}: ${stuck.slice(0, 5).map((b) => `${b.id} ${b.state}`).join(", ")}`);
    console.log(`  drain after the last answer: github.event jobs ${Number.isNaN(eventsDrained) ? "not drained" : secs(eventsDrained)}, builds and queue ${Number.isNaN(buildsDrained) ? "not drained" : secs(buildsDrained)} (${ranToEnd} builds ran to the end)${drainError ? `: ${drainError}` : ""}`);
    rows.push({ figure: `3 receiver response p50 / p99 / max (${K} in ${options.burstSeconds} s)`, value: triple(service), goal: "p99 < 200 ms" });
    rows.push({ figure: "3 deliveries lost (202 / rows / done by their job)", value: `${lost} (${accepted.size} / ${rowsRecorded} / ${applied})`, goal: "0" });
    rows.push({ figure: "3 builds created / superseded / refs linked", value: `${nBuilds} / ${superseded} / ${links - nBuilds}`, goal: "" });
    rows.push({ figure: "3 builds stuck after the drain", value: String(stuck.length), goal: "0" });
    rows.push({ figure: "3 drain: events / builds", value: `${Number.isNaN(eventsDrained) ? "—" : secs(eventsDrained)} / ${Number.isNaN(buildsDrained) ? "—" : secs(buildsDrained)}`, goal: "" });
  }

  if (seen.warnings || seen.errors) {
    console.log(`\nworker log: ${seen.warnings} warnings, ${seen.errors} errors`);
    for (const [k, c] of [...seen.problems].sort((a, b) => b[1] - a[1]).slice(0, 8)) console.log(`  ${c}× ${k}`);
  }
  for (const f of findings) console.log(`note: ${f}`);
  console.log(`machine load at the end: ${os.loadavg().map((l) => l.toFixed(2)).join(" ")}`);
  console.log(`check runs reported to the GitHub stand-in: ${api.checkRuns.length} calls; installation tokens issued: ${api.tokenRequests.filter((t) => t.status === 201).length}`);

  // the table
  printTable(rows);
}

if (process.argv[2] === "--serve-git") {
  const [root, cert, key] = process.argv.slice(3);
  if (!root || !cert || !key) throw new Error("usage: bench/build.ts --serve-git ROOT CERT KEY");
  serveGit(root, cert, key);
} else {
  runBench(main);
}
