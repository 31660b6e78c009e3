// The four DORA figures (deployment frequency, lead time for changes, change failure rate, time to restore)
// over a period of 7, 30 or 90 days: overall, week by week, per app, per repository and per target. The page
// (app/(console)/dora), /metrics (lib/metrics) and GET /api/v1/dora all use doraReport.
//
// How: the facts of each finished deployment (its end, success, lead time, whether it starts an incident and
// when that was restored) are derived when it finishes, by the trigger dora_days_refresh on deployments
// (migration 20261205080814_dora_days), into one dora_days row per target and UTC day. A report reads the
// rows of the days its period touches, unnests their arrays side by side, cuts the first and last day at the
// period's ends and groups them in ONE statement (GROUPING SETS); no deployment, release, build or commit is
// read (the page took 179 ms at 1M builds when it joined them). Its cost still grows with the deployments in
// the period (exact medians need every sample), so a report of the period ending now is reused for a minute
// unless a deployment finished since (doraReport).
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
 * The period's deployments from dora_days (its `day` index, or its primary key for one target): each row's arrays
 * unnested side by side, the first and last day cut at the period's ends, grouped as the report shows them.
 * A restore counts when it happened before `to`.
 */
async function figureRows(from: Date, to: Date, repositoryId: string | undefined, targetId: string | undefined): Promise<Row[]> {
  const scope = Prisma.sql`${repositoryId ? Prisma.sql`AND r.id = ${repositoryId}` : Prisma.empty} ${targetId ? Prisma.sql`AND dd.target_id = ${targetId}` : Prisma.empty}`;
  const first = from.toISOString().slice(0, 10);
  const last = new Date(to.getTime() - 1).toISOString().slice(0, 10);
  const fromS = from.getTime() / 1000;
  const toS = to.getTime() / 1000;
  return getDb().$queryRaw<Row[]>`
    WITH f AS (
      SELECT dd.target_id, t.name AS target, r.id AS repository_id, r.name AS repository, r.app_id, a.name AS app,
             to_char(date_trunc('week', dd.day), 'YYYY-MM-DD') AS week,
             u.ok, u.lead_seconds, u.incident, CASE WHEN u.incident AND u.restored_at < ${toS}::float8 THEN u.restore_seconds END AS restore_seconds
      FROM dora_days dd
      JOIN targets t ON t.id = dd.target_id
      JOIN deployment_rules dr ON dr.id = t.deployment_rule_id
      JOIN build_rules br ON br.id = dr.build_rule_id
      JOIN repositories r ON r.id = br.repository_id
      LEFT JOIN github_apps a ON a.id = r.app_id
      CROSS JOIN LATERAL unnest(dd.finished_at, dd.ok, dd.lead_seconds, dd.incident, dd.restore_seconds, dd.restored_at)
        AS u(finished_at, ok, lead_seconds, incident, restore_seconds, restored_at)
      WHERE dd.day BETWEEN ${first}::date AND ${last}::date AND u.finished_at >= ${fromS}::float8 AND u.finished_at < ${toS}::float8 ${scope}
    )
    SELECT GROUPING(repository_id)::int AS g_repo, GROUPING(target_id)::int AS g_target, GROUPING(app_id)::int AS g_app, GROUPING(week)::int AS g_week,
           repository_id, repository, target_id, target, app_id, app, week,
           count(*)::int AS deployments,
           count(*) FILTER (WHERE ok)::int AS succeeded,
           count(*) FILTER (WHERE NOT ok)::int AS failed,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY lead_seconds) AS lead_median,
           percentile_cont(0.9) WITHIN GROUP (ORDER BY lead_seconds) AS lead_p90,
           count(lead_seconds)::int AS lead_samples,
           count(*) FILTER (WHERE incident)::int AS incidents,
           count(restore_seconds)::int AS restored,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY restore_seconds) AS restore_median
    FROM f
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

/** How long a report of the period ending now is reused while no deployment finished (dora_days_version). */
export const DORA_REUSE_MS = 60_000;
const reused = new Map<string, { at: number; version: string; report: DoraReport }>();

/**
 * The DORA figures of the period ending now (or at `now`), for everything or one repository / target. A report
 * of the period ending now is computed at most once a minute per scope in this process, and again as soon as a
 * deployment finished (the trigger moves dora_days_version): the figures of 7 to 90 days move by nothing a
 * person could see in a minute, and the page, /metrics and the API ask for them again and again.
 */
export async function doraReport(opts: DoraOptions): Promise<DoraReport> {
  if (opts.now) return computeDoraReport(opts);
  const key = `${opts.periodDays}|${opts.repositoryId ?? ""}|${opts.targetId ?? ""}`;
  const [row] = await getDb().$queryRaw<{ v: string }[]>`SELECT last_value::text AS v FROM dora_days_version`;
  const version = row?.v ?? "";
  const hit = reused.get(key);
  if (hit && hit.version === version && Date.now() - hit.at < DORA_REUSE_MS) return hit.report;
  const report = await computeDoraReport({ ...opts, now: new Date() });
  if (reused.size >= 256) reused.clear();
  reused.set(key, { at: Date.now(), version, report });
  return report;
}

async function computeDoraReport(opts: DoraOptions): Promise<DoraReport> {
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
