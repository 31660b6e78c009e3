// POST /api/v1/approvals/{deploymentId}/reject {"comment"?} — the console's Reject.
import { apiRoute } from "@/lib/api/route";
import { rejectOp } from "@/lib/api/v1/operations";
import { rejectDeployment } from "@/lib/services/deployments/commands";

export const POST = apiRoute(rejectOp, async ({ actor, params, body }) => ({
  message: (await rejectDeployment(actor, { deploymentId: params.deploymentId, comment: body.comment })).message,
}));
