// GET /api/v1/targets/{id} — one target: its pin, what runs there, its newest deployment.
import { apiRoute } from "@/lib/api/route";
import { getTargetOp } from "@/lib/api/v1/operations";
import { targetRow } from "@/lib/queries/targets";
import { found, targetJson } from "@/lib/api/v1/present";

export const GET = apiRoute(getTargetOp, async ({ params }) => targetJson(found(await targetRow(params.id), "target", params.id)));
