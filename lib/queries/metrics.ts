// What /metrics reports from the database, read at scrape time (builds and deployments run in worker
// processes, so the web process counts rows rather than events). One grouped statement per family; each is
// bounded: totals aggregate builds/deployments by their rule or target before joining names, durations read
// only rows finished in the last DURATION_WINDOW_DAYS (builds/deployments (finished_at) indexes), and labels
// are names of repositories, apps, targets, hosts and tasks, never ids of builds.
import "server-only";
import { getDb } from "@/lib/db";
import { Prisma } from "@/lib/generated/prisma/client";
import { HEARTBEAT_STALE_MS } from "@/lib/queries/workers";

/** Build and deployment durations: rows finished in this many days. */
export const DURATION_WINDOW_DAYS = 30;

export const BUILD_DURATION_BUCKETS = [10, 30, 60, 120, 300, 600, 1200, 1800, 3600] as const;
export const DEPLOYMENT_DURATION_BUCKETS = [5, 15, 30, 60, 120, 300, 600, 1200] as const;

export interface CountRow {
  labels: Record<string, string>;
  value: number;
}

export interface HistogramRow {
  labels: Record<string, string>;
  /** cumulative counts, one per bucket bound, in the bounds' order */
  buckets: number[];
  count: number;
  sum: number;
}

/** Builds by repository, its app ("" without one) and state, since the beginning. */
export async function buildCounts(): Promise<CountRow[]> {
  const rows = await getDb().$queryRaw<{ repository: string; app: string; state: string; n: number }[]>`
    SELECT r.name AS repository, coalesce(a.name, '') AS app, x.state::text AS state, sum(x.n)::float8 AS n
    FROM (SELECT build_rule_id, state, count(*) AS n FROM builds GROUP BY build_rule_id, state) x
    JOIN build_rules br ON br.id = x.build_rule_id
    JOIN repositories r ON r.id = br.repository_id
    LEFT JOIN github_apps a ON a.id = r.app_id
    GROUP BY 1, 2, 3`;
  return rows.map((r) => ({ labels: { repository: r.repository, app: r.app, state: r.state }, value: r.n }));
}

/** Deployments by target, its repository and app, and state, since the beginning. */
export async function deploymentCounts(): Promise<CountRow[]> {
  const rows = await getDb().$queryRaw<{ target: string; repository: string; app: string; state: string; n: number }[]>`
    SELECT t.name AS target, r.name AS repository, coalesce(a.name, '') AS app, x.state::text AS state, x.n::float8 AS n
    FROM (SELECT target_id, state, count(*) AS n FROM deployments GROUP BY target_id, state) x
    JOIN targets t ON t.id = x.target_id
    JOIN deployment_rules dr ON dr.id = t.deployment_rule_id
    JOIN build_rules br ON br.id = dr.build_rule_id
    JOIN repositories r ON r.id = br.repository_id
    LEFT JOIN github_apps a ON a.id = r.app_id`;
  return rows.map((r) => ({ labels: { target: r.target, repository: r.repository, app: r.app, state: r.state }, value: r.n }));
}

function bucketColumns(bounds: readonly number[]): Prisma.Sql {
  return Prisma.join(
    bounds.map((b) => Prisma.sql`count(*) FILTER (WHERE dur <= ${b}::float8)::float8`),
    ", ",
  );
}

function histogramRows(rows: { labels: Record<string, string>; b: number[]; n: number; total: number }[]): HistogramRow[] {
  return rows.map((r) => ({ labels: r.labels, buckets: r.b, count: r.n, sum: r.total }));
}

/** Succeeded and failed builds that finished in the window: started → finished, per repository. */
export async function buildDurations(now: Date = new Date()): Promise<HistogramRow[]> {
  const since = new Date(now.getTime() - DURATION_WINDOW_DAYS * 86_400_000);
  const rows = await getDb().$queryRaw<{ repository: string; app: string; b: number[]; n: number; total: number }[]>`
    SELECT r.name AS repository, coalesce(a.name, '') AS app, ARRAY[${bucketColumns(BUILD_DURATION_BUCKETS)}] AS b,
           count(*)::float8 AS n, coalesce(sum(dur), 0)::float8 AS total
    FROM (SELECT build_rule_id, EXTRACT(EPOCH FROM finished_at - started_at)::float8 AS dur FROM builds
          WHERE finished_at >= ${since} AND started_at IS NOT NULL AND state IN ('succeeded', 'failed')) x
    JOIN build_rules br ON br.id = x.build_rule_id
    JOIN repositories r ON r.id = br.repository_id
    LEFT JOIN github_apps a ON a.id = r.app_id
    GROUP BY 1, 2`;
  return histogramRows(rows.map((r) => ({ labels: { repository: r.repository, app: r.app }, b: r.b, n: r.n, total: r.total })));
}

