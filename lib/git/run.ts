// Runs git with an argument array (never a shell), a timeout and an AbortSignal, in an environment that no
// user or system configuration, credential helper, prompt or hook can influence; secrets are masked in errors.
import { spawn, type ChildProcessByStdio } from "node:child_process";
import type { Readable, Writable } from "node:stream";

export type GitErrorKind = "timeout" | "aborted" | "not_found" | "auth" | "unreachable" | "failed";

export class GitError extends Error {
  override name = "GitError";
  constructor(
    readonly kind: GitErrorKind,
    message: string,
    readonly stderr = "",
  ) {
    super(message);
  }
}

export interface RunGitOptions {
  cwd?: string;
  timeoutMs: number;
  signal?: AbortSignal;
  /** extra environment (e.g. GIT_CONFIG_COUNT/KEY_n/VALUE_n for a credential header) */
  env?: Record<string, string>;
  /** strings masked as *** in any output or error message */
  secrets?: string[];
}

export interface GitOutput {
  stdout: string;
  stderr: string;
}

/** Options that hold for every git call: no external transports, no hooks, no pager, no fsmonitor. */
const SAFE_CONFIG = [
  "-c", "protocol.ext.allow=never",
  "-c", "protocol.fd.allow=never",
  "-c", "core.hooksPath=/dev/null",
  "-c", "core.fsmonitor=false",
  "-c", "core.askPass=",
  "-c", "credential.helper=",
  "-c", "core.pager=cat",
  "-c", "advice.detachedHead=false",
  "-c", "init.defaultBranch=main",
];

const MAX_OUTPUT = 16 * 1024 * 1024;

export function maskSecrets(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const s of secrets) if (s.length > 0) out = out.split(s).join("***");
  return out;
}

function gitEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: Record<string, string | undefined> = {};
  // only what git needs to find itself and its helpers; nothing of the caller's GIT_* variables
  for (const key of ["PATH", "HOME", "TMPDIR", "LANG", "TZ"]) if (process.env[key] !== undefined) env[key] = process.env[key];
  return {
    ...env,
    NODE_ENV: process.env.NODE_ENV, // required by the ProcessEnv type; git ignores it
    LC_ALL: "C",
    GIT_TERMINAL_PROMPT: "0",
    GIT_ASKPASS: "/bin/false",
    SSH_ASKPASS: "/bin/false",
    GIT_SSH_COMMAND: "ssh -o BatchMode=yes",
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_CONFIG_SYSTEM: "/dev/null",
    GIT_PROTOCOL_FROM_USER: "0",
    GIT_ALLOW_PROTOCOL: "file:git:http:https:ssh",
    GIT_OPTIONAL_LOCKS: "0",
    ...extra,
  };
}

