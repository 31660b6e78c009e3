// Fetches exactly one commit into a fresh directory and checks it out detached; withTempCheckout gives a build
// a temporary directory that is removed afterwards whatever happens.
import { mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { maskUrl, tokenCredentials, urlSecrets } from "@/lib/git/credentials";
import { assertRemoteUrl, remoteProtocolEnv, type RemoteUrlOptions } from "@/lib/git/ls-remote";
import { GitError, runGit, type RunGitOptions } from "@/lib/git/run";

export interface FetchCommitOptions extends RemoteUrlOptions {
  token?: string;
  timeoutMs: number;
  signal?: AbortSignal;
  /** history depth to fetch (default 1) */
  depth?: number;
  /** a full ref (refs/heads/X, refs/pull/N/head) to fetch instead when the server refuses an unadvertised SHA */
  ref?: string;
}

export interface CheckedOutCommit {
  dir: string;
  sha: string;
  message: string;
  author: string;
  committedAt: Date;
}

export const SHA = /^[0-9a-f]{40}$/;

/**
 * Checks what a fetch is asked for before git runs (a full SHA, an accepted URL, a full ref name, a positive
 * depth) and that the directory (if any) is empty; returns the depth. Shared with the mirror cache (lib/git/mirror.ts).
 */
export async function checkFetchInput(url: string, sha: string, dir: string | null, opts: FetchCommitOptions): Promise<number> {
  if (!SHA.test(sha)) throw new GitError("failed", `"${sha.slice(0, 80)}" is not a full commit SHA (40 lowercase hex characters)`);
  assertRemoteUrl(url, opts);
  if (opts.ref !== undefined && !isFetchableRef(opts.ref)) {
    throw new GitError("failed", `"${opts.ref.slice(0, 200)}" is not a full ref name (refs/heads/BRANCH or refs/pull/N/head)`);
  }
  const depth = opts.depth ?? 1;
  if (!Number.isInteger(depth) || depth < 1) throw new GitError("failed", `depth must be a positive integer, not ${depth}`);

  if (dir === null) return depth; // nothing is checked out
  await mkdir(dir, { recursive: true });
  if ((await readdir(dir)).length > 0) throw new GitError("failed", `${dir} is not empty; a commit is fetched into an empty directory only`);
  return depth;
}

export async function fetchCommit(url: string, sha: string, dir: string, opts: FetchCommitOptions): Promise<CheckedOutCommit> {
  const depth = await checkFetchInput(url, sha, dir, opts);

  const creds = tokenCredentials(url, opts.token);
  const secrets = [...creds.secrets, ...urlSecrets(url)];
  const local: RunGitOptions = { cwd: dir, timeoutMs: opts.timeoutMs, signal: opts.signal, secrets };
  const remote: RunGitOptions = { ...local, env: { ...creds.env, ...remoteProtocolEnv(opts) } };
  const deadline = Date.now() + opts.timeoutMs;
  const left = (): RunGitOptions => ({ ...remote, timeoutMs: Math.max(1, deadline - Date.now()) });

  await runGit(["init", "--quiet"], local);
  try {
    await runGit(["fetch", "--no-tags", "--no-write-fetch-head", "--quiet", `--depth=${depth}`, "--", url, sha], left());
  } catch (err) {
    if (!(err instanceof GitError) || err.kind !== "not_found" || opts.ref === undefined) throw reword(err, url, sha);
    // the server does not serve unadvertised SHAs: fetch the ref's tip and expect the commit there
    await runGit(["fetch", "--no-tags", "--no-write-fetch-head", "--quiet", `--depth=${depth}`, "--", url, `${opts.ref}:refs/slipway/fetched`], left()).catch((e: unknown) => {
      throw reword(e, url, sha);
    });
    const present = await runGit(["cat-file", "-e", `${sha}^{commit}`], local).then(
      () => true,
      () => false,
    );
    if (!present) {
      throw new GitError("not_found", `commit ${sha} is no longer at ${opts.ref} of ${maskUrl(url)} (the ref moved and the server does not serve older commits by SHA); build the ref's current head instead`);
    }
  }

  return checkOutFetched(dir, sha, local);
}

/** Checks out the fetched commit detached, verifies HEAD is that commit, and reads its metadata. */
export async function checkOutFetched(dir: string, sha: string, local: RunGitOptions): Promise<CheckedOutCommit> {
  await runGit(["checkout", "--quiet", "--detach", sha, "--"], local);
  const head = (await runGit(["rev-parse", "--verify", "HEAD^{commit}"], local)).stdout.trim();
  if (head !== sha) throw new GitError("failed", `checked out ${head} but ${sha} was asked for; the directory ${dir} is not trustworthy, discard it`);

  return { dir, ...(await commitMetadata(sha, local)) };
}

/** The commit's author, committer date and message (`git log -1`; fails unless `sha` is a commit there). */
export async function commitMetadata(sha: string, opts: RunGitOptions): Promise<Omit<CheckedOutCommit, "dir">> {
  const { stdout } = await runGit(["log", "-1", "--format=%an <%ae>%x00%cI%x00%B", sha, "--"], opts);
  const [author = "", committedAt = "", ...rest] = stdout.split("\0");
  return { sha, message: rest.join("\0").trimEnd(), author, committedAt: new Date(committedAt) };
}

/** Creates a per-build temporary directory, runs fn in it and ALWAYS removes it afterwards. */
export async function withTempCheckout<T>(fn: (dir: string) => Promise<T>, opts: { parent?: string } = {}): Promise<T> {
  const parent = opts.parent ?? os.tmpdir();
  const root = await mkdtemp(path.join(parent, "slipway-build-"));
  try {
    return await fn(root);
  } finally {
    await rm(root, { recursive: true, force: true, maxRetries: 3 });
  }
}

function isFetchableRef(ref: string): boolean {
  // a full ref, no refspec syntax (+, :, *), no whitespace or control characters, no ".." or "@{"
  return /^refs\/[^\s:+*?[\\^~\0-\x1f\x7f]+$/.test(ref) && !ref.includes("..") && !ref.includes("@{") && !ref.endsWith("/") && !ref.endsWith(".lock");
}

/** A not_found from the remote, in words: the commit was never pushed or was force-pushed away. */
export function reword(err: unknown, url: string, sha: string): unknown {
  if (err instanceof GitError && err.kind === "not_found") {
    return new GitError("not_found", `commit ${sha} was not found at ${maskUrl(url)}: it was never pushed there, or was force-pushed away; check the repository URL and push the commit (${err.message})`, err.stderr);
  }
  return err;
}
