// GET /api/v1/deployments/{id} — one deployment (what `slipway wait` polls).
import { apiRoute } from "@/lib/api/route";
import { getDeploymentOp } from "@/lib/api/v1/operations";
import { deploymentListRow } from "@/lib/queries/deployments";
import { deploymentJson, found } from "@/lib/api/v1/present";

export const GET = apiRoute(getDeploymentOp, async ({ params }) => deploymentJson(found(await deploymentListRow(params.id), "deployment", params.id)));
