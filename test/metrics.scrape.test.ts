// GET /metrics on the real production server (`npm run web`): rows are seeded in its database, the page is
// scraped over HTTP and parsed with a real Prometheus text parser (parse-prometheus-text-format), and every
// family's values are compared with what was seeded. Access: the server allows 127.0.0.1/32 only and has a
// token; requests from 127.0.0.2 (another loopback source address) are refused without the token (403, also
// with a forged X-Forwarded-For), refused with a wrong one (401), and served with the right one.
import { randomBytes } from "node:crypto";
import http from "node:http";
import path from "node:path";
import parsePrometheusTextFormat, { type PromFamily, type PromSample } from "parse-prometheus-text-format";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { getDb } from "@/lib/db";
import { ensureProductionBuild } from "@/scripts/lib/production-build";
import { npmRun, userEnv, type NpmRun } from "@/test/helpers/npm";
import { waitForExit } from "@/test/helpers/spawn";
import { eventually } from "@/test/helpers/eventually";
import { seedDoraWorld, type DoraWorld } from "@/test/helpers/dora-seed";

const ROOT = path.resolve(import.meta.dirname, "..");
/** this part's port (metrics: 3460-3469) */
const PORT = Number(process.env.SLIPWAY_METRICS_TEST_PORT ?? 3461);
const TOKEN = randomBytes(24).toString("hex");
const H = 3600;

let server: NpmRun | undefined;
let w: DoraWorld;
let webhookStatus = 0;

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/** A GET from a chosen loopback source address (fetch cannot choose one). */
function get(pathname: string, opts: { from?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port: PORT, path: pathname, method: "GET", localAddress: opts.from ?? "127.0.0.1", headers: opts.headers, timeout: 30_000 }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (text += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.on("timeout", () => req.destroy(new Error(`GET ${pathname} timed out`)));
    req.on("error", reject);
    req.end();
  });
}

function family(families: PromFamily[], name: string): PromFamily {
  const f = families.find((x) => x.name === name);
  if (!f) throw new Error(`no ${name} in the scrape: ${families.map((x) => x.name).join(", ")}`);
  expect(f.help.length, `${name} has HELP`).toBeGreaterThan(10);
  return f;
}

function sample(f: PromFamily, labels: Record<string, string>): PromSample | undefined {
  return f.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
}

function value(families: PromFamily[], name: string, labels: Record<string, string> = {}): number | undefined {
  const s = sample(family(families, name), labels);
  return s?.value === undefined ? undefined : Number(s.value);
}

/**
 * The parser folds every labelled series of a histogram into one (and then drops _sum and _count): without the
 * histograms' TYPE and HELP lines, each of <name>_bucket, _sum and _count parses as a family of its own, every
 * sample with all its labels.
 */
