// Runs before every page request: passes the requested path on (x-slipway-path) so that a signed-out
// visitor is sent to /login?callbackUrl=<that path> and comes back to it after signing in.
// While the database does not answer (restarting, down), pages get a plain 503 "database unavailable" page
// (lib/db/availability.ts) instead of failing half-way with a generic error page.
import { NextResponse, type NextRequest } from "next/server";
import { databaseAvailable, databaseUnavailablePage } from "@/lib/db/availability";

export async function proxy(req: NextRequest): Promise<NextResponse> {
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
  matcher: ["/((?!api/|_next/|favicon|slipway.svg).*)"],
};
