// GET /api/v1/approvals — deployments waiting for approval, newest first.
import { apiRoute } from "@/lib/api/route";
import { listApprovalsOp } from "@/lib/api/v1/operations";
import { listDeployments } from "@/lib/queries/deployments";
import { toApiPage } from "@/lib/api/pagination";
import { deploymentJson } from "@/lib/api/v1/present";

export const GET = apiRoute(listApprovalsOp, async ({ query, repositoryIds }) =>
  toApiPage(await listDeployments({ before: query.cursor, limit: query.limit, filter: { state: "pending_approval", repositoryIds } }), deploymentJson),
);
