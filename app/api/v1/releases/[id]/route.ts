// GET /api/v1/releases/{id} — one release.
import { apiRoute } from "@/lib/api/route";
import { getReleaseOp } from "@/lib/api/v1/operations";
import { releaseListRow } from "@/lib/queries/releases";
import { found, releaseJson } from "@/lib/api/v1/present";

export const GET = apiRoute(getReleaseOp, async ({ params }) => releaseJson(found(await releaseListRow(params.id), "release", params.id)));
