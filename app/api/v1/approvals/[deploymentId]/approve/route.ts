// POST /api/v1/approvals/{deploymentId}/approve {"comment"?} — the console's Approve.
import { apiRoute } from "@/lib/api/route";
import { approveOp } from "@/lib/api/v1/operations";
import { approveDeployment } from "@/lib/services/deployments/commands";
import { deploymentStateOf } from "@/lib/api/v1/present";

export const POST = apiRoute(approveOp, async ({ actor, params, body }) => {
  const r = await approveDeployment(actor, { deploymentId: params.deploymentId, comment: body.comment });
  return { message: r.message, state: deploymentStateOf(r.state) };
});
