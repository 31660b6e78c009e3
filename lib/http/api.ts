// Route handlers: one wrapper that finds the actor, refuses cross-site writes, and turns command errors
// into JSON answers with the right status. Handlers stay a few lines that call lib/services.
import "server-only";
import { NextResponse, type NextRequest } from "next/server";
import { CommandError, UnauthenticatedError, ValidationError } from "@/lib/errors";
import { authorize } from "@/lib/services/authorize";
import type { Permission } from "@/lib/auth/roles";
import { BODY_LIMITS, BodyTooLargeError, readTextBody } from "@/lib/http/body";
import { sessionCookieName } from "@/lib/auth/cookies";
import { sessionUserByToken } from "@/lib/queries/sessions";
import { requestMetaFrom } from "@/lib/auth/request-meta";
import type { Actor } from "@/lib/auth/actor";
import { log } from "@/lib/log";
import { sameOriginRequest } from "@/lib/http/same-origin";

export type ApiActor = Actor & { type: "user" };

export async function actorFromRequest(req: NextRequest): Promise<ApiActor | null> {
  const token = req.cookies.get(sessionCookieName())?.value;
  if (!token) return null;
  const user = await sessionUserByToken(token);
  if (!user) return null;
  return { type: "user", userId: user.id, login: user.login, role: user.role, ...requestMetaFrom(req.headers) };
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export function errorResponse(err: unknown): NextResponse {
  if (err instanceof CommandError) {
    const body: Record<string, unknown> = { error: err.message, code: err.code };
    if (err instanceof ValidationError) body.issues = err.issues;
    // a body left unread must not be taken for the next request on a kept-alive connection
    return NextResponse.json(body, { status: err.status, headers: err instanceof BodyTooLargeError ? { connection: "close" } : undefined });
  }
  log.error({ err }, "unexpected error in API route");
  return NextResponse.json({ error: "Something went wrong on the server; it was logged. Try again.", code: "internal" }, { status: 500 });
}

type Handler<C> = (req: NextRequest, actor: ApiActor, ctx: C) => Promise<Response>;

/**
 * Wraps a route handler that needs a signed-in user. With `permission`, the role is checked here too, before
 * the handler reads any of the body (the command inside checks it again).
 */
export function withActor<C>(handler: Handler<C>, opts: { permission?: Permission } = {}) {
  return async (req: NextRequest, ctx: C): Promise<Response> => {
    try {
      const actor = await actorFromRequest(req);
      if (!actor) throw new UnauthenticatedError();
      if (!SAFE_METHODS.has(req.method) && !sameOriginRequest(req)) {
        return NextResponse.json({ error: "Cross-site request refused; use the console.", code: "forbidden" }, { status: 403 });
      }
      if (opts.permission) authorize(actor, opts.permission);
      return await handler(req, actor, ctx);
    } catch (err) {
      return errorResponse(err);
    }
  };
}

/** The JSON object in the body (read through the streaming limit), or a 400/413 that says what is wrong. */
export async function jsonBody(req: NextRequest, limit: number = BODY_LIMITS.json): Promise<Record<string, unknown>> {
  const text = await readTextBody(req, limit);
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
