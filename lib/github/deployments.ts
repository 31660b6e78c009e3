// GitHub's Deployments API for one repository, through its app installation (installationOctokit): a
// GitHub deployment per Slipway deployment, on the exact commit, and its statuses as the deployment moves,
// so the repository's "Environments" show what runs where with a link back to Slipway.
//
// - ref is the commit SHA, auto_merge is off and required_contexts is empty: GitHub neither merges the
//   default branch into it nor waits for commit statuses (Slipway already decided to deploy it).
// - Requests are bounded by the client's timeout and by the caller's signal; an abort rejects with its reason.
import { GithubApiError, type InstallationClient } from "@/lib/github/app-client";

export type GithubDeploymentState = "in_progress" | "success" | "failure" | "error" | "inactive";

/** GitHub's limit on a deployment status's description. */
export const STATUS_DESCRIPTION_MAX = 140;

/** `s` in at most `max` characters (code points, so an emoji is never split), cut with … */
export function cutDescription(s: string, max = STATUS_DESCRIPTION_MAX): string {
  const chars = Array.from(s.replace(/\s+/g, " ").trim());
  return chars.length <= max ? chars.join("") : `${chars.slice(0, max - 1).join("")}…`;
}

function statusOf(err: unknown): number | null {
  const s = (err as { status?: unknown } | null)?.status;
  return typeof s === "number" ? s : null;
}

/** the request failed: the caller's abort as is, anything else as GithubApiError with what to check */
function failure(what: string, client: InstallationClient, err: unknown, hints: { 404: string; 422: string }, signal?: AbortSignal): unknown {
  if (signal?.aborted) return signal.reason;
  const status = statusOf(err);
  const message = err instanceof Error ? err.message : String(err);
  const repo = `${client.owner}/${client.repo}`;
  const hint =
    status === 403
      ? `; give GitHub app ${client.appName} the "Deployments: read and write" permission and accept it on the installation`
      : status === 404
        ? `; ${hints[404]}`
        : status === 422 || status === 409
          ? `; ${hints[422]}`
          : status === 401
            ? "; the installation token was refused (it is dropped: the next attempt gets a new one)"
            : "";
  return new GithubApiError(`Could not ${what} on ${repo}: ${message}${hint}`, status);
}

/**
 * Creates a GitHub deployment of commit `sha` to the environment named after the target; returns its id.
 * Throws GithubApiError in words (403: the app lacks the Deployments permission; 404: the app cannot see
 * the repository; 422: GitHub does not know the commit).
 */
export async function createGithubDeployment(
  client: InstallationClient,
  opts: { sha: string; environment: string; description: string; slipwayDeploymentId: string; signal?: AbortSignal },
): Promise<number> {
  const what = `create a GitHub deployment of ${opts.sha.slice(0, 12)} to environment ${opts.environment}`;
  const hints = {
    404: `is GitHub app ${client.appName} installed on ${client.owner}/${client.repo}, with access to this repository?`,
    422: `is commit ${opts.sha.slice(0, 12)} pushed to ${client.owner}/${client.repo}?`,
  };
  let res;
  try {
    res = await client.octokit.request("POST /repos/{owner}/{repo}/deployments", {
      owner: client.owner,
      repo: client.repo,
      ref: opts.sha,
      environment: opts.environment,
      description: opts.description,
      auto_merge: false,
      required_contexts: [],
      payload: { slipway_deployment: opts.slipwayDeploymentId },
      transient_environment: false,
      production_environment: true,
      request: { signal: opts.signal },
    });
  } catch (err) {
    throw failure(what, client, err, hints, opts.signal);
  }
  // 202 is GitHub's answer when it merged the default branch instead (auto_merge); it has no deployment
  const id = res.status === 201 && "id" in res.data ? Number(res.data.id) : NaN;
  if (!Number.isSafeInteger(id) || id <= 0) {
    throw new GithubApiError(`Could not ${what} on ${client.owner}/${client.repo}: GitHub answered HTTP ${res.status} without a deployment id`, res.status);
  }
  return id;
}

/**
 * Adds a status to a GitHub deployment: its state, the Slipway page as log_url, a description (cut to
 * 140 characters with …) and, when given, the environment's URL. auto_inactive marks earlier deployments
 * of the environment inactive once this one succeeds. Throws GithubApiError in words.
 */
export async function setGithubDeploymentStatus(
  client: InstallationClient,
  opts: { deploymentId: number; state: GithubDeploymentState; logUrl: string; description: string; environmentUrl?: string; signal?: AbortSignal },
): Promise<void> {
  const what = `set GitHub deployment ${opts.deploymentId} to ${opts.state}`;
  const hints = {
    404: `GitHub knows no deployment ${opts.deploymentId} there (was it deleted?), or app ${client.appName} cannot see the repository`,
    422: "GitHub refused the status's fields (are log_url and environment_url full http(s) URLs? is SLIPWAY_URL set?)",
  };
  try {
    await client.octokit.request("POST /repos/{owner}/{repo}/deployments/{deployment_id}/statuses", {
      owner: client.owner,
      repo: client.repo,
      deployment_id: opts.deploymentId,
      state: opts.state,
      log_url: opts.logUrl,
      description: cutDescription(opts.description),
      ...(opts.environmentUrl ? { environment_url: opts.environmentUrl } : {}),
      auto_inactive: true,
      request: { signal: opts.signal },
    });
  } catch (err) {
    throw failure(what, client, err, hints, opts.signal);
  }
}
