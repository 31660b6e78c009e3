// The four DORA figures (deployment frequency, lead time for changes, change failure rate, time to restore)
// over a period of 7, 30 or 90 days: overall, week by week, per app, per repository and per target. The page
// (app/(console)/dora), /metrics (lib/metrics) and GET /api/v1/dora all use doraReport.
//
// How: the facts of each finished deployment (its end, success, lead time, whether it starts an incident and
// when that was restored) are derived when it finishes, by the trigger dora_days_refresh on deployments
// (migration 20261205080814_dora_days), into one dora_days row per target and UTC day. A report reads the
// rows of the days its period touches (targets x days, whatever the number of deployments: the page took
// 179 ms at 1M builds when it aggregated the deployments themselves) and adds them up here, cutting the first
// and last day at the period's ends; medians and the 90th percentile are exact (percentile_cont's rule).
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

/** One target's day (dora_days) with the names the report groups by. */
interface DayRow {
  target_id: string;
  target: string;
  repository_id: string;
  repository: string;
  app_id: string | null;
  app: string | null;
  day: string;
  finished_at: number[];
  ok: boolean[];
  lead_seconds: (number | null)[];
  incident: boolean[];
  restore_seconds: (number | null)[];
  restored_at: (number | null)[];
}

/**
 * The facts of every target-day that overlaps [from, to), served by dora_days (day) — or by its primary key
 * (target_id, day) for one target — and the inventory's names: targets x days rows, not one per deployment.
 */
async function dayRows(from: Date, to: Date, repositoryId: string | undefined, targetId: string | undefined): Promise<DayRow[]> {
  const scope = Prisma.sql`${repositoryId ? Prisma.sql`AND r.id = ${repositoryId}` : Prisma.empty} ${targetId ? Prisma.sql`AND dd.target_id = ${targetId}` : Prisma.empty}`;
  const first = from.toISOString().slice(0, 10);
  const last = new Date(to.getTime() - 1).toISOString().slice(0, 10);
  return getDb().$queryRaw<DayRow[]>`
    SELECT dd.target_id, t.name AS target, r.id AS repository_id, r.name AS repository, r.app_id, a.name AS app,
           to_char(dd.day, 'YYYY-MM-DD') AS day, dd.finished_at, dd.ok, dd.lead_seconds, dd.incident, dd.restore_seconds, dd.restored_at
    FROM dora_days dd
    JOIN targets t ON t.id = dd.target_id
    JOIN deployment_rules dr ON dr.id = t.deployment_rule_id
    JOIN build_rules br ON br.id = dr.build_rule_id
    JOIN repositories r ON r.id = br.repository_id
    LEFT JOIN github_apps a ON a.id = r.app_id
    WHERE dd.day BETWEEN ${first}::date AND ${last}::date ${scope}`;
}

/** What one group (everything, a week, an app, a repository, a target) adds up to. */
interface Tally {
  deployments: number;
  succeeded: number;
  failed: number;
  leads: number[];
  incidents: number;
  restores: number[];
}

const tally = (): Tally => ({ deployments: 0, succeeded: 0, failed: 0, leads: [], incidents: 0, restores: [] });

