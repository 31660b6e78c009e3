// Builds, newest first.
import type { Metadata } from "next";
import { requirePageUser } from "@/lib/auth/session";
import { listBuilds } from "@/lib/queries/builds";
import { PageHeader } from "@/components/ui/page-header";
import { EmptyState } from "@/components/ui/empty-state";
import { Notice } from "@/components/ui/notice";
import { Pager } from "@/components/ui/pager";
import { BuildTable } from "@/components/lists/build-table";
import { buildStates } from "@/components/status/state-badges";
import { StateLegend } from "@/components/status/state-legend";
import { cursorParam, type SearchParams } from "../search-params";

export const metadata: Metadata = { title: "Builds" };

export default async function BuildsPage({ searchParams }: { searchParams: SearchParams }) {
  await requirePageUser("console.view", "/builds");
  const before = cursorParam(await searchParams, "before");
  const now = new Date();
  const page = await listBuilds({ before });
  return (
    <>
      <PageHeader
        title="Builds"
        description="Every build of every watched branch and pull request, newest first."
        actions={<StateLegend title="Build states" states={buildStates} />}
      />
      {page.cursorNotFound ? (
        <Notice tone="info" role="status" className="mb-4">
          The build this page started from no longer exists, so the list starts from the newest build.
        </Notice>
      ) : null}
      {page.rows.length ? (
        <BuildTable builds={page.rows} now={now} />
      ) : before && !page.cursorNotFound ? (
        <EmptyState title="No older builds">That was the oldest build.</EmptyState>
      ) : (
        <EmptyState title="No builds yet">
          <p>
            A build starts when a watched repository gets a push or a pull request, and when an operator asks for a rebuild. Each build rule of the
            repository builds once per commit.
          </p>
          <p>If no repositories are registered yet, start under Repositories.</p>
        </EmptyState>
      )}
      <Pager firstHref={before ? "/builds" : undefined} nextHref={page.nextCursor ? `/builds?before=${encodeURIComponent(page.nextCursor)}` : undefined} label="Build pages" />
    </>
  );
}
