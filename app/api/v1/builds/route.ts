// GET /api/v1/builds — builds newest first, filtered by repository, state, ref and commit.
import { apiRoute } from "@/lib/api/route";
import { listBuildsOp } from "@/lib/api/v1/operations";
import { listBuilds } from "@/lib/queries/builds";
import { toApiPage } from "@/lib/api/pagination";
import { buildJson, refFilter } from "@/lib/api/v1/present";

export const GET = apiRoute(listBuildsOp, async ({ query, repositoryIds }) =>
  toApiPage(
    await listBuilds({
      before: query.cursor,
      limit: query.limit,
      filter: { repositoryIdOrName: query.repository, state: query.state, ...refFilter(query.ref), commitPrefix: query.commit, repositoryIds },
    }),
    buildJson,
  ),
);
