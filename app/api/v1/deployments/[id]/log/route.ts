// GET /api/v1/deployments/{id}/log[?follow=1] — the deployment's log as text; with follow=1 the answer stays
// open and streams new lines until the deployment ends (or the client goes away).
import { apiRoute } from "@/lib/api/route";
import { deploymentLogOp } from "@/lib/api/v1/operations";
import { deploymentLogSource, logEventStream, logTextStream } from "@/lib/http/build-log";
import { getDeploymentProgress } from "@/lib/queries/deployment-detail";
import { found, textResponse } from "@/lib/api/v1/present";

export const dynamic = "force-dynamic";

export const GET = apiRoute(deploymentLogOp, async ({ req, params, query }) => {
  found(await getDeploymentProgress(params.id), "deployment", params.id);
  const source = deploymentLogSource(params.id);
  const follow = query.follow === "1" || query.follow === "true";
  return textResponse(follow ? logEventStream(source, { after: -1, signal: req.signal, text: true }) : logTextStream(source), { live: follow });
});
