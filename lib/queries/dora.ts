// The four DORA figures (deployment frequency, lead time for changes, change failure rate, time to restore)
// over a period of 7, 30 or 90 days: overall, week by week, per app, per repository and per target, from ONE
// grouped statement (GROUPING SETS) that PostgreSQL aggregates; no deployment row is loaded into JS. The page
// (app/(console)/dora), /metrics (lib/metrics) and GET /api/v1/dora all use doraReport.
//
// What counts (docs/metrics.md says the same in words):
// - a deployment belongs to the period when it finished in [to - periodDays, to); only finished ones count
//   (succeeded, failed, rolled_back): cancelled and superseded deployments never ran to an end;
// - change failure rate: (failed + rolled back) / finished;
// - lead time: the commit's time (committed_at; when Slipway first saw the commit if git gave none) → the
//   deployment succeeded, for deployments of new releases (trigger release or manual; rollbacks redeploy an old
//   commit and would only measure its age);
// - time to restore: a run of failed deployments on one target (a failed one whose previous finished deployment
//   on that target succeeded, or which has none) → the next succeeded deployment on that target before `to`;
//   runs not yet restored count as incidents without a time.
import "server-only";
import { getDb } from "@/lib/db";
import { Prisma } from "@/lib/generated/prisma/client";
import type { DoraFigures, DoraPeriod, DoraReport } from "@/lib/validation/dora";

export { doraReportSchema, doraQuerySchema, type DoraReport, type DoraFigures } from "@/lib/validation/dora";

const DAY_MS = 86_400_000;

export interface DoraOptions {
  periodDays: DoraPeriod;
  repositoryId?: string;
  targetId?: string;
  /** the end of the period (exclusive); default now */
  now?: Date;
}

interface Row {
  g_repo: number;
  g_target: number;
  g_app: number;
  g_week: number;
  repository_id: string | null;
  repository: string | null;
  target_id: string | null;
  target: string | null;
  app_id: string | null;
  app: string | null;
  week: string | null;
  deployments: number;
  succeeded: number;
  failed: number;
  lead_median: number | null;
  lead_p90: number | null;
  lead_samples: number;
  incidents: number;
  restored: number;
  restore_median: number | null;
}

/**
 * Served by deployments (finished_at) for the period, and deployments (target_id, finished_at) for each failed
 * deployment's previous and next deployment on its target (two index probes per failure, none per success).
 */
async function figureRows(from: Date, to: Date, repositoryId: string | undefined, targetId: string | undefined): Promise<Row[]> {
  const scope = Prisma.sql`${repositoryId ? Prisma.sql`AND r.id = ${repositoryId}` : Prisma.empty} ${targetId ? Prisma.sql`AND d.target_id = ${targetId}` : Prisma.empty}`;
  return getDb().$queryRaw<Row[]>`
    WITH fin AS (
      SELECT d.target_id, t.name AS target, r.id AS repository_id, r.name AS repository, r.app_id, a.name AS app, d.state, d.finished_at,
             to_char(date_trunc('week', d.finished_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS week,
             CASE WHEN d.state = 'succeeded' AND d.trigger IN ('release', 'manual')
                  THEN GREATEST(0, EXTRACT(EPOCH FROM d.finished_at - COALESCE(c.committed_at, c.created_at)))::float8 END AS lead_seconds,
             d.state IN ('failed', 'rolled_back') AND NOT COALESCE((
               SELECT p.state IN ('failed', 'rolled_back') FROM deployments p
               WHERE p.target_id = d.target_id AND p.finished_at < d.finished_at AND p.state IN ('succeeded', 'failed', 'rolled_back')
               ORDER BY p.finished_at DESC LIMIT 1), false) AS incident
      FROM deployments d
      JOIN targets t ON t.id = d.target_id
      JOIN deployment_rules dr ON dr.id = t.deployment_rule_id
      JOIN build_rules br ON br.id = dr.build_rule_id
      JOIN repositories r ON r.id = br.repository_id
      LEFT JOIN github_apps a ON a.id = r.app_id
      JOIN releases rl ON rl.id = d.release_id
      JOIN builds b ON b.id = rl.build_id
      JOIN commits c ON c.id = b.commit_id
      WHERE d.finished_at >= ${from} AND d.finished_at < ${to} AND d.state IN ('succeeded', 'failed', 'rolled_back') ${scope}
    ), inc AS (
      SELECT f.*, CASE WHEN f.incident THEN EXTRACT(EPOCH FROM (
               SELECT min(n.finished_at) FROM deployments n
               WHERE n.target_id = f.target_id AND n.finished_at > f.finished_at AND n.finished_at < ${to} AND n.state = 'succeeded') - f.finished_at)::float8 END AS restore_seconds
      FROM fin f
    )
    SELECT GROUPING(repository_id)::int AS g_repo, GROUPING(target_id)::int AS g_target, GROUPING(app_id)::int AS g_app, GROUPING(week)::int AS g_week,
           repository_id, repository, target_id, target, app_id, app, week,
           count(*)::int AS deployments,
           count(*) FILTER (WHERE state = 'succeeded')::int AS succeeded,
           count(*) FILTER (WHERE state IN ('failed', 'rolled_back'))::int AS failed,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY lead_seconds) AS lead_median,
           percentile_cont(0.9) WITHIN GROUP (ORDER BY lead_seconds) AS lead_p90,
           count(lead_seconds)::int AS lead_samples,
           count(*) FILTER (WHERE incident)::int AS incidents,
           count(restore_seconds)::int AS restored,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY restore_seconds) AS restore_median
    FROM inc
    GROUP BY GROUPING SETS ((), (repository_id, repository, app), (target_id, target, repository), (app_id, app), (week))`;
}

