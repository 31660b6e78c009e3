// Dashboard: are workers running, what is there, what happened lately.
import Link from "next/link";
import type { Metadata } from "next";
import { requirePageUser } from "@/lib/auth/session";
import { can } from "@/lib/auth/roles";
import { dashboardCounts } from "@/lib/queries/dashboard";
import { listConnectedWorkers } from "@/lib/queries/workers";
import { recentBuilds } from "@/lib/queries/builds";
import { recentDeployments } from "@/lib/queries/deployments";
import { targetSummaries } from "@/lib/queries/deployment-detail";
import { recentAuditEvents } from "@/lib/queries/audit";
import { PageHeader, SectionHeader } from "@/components/ui/page-header";
import { Notice } from "@/components/ui/notice";
import { EmptyState } from "@/components/ui/empty-state";
import { StatCard } from "@/components/dashboard/stat-card";
import { RecentBuilds } from "@/components/dashboard/recent-builds";
import { RecentDeployments } from "@/components/dashboard/recent-deployments";
import { TargetTable } from "@/components/targets/target-table";
import { WorkerTable } from "@/components/lists/worker-table";
import { ActivityList } from "@/components/audit/activity-list";

export const metadata: Metadata = { title: "Dashboard" };

/** Targets the dashboard shows; "All targets →" has the rest. */
const DASHBOARD_TARGETS = 10;

export default async function DashboardPage() {
  const user = await requirePageUser();
  const now = new Date();
  const [counts, workers, builds, deployments, events, targets] = await Promise.all([
    dashboardCounts(now),
    listConnectedWorkers(now),
    recentBuilds(8),
    recentDeployments(8),
    recentAuditEvents(10),
    // the first ten by name, as shown: every target's newest deployment and release is ten times the reads
    targetSummaries({ limit: DASHBOARD_TARGETS }),
  ]);
  const canViewAudit = can(user, "audit.view");

  return (
    <div data-testid="dashboard" className="space-y-8">
      <PageHeader title="Dashboard" description="Workers, what Slipway is building and deploying, and the latest changes." />

      {workers.length === 0 ? (
        <Notice tone="warning" role="alert" title="No worker is connected: builds and deployments will wait.">
          <p>
            Start one with <code>npm run worker</code> on any machine that reaches this database. Workers that stopped recently are listed under{" "}
            <Link href="/settings/workers" className="underline underline-offset-2">
              Settings → Workers
            </Link>
            .
          </p>
        </Notice>
      ) : null}

      <section aria-labelledby="counts-heading">
        <h2 id="counts-heading" className="sr-only">
          Counts
        </h2>
        <div className="grid grid-cols-2 gap-4 lg:grid-cols-4">
          <StatCard label="Repositories" value={counts.repositories} href="/repositories" detail="watched for changes" />
          <StatCard label="Targets" value={counts.targets} href="/targets" detail="services to deploy to" />
          <StatCard
            label="Builds today"
            value={counts.buildsToday}
            href="/builds"
            detail={counts.buildsActive ? `${counts.buildsActive} queued or running` : "since 00:00 UTC"}
          />
          <StatCard
            label="Pending approval"
            value={counts.deploymentsPendingApproval}
            href="/approvals"
            tone={counts.deploymentsPendingApproval > 0 ? "attention" : "plain"}
            detail={counts.deploymentsActive ? `${counts.deploymentsActive} other deployment${counts.deploymentsActive === 1 ? "" : "s"} running` : "deployments to approve"}
          />
        </div>
      </section>

      {counts.deploymentsPendingApproval > 0 ? (
        <Notice tone="warning" role="status" title={`${counts.deploymentsPendingApproval === 1 ? "One deployment waits" : `${counts.deploymentsPendingApproval} deployments wait`} for approval.`}>
          <p>
            Nothing changes on {counts.deploymentsPendingApproval === 1 ? "its target" : "their targets"} until someone approves.{" "}
            <Link href="/approvals" className="font-medium underline underline-offset-2">
              Open Approvals
            </Link>
          </p>
        </Notice>
      ) : null}

      <section aria-labelledby="targets-heading">
        <SectionHeader
          id="targets-heading"
          title="Targets"
          actions={
            <Link href="/targets" className="link">
              All targets →
            </Link>
          }
        />
        {targets.length ? (
          <TargetTable targets={targets} now={now} caption="Targets: current release, last deployment, pin and drift" />
        ) : (
          <EmptyState title="No targets yet" compact>
            <p>A target is a service Slipway deploys to; add one under a deployment rule of a repository.</p>
          </EmptyState>
        )}
      </section>

      <section aria-labelledby="workers-heading">
        <SectionHeader
          id="workers-heading"
          title={`Connected workers (${workers.length})`}
          actions={
            <Link href="/settings/workers" className="link">
              All workers →
            </Link>
          }
        />
        {workers.length ? (
          <WorkerTable workers={workers} now={now} showStatus={false} caption="Workers with a heartbeat in the last 45 seconds" />
        ) : (
          <EmptyState title="No connected workers" compact>
            <p>
              A worker takes builds and deployments from the queue. Start one with <code className="font-mono">npm run worker</code>; it appears here
              within seconds.
            </p>
          </EmptyState>
        )}
      </section>

      <div className="grid gap-8 xl:grid-cols-2">
        <section aria-labelledby="builds-heading" className="min-w-0">
          <SectionHeader
            id="builds-heading"
            title="Recent builds"
            actions={
              <Link href="/builds" className="link">
                All builds →
              </Link>
            }
          />
          {builds.length ? (
            <RecentBuilds builds={builds} now={now} />
          ) : (
            <EmptyState title="No builds yet" compact>
              <p>
                {counts.repositories
                  ? "Builds start when a watched repository gets a push or a pull request."
                  : "Builds start once a repository with a build rule is registered and gets a push."}
              </p>
            </EmptyState>
          )}
        </section>
        <section aria-labelledby="deployments-heading" className="min-w-0">
          <SectionHeader
            id="deployments-heading"
            title="Recent deployments"
            actions={
              <Link href="/deployments" className="link">
                All deployments →
              </Link>
            }
          />
          {deployments.length ? (
            <RecentDeployments deployments={deployments} now={now} />
          ) : (
            <EmptyState title="No deployments yet" compact>
              <p>A deployment starts when a build of a deployment branch succeeds; deployments that need approval wait here.</p>
            </EmptyState>
          )}
        </section>
      </div>

      <section aria-labelledby="activity-heading">
        <SectionHeader
          id="activity-heading"
          title="Recent activity"
          actions={
            canViewAudit ? (
              <Link href="/audit" className="link">
                Audit log →
              </Link>
            ) : null
          }
        />
        {events.length ? (
          <ActivityList events={events} now={now} />
        ) : (
          <EmptyState title="Nothing has happened yet" compact>
            <p>Sign-ins, role changes and every change to the inventory are recorded here and in the audit log.</p>
          </EmptyState>
        )}
      </section>
    </div>
  );
}
