// POST /api/v1/builds/{id}/rebuild — the next attempt of the build (the console's Rebuild).
import { apiRoute } from "@/lib/api/route";
import { rebuildBuildOp } from "@/lib/api/v1/operations";
import { rebuild } from "@/lib/services/builds/commands";

export const POST = apiRoute(rebuildBuildOp, async ({ actor, params }) => {
  const r = await rebuild(actor, { buildId: params.id });
  return { buildId: r.buildIds[0]!, message: r.message };
});
