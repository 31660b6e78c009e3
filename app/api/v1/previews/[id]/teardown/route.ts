// POST /api/v1/previews/{id}/teardown — the console's Tear down.
import { apiRoute } from "@/lib/api/route";
import { tearDownPreviewOp } from "@/lib/api/v1/operations";
import { tearDownPreview } from "@/lib/services/previews/commands";

export const POST = apiRoute(tearDownPreviewOp, async ({ actor, params }) => tearDownPreview(actor, { id: params.id }));
