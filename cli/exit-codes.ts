// The exit statuses of `slipway` (documented in docs/cli.md): a script can tell what went wrong without
// reading the words on stderr.
export const EXIT = {
  ok: 0,
  /** the thing itself failed: the deployment or build failed, the server failed (500) */
  failed: 1,
  /** the command line is wrong: unknown command or option, missing argument, bad value */
  usage: 2,
  /** not signed in, or the token was refused (missing, wrong, expired, revoked, user disabled) */
  unauthenticated: 3,
  notFound: 4,
  /** the token's scope or its user's role does not allow it, or the repository is outside the token's list */
  forbidden: 5,
  /** the server refused the request as it stands: conflict (state does not allow it), validation, too large, rate limited */
  refused: 6,
  /** `wait` / `logs -f` / `--wait`: the time given ran out first */
  timedOut: 7,
  /** the server cannot be reached, does not answer in time, or does not look like Slipway's API */
  unreachable: 8,
  /** `wait`: the deployment was rolled back (it failed and the previous release was put back) */
  rolledBack: 9,
  /** `wait`: the deployment or build was cancelled or superseded by a newer one */
  cancelled: 10,
  /** Ctrl-C */
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An error the command line reports in words, with the exit status that says what kind it is. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    /** more lines: the API's field issues, a hint */
    readonly details: string[] = [],
  ) {
    super(message);
    this.name = "CliError";
  }
}

export class UsageError extends CliError {
  constructor(message: string, readonly command?: string) {
    super(message, EXIT.usage);
    this.name = "UsageError";
  }
}
