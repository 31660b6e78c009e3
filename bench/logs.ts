// npm run bench:logs — figures for live logs (printed; this is a benchmark, not a test):
//   1. latency: a container in a private dockerd prints "<n> <uptime>" (the kernel's clock, /proc/uptime,
//      10 ms resolution) every 20 ms; a writer process attaches to it and feeds the real log writer through
//      the build runner's own line reader (lib/build/docker.ts readLines, pausing the daemon's stream when
//      the log is full), and an event-stream client of the production web app (served as
//      scripts/lib/web-server.ts does, in its own process) timestamps every line it is shown. p50/p95/max
//      over 1,000 lines. Baseline: the same lines' time to reach the writer (the container → attach part).
//   2. backpressure: a container prints 100 MB; the writer process stores it (its peak RSS is printed) while
//      20 clients follow the log, 5 of them slow (reading 100 KB/s) for a while. The web process's RSS growth
//      at its peak while they follow, and after they disconnect.
// Uses DATABASE_URL when set (a scratch database!), else an embedded PostgreSQL in a temp directory.
// Needs the production build (`npx next build`) and root (a private dockerd). Smaller runs: --quick,
// --only=1,2 and the BENCH_LOGS_* variables below.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { NODE_MEMORY_FLAGS, withMallocEnv } from "@/scripts/lib/malloc-env";
import { argv, benchDatabase, loadNow, median, ms, num, onCleanup, onlyMeasurements, pct, printTable, quick, runBench, sleep, until, type Row } from "@/bench/lib";

const only = onlyMeasurements("1,2");
const options = {
  /** 1: lines printed, one every intervalMs */
  lines: num("BENCH_LOGS_LINES", 1000, 300, { integer: true }),
  intervalMs: num("BENCH_LOGS_INTERVAL_MS", 20, 20),
  /** 2: size of the flood in MB, followers, of which slow, their rate in KB/s and how long they follow */
  floodMb: num("BENCH_LOGS_FLOOD_MB", 100, 30, { integer: true }),
  followers: num("BENCH_LOGS_FOLLOWERS", 20, 20, { integer: true }),
  slow: num("BENCH_LOGS_SLOW", 5, 5, { integer: true }),
  slowKbps: num("BENCH_LOGS_SLOW_KBPS", 100, 100),
  followSeconds: num("BENCH_LOGS_FOLLOW_S", 60, 20),
};
const MIB = 1024 * 1024;
const IMAGE = "127.0.0.1:5999/bench/busybox:latest";

/** The kernel's boot clock in ms, as /proc/uptime shows it inside a container (same kernel). */
const uptimeMs = () => Number(readFileSync("/proc/uptime", "utf8").split(" ")[0]) * 1000;
/** performance.now() → uptime ms: /proc/uptime is read until its value ticks, for the offset at that instant. */
function uptimeClock(): () => number {
  const first = uptimeMs();
  let u = first;
  while (u === first) u = uptimeMs();
  const offset = u - performance.now();
  return () => performance.now() + offset;
}

function rssMib(pid: number, field: "VmRSS" | "VmHWM" = "VmRSS"): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** Peaks of process.memoryUsage() (MiB), sampled every `everyMs`: where a process's RSS goes (V8 heap or off it). */
interface MemPeaks {
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}
function memoryPeaks(everyMs = 100): { peaks: () => MemPeaks; reset: () => void; stop: () => void } {
  const zero = (): MemPeaks => ({ rss: 0, heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 });
  let p = zero();
  const sample = () => {
    const m = process.memoryUsage();
    for (const k of Object.keys(p) as (keyof MemPeaks)[]) p[k] = Math.max(p[k], m[k] / MIB);
  };
  const timer = setInterval(sample, everyMs);
  timer.unref();
  return {
    peaks: () => (sample(), { ...p }),
    reset: () => (p = zero()),
    stop: () => clearInterval(timer),
  };
}
const memText = (p: MemPeaks) =>
  `heap ${p.heapUsed.toFixed(0)} of ${p.heapTotal.toFixed(0)}, external ${p.external.toFixed(0)} (array buffers ${p.arrayBuffers.toFixed(0)}) MiB`;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.on("error", reject);
  });
}

