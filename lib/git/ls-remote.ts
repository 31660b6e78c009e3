// The heads of a remote repository: every branch, every pull request head (refs/pull/N/head) and the default branch.
import { tokenCredentials, urlSecrets } from "@/lib/git/credentials";
import { GitError, runGit } from "@/lib/git/run";
import { gitUrlProblem } from "@/lib/validation/inventory-fields";

export interface RemoteRefs {
  branches: Map<string, string>;
  pulls: Map<number, string>;
  /** the default branch, from the HEAD symref, when the server advertises it */
  head?: string;
}

const SHA = /^[0-9a-f]{40}$/;

export async function listRemoteRefs(url: string, opts: { token?: string; timeoutMs?: number; signal?: AbortSignal } & RemoteUrlOptions = {}): Promise<RemoteRefs> {
  assertRemoteUrl(url, opts);
  const creds = tokenCredentials(url, opts.token);
  const { stdout } = await runGit(["ls-remote", "--symref", "--", url], {
    timeoutMs: opts.timeoutMs ?? 30_000,
    signal: opts.signal,
    env: { ...creds.env, ...remoteProtocolEnv(opts) },
    secrets: [...creds.secrets, ...urlSecrets(url)],
  });
  return parseLsRemote(stdout);
}

/** Parses `git ls-remote --symref` output; lines are `SHA\tREF` or `ref: refs/heads/X\tHEAD`. */
export function parseLsRemote(stdout: string): RemoteRefs {
  const branches = new Map<string, string>();
  const pulls = new Map<number, string>();
  let head: string | undefined;
  for (const line of stdout.split("\n")) {
    if (line === "") continue;
    const tab = line.indexOf("\t");
    if (tab < 0) continue;
    const left = line.slice(0, tab);
    const ref = line.slice(tab + 1);
    if (left.startsWith("ref: ")) {
      if (ref === "HEAD" && left.startsWith("ref: refs/heads/")) head = left.slice("ref: refs/heads/".length);
      continue;
    }
    if (!SHA.test(left)) continue;
    if (ref.startsWith("refs/heads/")) {
      branches.set(ref.slice("refs/heads/".length), left);
      continue;
    }
    const pull = /^refs\/pull\/([1-9][0-9]{0,9})\/head$/.exec(ref);
    if (pull?.[1]) pulls.set(Number(pull[1]), left);
  }
  return head === undefined ? { branches, pulls } : { branches, pulls, head };
}

export interface RemoteUrlOptions {
  /** file:// too (default true); false for a repository a webhook drives */
  allowFile?: boolean;
}

/**
 * Only URLs of the transports Slipway uses (lib/validation/inventory-fields.ts gitUrlProblem); anything else
 * (ext::, fd::, a user or host starting with '-', file:// where not allowed) is refused before git runs.
 */
export function assertRemoteUrl(url: string, opts: RemoteUrlOptions = {}): void {
  const problem = gitUrlProblem(url, opts);
  if (problem) {
    throw new GitError("failed", `"${url.replace(/\/\/[^/@]*@/, "//***@").slice(0, 300)}" is not a git URL Slipway accepts: ${problem} (for example https://github.com/OWNER/REPO.git)`);
  }
}

/** git's own list of transports it may use, also for redirects and submodules: without file:// unless allowed. */
export function remoteProtocolEnv(opts: RemoteUrlOptions = {}): Record<string, string> {
  return { GIT_ALLOW_PROTOCOL: opts.allowFile === false ? "git:http:https:ssh" : "file:git:http:https:ssh" };
}
