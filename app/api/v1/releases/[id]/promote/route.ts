// POST /api/v1/releases/{id}/promote {"environment"} — the same release to the next environment (the console's Promote).
import { apiRoute } from "@/lib/api/route";
import { promoteReleaseOp } from "@/lib/api/v1/operations";
import { promoteRelease } from "@/lib/services/environments/promote";
import { deploymentStateOf } from "@/lib/api/v1/present";

export const POST = apiRoute(promoteReleaseOp, async ({ actor, params, body }) => {
  const p = await promoteRelease(actor, { releaseId: params.id, environment: body.environment });
  return {
    releaseId: p.releaseId,
    from: p.from,
    environment: p.environment,
    deployments: p.deployments.map((d) => ({ id: d.id, targetId: d.targetId, target: d.targetName, state: deploymentStateOf(d.state) })),
    message: p.message,
  };
});
