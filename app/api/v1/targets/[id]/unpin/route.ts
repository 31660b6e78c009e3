// POST /api/v1/targets/{id}/unpin — the target follows its branch again (the console's Unpin).
import { apiRoute } from "@/lib/api/route";
import { unpinTargetOp } from "@/lib/api/v1/operations";
import { unpinTarget } from "@/lib/services/deployments/commands";

export const POST = apiRoute(unpinTargetOp, async ({ actor, params }) => ({ message: (await unpinTarget(actor, { targetId: params.id })).message }));
