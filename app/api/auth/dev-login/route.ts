// POST /api/auth/dev-login — the development login (SLIPWAY_DEV_LOGIN=1, never in production).
// A plain form post from /login: sets the session cookie and redirects into the console.
import { NextResponse, type NextRequest } from "next/server";
import { devLogin } from "@/lib/services/auth";
import { devLoginEnabled, env } from "@/lib/env";
import { sessionCookieName } from "@/lib/auth/cookies";
import { requestMetaFrom } from "@/lib/auth/request-meta";
import { CommandError } from "@/lib/errors";
import { formToObject } from "@/lib/validation/parse";

function back(req: NextRequest, path: string): NextResponse {
  return NextResponse.redirect(new URL(path, env().SLIPWAY_URL), 303);
}

export async function POST(req: NextRequest): Promise<Response> {
  if (!devLoginEnabled()) return NextResponse.json({ error: "The development login is off." }, { status: 404 });
  const site = req.headers.get("sec-fetch-site");
  if (site && site !== "same-origin" && site !== "none") return NextResponse.json({ error: "Cross-site request refused." }, { status: 403 });
  const form = formToObject(await req.formData());
  const callbackUrl = typeof form.callbackUrl === "string" && form.callbackUrl.startsWith("/") && !form.callbackUrl.startsWith("//") ? form.callbackUrl : "/";
  try {
    const { sessionToken, expires } = await devLogin(
      { login: form.login || undefined, role: form.role || undefined },
      { enabled: true, sessionDays: env().SLIPWAY_SESSION_DAYS, meta: requestMetaFrom(req.headers) },
    );
    const res = back(req, callbackUrl);
    res.cookies.set(sessionCookieName(), sessionToken, {
      httpOnly: true,
      sameSite: "lax",
      path: "/",
      secure: env().SLIPWAY_URL.startsWith("https://"),
      expires,
    });
    return res;
  } catch (err) {
    if (err instanceof CommandError) return back(req, `/login?error=DevLogin&message=${encodeURIComponent(err.message)}`);
    throw err;
  }
}
