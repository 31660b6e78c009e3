// GET /api/v1/deployments — deployments newest first, filtered by target, repository and state.
import { apiRoute } from "@/lib/api/route";
import { listDeploymentsOp } from "@/lib/api/v1/operations";
import { listDeployments } from "@/lib/queries/deployments";
import { toApiPage } from "@/lib/api/pagination";
import { deploymentJson } from "@/lib/api/v1/present";

export const GET = apiRoute(listDeploymentsOp, async ({ query, repositoryIds }) =>
  toApiPage(
    await listDeployments({
      before: query.cursor,
      limit: query.limit,
      filter: { targetIdOrName: query.target, repositoryIdOrName: query.repository, state: query.state, repositoryIds },
    }),
    deploymentJson,
  ),
);
