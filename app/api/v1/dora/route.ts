// GET /api/v1/dora — the DORA figures of a period (7, 30 or 90 days), as the DORA page shows them.
import { apiRoute } from "@/lib/api/route";
import { ApiError } from "@/lib/api/errors";
import { doraOp } from "@/lib/api/v1/operations";
import { doraReport } from "@/lib/queries/dora";
import { repositoryIdOf } from "@/lib/queries/repository-of";

export const GET = apiRoute(doraOp, async ({ query, repositoryIds }) => {
  if (repositoryIds) {
    // a repository-limited token sees the figures of its repositories one at a time, never everything's
    const of = query.target ? await repositoryIdOf("target", query.target) : (query.repository ?? null);
    if (query.target && of === null) throw new ApiError("not_found", `There is no target with id ${query.target}.`);
    if (of === null || !repositoryIds.includes(of)) {
      throw new ApiError("forbidden", "This token is limited to some repositories: ask for one of them (repository=<id>) or one of their targets (target=<id>).");
    }
  }
  const periodDays = query.period === "7" ? 7 : query.period === "90" ? 90 : 30;
  return doraReport({ periodDays, repositoryId: query.repository, targetId: query.target });
});
