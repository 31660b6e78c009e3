// POST /api/auth/dev-login — the development login (SLIPWAY_DEV_LOGIN=1, never in production).
// A plain form post from /login: sets the session cookie and redirects into the console.
import { NextResponse, type NextRequest } from "next/server";
import { devLogin } from "@/lib/services/auth";
import { devLoginEnabled, env } from "@/lib/env";
import { setSessionCookie } from "@/lib/auth/cookies";
import { requestMetaFrom } from "@/lib/auth/request-meta";
import { sameOriginPath } from "@/lib/auth/callback-url";
import { CommandError, ForbiddenError } from "@/lib/errors";
import { sameOriginRequest } from "@/lib/http/same-origin";
import { BodyTooLargeError, readFormBody } from "@/lib/http/body";

function back(path: string): NextResponse {
  return NextResponse.redirect(new URL(path, env().SLIPWAY_URL), 303);
}

export async function POST(req: NextRequest): Promise<Response> {
  if (!devLoginEnabled()) return NextResponse.json({ error: "The development login is off." }, { status: 404 });
  // login CSRF: a cross-site page must not sign the visitor in as a user of its choosing
  if (!sameOriginRequest(req)) return NextResponse.json({ error: "Cross-site request refused; sign in from the console's own login page." }, { status: 403 });
  let form: Record<string, string>;
  try {
    form = await readFormBody(req);
  } catch (err) {
    if (err instanceof BodyTooLargeError) return NextResponse.json({ error: err.message }, { status: 413, headers: { connection: "close" } });
    throw err;
  }
  const callbackUrl = sameOriginPath(form.callbackUrl, env().SLIPWAY_URL);
  try {
    const { sessionToken, expires } = await devLogin(
      { login: form.login || undefined, role: form.role || undefined },
      { enabled: true, sessionDays: env().SLIPWAY_SESSION_DAYS, meta: requestMetaFrom(req.headers) },
    );
    const res = back(callbackUrl);
    setSessionCookie(res, sessionToken, expires);
    return res;
  } catch (err) {
    // the login page shows its own words for a known code, never text from the URL
    if (err instanceof CommandError) return back(`/login?error=${err instanceof ForbiddenError ? "DevLoginRefused" : "DevLoginInvalid"}`);
    throw err;
  }
}
