// Runs before every page request: passes the requested path on (x-slipway-path) so that a signed-out
// visitor is sent to /login?callbackUrl=<that path> and comes back to it after signing in.
import { NextResponse, type NextRequest } from "next/server";

export function proxy(req: NextRequest): NextResponse {
  const headers = new Headers(req.headers);
  headers.set("x-slipway-path", req.nextUrl.pathname + req.nextUrl.search);
  return NextResponse.next({ request: { headers } });
}

export const config = {
  matcher: ["/((?!api/|_next/|favicon|slipway.svg).*)"],
};
