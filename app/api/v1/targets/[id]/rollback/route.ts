// POST /api/v1/targets/{id}/rollback {"releaseId"?} — roll back and pin (the console's Roll back to this).
import { apiRoute } from "@/lib/api/route";
import { rollbackTargetOp } from "@/lib/api/v1/operations";
import { rollbackTarget } from "@/lib/services/deployments/commands";

export const POST = apiRoute(rollbackTargetOp, async ({ actor, params, body }) => rollbackTarget(actor, { targetId: params.id, releaseId: body.releaseId }));
