// GET /api/v1/openapi.json — the API's OpenAPI 3.1 document, generated from the registry. No token needed.
import { publicApiRoute } from "@/lib/api/route";
import { openApiDocument } from "@/lib/api/openapi";
import { env } from "@/lib/env";

export const GET = publicApiRoute(() =>
  Response.json(openApiDocument({ serverUrl: env().SLIPWAY_URL.replace(/\/+$/, "") }), { headers: { "cache-control": "no-store" } }),
);
