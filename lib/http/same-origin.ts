// The one cross-site request check for cookie-authenticated writes (the API's route handlers and the
// development login): the browser must say the request came from the console's own pages.
import type { NextRequest } from "next/server";

/**
 * True when Sec-Fetch-Site says "same-origin" (or "none": typed into the address bar), or, from a browser
 * that does not send it, when Origin names this host. No header at all is refused.
 */
export function sameOriginRequest(req: Pick<NextRequest, "headers">): boolean {
  const site = req.headers.get("sec-fetch-site");
  if (site) return site === "same-origin" || site === "none";
  const origin = req.headers.get("origin");
  if (!origin) return false;
  const host = req.headers.get("x-forwarded-host") ?? req.headers.get("host");
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}
