// POST /api/v1/targets/{id}/pin {"releaseId"?} — pin the target (default: at what runs there).
import { apiRoute } from "@/lib/api/route";
import { pinTargetOp } from "@/lib/api/v1/operations";
import { pinTarget } from "@/lib/services/deployments/commands";

export const POST = apiRoute(pinTargetOp, async ({ actor, params, body }) => pinTarget(actor, { targetId: params.id, releaseId: body.releaseId }));
