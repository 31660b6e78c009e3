// GET /api/v1/repositories/{id} — one repository with its build rules.
import { apiRoute } from "@/lib/api/route";
import { getRepository } from "@/lib/api/v1/operations";
import { getRepositoryWithRules } from "@/lib/queries/repository-detail";
import { found } from "@/lib/api/v1/present";
import { repositoryDetailJson } from "@/lib/api/v1/present";

export const GET = apiRoute(getRepository, async ({ params }) => repositoryDetailJson(found(await getRepositoryWithRules(params.id), "repository", params.id)));
