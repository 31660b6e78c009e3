// GET /api/v1/builds/{id}/log[?follow=1] — the build log as text, streamed as it is read from the store; with
// follow=1 the answer stays open and streams new lines until the build ends (or the client goes away).
import { apiRoute } from "@/lib/api/route";
import { buildLogOp } from "@/lib/api/v1/operations";
import { buildLogSource, logEventStream, logTextStream } from "@/lib/http/build-log";
import { getBuildProgress } from "@/lib/queries/build-detail";
import { found, textResponse } from "@/lib/api/v1/present";

export const dynamic = "force-dynamic";

export const GET = apiRoute(buildLogOp, async ({ req, params, query }) => {
  found(await getBuildProgress(params.id), "build", params.id);
  const source = buildLogSource(params.id);
  const follow = query.follow === "1" || query.follow === "true";
  return textResponse(follow ? logEventStream(source, { after: -1, signal: req.signal, text: true }) : logTextStream(source), { live: follow });
});