/** Seconds to the millisecond: percentile_cont's interpolation leaves float noise (54720.00000000001). */
const ms = (x: number | null | undefined): number | null => (x === null || x === undefined ? null : Math.round(x * 1000) / 1000);

function figures(r: Row | undefined, days: number): DoraFigures {
  const deployments = r?.deployments ?? 0;
  const succeeded = r?.succeeded ?? 0;
  const failed = r?.failed ?? 0;
  return {
    deployments,
    succeeded,
    failed,
    deploymentsPerDay: days > 0 ? succeeded / days : 0,
    deploymentsPerWeek: days > 0 ? (succeeded / days) * 7 : 0,
    leadTimeMedianSeconds: ms(r?.lead_median),
    leadTimeP90Seconds: ms(r?.lead_p90),
    leadTimeSamples: r?.lead_samples ?? 0,
    changeFailureRate: deployments > 0 ? failed / deployments : null,
    incidents: r?.incidents ?? 0,
    restored: r?.restored ?? 0,
    timeToRestoreMedianSeconds: ms(r?.restore_median),
  };
}

/** Monday 00:00 UTC of the week `d` falls in. */
export function weekStartUtc(d: Date): Date {
  const day = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  return new Date(day.getTime() - ((day.getUTCDay() + 6) % 7) * DAY_MS);
}

/** The DORA figures of the period ending now (or at `now`), for everything or one repository / target. */
export async function doraReport(opts: DoraOptions): Promise<DoraReport> {
  const to = opts.now ?? new Date();
  const from = new Date(to.getTime() - opts.periodDays * DAY_MS);
  const rows = await figureRows(from, to, opts.repositoryId, opts.targetId);
  const days = opts.periodDays;
  const overall = rows.find((r) => r.g_repo && r.g_target && r.g_app && r.g_week);
  const byWeek = new Map(rows.filter((r) => !r.g_week).map((r) => [r.week!, r]));
  const weeks: DoraReport["weeks"] = [];
  for (let w = weekStartUtc(from); w < to; w = new Date(w.getTime() + 7 * DAY_MS)) {
    const start = Math.max(w.getTime(), from.getTime());
    const end = Math.min(w.getTime() + 7 * DAY_MS, to.getTime());
    const inPeriod = Math.round(((end - start) / DAY_MS) * 100) / 100;
    const key = w.toISOString().slice(0, 10);
    weeks.push({ weekStart: key, days: inPeriod, ...figures(byWeek.get(key), inPeriod) });
  }
  const byName = <T extends { deployments: number }>(xs: T[], name: (x: T) => string) =>
    xs.sort((a, b) => b.deployments - a.deployments || name(a).localeCompare(name(b)));
  const report: DoraReport = {
    periodDays: opts.periodDays,
    from: from.toISOString(),
    to: to.toISOString(),
    scope: { repositoryId: opts.repositoryId ?? null, targetId: opts.targetId ?? null },
    overall: figures(overall, days),
    weeks,
    byApp: byName(
      rows.filter((r) => !r.g_app).map((r) => ({ appId: r.app_id, app: r.app, ...figures(r, days) })),
      (x) => x.app ?? "",
    ),
    byRepository: byName(
      rows.filter((r) => !r.g_repo).map((r) => ({ repositoryId: r.repository_id!, repository: r.repository!, app: r.app, ...figures(r, days) })),
      (x) => x.repository,
    ),
    byTarget: byName(
      rows.filter((r) => !r.g_target).map((r) => ({ targetId: r.target_id!, target: r.target!, repository: r.repository!, ...figures(r, days) })),
      (x) => x.target,
    ),
  };
  return report;
}

export interface DoraFilterOptions {
  repositories: { id: string; name: string; app: string | null }[];
  targets: { id: string; name: string; repositoryId: string }[];
}

/**
 * The repositories and targets the page's filters offer (those not archived), by name. Targets only of the
 * repository chosen (or of the chosen target's): every target of every repository would weigh the page down
 * as the inventory grows.
 */
export async function doraFilterOptions(scope: { repositoryId?: string; targetId?: string } = {}): Promise<DoraFilterOptions> {
  const db = getDb();
  const repositoryId =
    scope.repositoryId ??
    (scope.targetId
      ? (await db.target.findUnique({ where: { id: scope.targetId }, select: { deploymentRule: { select: { buildRule: { select: { repositoryId: true } } } } } }))?.deploymentRule.buildRule
          .repositoryId
      : undefined);
  const [repos, targets] = await Promise.all([
    db.repository.findMany({ where: { archivedAt: null }, select: { id: true, name: true, app: { select: { name: true } } }, orderBy: [{ name: "asc" }, { id: "asc" }], take: 1000 }),
    repositoryId
      ? db.target.findMany({
          where: { archivedAt: null, deploymentRule: { buildRule: { repositoryId } } },
          select: { id: true, name: true, deploymentRule: { select: { buildRule: { select: { repositoryId: true } } } } },
          orderBy: [{ name: "asc" }],
          take: 1000,
        })
      : [],
  ]);
  return {
    repositories: repos.map((r) => ({ id: r.id, name: r.name, app: r.app?.name ?? null })),
    targets: targets.map((t) => ({ id: t.id, name: t.name, repositoryId: t.deploymentRule.buildRule.repositoryId })),
  };
}
