// Runs before every page request: passes the requested path on (x-slipway-path) so that a signed-out
// visitor is sent to /login?callbackUrl=<that path> and comes back to it after signing in.
// While the database does not answer (restarting, down), pages get a plain 503 "database unavailable" page
// (lib/db/availability.ts) instead of failing half-way with a generic error page.
import { NextResponse, type NextRequest } from "next/server";
import { databaseAvailable, databaseUnavailablePage } from "@/lib/db/availability";
import { apiErrorResponse } from "@/lib/api/error-codes";
import { matchOperation } from "@/lib/api/v1/match";

const API_V1 = "/api/v1";

/**
 * /api/v1 answers in its own JSON error format even where no route handler runs: a path no operation has
 * (404), a method the path does not take (405, with Allow), the database down (503).
 */
async function apiV1(req: NextRequest): Promise<Response> {
  const path = req.nextUrl.pathname.slice(API_V1.length) || "/";
  const match = matchOperation(path, req.method);
  if (!match) return apiErrorResponse("not_found", `There is no ${req.method} ${API_V1}${path}. The operations are listed in ${API_V1}/openapi.json.`);
  if ("allowed" in match) {
    return apiErrorResponse("method_not_allowed", `${API_V1}${path} takes ${match.allowed.join(" or ")}, not ${req.method}.`, {
      headers: { allow: match.allowed.join(", ") },
    });
  }
  if (match.op.role !== null && !(await databaseAvailable())) {
    return apiErrorResponse("unavailable", "The database does not answer right now; try again in a few seconds.", { headers: { "retry-after": "10" } });
  }
  return NextResponse.next();
}

export async function proxy(req: NextRequest): Promise<Response> {
  if (req.nextUrl.pathname === API_V1 || req.nextUrl.pathname.startsWith(`${API_V1}/`)) return apiV1(req);
  if (!(await databaseAvailable())) {
    return new NextResponse(databaseUnavailablePage(), {
      status: 503,
      headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store", "retry-after": "10" },
    });
  }
  const headers = new Headers(req.headers);
  headers.set("x-slipway-path", req.nextUrl.pathname + req.nextUrl.search);
  return NextResponse.next({ request: { headers } });
}

export const config = {
  matcher: ["/((?!api/|_next/|favicon|slipway.svg).*)", "/api/v1", "/api/v1/:path*"],
};
