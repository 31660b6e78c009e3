// A pull request's comments, through the repository's app installation (installationOctokit): Slipway posts one
// comment per preview and then edits it, so the pull request shows one up-to-date note, never a trail of them.
// GitHub's REST API: POST /repos/{owner}/{repo}/issues/{number}/comments (pull requests are issues there),
// PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}, and GET …/issues/{number}/comments to find a comment
// posted before its id could be saved. Requests are bounded by the client's timeout and the
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

/** How many of a pull request's comments are read, at most, looking for Slipway's own (10 pages of 100). */
export const COMMENT_SEARCH_MAX_PAGES = 10;

/**
 * The id of the pull request's comment that this app posted and whose body holds `marker`, or null. Used before
 * posting: a comment job that died after GitHub took its comment, but before the id was saved, finds it here
 * instead of posting a second one. A comment by anyone else that holds the marker is not Slipway's and is left.
 */
export async function findPullRequestComment(client: InstallationClient, opts: { prNumber: number; marker: string; signal?: AbortSignal }): Promise<number | null> {
  for (let page = 1; page <= COMMENT_SEARCH_MAX_PAGES; page++) {
    let res;
    try {
      res = await client.octokit.request("GET /repos/{owner}/{repo}/issues/{issue_number}/comments", {
        owner: client.owner, repo: client.repo, issue_number: opts.prNumber, per_page: 100, page, request: { signal: opts.signal },
      });
    } catch (err) {
      throw failure(`read the comments of pull request #${opts.prNumber}`, client, err, opts.signal);
    }
    const found = res.data.find((c) => c.performed_via_github_app?.id === client.appId && typeof c.body === "string" && c.body.includes(opts.marker));
    if (found) return Number(found.id);
    if (res.data.length < 100) return null;
  }
  return null;
}
