// A pull request's comments, through the repository's app installation (installationOctokit): Slipway posts one
// comment per preview and then edits it, so the pull request shows one up-to-date note, never a trail of them.
// GitHub's REST API: POST /repos/{owner}/{repo}/issues/{number}/comments (pull requests are issues there) and
// PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}. Requests are bounded by the client's timeout and the
// caller's signal; failures are GithubApiError in words.
import { GithubApiError, type InstallationClient } from "@/lib/github/app-client";

/** GitHub's limit on a comment's body. */
export const COMMENT_BODY_MAX = 65_536;

function failure(what: string, client: InstallationClient, err: unknown, signal?: AbortSignal): unknown {
  if (signal?.aborted) return signal.reason;
  const status = (err as { status?: unknown } | null)?.status;
  const code = typeof status === "number" ? status : null;
  const message = err instanceof Error ? err.message : String(err);
  const hint =
    code === 403
      ? `; give GitHub app ${client.appName} the "Pull requests: read and write" permission and accept it on the installation`
      : code === 404
        ? "; it was deleted, or the app cannot see the repository"
        : code === 401
          ? "; the installation token was refused (it is dropped: the next attempt gets a new one)"
          : "";
  return new GithubApiError(`Could not ${what} on ${client.owner}/${client.repo}: ${message}${hint}`, code);
}

/** Posts a comment on pull request `prNumber`; returns its id. */
export async function createPullRequestComment(client: InstallationClient, opts: { prNumber: number; body: string; signal?: AbortSignal }): Promise<number> {
  const what = `comment on pull request #${opts.prNumber}`;
  let res;
  try {
    res = await client.octokit.request("POST /repos/{owner}/{repo}/issues/{issue_number}/comments", {
      owner: client.owner, repo: client.repo, issue_number: opts.prNumber, body: opts.body.slice(0, COMMENT_BODY_MAX), request: { signal: opts.signal },
    });
  } catch (err) {
    throw failure(what, client, err, opts.signal);
  }
  const id = Number(res.data.id);
  if (!Number.isSafeInteger(id) || id <= 0) throw new GithubApiError(`Could not ${what} on ${client.owner}/${client.repo}: GitHub answered HTTP ${res.status} without a comment id`, res.status);
  return id;
}

/** Replaces the body of comment `commentId`; "missing" when GitHub no longer has it (someone deleted it). */
export async function updatePullRequestComment(client: InstallationClient, opts: { commentId: number; body: string; signal?: AbortSignal }): Promise<"updated" | "missing"> {
  try {
    await client.octokit.request("PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}", {
      owner: client.owner, repo: client.repo, comment_id: opts.commentId, body: opts.body.slice(0, COMMENT_BODY_MAX), request: { signal: opts.signal },
    });
    return "updated";
  } catch (err) {
    if ((err as { status?: unknown } | null)?.status === 404 && !opts.signal?.aborted) return "missing";
    throw failure(`edit comment ${opts.commentId}`, client, err, opts.signal);
  }
}
