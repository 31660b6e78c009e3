// Deployments, newest first.
import type { Metadata } from "next";
import { requirePageUser } from "@/lib/auth/session";
import { listDeployments } from "@/lib/queries/deployments";
import { PageHeader } from "@/components/ui/page-header";
import { EmptyState } from "@/components/ui/empty-state";
import { Notice } from "@/components/ui/notice";
import { Pager } from "@/components/ui/pager";
import { DeploymentTable } from "@/components/lists/deployment-table";
import { deploymentStates } from "@/components/status/state-badges";
import { StateLegend } from "@/components/status/state-legend";
import { cursorParam, type SearchParams } from "../search-params";

export const metadata: Metadata = { title: "Deployments" };

export default async function DeploymentsPage({ searchParams }: { searchParams: SearchParams }) {
  await requirePageUser("console.view", "/deployments");
  const before = cursorParam(await searchParams, "before");
  const now = new Date();
  const page = await listDeployments({ before });
  return (
    <>
      <PageHeader
        title="Deployments"
        description="Releases put on targets: swarm services, compose services and unikernels, newest first."
        actions={<StateLegend title="Deployment states" states={deploymentStates} />}
      />
      {page.cursorNotFound ? (
        <Notice tone="info" role="status" className="mb-4">
          The deployment this page started from no longer exists, so the list starts from the newest deployment.
        </Notice>
      ) : null}
      {page.rows.length ? (
        <DeploymentTable deployments={page.rows} now={now} />
      ) : before && !page.cursorNotFound ? (
        <EmptyState title="No older deployments">That was the oldest deployment.</EmptyState>
      ) : (
        <EmptyState title="No deployments yet">
          <p>
            A deployment starts when a build of a deployment branch (for example <code className="font-mono">live</code>) succeeds: the release is
            pushed and each target of the deployment rule is upgraded to it.
          </p>
          <p>Deployments whose rule asks for approval wait here until an operator approves them.</p>
        </EmptyState>
      )}
      <Pager
        firstHref={before ? "/deployments" : undefined}
        nextHref={page.nextCursor ? `/deployments?before=${encodeURIComponent(page.nextCursor)}` : undefined}
        label="Deployment pages"
      />
    </>
  );
}
