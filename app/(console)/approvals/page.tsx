// The approvals inbox: deployments waiting for someone to approve them, oldest first.
import type { Metadata } from "next";
import { requirePageUser } from "@/lib/auth/session";
import { can } from "@/lib/auth/roles";
import { pendingApprovals } from "@/lib/queries/deployment-detail";
import { PageHeader } from "@/components/ui/page-header";
import { ApprovalInbox } from "@/components/deployments/approval-inbox";
import { decideDeploymentAction } from "../deployments/actions";

export const metadata: Metadata = { title: "Approvals" };

export default async function ApprovalsPage() {
  const user = await requirePageUser("console.view", "/approvals");
  const now = new Date();
  const rows = await pendingApprovals();
  const canDecide = can(user, "deployment.approve");
  return (
    <>
      <PageHeader
        title="Approvals"
        description={
          canDecide
            ? "Deployments waiting for approval, oldest first. Approving one queues it once it has enough approvals; rejecting cancels it. You cannot approve a change you pushed, built or requested yourself."
            : "Deployments waiting for approval, oldest first. Operators and admins approve or reject them."
        }
      />
      <ApprovalInbox rows={rows} now={now} canDecide={canDecide} action={decideDeploymentAction} />
    </>
  );
}