function seriesView(text: string, families: PromFamily[]): PromFamily[] {
  const histograms = new Set(families.filter((f) => f.type === "HISTOGRAM").map((f) => f.name));
  return parsePrometheusTextFormat(text.split("\n").filter((l) => !(/^# (TYPE|HELP) /.test(l) && histograms.has(l.split(" ")[2]!))).join("\n"));
}

/** A histogram series: its cumulative buckets by `le`, count and sum. */
function histogram(series: PromFamily[], name: string, labels: Record<string, string>) {
  // (a family again for each series: the name changes from _bucket to _sum to _count and back)
  const of = (suffix: string) =>
    series.filter((f) => f.name === `${name}${suffix}`).flatMap((f) => f.metrics).filter((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  const buckets = Object.fromEntries(of("_bucket").map((m) => [m.labels!.le!, Number(m.value)]));
  const [count] = of("_count");
  const [sum] = of("_sum");
  return { buckets, count: count ? Number(count.value) : undefined, sum: sum ? Number(sum.value) : undefined };
}

beforeAll(async () => {
  await ensureProductionBuild(ROOT, { say: (l) => console.log(l), everyMs: 30_000 });
  const base = `http://127.0.0.1:${PORT}`;
  const taken = await fetch(`${base}/api/health`, { signal: AbortSignal.timeout(5_000) }).then(() => true, () => false);
  if (taken) throw new Error(`something already answers on ${base}; stop it, or set SLIPWAY_METRICS_TEST_PORT to a free port`);
  server = npmRun(ROOT, ["run", "web"], userEnv({
    PORT: String(PORT),
    HOST: "127.0.0.1",
    DATABASE_URL: process.env.DATABASE_URL!,
    SLIPWAY_URL: base,
    SLIPWAY_SECRET_KEY: randomBytes(32).toString("hex"),
    SLIPWAY_METRICS_TOKEN: TOKEN,
    SLIPWAY_METRICS_ALLOW: "127.0.0.1/32",
    NEXT_TELEMETRY_DISABLED: "1",
    LOG_LEVEL: "warn",
  }));

  // the rows, while the server starts: the DORA deployments placed an hour before now (so none sits on the
  // period's edge while the test runs), and one of every other thing a family counts
  const db = getDb();
  const exec = (sql: string, params: unknown[]) => db.$executeRawUnsafe(sql, ...params);
  w = await seedDoraWorld(exec, { now: new Date(Date.now() - H * 1000) });
  const rule = (await db.buildRule.findFirstOrThrow({ where: { repositoryId: w.repoA.id } })).id;
  const now = Date.now();
  const build = async (state: "succeeded" | "failed" | "queued", startedSecondsAgo: number | null, seconds: number | null, logBytes = 0) => {
    const commit = await db.commit.create({ data: { repositoryId: w.repoA.id, sha: randomBytes(20).toString("hex") } });
    await db.build.create({
      data: {
        buildRuleId: rule,
        commitId: commit.id,
        state,
        trigger: "webhook",
        logBytes,
        startedAt: startedSecondsAgo === null ? null : new Date(now - startedSecondsAgo * 1000),
        finishedAt: startedSecondsAgo === null || seconds === null ? null : new Date(now - startedSecondsAgo * 1000 + seconds * 1000),
      },
    });
  };
  await build("succeeded", 3600, 20, 1000);
  await build("failed", 3000, 90, 2345);
  await build("succeeded", 2000, 400);
  await build("queued", null, null);
  // finished 40 days ago: outside the duration window, still in the totals
  await build("succeeded", 40 * 86_400, 5);
  await db.deployment.updateMany({ where: { targetId: w.targetB1.id }, data: { logBytes: 777 } });
  const release = (await db.deployment.findFirstOrThrow({ where: { targetId: w.targetA1.id } })).releaseId;
  await db.target.update({ where: { id: w.targetA1.id }, data: { pinnedReleaseId: release, pinnedAt: new Date() } });
  await db.target.update({ where: { id: w.targetA2.id }, data: { driftDetectedAt: new Date() } });
  await db.host.createMany({
    data: [
      { name: "metrics-ok", address: "10.0.0.1", lastCheckResult: "Connected to metrics-ok as root with the deployer key (host key SHA256:x, ssh-ed25519).", lastCheckedAt: new Date() },
      { name: "metrics-down", address: "10.0.0.2", lastCheckResult: "Timed out after 10 s connecting to 10.0.0.2:22. Check the address and port.", lastCheckedAt: new Date() },
      { name: "metrics-new", address: "10.0.0.3" },
    ],
  });
  await db.workerHeartbeat.createMany({
    data: [
      { id: "alive:1:a", hostname: "alive", pid: 1, version: "t", concurrency: 1, tasks: [] },
      { id: "gone:2:b", hostname: "gone", pid: 2, version: "t", concurrency: 1, tasks: [], lastSeenAt: new Date(now - 5 * 60_000) },
      { id: "stopped:3:c", hostname: "stopped", pid: 3, version: "t", concurrency: 1, tasks: [], stoppedAt: new Date() },
    ],
  });
  // graphile-worker's own function queues them (and makes the task); no worker runs here to take them
  await db.$executeRawUnsafe(`SELECT graphile_worker.add_job('metrics_probe', '{}'::json, run_at := now() - interval '90 seconds')`);
  await db.$executeRawUnsafe(`SELECT graphile_worker.add_job('metrics_probe', '{}'::json, run_at := now() + interval '1 hour')`);
  await db.$executeRawUnsafe(`SELECT graphile_worker.add_job('metrics_probe', '{}'::json, job_key := 'held')`);
  await db.$executeRawUnsafe(`UPDATE graphile_worker._private_jobs SET locked_at = now(), locked_by = 'a-worker' WHERE key = 'held'`);

  try {
    await eventually(`the console answering on ${base}`, async () => {
      if (server!.child.exitCode !== null) throw new Error(`npm run web exited (${server!.child.exitCode})`);
      const res = await fetch(`${base}/api/health`, { signal: AbortSignal.timeout(5_000) }).catch(() => null);
      return res?.ok ?? false;
    }, 180_000, 500);
  } catch (err) {
    throw new Error(`${err instanceof Error ? err.message : String(err)}; its output:\n${server!.output()}`);
  }
  // one delivery to the webhook route, for its latency histogram (no such app: refused, and still timed)
  const res = await fetch(`${base}/api/webhooks/github/no-such-app`, { method: "POST", headers: { "content-type": "application/json", "x-github-event": "ping", "x-github-delivery": "d-1" }, body: "{}" });
  webhookStatus = res.status;
  await res.text();
}, 600_000);

afterAll(async () => {
  if (server && server.child.exitCode === null && server.child.signalCode === null) {
    server.interrupt();
    await waitForExit(server.child, 30_000).catch(() => server?.kill());
  }
}, 60_000);

describe("GET /metrics", () => {
  let families: PromFamily[];
  let series: PromFamily[];
  let scrapeMs = 0;

  beforeAll(async () => {
    const t = Date.now();
    const res = await get("/metrics");
    scrapeMs = Date.now() - t;
    expect(res.status, res.text).toBe(200);
    expect(res.headers["content-type"]).toBe("text/plain; version=0.0.4; charset=utf-8");
    families = parsePrometheusTextFormat(res.text);
    series = seriesView(res.text, families);
  });

  test("answers within a few seconds, every family named slipway_* with its HELP", () => {
    expect(scrapeMs).toBeLessThan(5_000);
    for (const f of families) expect(f.name).toMatch(/^slipway_[a-z_]+$/);
    expect(families.length).toBeGreaterThanOrEqual(17);
  });

  test("builds and deployments by state, repository, app and target", () => {
    const a = { repository: w.repoA.name, app: w.appName };
    // 11 of the DORA seed's (one per deployment), 2 of the last hour and the one of 40 days ago
    expect(value(families, "slipway_builds", { ...a, state: "succeeded" })).toBe(14);
    expect(value(families, "slipway_builds", { ...a, state: "failed" })).toBe(1);
    expect(value(families, "slipway_builds", { ...a, state: "queued" })).toBe(1);
    expect(value(families, "slipway_builds", { repository: w.repoB.name, app: "", state: "succeeded" })).toBe(3);
    expect(family(families, "slipway_builds").type).toBe("GAUGE");
    const d = (target: string, state: string) => value(families, "slipway_deployments", { target, repository: w.repoA.name, app: w.appName, state });
    expect(d(w.targetA1.name, "succeeded")).toBe(4);
    expect(d(w.targetA1.name, "failed")).toBe(2);
    expect(d(w.targetA1.name, "rolled_back")).toBe(1);
    expect(d(w.targetA2.name, "cancelled")).toBe(1);
    expect(value(families, "slipway_deployments", { target: w.targetB1.name, repository: w.repoB.name, app: "", state: "succeeded" })).toBe(3);
  });

  test("build and deployment durations: cumulative buckets of the rows finished in 30 days", () => {
    expect(family(families, "slipway_build_duration_seconds").type).toBe("HISTOGRAM");
    const s = histogram(series, "slipway_build_duration_seconds", { repository: w.repoA.name, app: w.appName });
    // 20 s, 90 s and 400 s (not the 5 s one of 40 days ago, nor the builds without a start)
    expect(s.buckets).toEqual({ "10": 0, "30": 1, "60": 1, "120": 2, "300": 2, "600": 3, "1200": 3, "1800": 3, "3600": 3, "+Inf": 3 });
    expect(s.count).toBe(3);
    expect(s.sum).toBeCloseTo(510, 3);
    // every seeded deployment ran 60 s; web-prod: 2-7, web-canary: 8, 9 and 11 (not 10, cancelled), cli-artifacts: 12
    expect(family(families, "slipway_deployment_duration_seconds").type).toBe("HISTOGRAM");
    const prod = histogram(series, "slipway_deployment_duration_seconds", { target: w.targetA1.name });
    expect(prod.buckets).toMatchObject({ "30": 0, "60": 6, "+Inf": 6 });
    expect(prod.sum).toBeCloseTo(360, 3);
    expect(histogram(series, "slipway_deployment_duration_seconds", { target: w.targetA2.name }).count).toBe(3);
    expect(histogram(series, "slipway_deployment_duration_seconds", { target: w.targetB1.name }).count).toBe(1);
  });

  test("queue depth and oldest age per task, jobs running", () => {
    // the one due 90 s ago waits; the one due in an hour does not; the held one runs
    expect(value(families, "slipway_job_queue_depth", { task: "metrics_probe" })).toBe(1);
    const age = value(families, "slipway_job_queue_oldest_age_seconds", { task: "metrics_probe" })!;
    expect(age).toBeGreaterThanOrEqual(90);
    expect(age).toBeLessThan(600);
    expect(value(families, "slipway_jobs_running", { task: "metrics_probe" })).toBe(1);
  });

  test("log bytes, targets drifted and pinned, workers alive, hosts failing", () => {
    expect(value(families, "slipway_log_bytes", { kind: "build" })).toBe(3345);
    expect(value(families, "slipway_log_bytes", { kind: "deployment" })).toBe(777 * 3);
    expect(value(families, "slipway_log_storage_bytes", { kind: "build" })).toBeGreaterThan(0);
    expect(value(families, "slipway_target_pinned", { target: w.targetA1.name })).toBe(1);
    expect(value(families, "slipway_target_pinned", { target: w.targetA2.name })).toBe(0);
    expect(value(families, "slipway_target_drifted", { target: w.targetA2.name })).toBe(1);
    expect(value(families, "slipway_target_drifted", { target: w.targetB1.name })).toBe(0);
    expect(value(families, "slipway_workers_alive")).toBe(1);
    expect(value(families, "slipway_host_check_failing", { host: "metrics-down" })).toBe(1);
    expect(value(families, "slipway_host_check_failing", { host: "metrics-ok" })).toBe(0);
    expect(value(families, "slipway_host_check_failing", { host: "metrics-new" })).toBe(0);
  });

  test("webhook receive latency, observed by the web process", () => {
    expect(family(families, "slipway_webhook_receive_seconds").type).toBe("HISTOGRAM");
    const s = histogram(series, "slipway_webhook_receive_seconds", { status: String(webhookStatus) });
    expect(s.count).toBe(1);
    expect(s.buckets["+Inf"]).toBe(1);
    // cumulative: every bound counts at least what the one below it does
    const counts = Object.entries(s.buckets).sort(([a], [b]) => Number(a.replace("+Inf", "Infinity")) - Number(b.replace("+Inf", "Infinity"))).map(([, n]) => n);
    expect(counts).toHaveLength(12);
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
  });

  test("the DORA figures per repository for 30 days", () => {
    const a = { repository: w.repoA.name, app: w.appName };
    const b = { repository: w.repoB.name, app: "" };
    // acme/web: 2-9 (4 succeeded); tools/cli: 12 (14 and 13 are a day and an hour before the period)
    expect(value(families, "slipway_dora_deployments_per_day", a)).toBeCloseTo(4 / 30, 10);
    expect(value(families, "slipway_dora_deployments_per_day", b)).toBeCloseTo(1 / 30, 10);
    expect(value(families, "slipway_dora_lead_time_seconds", { ...a, quantile: "0.5" })).toBe(2 * H);
    expect(value(families, "slipway_dora_lead_time_seconds", { ...a, quantile: "0.9" })).toBeCloseTo(2 * H + 0.8 * 22 * H, 3);
    expect(value(families, "slipway_dora_lead_time_seconds", { ...b, quantile: "0.5" })).toBe(H);
    expect(value(families, "slipway_dora_change_failure_ratio", a)).toBe(0.5);
    expect(value(families, "slipway_dora_change_failure_ratio", b)).toBe(0);
    expect(value(families, "slipway_dora_time_to_restore_seconds", a)).toBe(8100);
    expect(value(families, "slipway_dora_time_to_restore_seconds", b)).toBeUndefined();
  });
});

describe("access", () => {
  test("another address: refused without the token, also when it forges X-Forwarded-For", async () => {
    const plain = await get("/metrics", { from: "127.0.0.2" });
    expect(plain.status).toBe(403);
    expect(plain.text).toContain("Metrics are not served to 127.0.0.2");
    expect(plain.text).toContain("SLIPWAY_METRICS_ALLOW");
    expect(plain.text).not.toContain("slipway_builds");
    const forged = await get("/metrics", { from: "127.0.0.2", headers: { "x-forwarded-for": "127.0.0.1", "x-real-ip": "127.0.0.1" } });
    expect(forged.status).toBe(403);
  });

  test("a wrong token: 401 with WWW-Authenticate, from any address", async () => {
    for (const from of ["127.0.0.2", "127.0.0.1"]) {
      const res = await get("/metrics", { from, headers: { authorization: `Bearer ${TOKEN.slice(0, -1)}x` } });
      expect(res.status).toBe(401);
      expect(res.headers["www-authenticate"]).toContain("Bearer");
      expect(res.text).toContain("not SLIPWAY_METRICS_TOKEN");
    }
  });

  test("the token: served from any address", async () => {
    const res = await get("/metrics", { from: "127.0.0.2", headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
    expect(parsePrometheusTextFormat(res.text).some((f) => f.name === "slipway_builds")).toBe(true);
  });
});
