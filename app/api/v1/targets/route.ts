// GET /api/v1/targets — targets by name, optionally of one repository.
import { apiRoute } from "@/lib/api/route";
import { listTargetsOp } from "@/lib/api/v1/operations";
import { listTargets } from "@/lib/queries/targets";
import { toApiPage } from "@/lib/api/pagination";
import { targetJson } from "@/lib/api/v1/present";

export const GET = apiRoute(listTargetsOp, async ({ query, repositoryIds }) =>
  toApiPage(await listTargets({ after: query.cursor, limit: query.limit, filter: { repositoryIdOrName: query.repository, repositoryIds } }), targetJson),
);
