// Targets: every service Slipway deploys to, with what it runs now, its last deployment, pin and drift.
import Link from "next/link";
import type { Metadata } from "next";
import { requirePageUser } from "@/lib/auth/session";
import { targetSummaries } from "@/lib/queries/deployment-detail";
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
  // keyset on the name (targets are listed by name, and names are unique); the position of the cursor's name in
  // the list rather than a comparison in JavaScript, whose order may differ from the database's collation. A
  // name that is gone starts again from the first target.
  const all = await targetSummaries();
  const start = after ? all.findIndex((t) => t.name === after) + 1 : 0;
  const rest = start < all.length ? all.slice(start) : all;
  const targets = rest.slice(0, PAGE_SIZE);
  const last = targets[targets.length - 1];
  return (
    <>
      <PageHeader title="Targets" description="The swarm services, compose services and unikernels Slipway deploys to: what each runs now, how its last deployment ended, and whether it is pinned or drifted." />
      {targets.length ? (
        <>
          {all.length > targets.length ? (
            <p className="mb-4 text-sm text-zinc-600 dark:text-zinc-400">
              {all.length} targets; {after ? `from ${targets[0]!.name}, ` : ""}
              {targets.length} on this page.
            </p>
          ) : null}
          <TargetTable targets={targets} now={now} />
          <Pager
            firstHref={after ? "/targets" : undefined}
            nextHref={rest.length > PAGE_SIZE && last ? `/targets?after=${encodeURIComponent(last.name)}` : undefined}
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
