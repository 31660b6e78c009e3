// The one wrapper every /api/v1 route handler goes through, in this order: bearer token (401) → rate limit
// (429) → role (403) → repository limit of the token (404 for reads, 403 for commands) → path, query and body
// parsed with the operation's zod schemas (422) → the handler, which calls lib/queries or lib/services →
// JSON (or the handler's own streamed Response). Every error comes out in the format of lib/api/errors.ts.
import "server-only";
import type { NextRequest } from "next/server";
import type { z } from "zod";
import { ApiError, errorToResponse } from "@/lib/api/errors";
import { isRawContent, type Operation } from "@/lib/api/operation";
import { takeToken } from "@/lib/api/rate-limit";
import { actorForApiToken, bearerToken, TokenRefused, type ApiTokenActor } from "@/lib/auth/api-token-auth";
import { requestMetaFrom } from "@/lib/auth/request-meta";
import { atLeast, roleLabels } from "@/lib/auth/roles";
import { ValidationError } from "@/lib/errors";
import { BODY_LIMITS, readTextBody } from "@/lib/http/body";
import { formatPath } from "@/lib/validation/parse";
import { repositoryIdOf } from "@/lib/queries/repository-of";
import { notFoundMessage, subjectWords } from "@/lib/api/scoped-subjects";

export interface HandlerInput<O extends Operation> {
  req: NextRequest;
  actor: ApiTokenActor;
  params: O["params"] extends z.ZodType ? z.output<O["params"]> : Record<string, never>;
  query: O["query"] extends z.ZodType ? z.output<O["query"]> : Record<string, never>;
  body: O["body"] extends z.ZodType ? z.output<O["body"]> : undefined;
  /** the repositories the token may reach; null = all. Pass it to the read model of every list. */
  repositoryIds: string[] | null;
}

type Answer<O extends Operation> = O["response"] extends z.ZodType ? z.input<O["response"]> | Response : Response;

type RouteContext = { params: Promise<Record<string, string | string[]>> };

const WWW_AUTHENTICATE = { "www-authenticate": 'Bearer realm="slipway"' };

function parseWith<S extends z.ZodType>(schema: S, input: unknown, where: string): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) {
    throw new ValidationError(
      result.error.issues.map((i) => ({ path: formatPath(i.path) || where, message: i.message })),
    );
  }
  return result.data;
}

/** The query string as an object: the first value of each name. */
function queryObject(url: URL): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of url.searchParams) if (!Object.hasOwn(out, k)) out[k] = v;
  return out;
}

async function authenticate(req: NextRequest): Promise<ApiTokenActor> {
  const token = bearerToken(req.headers.get("authorization"));
  if (token === null) {
    throw new ApiError(
      "unauthenticated",
      "This API needs an API token: send it as Authorization: Bearer slw_… (create one under Settings → API tokens). Cookies are not accepted here.",
      WWW_AUTHENTICATE,
    );
  }
  if (token === "") {
    throw new ApiError("unauthenticated", "The Authorization header must be: Bearer slw_… (one API token, nothing else).", WWW_AUTHENTICATE);
  }
  try {
    return await actorForApiToken(token, requestMetaFrom(req.headers));
  } catch (err) {
    if (err instanceof TokenRefused) throw new ApiError("unauthenticated", err.message, { "www-authenticate": 'Bearer realm="slipway", error="invalid_token"' });
    throw err;
  }
}

async function checkRepository(op: Operation, actor: ApiTokenActor, params: Record<string, unknown>): Promise<void> {
  if (!actor.repositoryIds) return;
  if (op.allRepositories) {
    throw new ApiError("forbidden", "This token is limited to some repositories; this operation spans all of them. Use a token without a repository list.");
  }
  if (!op.subject) return;
  const id = String(params[op.subject.param]);
  const repositoryId = await repositoryIdOf(op.subject.kind, id);
  if (repositoryId === null || actor.repositoryIds.includes(repositoryId)) return; // a missing object: the handler answers 404
  const what = subjectWords[op.subject.kind];
  if (op.method === "GET") throw new ApiError("not_found", notFoundMessage(what, id));
  throw new ApiError("forbidden", `This token is limited to some repositories, and this ${what} belongs to another one. Use a token that includes its repository.`);
}

async function readJsonBody(req: NextRequest): Promise<unknown> {
  const text = await readTextBody(req, BODY_LIMITS.json);
  if (!text.trim()) return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new ValidationError([{ path: "", message: 'the request body is not valid JSON; send a JSON object, e.g. {"releaseId": "…"}' }]);
  }
}

/** The route handler for `op`. The handler returns the answer (checked against op.response by the tests) or a Response. */
export function apiRoute<O extends Operation>(op: O, handler: (input: HandlerInput<O>) => Promise<Answer<O>>) {
  return async (req: NextRequest, ctx: RouteContext): Promise<Response> => {
    try {
      const actor = await authenticate(req);
      const rate = takeToken(actor.tokenId);
      if (!rate.ok) {
        throw new ApiError("rate_limited", `Too many requests with this token; wait ${rate.retryAfterSeconds} s and try again.`, {
          "retry-after": String(rate.retryAfterSeconds),
        });
      }
      if (op.role && !atLeast(actor.role, op.role)) {
        throw new ApiError(
          "forbidden",
          `This needs the ${roleLabels[op.role]} role and this token acts as ${roleLabels[actor.role].toLowerCase()} (the lower of its scope and ${actor.login}'s role). Use a token with a wider scope, or ask an admin to change the role.`,
        );
      }
      const rawParams = await ctx.params;
      const params = op.params ? parseWith(op.params, rawParams, "path") : {};
      await checkRepository(op, actor, params as Record<string, unknown>);
      const query = op.query ? parseWith(op.query, queryObject(req.nextUrl), "query") : {};
      let body: unknown = undefined;
      if (op.body && !isRawContent(op.body)) body = parseWith(op.body, await readJsonBody(req), "body");
      const input = { req, actor, params, query, body, repositoryIds: actor.repositoryIds } as HandlerInput<O>;
      const answer = await handler(input);
      if (answer instanceof Response) return answer;
      return Response.json(answer, { status: op.status ?? 200, headers: { "cache-control": "no-store" } });
    } catch (err) {
      return errorToResponse(err);
    }
  };
}

/** A route handler that needs no token (the OpenAPI document). */
export function publicApiRoute(handler: (req: NextRequest) => Promise<Response> | Response) {
  return async (req: NextRequest): Promise<Response> => {
    try {
      return await handler(req);
    } catch (err) {
      return errorToResponse(err);
    }
  };
}
