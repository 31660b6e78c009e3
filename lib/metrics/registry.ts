// The web process's Prometheus registry: families read from the database at scrape time (lib/queries/metrics.ts
// and the DORA report), and the webhook receive latency, which this process observes itself. Kept on
// globalThis: Next.js bundles each route on its own, and the webhook route and /metrics must share one registry.
// docs/metrics.md lists every family.
import "server-only";
import { Histogram, Registry, type MetricValue } from "prom-client";
import { doraReport } from "@/lib/queries/dora";
import { webhookReceiveHistogram } from "@/lib/metrics/webhook-latency";
import {
  BUILD_DURATION_BUCKETS,
  DEPLOYMENT_DURATION_BUCKETS,
  buildCounts,
  buildDurations,
  deploymentCounts,
  deploymentDurations,
  jobQueues,
  stateSnapshot,
  type HistogramRow,
  type StateSnapshot,
} from "@/lib/queries/metrics";

type Values = MetricValue<string>[];

/** A family whose samples come from `read()` at each scrape (prom-client calls get() once per scrape). */
function dbFamily(name: string, help: string, type: "gauge" | "histogram", read: () => Promise<Values>) {
  return {
    name,
    help,
    type,
    aggregator: "sum" as const,
    async get() {
      return { name, help, type, aggregator: "sum" as const, values: await read() };
    },
  };
}

function histogramValues(name: string, bounds: readonly number[], rows: HistogramRow[]): Values {
  return rows.flatMap((r) => [
    ...bounds.map((le, i) => ({ metricName: `${name}_bucket`, labels: { ...r.labels, le }, value: r.buckets[i]! })),
    { metricName: `${name}_bucket`, labels: { ...r.labels, le: "+Inf" }, value: r.count },
    { metricName: `${name}_sum`, labels: r.labels, value: r.sum },
    { metricName: `${name}_count`, labels: r.labels, value: r.count },
  ]);
}

/**
 * One read per scrape, shared by the families built from it: prom-client asks every family at once, so they
 * all join the read in flight; the next scrape reads afresh.
 */
function perScrape<T>(read: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | null = null;
  return () => {
    pending ??= read().finally(() => (pending = null));
    return pending;
  };
}

interface MetricsState {
  registry: Registry;
}

