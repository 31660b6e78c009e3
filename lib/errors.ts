// Errors that commands throw on purpose. Each carries the HTTP status the API answers with and a message
// written for the person who caused it (what happened and what to do).

export class CommandError extends Error {
  readonly status: number = 400;
  readonly code: string = "bad_request";
}

/** Not logged in (401). */
export class UnauthenticatedError extends CommandError {
  override readonly status = 401;
  override readonly code = "unauthenticated";
  constructor(message = "You are not signed in. Sign in and try again.") {
    super(message);
    this.name = "UnauthenticatedError";
  }
}

/** Logged in, but the role does not allow it (403). */
export class ForbiddenError extends CommandError {
  override readonly status = 403;
  override readonly code = "forbidden";
  constructor(message = "Your role does not allow this. Ask an admin to change your role under Settings → Users.") {
    super(message);
    this.name = "ForbiddenError";
  }
}

export class NotFoundError extends CommandError {
  override readonly status = 404;
  override readonly code = "not_found";
  constructor(message: string) {
    super(message);
    this.name = "NotFoundError";
  }
}

/** The request conflicts with the current state (409): nothing was changed. */
export class ConflictError extends CommandError {
  override readonly status = 409;
  override readonly code = "conflict";
  constructor(message: string) {
    super(message);
    this.name = "ConflictError";
  }
}

export interface FieldIssue {
  path: string;
  message: string;
  /** where the field is in the text it came from (slipway.yml), 1-based, when known */
  line?: number;
  column?: number;
}

/** Input failed validation (400): every problem, with the path of the field. */
export class ValidationError extends CommandError {
  override readonly status = 400;
  override readonly code = "invalid";
  constructor(readonly issues: FieldIssue[]) {
    super(issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join("; "));
    this.name = "ValidationError";
  }
}