// ─── child process: the web app, production build ───────────────────────────────────────────────────

async function serveWeb(port: number): Promise<void> {
  (process.env as Record<string, string | undefined>).NODE_ENV = "production";
  const { startWebServer } = await import("@/scripts/lib/web-server");
  await startWebServer({ dev: false, port, host: "127.0.0.1", trustProxy: false });
  // the benchmark asks for the peaks of process.memoryUsage() since it last asked (SIGUSR2)
  const mem = memoryPeaks(200);
  process.on("SIGUSR2", () => {
    console.log(`MEM ${JSON.stringify({ peaks: mem.peaks(), now: process.memoryUsage() })}`);
    mem.reset();
  });
  console.log("READY");
  process.on("SIGTERM", () => process.exit(0));
}

// ─── child process: the worker side, a container's output through the real log writer ───────────────

interface WriteJob {
  socketPath: string;
  buildId: string;
  /** the container's shell command */
  script: string;
}

async function writeLog(job: WriteJob): Promise<void> {
  const { default: Dockerode } = await import("dockerode");
  const { BuildLogWriter } = await import("@/lib/build/log-writer");
  const { readLines } = await import("@/lib/build/docker");
  const { closeDb } = await import("@/lib/db");
  const docker = new Dockerode({ socketPath: job.socketPath });
  const container = await docker.createContainer({ Image: IMAGE, Cmd: ["/bin/busybox", "sh", "-c", job.script], Tty: true, HostConfig: { NetworkMode: "none" } });
  const log = await BuildLogWriter.open(job.buildId, []);
  // the process before the log flows: node, tsx, Prisma and dockerode loaded, the database connected
  const idleRssMib = rssMib(process.pid);
  const idleMem = memoryPeaks(100).peaks();
  const mem = memoryPeaks(100);
  const clock = uptimeClock();
  // each timestamped line's time from the container to the writer (ms), for the latency baseline
  const toWriter: number[] = [];
  try {
    const stream = (await container.attach({ stream: true, stdout: true, stderr: true })) as unknown as import("node:stream").Readable;
    await container.start();
    await readLines(stream, new AbortController().signal, (line) => {
      const m = /^\d+ (\d+\.\d+)/.exec(line);
      if (m) toWriter.push(clock() - Number(m[1]) * 1000);
      return log.writeFromStream(`${line}\n`);
    });
    await log.close();
  } finally {
    await container.remove({ force: true }).catch(() => undefined);
  }
  console.log(`RESULT ${JSON.stringify({ idleRssMib, peakRssMib: rssMib(process.pid, "VmHWM"), idleMem, peakMem: mem.peaks(), toWriter })}`);
  await closeDb();
}

interface WriterResult {
  idleRssMib: number;
  peakRssMib: number;
  idleMem: MemPeaks;
  peakMem: MemPeaks;
  toWriter: number[];
}

function runWriter(job: WriteJob): Promise<WriterResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...NODE_MEMORY_FLAGS, "--import", "tsx", fileURLToPath(import.meta.url), "--write", JSON.stringify(job)], {
      // the flood is stored whole: the cap (default 64 MB) is set above it
      // the malloc settings of the start scripts (scripts/lib/malloc-env.ts), as a worker process has them
      env: withMallocEnv({ ...process.env, LOG_LEVEL: "warn", SLIPWAY_LOG_MAX_MB: String(Math.max(64, options.floodMb + 16)) }),
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.on("exit", (code) => {
      const line = out.split("\n").find((l) => l.startsWith("RESULT "));
      if (code === 0 && line) resolve(JSON.parse(line.slice("RESULT ".length)) as WriterResult);
      else reject(new Error(`the writer process exited with ${code}:\n${out.slice(-2000)}`));
    });
  });
}

// ─── event-stream clients ────────────────────────────────────────────────────────────────────────────

interface Follower {
  bytes: number;
  done: Promise<void>;
  close(): void;
}

/**
 * Follows a log over SSE with node:http, calling onEvent per event. With `rateKbps`, reads no faster than
 * that: the socket is paused, so TCP holds the server back as a slow browser would.
 */
