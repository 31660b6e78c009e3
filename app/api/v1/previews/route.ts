// GET /api/v1/previews — pull request previews: those up or on their way, then those torn down in the last week.
import { apiRoute } from "@/lib/api/route";
import { listPreviewsOp } from "@/lib/api/v1/operations";
import { listPreviews } from "@/lib/queries/previews";
import { previewJson } from "@/lib/api/v1/present";

export const GET = apiRoute(listPreviewsOp, async ({ query, repositoryIds }) => ({
  items: (await listPreviews({ repositoryIds, state: query.state })).map(previewJson),
  nextCursor: null,
}));
