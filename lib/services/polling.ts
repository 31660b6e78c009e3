// Polling of repositories without a GitHub app: which are due, and one poll (git ls-remote, then the refs
// that moved). A failed poll is recorded on the repository in words; the next one tries again.
import { getDb } from "@/lib/db";
import { enqueueJob } from "@/lib/jobs/enqueue";
import { latestDeliverySeq, syncRemoteRefs, type RefChanges } from "@/lib/services/refs";
import { listRemoteRefs } from "@/lib/git/ls-remote";
import { scheduleForRefChanges } from "@/lib/services/builds/schedule";
import { env } from "@/lib/env";

export const POLL_TIMEOUT_MS = 60_000;

/** Enqueues a poll for every enabled git repository whose interval has passed (one queued poll each). */
export async function enqueueDuePolls(now = new Date()): Promise<number> {
  // local mode polls every repository (GitHub ones too, anonymously), or just the one it is limited to
  const local = env().SLIPWAY_LOCAL;
  const only = local ? (env().SLIPWAY_LOCAL_REPOSITORY ?? null) : null;
  return getDb().$transaction(async (tx) => {
    const due = await tx.$queryRaw<{ id: string }[]>`
      SELECT id FROM repositories
      WHERE (provider = 'git' OR ${local}) AND enabled AND archived_at IS NULL
        AND (${only}::text IS NULL OR name = ${only})
        AND (last_polled_at IS NULL OR last_polled_at + make_interval(secs => poll_interval_seconds) <= ${now})`;
    for (const r of due) {
      // one key per repository: a poll still queued is not queued twice
      await enqueueJob(tx, "repository_poll", { repositoryId: r.id }, { jobKey: `poll:${r.id}`, jobKeyMode: "preserve_run_at", maxAttempts: 1 });
    }
    return due.length;
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
  let listing: Awaited<ReturnType<typeof listRemoteRefs>>;
  try {
    listing = await listRemoteRefs(repo.url, { timeoutMs: POLL_TIMEOUT_MS, signal });
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    await db.repository.update({ where: { id: repo.id }, data: { lastPolledAt: new Date(), lastPollError: error } });
    return { ok: false, error };
  }
  const changes = await db.$transaction(async (tx) => {
    const c = await syncRemoteRefs(tx, repo.id, listing, seenSeq);
    await tx.repository.update({ where: { id: repo.id }, data: { lastPolledAt: new Date(), lastPollError: null } });
    await scheduleForRefChanges(tx, repo.id, c, { trigger: "poll" });
    return c;
  });
  return { ok: true, changes };
}
