// Targets: every service Slipway deploys to, with what it runs now, its last deployment, pin and drift.
import Link from "next/link";
import type { Metadata } from "next";
import { requirePageUser } from "@/lib/auth/session";
import { targetSummaryPage } from "@/lib/queries/deployment-detail";
import { PageHeader } from "@/components/ui/page-header";
import { EmptyState } from "@/components/ui/empty-state";
import { Pager } from "@/components/ui/pager";
import { TargetTable } from "@/components/targets/target-table";
import { cursorParam, type SearchParams } from "../search-params";

export const metadata: Metadata = { title: "Targets" };

/** Targets per page: five hundred of them in one page weighed two megabytes. */
const PAGE_SIZE = 50;

export default async function TargetsPage({ searchParams }: { searchParams: SearchParams }) {
  await requirePageUser("console.view", "/targets");
  const after = cursorParam(await searchParams, "after");
  const now = new Date();
  // keyset on the name (targets are listed by name, and names are unique), compared by the database in the
  // collation it sorts with; a name that is gone starts again from the first target
  const page = await targetSummaryPage({ after, limit: PAGE_SIZE });
  const targets = page.rows;
  return (
    <>
      <PageHeader title="Targets" description="The swarm services, compose services and unikernels Slipway deploys to: what each runs now, how its last deployment ended, and whether it is pinned or drifted." />
      {targets.length ? (
        <>
          {page.total > targets.length ? (
            <p className="mb-4 text-sm text-zinc-600 dark:text-zinc-400">
              {page.total} targets; {after ? `from ${targets[0]!.name}, ` : ""}
              {targets.length} on this page.
            </p>
          ) : null}
          <TargetTable targets={targets} now={now} />
          <Pager
            firstHref={after ? "/targets" : undefined}
            nextHref={page.nextCursor ? `/targets?after=${encodeURIComponent(page.nextCursor)}` : undefined}
            firstLabel="First targets"
            nextLabel="More targets →"
            label="Targets pages"
          />
        </>
      ) : (
        <EmptyState title="No targets yet">
          <p>A target is added under a deployment rule of a repository: a service on a docker context, or a unikernel on a host.</p>
          <p>
            <Link href="/repositories" className="link">
              Go to Repositories
            </Link>
          </p>
        </EmptyState>
      )}
    </>
  );
}
