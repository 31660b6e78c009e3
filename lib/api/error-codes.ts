// The error codes of /api/v1 and the JSON an error answer carries (docs/api.md "Errors"). No server-only
// imports: the proxy answers 404/405 with it too.
export const apiErrorCodes = {
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  payload_too_large: 413,
  validation_failed: 422,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
} as const;

export type ApiErrorCode = keyof typeof apiErrorCodes;

export interface ApiErrorBody {
  error: { code: ApiErrorCode; message: string; issues?: { path: string; message: string }[] };
}

export function apiErrorResponse(
  code: ApiErrorCode,
  message: string,
  opts: { headers?: Record<string, string>; issues?: { path: string; message: string }[] } = {},
): Response {
  const body: ApiErrorBody = { error: { code, message } };
  if (opts.issues) body.error.issues = opts.issues.map((i) => ({ path: i.path, message: i.message }));
  return Response.json(body, {
    status: apiErrorCodes[code],
    headers: { "cache-control": "no-store", ...opts.headers },
  });
}