/** Sorts a failed git's stderr into a kind the caller can act on. */
export function classifyGitFailure(stderr: string): GitErrorKind {
  const s = stderr.toLowerCase();
  if (/authentication failed|could not read username|could not read password|terminal prompts disabled|http basic: access denied|\b401\b|\b403\b|permission denied \(publickey/.test(s)) return "auth";
  // a server that refuses an unadvertised commit also hangs up: the refusal is what happened
  if (/not our ref|unadvertised object/.test(s)) return "not_found";
  if (/could not resolve host|connection refused|couldn't connect|failed to connect|connection timed out|network is unreachable|no route to host|unable to connect|connection reset|unable to look up|ssl_connect|gnutls|the remote end hung up unexpectedly/.test(s)) return "unreachable";
  if (/repository .* not found|does not appear to be a git repository|not our ref|couldn't find remote ref|no such remote ref|unadvertised object|no matching remote head|\b404\b|not a valid object name|unknown revision|reference is not a tree|not exported|access denied|no such repository/.test(s)) return "not_found";
  return "failed";
}

/**
 * Runs `git SAFE_CONFIG... args` in its own process group; on timeout or abort the whole group is killed.
 * Rejects with a GitError whose message (secrets masked) says what happened.
 */
export function runGit(args: string[], opts: RunGitOptions): Promise<GitOutput> {
  const secrets = opts.secrets ?? [];
  if (opts.signal?.aborted) return Promise.reject(new GitError("aborted", `${maskSecrets(["git", ...args].join(" "), secrets)}: cancelled before it started`));
  const git = startGit(args, opts, "ignore");
  const stdout: Buffer[] = [];
  git.child.stdout.on("data", (chunk: Buffer) => {
    if (git.count(chunk.length)) stdout.push(chunk);
  });
  return git.done.then(() => ({ stdout: maskSecrets(Buffer.concat(stdout).toString("utf8"), secrets), stderr: git.stderr() }));
}

export interface GitProcess {
  child: ChildProcessByStdio<Writable, Readable, Readable>;
  /** resolves when git exited 0; rejects with a GitError (secrets masked) otherwise, also on timeout or abort */
  done: Promise<void>;
  /** kills git's process group (its output is not wanted any more) */
  kill(): void;
}

/**
 * Starts `git SAFE_CONFIG... args` with piped stdin and stdout for a streaming exchange (e.g. `cat-file --batch`),
 * in the same controlled environment as runGit and with the same timeout, AbortSignal and error messages; the
 * caller reads stdout itself.
 */
export function spawnGit(args: string[], opts: RunGitOptions): GitProcess {
  const git = startGit(args, opts, "pipe");
  const child = git.child as ChildProcessByStdio<Writable, Readable, Readable>; // started with stdin "pipe"
  child.stdin.on("error", () => undefined); // git gone: its exit status says why
  git.done.catch(() => undefined); // a caller that stopped reading may never look at it
  return { child, done: git.done, kill: git.kill };
}

/**
 * What runGit and spawnGit share: git started in its own process group with the safe environment, its stderr
 * kept, the whole group killed on timeout, abort or too much output, and one GitError per way it can end.
 */
function startGit(args: string[], opts: RunGitOptions, stdin: "ignore" | "pipe") {
  const secrets = opts.secrets ?? [];
  const shown = maskSecrets(["git", ...args].join(" "), secrets);
  const child = spawn("git", [...SAFE_CONFIG, ...args], {
    cwd: opts.cwd,
    env: gitEnv(opts.env),
    stdio: [stdin, "pipe", "pipe"],
    detached: true, // its own process group, so remote helpers and ssh die with it
    shell: false,
  }) as ChildProcessByStdio<Writable | null, Readable, Readable>; // stdin is a pipe exactly when asked for
  const stderr: Buffer[] = [];
  let size = 0;
  let ended: GitErrorKind | null = null;

  const kill = () => {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {
      child.kill("SIGKILL");
    }
  };
  const stop = (kind: GitErrorKind) => {
    if (ended) return;
    ended = kind;
    kill();
  };
  /** counts output against MAX_OUTPUT; false (and git stopped) once past it */
  const count = (bytes: number): boolean => {
    size += bytes;
    if (size <= MAX_OUTPUT) return true;
    stop("failed");
    return false;
  };
  child.stderr.on("data", (chunk: Buffer) => {
    if (count(chunk.length)) stderr.push(chunk);
  });
  const stderrText = () => maskSecrets(Buffer.concat(stderr).toString("utf8"), secrets).trim();

  const timer = setTimeout(() => stop("timeout"), opts.timeoutMs);
  const onAbort = () => stop("aborted");
  if (opts.signal?.aborted) onAbort();
  else opts.signal?.addEventListener("abort", onAbort, { once: true });

  const done = new Promise<void>((resolve, reject) => {
    const finish = () => {
      clearTimeout(timer);
      opts.signal?.removeEventListener("abort", onAbort);
    };
    child.once("error", (err: NodeJS.ErrnoException) => {
      finish();
      const hint = err.code === "ENOENT" ? "git is not installed or not on PATH; install git on this worker" : err.message;
      reject(new GitError("failed", maskSecrets(`${shown}: ${hint}`, secrets)));
    });
    child.once("close", (code, signal) => {
      finish();
      const err = stderrText();
      if (ended === "timeout") return reject(new GitError("timeout", `${shown} did not finish within ${opts.timeoutMs} ms and was stopped; check that the remote answers, or raise the timeout`, err));
      if (ended === "aborted") return reject(new GitError("aborted", `${shown} was cancelled`, err));
      if (ended === "failed") return reject(new GitError("failed", `${shown} produced more than ${MAX_OUTPUT} bytes of output and was stopped`, err));
      if (code === 0) return resolve();
      const kind = classifyGitFailure(err);
      const detail = err.split("\n").slice(-5).join(" / ") || (signal ? `killed by ${signal}` : `exit code ${code}`);
      reject(new GitError(kind, `${shown} failed (${describeKind(kind)}): ${detail}`, err));
    });
  });
  return { child, done, kill, count, stderr: stderrText };
}

function describeKind(kind: GitErrorKind): string {
  switch (kind) {
    case "auth":
      return "the remote refused the credentials; check the repository URL and that the GitHub App installation can read it";
    case "unreachable":
      return "the remote could not be reached; check the URL, DNS and network";
    case "not_found":
      return "the repository, ref or commit does not exist on the remote; check the URL and that the commit was pushed";
    default:
      return "see git's message";
  }
}
