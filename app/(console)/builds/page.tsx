// Builds, newest first; filtered by repository, branch, pull request and state from the query string. The
// page refreshes itself while a build it shows is in progress.
import Link from "next/link";
import type { Metadata } from "next";
import { requirePageUser } from "@/lib/auth/session";
import { buildFilterRepositories, listBuilds, type BuildListFilter } from "@/lib/queries/builds";
import { isActiveBuildState } from "@/lib/validation/build-states";
import { buildFilterFromSearchParams, buildFilterKeys } from "@/lib/validation/build-filters";
import { PageHeader } from "@/components/ui/page-header";
import { EmptyState } from "@/components/ui/empty-state";
import { Notice } from "@/components/ui/notice";
import { FilterIssues } from "@/components/ui/filter-issues";
import { Pager } from "@/components/ui/pager";
import { BuildTable } from "@/components/lists/build-table";
import { LiveRefresh } from "@/components/lists/live-refresh";
import { BuildFilterForm, type BuildFilterValues } from "@/components/builds/build-filter-form";
import { buildStates } from "@/components/status/state-badges";
import { StateLegend } from "@/components/status/state-legend";
import { param, type SearchParams } from "../search-params";

export const metadata: Metadata = { title: "Builds" };

const fieldNames: Record<string, string> = { repository: "Repository", branch: "Branch", pr: "Pull request", state: "State", before: "Page" };

function buildsHref(params: Record<string, string | undefined>): string {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) qs.set(k, v);
  const s = qs.toString();
  return s ? `/builds?${s}` : "/builds";
}

export default async function BuildsPage({ searchParams }: { searchParams: SearchParams }) {
  await requirePageUser("console.view", "/builds");
  const sp = await searchParams;
  const parsed = buildFilterFromSearchParams(sp);
  const typed = (k: (typeof buildFilterKeys)[number]) => param(sp, k)?.trim() ?? "";
  const raw: BuildFilterValues = { repository: typed("repository"), branch: typed("branch"), pr: typed("pr"), state: typed("state") };
  const now = new Date();

  const filter: BuildListFilter | null = parsed.success ? { repository: parsed.data.repository, branch: parsed.data.branch, pr: parsed.data.pr, state: parsed.data.state } : null;
  const before = parsed.success ? parsed.data.before : undefined;
  const [page, repositories] = await Promise.all([filter ? listBuilds({ before, filter }) : null, buildFilterRepositories()]);

  // the filters as they go into links: normalised when valid
  const active: Record<string, string | undefined> = filter
    ? { repository: filter.repository, branch: filter.branch, pr: filter.pr === undefined ? undefined : String(filter.pr), state: filter.state }
    : {};
  const filtered = Object.values(active).some(Boolean);
  // what the form shows: the normalised values when valid, else what was typed
  const values: BuildFilterValues = filter
    ? { repository: active.repository ?? "", branch: active.branch ?? "", pr: active.pr ?? "", state: active.state ?? "" }
    : raw;
  const issues = parsed.success ? [] : parsed.error.issues;
  const invalidFields = new Set(issues.map((i) => String(i.path[0] ?? "")));
  const live = Boolean(page?.rows.some((b) => isActiveBuildState(b.state)));

  return (
    <>
      <PageHeader
        title="Builds"
        description="Every build of every watched branch and pull request, newest first."
        actions={
          <>
            <LiveRefresh active={live} />
            <StateLegend title="Build states" states={buildStates} />
          </>
        }
      />

      <BuildFilterForm values={values} invalidFields={invalidFields} repositories={repositories} />

      <FilterIssues issues={issues} fieldNames={fieldNames} typed={(f) => param(sp, f)} clearHref="/builds" />

      {page?.cursorNotFound ? (
        <Notice tone="info" role="status" className="mb-4">
          The build this page started from no longer exists, so the list starts from the newest build.
        </Notice>
      ) : null}

      {page && page.rows.length ? (
        <BuildTable builds={page.rows} now={now} />
      ) : page && before && !page.cursorNotFound ? (
        <EmptyState title="No older builds">That was the oldest {filtered ? "matching " : ""}build.</EmptyState>
      ) : page && filtered ? (
        <EmptyState title="No builds match these filters">
          <p>
            A branch or pull request is built when it moves. Check the names, pick another state, or{" "}
            <Link href="/builds" className="link">
              clear all filters
            </Link>
            .
          </p>
        </EmptyState>
      ) : page ? (
        <EmptyState title="No builds yet">
          <p>
            A build starts when a watched repository gets a push or a pull request, and when an operator asks for a rebuild. Each build rule of the
            repository builds once per commit.
          </p>
          <p>If no repositories are registered yet, start under Repositories.</p>
        </EmptyState>
      ) : null}

      {page ? (
        <Pager
          firstHref={before ? buildsHref(active) : undefined}
          nextHref={page.nextCursor ? buildsHref({ ...active, before: page.nextCursor }) : undefined}
          label="Build pages"
        />
      ) : null}
    </>
  );
}
