// The session cookie: its name, as next-auth names it (secure prefix when the console is served over https),
// and how the console's own sign-ins (development login, one-time sign-in link) set it.
import type { NextResponse } from "next/server";
import { env } from "@/lib/env";

export function sessionCookieName(baseUrl: string = env().SLIPWAY_URL): string {
  return baseUrl.startsWith("https://") ? "__Secure-next-auth.session-token" : "next-auth.session-token";
}

/** Sets the session cookie on a response: HTTP-only, same-site lax, secure when the console is served over https. */
export function setSessionCookie(res: NextResponse, sessionToken: string, expires: Date, baseUrl: string = env().SLIPWAY_URL): void {
  res.cookies.set(sessionCookieName(baseUrl), sessionToken, {
    httpOnly: true,
    sameSite: "lax",
    path: "/",
    secure: baseUrl.startsWith("https://"),
    expires,
  });
}
