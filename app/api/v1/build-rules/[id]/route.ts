// GET /api/v1/build-rules/{id} — one build rule.
import { apiRoute } from "@/lib/api/route";
import { getBuildRule as getOp } from "@/lib/api/v1/operations";
import { getBuildRule } from "@/lib/queries/repository-detail";
import { buildRuleJson, found } from "@/lib/api/v1/present";

export const GET = apiRoute(getOp, async ({ params }) => buildRuleJson(found(await getBuildRule(params.id), "build rule", params.id)));
