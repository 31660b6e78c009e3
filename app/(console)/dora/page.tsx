// DORA: deployment frequency, lead time for changes, change failure rate and time to restore over 7, 30 or 90
// days, for everything or one repository or target; each figure in words beside its week-by-week chart, then
// the same figures per app, repository and target. lib/queries/dora.ts computes them (and says what counts).
import Link from "next/link";
import type { ReactNode } from "react";
import type { Metadata } from "next";
import { requirePageUser } from "@/lib/auth/session";
import { doraFilterOptions, doraReport, doraQuerySchema, type DoraFigures, type DoraReport } from "@/lib/queries/dora";
import { DEFAULT_DORA_PERIOD, DORA_PERIODS, type DoraQuery } from "@/lib/validation/dora";
import { PageHeader, SectionHeader } from "@/components/ui/page-header";
import { EmptyState } from "@/components/ui/empty-state";
import { FilterIssues } from "@/components/ui/filter-issues";
import { Table, THead, TBody, Th, RowTh, Td, Sub } from "@/components/ui/table";
import { TrendChart, type TrendPoint } from "@/components/dora/lazy-trend-chart";
import { formatTrendValue, type TrendUnit } from "@/components/format/dora";
import { param, type SearchParams } from "../search-params";

export const metadata: Metadata = { title: "DORA" };

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const weekLabel = (iso: string) => `${Number(iso.slice(8, 10))} ${MONTHS[Number(iso.slice(5, 7)) - 1]}`;
const labelClass = "mb-1 block text-xs font-medium text-zinc-600 dark:text-zinc-400";
/** rows per breakdown table (those with the most deployments); the filters reach the others */
const BREAKDOWN_ROWS = 20;

function MoreRows({ shown, total, what }: { shown: number; total: number; what: string }) {
  if (total <= shown) return null;
  return (
    <p className="mt-2 text-xs text-zinc-600 dark:text-zinc-400">
      The {shown} {what} with the most deployments of {total}; pick another in the filters above to see its figures.
    </p>
  );
}

