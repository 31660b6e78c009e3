// POST /api/v1/targets/{id}/deploy {"releaseId"} — deploy a release of the target's rule (the console's Deploy).
import { apiRoute } from "@/lib/api/route";
import { deployTargetOp } from "@/lib/api/v1/operations";
import { deployRelease } from "@/lib/services/deployments/commands";
import { deploymentStateOf } from "@/lib/api/v1/present";

export const POST = apiRoute(deployTargetOp, async ({ actor, params, body }) => {
  const r = await deployRelease(actor, { targetId: params.id, releaseId: body.releaseId });
  return { deploymentId: r.deploymentId, state: deploymentStateOf(r.state), message: r.message };
});
