// Polling of repositories without a GitHub app: which are due, and one poll (git ls-remote, then the refs
// that moved). A failed poll is recorded on the repository in words; the next one tries again. Each poll is a
// job that runs when the repository's interval has passed (any interval from 30 s up, not cron's minute).
import { getDb, type Tx } from "@/lib/db";
import { enqueueJob } from "@/lib/jobs/enqueue";
import { latestDeliverySeq, syncRemoteRefs, type RefChanges } from "@/lib/services/refs";
import { listRemoteRefs } from "@/lib/git/ls-remote";
import { scheduleForRefChanges } from "@/lib/services/builds/schedule";
import { env } from "@/lib/env";

export const POLL_TIMEOUT_MS = 60_000;
/** How often the crontab runs `repositories_poll_due` (lib/jobs/definitions.ts: every minute). */
export const POLL_CRON_PERIOD_MS = 60_000;

/**
 * One queued poll per repository (job key `poll:<id>`), at the moment it falls due (`run_at`): cron's minute
 * is only when the next polls are planned, never when they run, so an interval of 30 s or 90 s is kept. The
 * repository's own queue runs its polls one at a time; a newer plan replaces a poll still waiting.
 */
async function enqueuePoll(tx: Tx, repositoryId: string, runAt: Date): Promise<void> {
  await enqueueJob(tx, "repository_poll", { repositoryId }, { jobKey: `poll:${repositoryId}`, jobKeyMode: "replace", queueName: `poll:${repositoryId}`, runAt, maxAttempts: 1 });
}

/** Whether the worker polls this repository: git repositories, and in local mode every one (or the one it is limited to). */
function isPolled(repo: { provider: string; enabled: boolean; name: string }): boolean {
  const local = env().SLIPWAY_LOCAL;
  const only = local ? (env().SLIPWAY_LOCAL_REPOSITORY ?? null) : null;
  return (repo.provider === "git" || local) && repo.enabled && (only === null || repo.name === only);
}

/**
 * Enqueues a poll for every polled repository that falls due before the crontab runs again, each for the
 * moment its interval has passed (now, when it has already). Returns how many were enqueued.
 */
export async function enqueueDuePolls(now = new Date()): Promise<number> {
  // local mode polls every repository (GitHub ones too, anonymously), or just the one it is limited to
  const local = env().SLIPWAY_LOCAL;
  const only = local ? (env().SLIPWAY_LOCAL_REPOSITORY ?? null) : null;
  const horizon = new Date(now.getTime() + POLL_CRON_PERIOD_MS);
  return getDb().$transaction(async (tx) => {
    const due = await tx.$queryRaw<{ id: string; due_at: Date }[]>`
      SELECT id, GREATEST(COALESCE(last_polled_at + make_interval(secs => poll_interval_seconds), ${now}), ${now}) AS due_at
      FROM repositories
      WHERE (provider = 'git' OR ${local}) AND enabled AND archived_at IS NULL
        AND (${only}::text IS NULL OR name = ${only})
        AND (last_polled_at IS NULL OR last_polled_at + make_interval(secs => poll_interval_seconds) < ${horizon})`;
    for (const r of due) await enqueuePoll(tx, r.id, r.due_at);
    return due.length;
  });
}

/**
 * After a poll (`repository_poll`, workers/tasks/polling.ts): the repository's next poll, one interval after
 * this one started. Returns when it will run, or null when the repository is no longer polled.
 */
export async function scheduleNextPoll(repositoryId: string): Promise<Date | null> {
  const db = getDb();
  return db.$transaction(async (tx) => {
    const repo = await tx.repository.findUnique({ where: { id: repositoryId }, select: { id: true, name: true, provider: true, enabled: true, pollIntervalSeconds: true, lastPolledAt: true } });
    if (!repo || !repo.lastPolledAt || !isPolled(repo)) return null;
    const runAt = new Date(repo.lastPolledAt.getTime() + repo.pollIntervalSeconds * 1000);
    await enqueuePoll(tx, repo.id, runAt);
    return runAt;
  });
}

export type PollResult = { ok: true; changes: RefChanges } | { ok: false; error: string } | { ok: false; skipped: string };

/** Lists the repository's remote heads and records what moved. */
export async function pollRepository(repositoryId: string, signal?: AbortSignal): Promise<PollResult> {
  const db = getDb();
  const repo = await db.repository.findUnique({ where: { id: repositoryId } });
  if (!repo) return { ok: false, skipped: "the repository was deleted" };
  if (!repo.enabled) return { ok: false, skipped: "the repository is disabled" };
  if (repo.archivedAt) return { ok: false, skipped: "the repository is archived" };
  // webhook deliveries received before the listing is taken are older than what it shows (local mode polls
  // repositories that also send webhooks): none of them may move a ref back afterwards
  const seenSeq = await latestDeliverySeq(db, repo.id);
  // the interval runs from the start of one poll to the start of the next, however long the listing takes
  const startedAt = new Date();
  let listing: Awaited<ReturnType<typeof listRemoteRefs>>;
  try {
    listing = await listRemoteRefs(repo.url, { timeoutMs: POLL_TIMEOUT_MS, signal, allowFile: !repo.appId });
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    await db.repository.update({ where: { id: repo.id }, data: { lastPolledAt: startedAt, lastPollError: error } });
    return { ok: false, error };
  }
  const changes = await db.$transaction(async (tx) => {
    const c = await syncRemoteRefs(tx, repo.id, listing, seenSeq);
    await tx.repository.update({ where: { id: repo.id }, data: { lastPolledAt: startedAt, lastPollError: null } });
    await scheduleForRefChanges(tx, repo.id, c, { trigger: "poll" });
    return c;
  });
  return { ok: true, changes };
}