function createState(): MetricsState {
  const registry = new Registry();
  registry.registerMetric(webhookReceiveHistogram());
  const snapshot = perScrape<StateSnapshot>(() => stateSnapshot());
  const dora = perScrape(() => doraReport({ periodDays: 30 }));
  const queues = perScrape(() => jobQueues());
  const families = [
    dbFamily("slipway_builds", "Builds by repository, app and state, since the beginning (a build moves between states, so this is a gauge).", "gauge", async () =>
      (await buildCounts()).map((r) => ({ labels: r.labels, value: r.value })),
    ),
    dbFamily("slipway_deployments", "Deployments by target, repository, app and state, since the beginning.", "gauge", async () =>
      (await deploymentCounts()).map((r) => ({ labels: r.labels, value: r.value })),
    ),
    dbFamily(
      "slipway_build_duration_seconds",
      "Durations (started to finished) of the succeeded and failed builds that finished in the last 30 days, by repository. A window, not a counter: use it without rate().",
      "histogram",
      async () => histogramValues("slipway_build_duration_seconds", BUILD_DURATION_BUCKETS, await buildDurations()),
    ),
    dbFamily(
      "slipway_deployment_duration_seconds",
      "Durations (started to finished) of the deployments that finished (succeeded, failed, rolled back) in the last 30 days, by target. A window: use it without rate().",
      "histogram",
      async () => histogramValues("slipway_deployment_duration_seconds", DEPLOYMENT_DURATION_BUCKETS, await deploymentDurations()),
    ),
    dbFamily("slipway_job_queue_depth", "Jobs due and waiting for a worker, per graphile-worker task.", "gauge", async () =>
      (await queues()).map((q) => ({ labels: { task: q.task }, value: q.waiting })),
    ),
    dbFamily("slipway_job_queue_oldest_age_seconds", "Seconds the oldest waiting job of each task has been due (0 when none waits).", "gauge", async () =>
      (await queues()).map((q) => ({ labels: { task: q.task }, value: q.oldestAgeSeconds })),
    ),
    dbFamily("slipway_jobs_running", "Jobs a worker holds, per graphile-worker task.", "gauge", async () =>
      (await queues()).map((q) => ({ labels: { task: q.task }, value: q.running })),
    ),
    dbFamily("slipway_log_bytes", "Bytes of build and deployment logs stored, uncompressed, by kind.", "gauge", async () => {
      const s = await snapshot();
      return [
        { labels: { kind: "build" }, value: s.buildLogBytes },
        { labels: { kind: "deployment" }, value: s.deploymentLogBytes },
      ];
    }),
    dbFamily("slipway_log_storage_bytes", "Bytes the log tables (gzip-compressed chunks, indexes) take on disk, by kind.", "gauge", async () => {
      const s = await snapshot();
      return [
        { labels: { kind: "build" }, value: s.buildLogStorageBytes },
        { labels: { kind: "deployment" }, value: s.deploymentLogStorageBytes },
      ];
    }),
    dbFamily("slipway_target_drifted", "1 when the drift check found the target running something other than its release.", "gauge", async () =>
      (await snapshot()).targets.map((t) => ({ labels: { target: t.target, repository: t.repository }, value: t.drifted ? 1 : 0 })),
    ),
    dbFamily("slipway_target_pinned", "1 when the target is pinned to a release (a rollback, or pinned by hand).", "gauge", async () =>
      (await snapshot()).targets.map((t) => ({ labels: { target: t.target, repository: t.repository }, value: t.pinned ? 1 : 0 })),
    ),
    dbFamily("slipway_workers_alive", "Worker processes that sent a heartbeat in the last 45 seconds and have not stopped.", "gauge", async () => [
      { labels: {}, value: (await snapshot()).workersAlive },
    ]),
    dbFamily("slipway_host_check_failing", "1 when the host's last connection check did not connect (never checked: 0).", "gauge", async () =>
      (await snapshot()).hosts.map((h) => ({ labels: { host: h.host }, value: h.failing ? 1 : 0 })),
    ),
    dbFamily("slipway_dora_deployments_per_day", "DORA deployment frequency: succeeded deployments per day over the last 30 days, per repository.", "gauge", async () =>
      (await dora()).byRepository.map((r) => ({ labels: { repository: r.repository, app: r.app ?? "" }, value: r.deploymentsPerDay })),
    ),
    dbFamily("slipway_dora_lead_time_seconds", "DORA lead time for changes (commit to deployment succeeded) over the last 30 days, per repository: median (quantile 0.5) and 90th percentile.", "gauge", async () =>
      (await dora()).byRepository.flatMap((r) => [
        ...(r.leadTimeMedianSeconds === null ? [] : [{ labels: { repository: r.repository, app: r.app ?? "", quantile: "0.5" }, value: r.leadTimeMedianSeconds }]),
        ...(r.leadTimeP90Seconds === null ? [] : [{ labels: { repository: r.repository, app: r.app ?? "", quantile: "0.9" }, value: r.leadTimeP90Seconds }]),
      ]),
    ),
    dbFamily("slipway_dora_change_failure_ratio", "DORA change failure rate over the last 30 days, per repository: failed or rolled-back deployments / finished ones (0 to 1).", "gauge", async () =>
      (await dora()).byRepository.flatMap((r) => (r.changeFailureRate === null ? [] : [{ labels: { repository: r.repository, app: r.app ?? "" }, value: r.changeFailureRate }])),
    ),
    dbFamily("slipway_dora_time_to_restore_seconds", "DORA time to restore over the last 30 days, per repository: median time from a failed deployment to the next succeeded one on its target.", "gauge", async () =>
      (await dora()).byRepository.flatMap((r) => (r.timeToRestoreMedianSeconds === null ? [] : [{ labels: { repository: r.repository, app: r.app ?? "" }, value: r.timeToRestoreMedianSeconds }])),
    ),
  ];
  // registerMetric takes any object with a name and get(); prom-client's own type asks for a class instance
  for (const f of families) registry.registerMetric(f as unknown as Histogram);
  return { registry };
}

const holder = globalThis as unknown as { slipwayMetrics?: MetricsState };

function state(): MetricsState {
  holder.slipwayMetrics ??= createState();
  return holder.slipwayMetrics;
}

/** The Prometheus text (format 0.0.4) of every family, read now. */
export async function scrapeMetrics(): Promise<{ body: string; contentType: string }> {
  const r = state().registry;
  return { body: await r.metrics(), contentType: r.contentType };
}