/** Finished deployments (succeeded, failed, rolled back) of the window: started → finished, per target. */
export async function deploymentDurations(now: Date = new Date()): Promise<HistogramRow[]> {
  const since = new Date(now.getTime() - DURATION_WINDOW_DAYS * 86_400_000);
  const rows = await getDb().$queryRaw<{ target: string; repository: string; app: string; b: number[]; n: number; total: number }[]>`
    SELECT t.name AS target, r.name AS repository, coalesce(a.name, '') AS app, ARRAY[${bucketColumns(DEPLOYMENT_DURATION_BUCKETS)}] AS b,
           count(*)::float8 AS n, coalesce(sum(dur), 0)::float8 AS total
    FROM (SELECT target_id, EXTRACT(EPOCH FROM finished_at - started_at)::float8 AS dur FROM deployments
          WHERE finished_at >= ${since} AND started_at IS NOT NULL AND state IN ('succeeded', 'failed', 'rolled_back')) x
    JOIN targets t ON t.id = x.target_id
    JOIN deployment_rules dr ON dr.id = t.deployment_rule_id
    JOIN build_rules br ON br.id = dr.build_rule_id
    JOIN repositories r ON r.id = br.repository_id
    LEFT JOIN github_apps a ON a.id = r.app_id
    GROUP BY 1, 2, 3`;
  return histogramRows(rows.map((r) => ({ labels: { target: r.target, repository: r.repository, app: r.app }, b: r.b, n: r.n, total: r.total })));
}

export interface QueueRow {
  task: string;
  /** jobs due now, not taken by a worker, with attempts left */
  waiting: number;
  /** jobs a worker holds */
  running: number;
  /** seconds since the oldest waiting job became due; 0 when none waits */
  oldestAgeSeconds: number;
}

/**
 * graphile-worker's queue per task (its private tables, as lib/jobs/pending.ts reads them; a task with no job
 * answers zeros). Jobs that wait for their run_at (retries, scheduled polls) are not counted as waiting.
 */
export async function jobQueues(): Promise<QueueRow[]> {
  return getDb().$queryRaw<QueueRow[]>`
    SELECT t.identifier AS task,
           count(j.id) FILTER (WHERE j.locked_at IS NULL AND j.run_at <= now() AND j.attempts < j.max_attempts)::float8 AS waiting,
           count(j.id) FILTER (WHERE j.locked_at IS NOT NULL)::float8 AS running,
           coalesce(EXTRACT(EPOCH FROM now() - min(j.run_at) FILTER (WHERE j.locked_at IS NULL AND j.run_at <= now() AND j.attempts < j.max_attempts)), 0)::float8 AS "oldestAgeSeconds"
    FROM graphile_worker._private_tasks t
    LEFT JOIN graphile_worker._private_jobs j ON j.task_id = t.id
    GROUP BY t.identifier`;
}

export interface StateSnapshot {
  buildLogBytes: number;
  deploymentLogBytes: number;
  buildLogStorageBytes: number;
  deploymentLogStorageBytes: number;
  workersAlive: number;
  targets: { target: string; repository: string; drifted: boolean; pinned: boolean }[];
  hosts: { host: string; failing: boolean }[];
}

/**
 * The small families in one statement: log bytes (uncompressed, as the writers counted them; and the log
 * tables' size on disk), workers beating, targets drifted or pinned, hosts whose last check did not connect.
 */
export async function stateSnapshot(now: Date = new Date()): Promise<StateSnapshot> {
  const aliveSince = new Date(now.getTime() - HEARTBEAT_STALE_MS);
  const [s] = await getDb().$queryRaw<
    { build_log: number; deployment_log: number; build_disk: number; deployment_disk: number; workers: number; targets: StateSnapshot["targets"] | null; hosts: StateSnapshot["hosts"] | null }[]
  >`
    SELECT (SELECT coalesce(sum(log_bytes), 0) FROM builds)::float8 AS build_log,
           (SELECT coalesce(sum(log_bytes), 0) FROM deployments)::float8 AS deployment_log,
           pg_total_relation_size('build_log_chunks')::float8 AS build_disk,
           pg_total_relation_size('deployment_log_chunks')::float8 AS deployment_disk,
           (SELECT count(*) FROM worker_heartbeats WHERE stopped_at IS NULL AND last_seen_at >= ${aliveSince})::float8 AS workers,
           (SELECT json_agg(json_build_object('target', t.name, 'repository', r.name, 'drifted', t.drift_detected_at IS NOT NULL, 'pinned', t.pinned_release_id IS NOT NULL))
              FROM targets t JOIN deployment_rules dr ON dr.id = t.deployment_rule_id JOIN build_rules br ON br.id = dr.build_rule_id
              JOIN repositories r ON r.id = br.repository_id WHERE t.archived_at IS NULL) AS targets,
           (SELECT json_agg(json_build_object('host', h.name, 'failing', h.last_check_result IS NOT NULL AND h.last_check_result NOT LIKE 'Connected to %'))
              FROM hosts h) AS hosts`;
  return {
    buildLogBytes: s!.build_log,
    deploymentLogBytes: s!.deployment_log,
    buildLogStorageBytes: s!.build_disk,
    deploymentLogStorageBytes: s!.deployment_disk,
    workersAlive: s!.workers,
    targets: s!.targets ?? [],
    hosts: s!.hosts ?? [],
  };
}
