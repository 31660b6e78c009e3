// The one place a command line is built as a string: ssh2 (like ssh itself) sends the remote command as one
// string that the login shell splits, so every argument is quoted for a POSIX shell and nothing is left bare.

/** An argument list that cannot become a remote command; the message says why. */
export class RemoteCommandError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RemoteCommandError";
  }
}

/**
 * One argument in POSIX single quotes: inside them a shell gives every byte its literal meaning, except the
 * closing quote itself, which is written as '\'' (close, an escaped quote, reopen). NUL cannot be passed
 * through a shell (C strings end there) and is refused.
 */
export function shellQuote(arg: string): string {
  if (arg.includes("\0")) throw new RemoteCommandError("an argument contains a NUL byte, which no remote command can receive; remove it");
  return `'${arg.replaceAll("'", "'\\''")}'`;
}

/**
 * The command string for `argv`, every element single-quoted (the program name too), so the remote shell
 * runs exactly `argv` whatever the arguments hold: `;`, `$(…)`, backquotes, newlines, globs, quotes.
 * Throws RemoteCommandError for an empty list and for NUL bytes.
 */
export function remoteCommand(argv: readonly string[]): string {
  if (argv.length === 0) throw new RemoteCommandError("no command given: the argument list is empty (it needs at least the program to run)");
  return argv.map(shellQuote).join(" ");
}
