// Environments: per deployment rule with stages (staging → production), the pipeline as columns with the
// release on each stage, why it cannot be promoted yet, and the Promote button (operators).
import Link from "next/link";
import type { Metadata } from "next";
import { requirePageUser } from "@/lib/auth/session";
import { can } from "@/lib/auth/roles";
import { listPipelines } from "@/lib/queries/environments";
import { PageHeader } from "@/components/ui/page-header";
import { EmptyState } from "@/components/ui/empty-state";
import { PipelineBoard } from "@/components/environments/pipeline-board";
import { promoteReleaseAction } from "./actions";

export const metadata: Metadata = { title: "Environments" };

export default async function EnvironmentsPage() {
  const user = await requirePageUser("console.view", "/environments");
  const now = new Date();
  const pipelines = await listPipelines({}, now);
  const promote = can(user, "deployment.promote") ? promoteReleaseAction : null;
  return (
    <>
      <PageHeader
        title="Environments"
        description="Releases move through each deployment rule's stages in order: a release enters the first from its branch, and is promoted to the next once it succeeded on every target, stayed there for the stage's soak time and its checks answer. Promotion deploys the same digest; nothing is rebuilt."
      />
      {pipelines.length ? (
        <div className="space-y-10">
          {pipelines.map((p) => (
            <PipelineBoard key={p.deploymentRuleId} pipeline={p} now={now} promote={promote} />
          ))}
        </div>
      ) : (
        <EmptyState title="No environments yet">
          <p>
            Give a deployment rule ordered environments (for example staging, then production) on its repository&apos;s page (Edit the rule) or in slipway.yml,
            and name each target&apos;s environment. A release
            then enters the first stage from its branch and is promoted from stage to stage.
          </p>
          <p>
            <Link href="/settings/config" className="link">
              Import slipway.yml
            </Link>
          </p>
        </EmptyState>
      )}
    </>
  );
}
