// Workers seen in the last 7 days.
import type { Metadata } from "next";
import { requirePageUser } from "@/lib/auth/session";
import { listRecentWorkers } from "@/lib/queries/workers";
import { PageHeader } from "@/components/ui/page-header";
import { EmptyState } from "@/components/ui/empty-state";
import { Notice } from "@/components/ui/notice";
import { WorkerTable } from "@/components/lists/worker-table";

export const metadata: Metadata = { title: "Workers" };

export default async function WorkersPage() {
  await requirePageUser("console.view", "/settings/workers");
  const now = new Date();
  const workers = await listRecentWorkers(7, now);
  const connected = workers.filter((w) => w.status === "connected").length;
  return (
    <>
      <PageHeader
        title="Workers"
        description="Worker processes take builds and deployments from the queue. Each one sends a heartbeat every 10 seconds; one not heard from for 45 seconds is shown as gone. Workers seen in the last 7 days are listed."
      />
      {connected === 0 ? (
        <Notice tone="warning" role="alert" title="No worker is connected: builds and deployments will wait." className="mb-5">
          <p>
            Start one with <code>npm run worker</code> on any machine that reaches this database.
          </p>
        </Notice>
      ) : null}
      {workers.length ? (
        <WorkerTable workers={workers} now={now} caption="Workers seen in the last 7 days, connected first" />
      ) : (
        <EmptyState title="No worker has been seen in the last 7 days">
          <p>
            Start one with <code className="font-mono">npm run worker</code> (or <code className="font-mono">npm start</code>, which runs the console
            and a worker together). It appears here within seconds.
          </p>
        </EmptyState>
      )}
    </>
  );
}
