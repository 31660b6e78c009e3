// GET /api/auth/link?token=… — the one-time sign-in link `npm start` prints when GitHub login is not
// configured: opened from the terminal, it signs in as local-admin once and goes to the dashboard.
import { NextResponse, type NextRequest } from "next/server";
import { signInWithLoginLink } from "@/lib/services/auth";
import { env } from "@/lib/env";
import { setSessionCookie } from "@/lib/auth/cookies";
import { requestMetaFrom } from "@/lib/auth/request-meta";
import { CommandError } from "@/lib/errors";
import { sameOriginRequest } from "@/lib/http/same-origin";

// the link's URL holds a credential: no cache may keep the answer, and no page it leads to may see it
const PRIVATE = { "cache-control": "no-store", "referrer-policy": "no-referrer" };

function redirect(path: string): NextResponse {
  const res = NextResponse.redirect(new URL(path, env().SLIPWAY_URL), 303);
  for (const [k, v] of Object.entries(PRIVATE)) res.headers.set(k, v);
  return res;
}

export async function GET(req: NextRequest): Promise<Response> {
  // opened from the terminal (Sec-Fetch-Site: none) or from the console itself; a link on another site is
  // refused, so no page elsewhere can sign a visitor in with a link of its choosing
  if (!sameOriginRequest(req)) {
    return NextResponse.json({ error: "Cross-site request refused; open the sign-in link from the terminal." }, { status: 403, headers: PRIVATE });
  }
  try {
    const { sessionToken, expires } = await signInWithLoginLink(req.nextUrl.searchParams.get("token"), {
      sessionDays: env().SLIPWAY_SESSION_DAYS,
      meta: requestMetaFrom(req.headers),
    });
    const res = redirect("/");
    setSessionCookie(res, sessionToken, expires);
    return res;
  } catch (err) {
    // the sign-in page shows its own words for the code, never text from the URL
    if (err instanceof CommandError) return redirect("/login?error=LoginLinkRefused");
    throw err;
  }
}