function follow(url: string, cookie: string, opts: { rateKbps?: number; onEvent?: (e: { event: string; data: string }) => void } = {}): Follower {
  const f: Follower = { bytes: 0, done: Promise.resolve(), close: () => undefined };
  let buf = "";
  const started = performance.now();
  f.done = new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { cookie, accept: "text/event-stream" } }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`GET ${url}: ${res.statusCode}`));
      res.setEncoding("utf8");
      res.on("data", (d: string) => {
        f.bytes += Buffer.byteLength(d);
        if (opts.onEvent) {
          buf += d;
          for (let i; (i = buf.indexOf("\n\n")) >= 0; buf = buf.slice(i + 2)) {
            const block = buf.slice(0, i);
            let event = "message";
            let data = "";
            for (const l of block.split("\n")) {
              if (l.startsWith("event: ")) event = l.slice(7);
              else if (l.startsWith("data: ")) data += l.slice(6);
            }
            try {
              opts.onEvent({ event, data });
            } catch (err) {
              // an exception here would escape runBench's cleanup: end this follower with it instead
              req.destroy();
              reject(err instanceof Error ? err : new Error(String(err)));
            }
          }
        }
        if (opts.rateKbps) {
          const dueMs = (f.bytes / 1024 / opts.rateKbps) * 1000 - (performance.now() - started);
          if (dueMs > 0) {
            res.pause();
            setTimeout(() => res.resume(), dueMs);
          }
        }
      });
      res.on("end", () => resolve());
      res.on("error", () => resolve());
    });
    req.on("error", (err) => (req.destroyed ? resolve() : reject(err)));
    f.close = () => {
      req.destroy();
      resolve();
    };
  });
  return f;
}

// ─── the benchmark ───────────────────────────────────────────────────────────────────────────────────

