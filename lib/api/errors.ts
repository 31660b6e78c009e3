// The one error format of /api/v1 (docs/api.md "Errors"): every answer that is not 2xx is
// { "error": { "code", "message", "issues"? } } with the status its code stands for. Command errors thrown by
// lib/services keep their words; only the code and status are mapped to the API's list.
import "server-only";
import { CommandError, ValidationError, type FieldIssue } from "@/lib/errors";
import { BodyTooLargeError } from "@/lib/http/body";
import { log } from "@/lib/log";
import { databaseAvailable } from "@/lib/db/availability";
import { apiErrorCodes, apiErrorResponse, type ApiErrorCode } from "@/lib/api/error-codes";

export { apiErrorCodes, apiErrorResponse, type ApiErrorCode, type ApiErrorBody } from "@/lib/api/error-codes";

/** An answer of /api/v1 that is not 2xx, thrown by the wrapper's own checks (auth, rate limit, scope). */
export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
    readonly issues?: FieldIssue[],
  ) {
    super(message);
    this.name = "ApiError";
  }
  get status(): number {
    return apiErrorCodes[this.code];
  }
}

/** A command error's code in the API's list (lib/errors.ts codes and the odd CommandError("bad_request")). */
function codeOf(err: CommandError): ApiErrorCode {
  if (err instanceof ValidationError) return "validation_failed";
  if (err instanceof BodyTooLargeError) return "payload_too_large";
  switch (err.status) {
    case 401:
      return "unauthenticated";
    case 403:
      return "forbidden";
    case 404:
      return "not_found";
    case 409:
      return "conflict";
    case 413:
      return "payload_too_large";
    case 429:
      return "rate_limited";
    case 503:
      return "unavailable";
    default:
      // a plain CommandError is a request the state or the input does not allow; its message says which
      return err.status >= 500 ? "internal" : "conflict";
  }
}

/** Any error thrown while answering, as the API's JSON error. Unexpected ones are logged, never shown. */
export async function errorToResponse(err: unknown): Promise<Response> {
  if (err instanceof ApiError) return apiErrorResponse(err.code, err.message, { headers: err.headers, issues: err.issues });
  if (err instanceof CommandError) {
    const code = codeOf(err);
    return apiErrorResponse(code, err.message, {
      issues: err instanceof ValidationError ? err.issues : undefined,
      // a body left unread must not be taken for the next request on a kept-alive connection
      headers: err instanceof BodyTooLargeError ? { connection: "close" } : undefined,
    });
  }
  if (!(await databaseAvailable())) {
    return apiErrorResponse("unavailable", "The database does not answer right now; try again in a few seconds.", { headers: { "retry-after": "10" } });
  }
  log.error({ err }, "unexpected error in /api/v1");
  return apiErrorResponse("internal", "Something went wrong on the server; it was logged. Try again, and tell an admin if it keeps happening.");
}
