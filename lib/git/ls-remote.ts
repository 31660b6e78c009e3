// The heads of a remote repository: every branch, every pull request head (refs/pull/N/head) and the default branch.
import { tokenCredentials, urlSecrets } from "@/lib/git/credentials";
import { GitError, runGit } from "@/lib/git/run";

export interface RemoteRefs {
  branches: Map<string, string>;
  pulls: Map<number, string>;
  /** the default branch, from the HEAD symref, when the server advertises it */
  head?: string;
}

const SHA = /^[0-9a-f]{40}$/;

export async function listRemoteRefs(url: string, opts: { token?: string; timeoutMs?: number; signal?: AbortSignal } = {}): Promise<RemoteRefs> {
  assertRemoteUrl(url);
  const creds = tokenCredentials(url, opts.token);
  const { stdout } = await runGit(["ls-remote", "--symref", "--", url], {
    timeoutMs: opts.timeoutMs ?? 30_000,
    signal: opts.signal,
    env: creds.env,
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

/** Only URLs of the transports Slipway uses; anything else (ext::, fd::, a path starting with -) is refused. */
export function assertRemoteUrl(url: string): void {
  if (!/^(https?|git|ssh|file):\/\/[^\s]+$/i.test(url) && !/^[a-z0-9][a-z0-9._-]*@[a-z0-9.-]+:[^\s]+$/i.test(url)) {
    throw new GitError("failed", `"${url.replace(/\/\/[^/@]*@/, "//***@")}" is not a git URL Slipway accepts; use https://, ssh://, git:// or file:// (for example https://github.com/OWNER/REPO.git)`);
  }
}
