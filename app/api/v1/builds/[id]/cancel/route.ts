// POST /api/v1/builds/{id}/cancel — cancel a queued or running build (the console's Cancel).
import { apiRoute } from "@/lib/api/route";
import { cancelBuildOp } from "@/lib/api/v1/operations";
import { cancelBuild } from "@/lib/services/builds/commands";

export const POST = apiRoute(cancelBuildOp, async ({ actor, params }) => ({ message: (await cancelBuild(actor, { buildId: params.id })).message }));
