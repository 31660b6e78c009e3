// Targets: every service Slipway deploys to, with what it runs now, its last deployment, pin and drift.
import Link from "next/link";
import type { Metadata } from "next";
import { requirePageUser } from "@/lib/auth/session";
import { targetSummaries } from "@/lib/queries/deployment-detail";
import { PageHeader } from "@/components/ui/page-header";
import { EmptyState } from "@/components/ui/empty-state";
import { TargetTable } from "@/components/targets/target-table";

export const metadata: Metadata = { title: "Targets" };

export default async function TargetsPage() {
  await requirePageUser("console.view", "/targets");
  const now = new Date();
  const targets = await targetSummaries();
  return (
    <>
      <PageHeader title="Targets" description="The swarm services, compose services and unikernels Slipway deploys to: what each runs now, how its last deployment ended, and whether it is pinned or drifted." />
      {targets.length ? (
        <TargetTable targets={targets} now={now} />
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