/** PostgreSQL's percentile_cont: linear interpolation between the two closest ranks. Sorts `xs`. */
export function percentileCont(xs: number[], p: number): number | null {
  if (xs.length === 0) return null;
  xs.sort((a, b) => a - b);
  const pos = p * (xs.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return xs[lo]! + (pos - lo) * (xs[hi]! - xs[lo]!);
}

/** Seconds to the millisecond: the interpolation leaves float noise (54720.00000000001). */
const ms = (x: number | null): number | null => (x === null ? null : Math.round(x * 1000) / 1000);

function figures(t: Tally | undefined, days: number): DoraFigures {
  const deployments = t?.deployments ?? 0;
  const succeeded = t?.succeeded ?? 0;
  const failed = t?.failed ?? 0;
  const leads = t?.leads ?? [];
  const restores = t?.restores ?? [];
  return {
    deployments,
    succeeded,
    failed,
    deploymentsPerDay: days > 0 ? succeeded / days : 0,
    deploymentsPerWeek: days > 0 ? (succeeded / days) * 7 : 0,
    leadTimeMedianSeconds: ms(percentileCont(leads, 0.5)),
    leadTimeP90Seconds: ms(percentileCont(leads, 0.9)),
    leadTimeSamples: leads.length,
    changeFailureRate: deployments > 0 ? failed / deployments : null,
    incidents: t?.incidents ?? 0,
    restored: restores.length,
    timeToRestoreMedianSeconds: ms(percentileCont(restores, 0.5)),
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
  const rows = await dayRows(from, to, opts.repositoryId, opts.targetId);
  const days = opts.periodDays;
  const fromS = from.getTime() / 1000;
  const toS = to.getTime() / 1000;

  const overall = tally();
  const byWeek = new Map<string, Tally>();
  const byApp = new Map<string | null, { appId: string | null; app: string | null; t: Tally }>();
  const byRepo = new Map<string, { repositoryId: string; repository: string; app: string | null; t: Tally }>();
  const byTarget = new Map<string, { targetId: string; target: string; repository: string; t: Tally }>();
  const weekOf = new Map<string, string>();
  for (const r of rows) {
    let week = weekOf.get(r.day);
    if (week === undefined) weekOf.set(r.day, (week = weekStartUtc(new Date(`${r.day}T00:00:00Z`)).toISOString().slice(0, 10)));
    let w = byWeek.get(week);
    if (!w) byWeek.set(week, (w = tally()));
    let a = byApp.get(r.app_id);
    if (!a) byApp.set(r.app_id, (a = { appId: r.app_id, app: r.app, t: tally() }));
    let rp = byRepo.get(r.repository_id);
    if (!rp) byRepo.set(r.repository_id, (rp = { repositoryId: r.repository_id, repository: r.repository, app: r.app, t: tally() }));
    let tg = byTarget.get(r.target_id);
    if (!tg) byTarget.set(r.target_id, (tg = { targetId: r.target_id, target: r.target, repository: r.repository, t: tally() }));
    const groups = [overall, w, a.t, rp.t, tg.t];
    for (let i = 0; i < r.finished_at.length; i++) {
      const at = r.finished_at[i]!;
      // whole days are inside; the first and last day of the period are cut at its ends
      if (at < fromS || at >= toS) continue;
      const ok = r.ok[i]!;
      const lead = r.lead_seconds[i] ?? null;
      const incident = r.incident[i]!;
      const restoredAt = r.restored_at[i] ?? null;
      const restore = incident && restoredAt !== null && restoredAt < toS ? (r.restore_seconds[i] ?? null) : null;
      for (const g of groups) {
        g.deployments++;
        if (ok) g.succeeded++;
        else g.failed++;
        if (lead !== null) g.leads.push(lead);
        if (incident) g.incidents++;
        if (restore !== null) g.restores.push(restore);
      }
    }
  }

  const weeks: DoraReport["weeks"] = [];
  for (let w = weekStartUtc(from); w < to; w = new Date(w.getTime() + 7 * DAY_MS)) {
    const start = Math.max(w.getTime(), from.getTime());
    const end = Math.min(w.getTime() + 7 * DAY_MS, to.getTime());
    const inPeriod = Math.round(((end - start) / DAY_MS) * 100) / 100;
    const key = w.toISOString().slice(0, 10);
    weeks.push({ weekStart: key, days: inPeriod, ...figures(byWeek.get(key), inPeriod) });
  }
  // a group whose every deployment fell outside the period's ends (cut days) is not listed
  const listed = <T extends { t: Tally }>(xs: Iterable<T>) => [...xs].filter((x) => x.t.deployments > 0);
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
      listed(byApp.values()).map(({ appId, app, t }) => ({ appId, app, ...figures(t, days) })),
      (x) => x.app ?? "",
    ),
    byRepository: byName(
      listed(byRepo.values()).map(({ repositoryId, repository, app, t }) => ({ repositoryId, repository, app, ...figures(t, days) })),
      (x) => x.repository,
    ),
    byTarget: byName(
      listed(byTarget.values()).map(({ targetId, target, repository, t }) => ({ targetId, target, repository, ...figures(t, days) })),
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
