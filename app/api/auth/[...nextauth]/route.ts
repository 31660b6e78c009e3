// next-auth's endpoints (GitHub sign-in, callback, sign-out, session, csrf). A POST's body (a small form)
// is read through the streaming limit first; next-auth gets those bytes, never the open stream.
import NextAuth from "next-auth";
import { NextRequest, NextResponse } from "next/server";
import { authOptions } from "@/lib/auth/options";
import { BODY_LIMITS, BodyTooLargeError, readBody } from "@/lib/http/body";

type Ctx = { params: Promise<{ nextauth: string[] }> };

async function handler(req: NextRequest, ctx: Ctx): Promise<Response> {
  if (req.method === "POST" && req.body) {
    let bytes: Uint8Array;
    try {
      bytes = await readBody(req, BODY_LIMITS.form, "the form");
    } catch (err) {
      if (err instanceof BodyTooLargeError) return NextResponse.json({ error: err.message }, { status: 413, headers: { connection: "close" } });
      throw err;
    }
    req = new NextRequest(req.url, { method: "POST", headers: req.headers, body: bytes as BodyInit });
  }
  return NextAuth(req, ctx, authOptions());
}

export { handler as GET, handler as POST };