function doraHref(q: { period: number; repository?: string; target?: string }): string {
  const qs = new URLSearchParams();
  if (q.period !== DEFAULT_DORA_PERIOD) qs.set("period", String(q.period));
  if (q.repository) qs.set("repository", q.repository);
  if (q.target) qs.set("target", q.target);
  const s = qs.toString();
  return s ? `/dora?${s}` : "/dora";
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const rate = (v: number) => (v >= 10 ? String(Math.round(v)) : String(Math.round(v * 100) / 100));
const dur = (s: number | null) => formatTrendValue(s, "seconds");
const pct = (r: number | null) => formatTrendValue(r, "percent");

function FigureCard({ id, title, figure, children, chart }: { id: string; title: string; figure: string; children: ReactNode; chart: ReactNode }) {
  return (
    <section aria-labelledby={`${id}-title`} className="rounded-lg border border-zinc-200 bg-white p-4 dark:border-zinc-800 dark:bg-zinc-900">
      <div className="flex items-start gap-4">
        <div className="w-2/5 min-w-0 shrink-0">
          <h2 id={`${id}-title`} className="text-sm font-medium text-zinc-600 dark:text-zinc-400">
            {title}
          </h2>
          <p className="mt-1 text-2xl font-semibold tabular-nums text-zinc-900 dark:text-zinc-50" data-testid={id}>
            {figure}
          </p>
          <div className="mt-1 text-xs leading-5 text-zinc-600 dark:text-zinc-400">{children}</div>
        </div>
        <div className="min-w-0 flex-1">{chart}</div>
      </div>
    </section>
  );
}

function trend(report: DoraReport, pick: (w: DoraReport["weeks"][number]) => number | null): TrendPoint[] {
  return report.weeks.map((w) => ({ label: weekLabel(w.weekStart), value: pick(w) }));
}

function chart(title: string, points: TrendPoint[], unit: TrendUnit, kind: "bar" | "line") {
  return <TrendChart title={title} points={points} unit={unit} kind={kind} />;
}

function FigureCells({ f }: { f: DoraFigures }) {
  return (
    <>
      <Td className="tabular-nums">
        {rate(f.deploymentsPerWeek)} a week
        <Sub>
          {f.succeeded} of {plural(f.deployments, "deployment")}
        </Sub>
      </Td>
      <Td className="tabular-nums">
        {dur(f.leadTimeMedianSeconds)}
        {f.leadTimeP90Seconds !== null ? <Sub>90th percentile {dur(f.leadTimeP90Seconds)}</Sub> : null}
      </Td>
      <Td className="tabular-nums">
        {pct(f.changeFailureRate)}
        <Sub>{f.failed} failed or rolled back</Sub>
      </Td>
      <Td className="tabular-nums">
        {dur(f.timeToRestoreMedianSeconds)}
        {f.incidents > 0 ? (
          <Sub>
            {f.restored} of {plural(f.incidents, "incident")} restored
          </Sub>
        ) : null}
      </Td>
    </>
  );
}

function FigureHeads({ first }: { first: string }) {
  return (
    <THead>
      <tr>
        <Th>{first}</Th>
        <Th>Deployment frequency</Th>
        <Th>Lead time (median)</Th>
        <Th>Change failure rate</Th>
        <Th>Time to restore (median)</Th>
      </tr>
    </THead>
  );
}

export default async function DoraPage({ searchParams }: { searchParams: SearchParams }) {
  await requirePageUser("console.view", "/dora");
  const sp = await searchParams;
  const typed = { period: param(sp, "period")?.trim() ?? "", repository: param(sp, "repository")?.trim() ?? "", target: param(sp, "target")?.trim() ?? "" };
  const parsed = doraQuerySchema.safeParse(typed);
  const query: DoraQuery = parsed.success ? parsed.data : { periodDays: DEFAULT_DORA_PERIOD, repositoryId: undefined, targetId: undefined };
  const [report, options] = await Promise.all([doraReport(query), doraFilterOptions({ repositoryId: query.repositoryId, targetId: query.targetId })]);
  const o = report.overall;
  const days = report.periodDays;
  const current = { repository: query.repositoryId, target: query.targetId };
  const scopeName = query.targetId
    ? `target ${options.targets.find((t) => t.id === query.targetId)?.name ?? "(not found)"}`
    : query.repositoryId
      ? `repository ${options.repositories.find((r) => r.id === query.repositoryId)?.name ?? "(not found)"}`
      : "every repository and target";

  return (
    <>
      <PageHeader
        title="DORA"
        description="How often and how safely Slipway ships: the four DORA measures over finished deployments (succeeded, failed or rolled back), with their trend week by week (weeks start on Monday, UTC)."
      />
      <FilterIssues
        issues={parsed.success ? [] : parsed.error.issues}
        fieldNames={{ period: "Period", repository: "Repository", target: "Target" }}
        typed={(f) => typed[f as keyof typeof typed]}
        clearHref="/dora"
      />
      <div className="mb-5 flex flex-wrap items-end gap-x-6 gap-y-3 rounded-lg border border-zinc-200 bg-white p-4 dark:border-zinc-800 dark:bg-zinc-900">
        <nav aria-label="Period">
          <span className={labelClass}>Period</span>
          <ul className="flex overflow-hidden rounded-md border border-zinc-300 dark:border-zinc-700">
            {DORA_PERIODS.map((p) => (
              <li key={p}>
                <Link
                  href={doraHref({ period: p, ...current })}
                  aria-current={p === days ? "page" : undefined}
                  className={`block h-9 px-3 text-sm leading-9 focus-visible:outline-2 focus-visible:outline-offset-[-2px] focus-visible:outline-sky-600 ${p === days ? "bg-sky-600 font-medium text-white" : "text-zinc-700 hover:bg-zinc-100 dark:text-zinc-300 dark:hover:bg-zinc-800"}`}
                >
                  {p} days
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <form method="get" action="/dora" role="search" aria-label="Filter the DORA figures" className="flex flex-1 flex-wrap items-end gap-x-4 gap-y-3">
          {days !== DEFAULT_DORA_PERIOD ? <input type="hidden" name="period" value={days} /> : null}
          <div className="min-w-48 flex-1">
            <label htmlFor="dora-repository" className={labelClass}>
              Repository
            </label>
            <select id="dora-repository" name="repository" defaultValue={query.repositoryId ?? ""} className="field h-9">
              <option value="">All repositories</option>
              {options.repositories.map((r) => (
                <option key={r.id} value={r.id}>
                  {r.app ? `${r.name} (${r.app})` : r.name}
                </option>
              ))}
            </select>
          </div>
          <div className="min-w-48 flex-1">
            <label htmlFor="dora-target" className={labelClass}>
              Target
            </label>
            <select id="dora-target" name="target" defaultValue={query.targetId ?? ""} className="field h-9">
              <option value="">{options.targets.length === 0 && !query.repositoryId ? "All targets (choose a repository first)" : "All targets"}</option>
              {options.targets.map((t) => (
                <option key={t.id} value={t.id}>
                  {t.name}
                </option>
              ))}
            </select>
          </div>
          <div className="flex items-center gap-3">
            <button type="submit" className="btn-primary h-9">
              Show
            </button>
            {query.repositoryId || query.targetId ? (
              <Link href={doraHref({ period: days })} className="btn-secondary h-9">
                Clear
              </Link>
            ) : null}
          </div>
        </form>
      </div>

      {o.deployments === 0 ? (
        <EmptyState title={`No finished deployments in the last ${days} days`}>
          <p>
            These figures come from deployments that ended (succeeded, failed or rolled back) for {scopeName}. None did in this period: try a longer period
            or another repository or target.
          </p>
          <p>Deployments start when a build of a deployment branch succeeds; see Deployments.</p>
        </EmptyState>
      ) : (
        <>
          <p className="mb-3 text-sm text-zinc-600 dark:text-zinc-400">
            The last {days} days ({report.from.slice(0, 10)} to {report.to.slice(0, 10)}, UTC) for {scopeName}: {plural(o.deployments, "finished deployment")}.
          </p>
          <div className="mb-8 grid grid-cols-1 gap-4 xl:grid-cols-2">
            <FigureCard
              id="dora-frequency"
              title="Deployment frequency"
              figure={`${rate(o.deploymentsPerDay)} a day`}
              chart={chart("Succeeded deployments", trend(report, (w) => w.succeeded), "count", "bar")}
            >
              {plural(o.succeeded, "succeeded deployment")} in {days} days: {rate(o.deploymentsPerWeek)} a week.
            </FigureCard>
            <FigureCard
              id="dora-lead-time"
              title="Lead time for changes (median)"
              figure={dur(o.leadTimeMedianSeconds)}
              chart={chart("Median lead time", trend(report, (w) => w.leadTimeMedianSeconds), "seconds", "line")}
            >
              {o.leadTimeSamples > 0 ? (
                <>
                  From commit to deployment succeeded, over {plural(o.leadTimeSamples, "deployment")} of new releases; 90th percentile {dur(o.leadTimeP90Seconds)}.
                </>
              ) : (
                <>No deployment of a new release succeeded in this period (rollbacks do not count).</>
              )}
            </FigureCard>
            <FigureCard
              id="dora-failure-rate"
              title="Change failure rate"
              figure={pct(o.changeFailureRate)}
              chart={chart("Change failure rate", trend(report, (w) => w.changeFailureRate), "percent", "bar")}
            >
              {o.failed} of {plural(o.deployments, "finished deployment")} failed or {o.failed === 1 ? "was" : "were"} rolled back.
            </FigureCard>
            <FigureCard
              id="dora-restore"
              title="Time to restore (median)"
              figure={dur(o.timeToRestoreMedianSeconds)}
              chart={chart("Median time to restore", trend(report, (w) => w.timeToRestoreMedianSeconds), "seconds", "line")}
            >
              {o.incidents === 0 ? (
                <>No deployment failed in this period.</>
              ) : (
                <>
                  {plural(o.incidents, "run")} of failed deployments on a target; {o.restored} restored by the next succeeded deployment there
                  {o.incidents > o.restored ? `, ${o.incidents - o.restored} not yet` : ""}.
                </>
              )}
            </FigureCard>
          </div>

          {report.byApp.length > 1 || report.byApp.some((a) => a.app !== null) ? (
            <section aria-labelledby="dora-apps" className="mb-8">
              <SectionHeader id="dora-apps" title="By app" />
              <Table caption="DORA figures by app">
                <FigureHeads first="App" />
                <TBody>
                  {report.byApp.map((a) => (
                    <tr key={a.appId ?? "none"}>
                      <RowTh>{a.app ?? <span className="text-zinc-500">no app (polled repositories)</span>}</RowTh>
                      <FigureCells f={a} />
                    </tr>
                  ))}
                </TBody>
              </Table>
            </section>
          ) : null}
          <section aria-labelledby="dora-repositories" className="mb-8">
            <SectionHeader id="dora-repositories" title="By repository" />
            <Table caption="DORA figures by repository">
              <FigureHeads first="Repository" />
              <TBody>
                {report.byRepository.slice(0, BREAKDOWN_ROWS).map((r) => (
                  <tr key={r.repositoryId}>
                    <RowTh>
                      <Link href={doraHref({ period: days, repository: r.repositoryId })} className="link">
                        {r.repository}
                      </Link>
                      {r.app ? <Sub>{r.app}</Sub> : null}
                    </RowTh>
                    <FigureCells f={r} />
                  </tr>
                ))}
              </TBody>
            </Table>
            <MoreRows shown={BREAKDOWN_ROWS} total={report.byRepository.length} what="repositories" />
          </section>
          <section aria-labelledby="dora-targets">
            <SectionHeader id="dora-targets" title="By target" />
            <Table caption="DORA figures by target">
              <FigureHeads first="Target" />
              <TBody>
                {report.byTarget.slice(0, BREAKDOWN_ROWS).map((t) => (
                  <tr key={t.targetId}>
                    <RowTh>
                      <Link href={doraHref({ period: days, target: t.targetId })} className="link">
                        {t.target}
                      </Link>
                      <Sub>{t.repository}</Sub>
                    </RowTh>
                    <FigureCells f={t} />
                  </tr>
                ))}
              </TBody>
            </Table>
            <MoreRows shown={BREAKDOWN_ROWS} total={report.byTarget.length} what="targets" />
          </section>
        </>
      )}
    </>
  );
}