async function main() {
  if (!existsSync(".next/BUILD_ID")) throw new Error("there is no production build: run `npx next build` first");
  const rows: Row[] = [];
  console.log(`live logs benchmark (${os.cpus().length} cores${quick ? ", --quick" : ""})${loadNow()}`);
  const db = await benchDatabase("SELECT count(*) AS n FROM builds");
  const { getDb } = await import("@/lib/db");
  const { createHash } = await import("node:crypto");
  const { startDockerd } = await import("@/test/helpers/dockerd");
  const { importBusybox } = await import("@/test/helpers/busybox");
  const { sessionCookieName } = await import("@/lib/auth/cookies");

  const dockerd = await startDockerd();
  onCleanup("dockerd", () => dockerd.stop());
  await importBusybox(dockerd.docker, IMAGE);

  // the web app, in a process of its own so its RSS is its own
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const web: ChildProcess = spawn(process.execPath, [...NODE_MEMORY_FLAGS, "--import", "tsx", fileURLToPath(import.meta.url), "--serve-web", String(port)], {
    env: withMallocEnv({ ...process.env, SLIPWAY_URL: baseUrl, SLIPWAY_SECRET_KEY: randomBytes(32).toString("hex"), LOG_LEVEL: "warn", NEXT_TELEMETRY_DISABLED: "1" }),
    stdio: ["ignore", "pipe", "inherit"],
  });
  onCleanup("web process", () => {
    web.kill("SIGTERM");
  });
  // the web process's memory peaks since the last ask (it prints them on SIGUSR2)
  let memWaiter: ((m: { peaks: MemPeaks; now: NodeJS.MemoryUsage }) => void) | undefined;
  const webMem = () =>
    new Promise<{ peaks: MemPeaks; now: NodeJS.MemoryUsage }>((resolve) => {
      memWaiter = resolve;
      web.kill("SIGUSR2");
    });
  await new Promise<void>((resolve, reject) => {
    let out = "";
    web.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      for (let i; (i = out.indexOf("\n")) >= 0; out = out.slice(i + 1)) {
        const line = out.slice(0, i);
        if (line.includes("READY")) resolve();
        if (line.startsWith("MEM ")) memWaiter?.(JSON.parse(line.slice(4)) as { peaks: MemPeaks; now: NodeJS.MemoryUsage });
      }
    });
    web.on("exit", (code) => reject(new Error(`the web process exited with ${code}`)));
  });

  // a signed-in viewer (a session row as sign-in writes it) and a build to follow
  const user = await getDb().user.create({ data: { login: "bench-viewer", role: "viewer" } });
  const token = randomBytes(32).toString("base64url");
  await getDb().session.create({ data: { userId: user.id, tokenHash: createHash("sha256").update(token).digest("hex"), expires: new Date(Date.now() + 86_400_000) } });
  const cookie = `${sessionCookieName(baseUrl)}=${token}`;
  const repo = await getDb().repository.create({ data: { name: "bench/logs", provider: "git", url: "https://git.example.test/bench/logs.git" } });
  const rule = await getDb().buildRule.create({ data: { repositoryId: repo.id, name: "Dockerfile", kind: "docker" } });
  const commit = await getDb().commit.create({ data: { repositoryId: repo.id, sha: "b".repeat(40) } });
  let attempt = 0;
  const newBuild = async () =>
    (await getDb().build.create({ data: { buildRuleId: rule.id, commitId: commit.id, trigger: "manual", attempt: ++attempt, state: "building", startedAt: new Date() } })).id;

  // warm-up: the route compiled and the listener connected, before anything is measured
  {
    const id = await newBuild();
    let got = false;
    const f = follow(`${baseUrl}/api/builds/${id}/log`, cookie, { onEvent: (e) => (got ||= e.event === "state") });
    await until("the warm-up stream's first event", async () => got, 60_000);
    f.close();
  }

  if (only.has("1")) {
    const id = await newBuild();
    const clock = uptimeClock();
    const shown = new Map<number, number>();
    const f = follow(`${baseUrl}/api/builds/${id}/log`, cookie, {
      onEvent: (e) => {
        if (e.event !== "message" || !e.data) return;
        const now = clock();
        for (const l of (JSON.parse(e.data) as { text: string }).text.split("\n")) {
          const m = /^(\d+) (\d+\.\d+)/.exec(l);
          if (m) shown.set(Number(m[1]), now - Number(m[2]) * 1000);
        }
      },
    });
    await sleep(500);
    console.log(`1. ${options.lines} lines, one every ${options.intervalMs} ms, container → writer → database → web → client${loadNow()}`);
    const usleep = Math.round(options.intervalMs * 1000);
    const result = await runWriter({
      socketPath: dockerd.socketPath,
      buildId: id,
      script: `i=0; while [ $i -lt ${options.lines} ]; do echo "$i $(cat /proc/uptime)"; /bin/busybox usleep ${usleep}; i=$((i+1)); done`,
    });
    await until("every line shown", async () => shown.size >= options.lines, 30_000).catch(() => undefined);
    f.close();
    const lat = [...shown.values()];
    const toWriter = result.toWriter;
    rows.push({ figure: "1. lines shown / printed", value: `${lat.length} / ${options.lines}`, goal: "all" });
    rows.push({ figure: "1. printed → shown p50", value: ms(pct(lat, 50)), goal: "" });
    rows.push({ figure: "1. printed → shown p95", value: ms(pct(lat, 95)), goal: "< 300 ms" });
    rows.push({ figure: "1. printed → shown max", value: ms(Math.max(...lat)), goal: "" });
    rows.push({ figure: "1. baseline: printed → writer p50 / p95", value: `${ms(pct(toWriter, 50))} / ${ms(pct(toWriter, 95))}`, goal: "(docker's part)" });
    rows.push({ figure: "1. Slipway's part p95 (shown − writer p95)", value: ms(pct(lat, 95) - pct(toWriter, 95)), goal: "" });
    console.log(`   p50 ${ms(pct(lat, 50))}, p95 ${ms(pct(lat, 95))}; to the writer p50 ${ms(median(toWriter))}`);
  }

  if (only.has("2")) {
    const id = await newBuild();
    const webPid = web.pid!;
    await sleep(2000);
    const webBefore = rssMib(webPid);
    const webMemBefore = (await webMem()).now;
    console.log(`2. ${options.floodMb} MB log, ${options.followers} followers (${options.slow} reading ${options.slowKbps} KB/s) for ${options.followSeconds} s${loadNow()}`);
    const followers: Follower[] = [];
    for (let i = 0; i < options.followers; i++) followers.push(follow(`${baseUrl}/api/builds/${id}/log`, cookie, i < options.slow ? { rateKbps: options.slowKbps } : {}));
    let webPeak = webBefore;
    const sampler = setInterval(() => (webPeak = Math.max(webPeak, rssMib(webPid))), 200);
    const lineText = "x".repeat(99);
    const lines = Math.ceil((options.floodMb * MIB) / 100);
    const writing = runWriter({
      socketPath: dockerd.socketPath,
      buildId: id,
      script: `/bin/busybox yes '${lineText}' | /bin/busybox head -n ${lines}`,
    });
    const t0 = performance.now();
    const writer = await writing;
    const writeSeconds = (performance.now() - t0) / 1000;
    const stored = (await db.q<{ n: string }>("SELECT log_bytes AS n FROM builds WHERE id = $1", [id]))[0]!.n;
    // fast followers read to the end (the build is still `building`, so they stay; their bytes tell)
    await until("the fast followers to have read the log", async () => followers.slice(options.slow).every((f) => f.bytes >= Number(stored)), options.followSeconds * 1000).catch(() => undefined);
    const left = options.followSeconds * 1000 - (performance.now() - t0);
    if (left > 0) await sleep(left);
    clearInterval(sampler);
    const webDuring = rssMib(webPid);
    const webMemPeak = (await webMem()).peaks;
    const slowRead = followers.slice(0, options.slow).map((f) => f.bytes / MIB);
    const fastRead = followers.slice(options.slow).map((f) => f.bytes / MIB);
    for (const f of followers) f.close();
    await getDb().build.update({ where: { id }, data: { state: "succeeded", finishedAt: new Date() } });
    await sleep(10_000);
    const webAfter = rssMib(webPid);
    const webMemAfter = (await webMem()).now;
    rows.push({ figure: "2. stored", value: `${(Number(stored) / MIB).toFixed(1)} MiB in ${writeSeconds.toFixed(1)} s`, goal: "" });
    rows.push({ figure: "2. writer process peak RSS", value: `${writer.peakRssMib.toFixed(0)} MiB`, goal: "< 250 MB" });
    rows.push({ figure: "2. writer process RSS before the log flowed", value: `${writer.idleRssMib.toFixed(0)} MiB`, goal: "(baseline)" });
    rows.push({ figure: "2. writer process: before the log flowed", value: memText(writer.idleMem), goal: "" });
    rows.push({ figure: "2. writer process: peaks while storing", value: memText(writer.peakMem), goal: "" });
    rows.push({ figure: "2. web RSS before", value: `${webBefore.toFixed(0)} MiB`, goal: "" });
    rows.push({ figure: "2. web RSS growth at peak", value: `${(webPeak - webBefore).toFixed(0)} MiB`, goal: "< 50 MB" });
    rows.push({ figure: "2. web RSS growth at the end of following", value: `${(webDuring - webBefore).toFixed(0)} MiB`, goal: "" });
    rows.push({ figure: "2. web RSS growth 10 s after they left", value: `${(webAfter - webBefore).toFixed(0)} MiB`, goal: "given back" });
    const mib = (m: NodeJS.MemoryUsage): MemPeaks => ({ rss: m.rss / MIB, heapTotal: m.heapTotal / MIB, heapUsed: m.heapUsed / MIB, external: m.external / MIB, arrayBuffers: m.arrayBuffers / MIB });
    rows.push({ figure: "2. web process: before", value: memText(mib(webMemBefore)), goal: "" });
    rows.push({ figure: "2. web process: peaks while following", value: memText(webMemPeak), goal: "" });
    rows.push({ figure: "2. web process: 10 s after they left", value: memText(mib(webMemAfter)), goal: "" });
    rows.push({ figure: "2. fast followers read (min)", value: `${Math.min(...fastRead).toFixed(1)} MiB`, goal: "all" });
    rows.push({ figure: "2. slow followers read (max)", value: `${Math.max(...slowRead).toFixed(1)} MiB`, goal: `≈ ${((options.slowKbps * options.followSeconds) / 1024).toFixed(1)} MiB` });
  }

  printTable(rows);
  console.log(`${loadNow()}`);
}

if (argv[0] === "--serve-web") {
  void serveWeb(Number(argv[1]));
} else if (argv[0] === "--write") {
  writeLog(JSON.parse(argv[1]!) as WriteJob).then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
} else {
  runBench(main);
}
