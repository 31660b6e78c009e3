// GET /api/v1/me — who the token belongs to and what it may do.
import { apiRoute } from "@/lib/api/route";
import { getMe } from "@/lib/api/v1/operations";
import { tokenSummary } from "@/lib/queries/api-tokens";

export const GET = apiRoute(getMe, async ({ actor }) => tokenSummary(actor));
