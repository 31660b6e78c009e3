// GET /api/v1/repositories — repositories by name, a page at a time.
import { apiRoute } from "@/lib/api/route";
import { listRepositories as listOp } from "@/lib/api/v1/operations";
import { listRepositories } from "@/lib/queries/repositories";
import { toApiPage } from "@/lib/api/pagination";
import { repositoryJson } from "@/lib/api/v1/present";

export const GET = apiRoute(listOp, async ({ query, repositoryIds }) =>
  toApiPage(await listRepositories({ after: query.cursor, limit: query.limit, repositoryIds }), repositoryJson),
);
