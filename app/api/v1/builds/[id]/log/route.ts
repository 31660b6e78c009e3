// GET /api/v1/builds/{id}/log — the whole build log as text, streamed as it is read from the store.
import { apiRoute } from "@/lib/api/route";
import { buildLogOp } from "@/lib/api/v1/operations";
import { buildLogSource, logTextStream } from "@/lib/http/build-log";
import { getBuildProgress } from "@/lib/queries/build-detail";
import { found, textResponse } from "@/lib/api/v1/present";

export const dynamic = "force-dynamic";

export const GET = apiRoute(buildLogOp, async ({ params }) => {
  found(await getBuildProgress(params.id), "build", params.id);
  return textResponse(logTextStream(buildLogSource(params.id)));
});
