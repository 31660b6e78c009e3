// GET /api/v1/builds/{id} — one build.
import { apiRoute } from "@/lib/api/route";
import { getBuildOp } from "@/lib/api/v1/operations";
import { buildListRow } from "@/lib/queries/builds";
import { buildJson, found } from "@/lib/api/v1/present";

export const GET = apiRoute(getBuildOp, async ({ params }) => buildJson(found(await buildListRow(params.id), "build", params.id)));
