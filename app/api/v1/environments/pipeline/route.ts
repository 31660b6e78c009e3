// GET /api/v1/environments/pipeline — deployment rules with environments: stages, the release on each, why not promotable.
import { apiRoute } from "@/lib/api/route";
import { listPipelinesOp } from "@/lib/api/v1/operations";
import { listPipelines } from "@/lib/queries/environments";
import { pipelineJson } from "@/lib/api/v1/present";

export const GET = apiRoute(listPipelinesOp, async ({ query, repositoryIds }) => ({
  pipelines: (await listPipelines({ deploymentRuleId: query.deploymentRule, repositoryIds })).map(pipelineJson),
}));
