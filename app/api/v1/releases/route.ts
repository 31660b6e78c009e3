// GET /api/v1/releases — releases newest first, filtered by repository, commit and deployment rule.
import { apiRoute } from "@/lib/api/route";
import { listReleasesOp } from "@/lib/api/v1/operations";
import { listReleases } from "@/lib/queries/releases";
import { toApiPage } from "@/lib/api/pagination";
import { releaseJson } from "@/lib/api/v1/present";

export const GET = apiRoute(listReleasesOp, async ({ query, repositoryIds }) =>
  toApiPage(
    await listReleases({
      before: query.cursor,
      limit: query.limit,
      filter: { repositoryIdOrName: query.repository, commitPrefix: query.commit, deploymentRuleId: query.deploymentRule, repositoryIds },
    }),
    releaseJson,
  ),
);
