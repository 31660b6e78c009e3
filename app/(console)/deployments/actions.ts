"use server";
// The deployment buttons of the console: Approve or Reject with a comment (the deployment page and the
// Approvals inbox), Cancel one that has not started. The commands check the role and the approval rules
// (no self-approval, expiry), lock the deployment and audit; these wrappers refresh what shows deployments
// (the whole console: the sidebar counts pending approvals).
import { revalidatePath } from "next/cache";
import { userAction } from "@/lib/auth/action";
import { approveDeployment, cancelDeployment, rejectDeployment } from "@/lib/services/deployments/commands";
import { ValidationError } from "@/lib/errors";

function refresh() {
  revalidatePath("/", "layout");
}

/** Approve or reject (the pressed button's `decision`), with the form's comment. */
export const decideDeploymentAction = userAction(async (actor, input) => {
  const { decision, ...rest } = input;
  if (decision !== "approve" && decision !== "reject") {
    throw new ValidationError([{ path: "decision", message: "must be approve or reject; press Approve or Reject" }]);
  }
  const r = decision === "approve" ? await approveDeployment(actor, rest) : await rejectDeployment(actor, rest);
  refresh();
  return r.message;
});

export const cancelDeploymentAction = userAction(async (actor, input) => {
  const r = await cancelDeployment(actor, input);
  refresh();
  return r.message;
});
