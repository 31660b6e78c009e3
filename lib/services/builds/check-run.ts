// The "deployability" check run of a build on its commit, for repositories with a GitHub app: created
// when the build is first synced (its id is kept in builds.check_run_id), then updated to the build's
// current state. The `build_check` job (workers/tasks/build-check.ts) runs this after every state change.
//
// - Syncs of one build are serialized by an advisory lock held while GitHub is asked, and each reads the
//   build's state under that lock: a slow sync never overwrites a newer state, and two concurrent first
//   syncs create one check run, not two.
// - Idempotent: syncing the same state again sends the same update.
// - A stored check run GitHub no longer knows (404) is replaced by a new one.
import type { BuildState } from "@/lib/generated/prisma/client";
import { getDb } from "@/lib/db";
import { env } from "@/lib/env";
import { GITHUB_REQUEST_TIMEOUT_MS, GithubApiError, installationOctokit, type InstallationClient } from "@/lib/github/app-client";

export const CHECK_RUN_NAME = "deployability";

type CheckStatus = "queued" | "in_progress" | "completed";
type CheckConclusion = "success" | "failure" | "cancelled" | "neutral";

export interface BuildForCheck {
  id: string;
  state: BuildState;
  reason: string | null;
  attempt: number;
  startedAt: Date | null;
  finishedAt: Date | null;
  sha: string;
  ruleName: string;
}

export interface CheckRunFields {
  name: string;
  details_url: string;
  external_id: string;
  status: CheckStatus;
  started_at?: string;
  conclusion?: CheckConclusion;
  completed_at?: string;
  output: { title: string; summary: string };
}

const STATE_WORDS: Record<BuildState, { status: CheckStatus; conclusion?: CheckConclusion; title: string; sentence: string }> = {
  queued: { status: "queued", title: "queued", sentence: "is queued and waits for a build host" },
  fetching: { status: "in_progress", title: "fetching the commit", sentence: "is fetching the commit" },
  building: { status: "in_progress", title: "building", sentence: "is building" },
  pushing: { status: "in_progress", title: "pushing the image", sentence: "is pushing the image" },
  succeeded: { status: "completed", conclusion: "success", title: "build succeeded", sentence: "succeeded" },
  failed: { status: "completed", conclusion: "failure", title: "build failed", sentence: "failed" },
  cancelled: { status: "completed", conclusion: "cancelled", title: "build cancelled", sentence: "was cancelled" },
  superseded: { status: "completed", conclusion: "neutral", title: "build superseded", sentence: "was superseded by a build of a newer commit" },
};

/** GitHub's limit on output.summary is 65535 characters; reasons are kept well below it. */
const MAX_REASON = 4000;

export function buildDetailsUrl(buildId: string): string {
  return `${env().SLIPWAY_URL.replace(/\/+$/, "")}/builds/${encodeURIComponent(buildId)}`;
}

/** The check run's fields for the build's current state (no head_sha: only a create sends it). */
export function checkRunFields(b: BuildForCheck, now = new Date()): CheckRunFields {
  const w = STATE_WORDS[b.state];
  const detailsUrl = buildDetailsUrl(b.id);
  const reason = b.reason ? (b.reason.length > MAX_REASON ? `${b.reason.slice(0, MAX_REASON)}…` : b.reason) : null;
  const lines = [
    `Build rule **${b.ruleName}**, attempt ${b.attempt}, on commit \`${b.sha.slice(0, 12)}\` ${w.sentence}.`,
    ...(reason ? ["", `Reason: ${reason}`] : []),
    "",
    `State: ${b.state}. The build log and its history are on Slipway: ${detailsUrl}`,
  ];
  const fields: CheckRunFields = {
    name: CHECK_RUN_NAME,
    details_url: detailsUrl,
    external_id: b.id,
    status: w.status,
    output: { title: `${b.ruleName}: ${w.title}`, summary: lines.join("\n") },
  };
  if (w.status !== "queued") fields.started_at = (b.startedAt ?? now).toISOString();
  if (w.status === "completed") {
    fields.conclusion = w.conclusion;
    fields.completed_at = (b.finishedAt ?? now).toISOString();
  }
  return fields;
}

export type CheckSyncResult =
  | { action: "skipped"; reason: string }
  | { action: "created" | "updated"; checkRunId: bigint; status: CheckStatus; conclusion?: CheckConclusion };

function statusOf(err: unknown): number | null {
  const s = (err as { status?: unknown } | null)?.status;
  return typeof s === "number" ? s : null;
}

