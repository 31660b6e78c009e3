// git on the artifact repository's host, run over the deployment's SSH session with argument arrays (quoted by
// lib/ssh/quote.ts), in the C locale so that its messages can be told apart, with no hooks of the work clone,
// no signing and a fixed committer. A failure becomes an ArtifactRepositoryError that says what to do.
import type { ExecResult, SshSession } from "@/lib/ssh/session";
import { SshError } from "@/lib/ssh/errors";
import { shellQuote } from "@/lib/ssh/quote";
import type { DeployIo } from "@/lib/deploy/targets/driver";

export type RepoProblem =
  | "not_found" // no repository at the path, or no such branch or file
  | "conflict" // someone else's commit could not be combined with Slipway's
  | "failed"; // git refused or failed otherwise

export class ArtifactRepositoryError extends Error {
  constructor(
    readonly problem: RepoProblem,
    message: string,
  ) {
    super(message);
    this.name = "ArtifactRepositoryError";
  }
}

/** Settings for every call: the host's own configuration cannot add hooks, signing, a pager or another author. */
const SAFE_CONFIG = [
  "-c", "core.hooksPath=/dev/null",
  "-c", "commit.gpgsign=false",
  "-c", "user.name=Slipway",
  "-c", "user.email=slipway@localhost",
  "-c", "core.pager=cat",
  "-c", "advice.detachedHead=false",
];

/** clone, fetch, push and rebase may move a whole repository; the others are quick */
export const LONG_GIT_MS = 300_000;
const SHORT_GIT_MS = 60_000;

/** An argument as a reader would type it: quoted only when it needs to be. */
function shown(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./^{}-]+$/.test(arg) ? arg : shellQuote(arg);
}

function lastLines(text: string, n = 4): string {
  return text.trim().split("\n").slice(-n).join(" / ");
}

export class RemoteGit {
  constructor(
    private readonly ssh: SshSession,
    /** the bare repository's absolute path on the host */
    readonly repo: string,
    /** the SSH user, for advice */
    private readonly user: string,
  ) {}

  /** Runs `git args…` on the host; a non-zero exit is a result. Each command goes to the log. */
  async run(args: string[], io: DeployIo, opts: { long?: boolean; maxOutputBytes?: number } = {}): Promise<ExecResult> {
    const command = `git ${args.map(shown).join(" ")}`;
    io.log.line(`$ ${command}`);
    const limit = opts.long ? LONG_GIT_MS : SHORT_GIT_MS;
    const timeoutMs = Math.max(1_000, Math.min(limit, io.deadline - Date.now()));
    try {
      return await this.ssh.exec(["env", "LC_ALL=C", "git", ...SAFE_CONFIG, ...args], { signal: io.signal, timeoutMs, maxOutputBytes: opts.maxOutputBytes });
    } catch (err) {
      // the session's message shows the fixed settings first: say which git command it was
      if (err instanceof SshError) throw new SshError(err.kind, `${command.length > 100 ? `${command.slice(0, 97)}...` : command}: ${err.message}`, { cause: err });
      throw err;
    }
  }

  /** Runs `git args…` and returns its output; throws in words (naming `what`) when it fails. */
  async must(args: string[], io: DeployIo, what: string, opts: { long?: boolean } = {}): Promise<string> {
    const r = await this.run(args, io, opts);
    if (r.code !== 0) throw this.failure(what, r);
    return r.stdout;
  }

  /** A failed git command in words: what could not be done, git's last lines, and what to change. */
  failure(what: string, r: ExecResult): ArtifactRepositoryError {
    const said = lastLines(r.stderr) || (r.signal ? `ended by ${r.signal}` : `exit status ${r.code}`);
    const where = `${this.repo} on ${this.ssh.target}`;
    if (/not a git repository/.test(r.stderr)) {
      return new ArtifactRepositoryError("not_found", `there is no git repository at ${where}: create it there (git init --bare ${this.repo}) or correct the target's repository path`);
    }
    if (/dubious ownership/.test(r.stderr)) {
      return new ArtifactRepositoryError("failed", `git refuses ${where}: it belongs to another user than ${this.user}; make ${this.user} its owner, or run git config --global --add safe.directory ${this.repo} as ${this.user}`);
    }
    if (/insufficient permission|Permission denied|unable to create|Read-only file system/.test(r.stderr)) {
      return new ArtifactRepositoryError("failed", `${what} failed: ${said}. Give user ${this.user} write access to ${this.repo} (and its objects and refs directories)`);
    }
    if (/No space left on device/.test(r.stderr)) return new ArtifactRepositoryError("failed", `${what} failed: the disk of ${this.ssh.target} is full (${said})`);
    if (r.code === 127 || /git: (command )?not found|No such file or directory.*git/.test(r.stderr)) {
      return new ArtifactRepositoryError("failed", `${what} failed: git is not installed on ${this.ssh.target} (or not on ${this.user}'s PATH); install it there`);
    }
    return new ArtifactRepositoryError("failed", `${what} failed: ${said}`);
  }

  /** The commit the branch names in the bare repository; null when the branch does not exist yet. */
  async branchHead(branch: string, io: DeployIo): Promise<string | null> {
    const r = await this.run(["--git-dir", this.repo, "rev-parse", "--verify", "--quiet", `refs/heads/${branch}^{commit}`], io);
    if (r.code === 0) return r.stdout.trim();
    if (r.code === 1 && r.stderr.trim() === "") return null;
    throw this.failure(`reading the branch ${branch} of ${this.repo}`, r);
  }

  /** A small file of a commit in the bare repository; null when that commit has no such file. */
  async readBlob(rev: string, file: string, io: DeployIo): Promise<string | null> {
    const r = await this.run(["--git-dir", this.repo, "cat-file", "blob", `${rev}:${file}`], io, { maxOutputBytes: 4096 });
    if (r.code !== 0) {
      if (/does not exist in|exists on disk, but not in|invalid object name|Not a valid object name/.test(r.stderr)) return null;
      throw this.failure(`reading ${file} of ${rev} in ${this.repo}`, r);
    }
    if (r.stdoutTruncated) throw new ArtifactRepositoryError("failed", `${file} of ${rev} in ${this.repo} is larger than 4096 bytes: it is not the small file Slipway writes there`);
    return r.stdout;
  }

  /** Whether a commit of the bare repository has a file (or directory) at `file`. */
  async has(rev: string, file: string, io: DeployIo): Promise<boolean> {
    const r = await this.run(["--git-dir", this.repo, "cat-file", "-e", `${rev}:${file}`], io);
    if (r.code === 0) return true;
    if (/does not exist in|exists on disk, but not in|invalid object name|Not a valid object name/.test(r.stderr) || (r.code === 1 && r.stderr.trim() === "")) return false;
    throw this.failure(`looking for ${file} in ${rev} of ${this.repo}`, r);
  }
}
