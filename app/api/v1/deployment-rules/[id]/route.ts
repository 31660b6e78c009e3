// GET /api/v1/deployment-rules/{id} — one deployment rule with its targets.
import { apiRoute } from "@/lib/api/route";
import { getDeploymentRuleOp } from "@/lib/api/v1/operations";
import { deploymentRuleRow } from "@/lib/queries/targets";
import { deploymentRuleJson, found } from "@/lib/api/v1/present";

export const GET = apiRoute(getDeploymentRuleOp, async ({ params }) => deploymentRuleJson(found(await deploymentRuleRow(params.id), "deployment rule", params.id)));