function apiError(what: string, client: InstallationClient, sha: string, err: unknown): GithubApiError {
  const status = statusOf(err);
  const message = err instanceof Error ? err.message : String(err);
  const hint =
    status === 403
      ? `; give GitHub app ${client.appName} the "Checks: read and write" permission and accept it on the installation`
      : status === 404 || status === 422
        ? `; is commit ${sha.slice(0, 12)} in ${client.owner}/${client.repo}, and is app ${client.appName} installed on it?`
        : "";
  return new GithubApiError(`Could not ${what} the "${CHECK_RUN_NAME}" check run on ${client.owner}/${client.repo}@${sha.slice(0, 12)}: ${message}${hint}`, status);
}

async function createCheck(client: InstallationClient, sha: string, fields: CheckRunFields, signal?: AbortSignal): Promise<bigint> {
  try {
    const res = await client.octokit.request("POST /repos/{owner}/{repo}/check-runs", {
      owner: client.owner,
      repo: client.repo,
      head_sha: sha,
      ...fields,
      request: { signal },
    });
    return BigInt(res.data.id);
  } catch (err) {
    throw apiError("create", client, sha, err);
  }
}

/** Updates the check run; false when GitHub no longer knows it (404). */
async function updateCheck(client: InstallationClient, sha: string, checkRunId: bigint, fields: CheckRunFields, signal?: AbortSignal): Promise<boolean> {
  try {
    await client.octokit.request("PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}", {
      owner: client.owner,
      repo: client.repo,
      check_run_id: Number(checkRunId),
      ...fields,
      request: { signal },
    });
    return true;
  } catch (err) {
    if (statusOf(err) === 404) return false;
    throw apiError("update", client, sha, err);
  }
}

const buildSelect = {
  id: true,
  state: true,
  reason: true,
  attempt: true,
  checkRunId: true,
  startedAt: true,
  finishedAt: true,
  commit: { select: { sha: true } },
  buildRule: { select: { name: true, repository: { select: { id: true, name: true, appId: true } } } },
} as const;

/**
 * Brings the build's "deployability" check run on GitHub up to date with the build's state: creates it on
 * the first call (storing its id), updates it afterwards. A no-op for repositories without a GitHub app
 * and for deleted builds. Throws (GithubAppSetupError, GithubApiError) when GitHub cannot be told, so the
 * job is retried.
 */
export async function syncBuildCheck(buildId: string, signal?: AbortSignal): Promise<CheckSyncResult> {
  const db = getDb();
  const first = await db.build.findUnique({ where: { id: buildId }, select: buildSelect });
  if (!first) return { action: "skipped", reason: "the build was deleted" };
  const repo = first.buildRule.repository;
  if (!repo.appId) return { action: "skipped", reason: `repository ${repo.name} has no GitHub app` };
  const client = await installationOctokit(repo.id, signal);
  if (!client) return { action: "skipped", reason: `repository ${repo.name} has no GitHub app` };

  return db.$transaction(
    async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`check:${buildId}`})::bigint)`;
      // the state as of now, under the lock: a sync that waited sends the newest state, never an older one
      const b = await tx.build.findUnique({ where: { id: buildId }, select: buildSelect });
      if (!b) return { action: "skipped", reason: "the build was deleted" } as const;
      const sha = b.commit.sha;
      const fields = checkRunFields({ id: b.id, state: b.state, reason: b.reason, attempt: b.attempt, startedAt: b.startedAt, finishedAt: b.finishedAt, sha, ruleName: b.buildRule.name });
      const done = { status: fields.status, ...(fields.conclusion ? { conclusion: fields.conclusion } : {}) };

      if (b.checkRunId !== null && (await updateCheck(client, sha, b.checkRunId, fields, signal))) {
        return { action: "updated", checkRunId: b.checkRunId, ...done } as const;
      }
      const created = await createCheck(client, sha, fields, signal);
      // store it only where none is stored (or the stale one GitHub no longer knows is still stored)
      const stored = await tx.build.updateMany({ where: { id: buildId, checkRunId: b.checkRunId }, data: { checkRunId: created } });
      if (stored.count === 0) {
        // another writer stored one meanwhile (not a sync: those hold the lock): keep theirs, bring it up to date
        const now = await tx.build.findUnique({ where: { id: buildId }, select: { checkRunId: true } });
        if (now?.checkRunId != null && now.checkRunId !== created) {
          await updateCheck(client, sha, now.checkRunId, fields, signal);
          return { action: "updated", checkRunId: now.checkRunId, ...done } as const;
        }
      }
      return { action: "created", checkRunId: created, ...done } as const;
    },
    // GitHub is asked inside the transaction: up to two requests, after waiting for a concurrent sync
    { maxWait: 10_000, timeout: 4 * GITHUB_REQUEST_TIMEOUT_MS + 10_000 },
  );
}
