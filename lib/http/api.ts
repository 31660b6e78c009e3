// Route handlers: one wrapper that finds the actor, refuses cross-site writes, and turns command errors
// into JSON answers with the right status. Handlers stay a few lines that call lib/services.
import "server-only";
import { NextResponse, type NextRequest } from "next/server";
import { CommandError, UnauthenticatedError, ValidationError } from "@/lib/errors";
import { sessionCookieName } from "@/lib/auth/cookies";
import { sessionUserByToken } from "@/lib/queries/sessions";
import { requestMetaFrom } from "@/lib/auth/request-meta";
import type { Actor } from "@/lib/auth/actor";
import { log } from "@/lib/log";

export type ApiActor = Actor & { type: "user" };

export async function actorFromRequest(req: NextRequest): Promise<ApiActor | null> {
  const token = req.cookies.get(sessionCookieName())?.value;
  if (!token) return null;
  const user = await sessionUserByToken(token);
  if (!user) return null;
  return { type: "user", userId: user.id, login: user.login, role: user.role, ...requestMetaFrom(req.headers) };
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** Cookie-authenticated writes must come from the console's own pages (no cross-site request forgery). */
function sameOrigin(req: NextRequest): boolean {
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

export function errorResponse(err: unknown): NextResponse {
  if (err instanceof CommandError) {
    const body: Record<string, unknown> = { error: err.message, code: err.code };
    if (err instanceof ValidationError) body.issues = err.issues;
    return NextResponse.json(body, { status: err.status });
  }
  log.error({ err }, "unexpected error in API route");
  return NextResponse.json({ error: "Something went wrong on the server; it was logged. Try again.", code: "internal" }, { status: 500 });
}

type Handler<C> = (req: NextRequest, actor: ApiActor, ctx: C) => Promise<Response>;

/** Wraps a route handler that needs a signed-in user. The command inside checks the role. */
export function withActor<C>(handler: Handler<C>) {
  return async (req: NextRequest, ctx: C): Promise<Response> => {
    try {
      const actor = await actorFromRequest(req);
      if (!actor) throw new UnauthenticatedError();
      if (!SAFE_METHODS.has(req.method) && !sameOrigin(req)) {
        return NextResponse.json({ error: "Cross-site request refused; use the console.", code: "forbidden" }, { status: 403 });
      }
      return await handler(req, actor, ctx);
    } catch (err) {
      return errorResponse(err);
    }
  };
}

/** The JSON object in the body, or a 400 that says what is wrong with it. */
export async function jsonBody(req: NextRequest): Promise<Record<string, unknown>> {
  const text = await req.text();
  if (!text) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ValidationError([{ path: "", message: "the request body is not valid JSON" }]);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new ValidationError([{ path: "", message: "the request body must be a JSON object, e.g. {\"role\": \"operator\"}" }]);
  }
  return value as Record<string, unknown>;
}
