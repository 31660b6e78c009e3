// The heads Slipway tracks: every branch and every open pull request of every repository, with the commit
// each points at. Webhooks report single moves; polling reports a whole listing. Both end here, and what
// comes back is the list of refs that now point at a new commit (what gets built).
import { randomUUID } from "node:crypto";
import type { Tx } from "@/lib/db";
import { ZERO_SHA, type NormalizedEvent } from "@/lib/github/webhook-events";
import { newestMove, type ReportedMove } from "@/lib/services/ref-order";
import { branchNameProblem } from "@/lib/validation/inventory-fields";

export type RefKindName = "branch" | "pull_request";

export interface RefUpdate {
  kind: RefKindName;
  /** the branch name; for pull requests, the PR number */
  name: string;
  prNumber?: number;
  /** undefined keeps what is stored */
  prTitle?: string | null;
  prAuthor?: string | null;
  /** the new head; null when the branch was deleted or the pull request closed */
  headSha: string | null;
}

export interface MovedRef {
  refId: string;
  kind: RefKindName;
  name: string;
  prNumber: number | null;
  headSha: string;
  previousSha: string | null;
}

export interface RefChanges {
  moved: MovedRef[];
  closed: Array<{ refId: string; kind: RefKindName; name: string }>;
}

const SHA = /^[0-9a-f]{40}$/;

/** How a pull request's ref is named: "pull/<n>/head", as git servers expose it. */
export function pullRefName(prNumber: number): string {
  return `pull/${prNumber}/head`;
}

/**
 * Applies updates to a repository's refs in the caller's transaction. A ref that points where it already
 * did is not reported; a closed ref that moves again is reopened.
 */
export async function applyRefUpdates(tx: Tx, repositoryId: string, updates: RefUpdate[]): Promise<RefChanges> {
  const out: RefChanges = { moved: [], closed: [] };
  for (const u of updates) {
    if (u.headSha !== null && !SHA.test(u.headSha)) throw new Error(`not a commit id: ${JSON.stringify(u.headSha)}`);
    const name = u.kind === "pull_request" ? pullRefName(u.prNumber ?? Number(u.name)) : u.name;
    // a row lock, so two deliveries for the same ref apply one after the other
    const existing = (
      await tx.$queryRaw<{ id: string; head_sha: string; closed_at: Date | null }[]>`
        SELECT id, head_sha, closed_at FROM refs
        WHERE repository_id = ${repositoryId} AND kind = ${u.kind}::ref_kind AND name = ${name}
        FOR UPDATE`
    )[0];
    if (u.headSha === null) {
      if (existing && !existing.closed_at) {
        await tx.ref.update({ where: { id: existing.id }, data: { closedAt: new Date() } });
        out.closed.push({ refId: existing.id, kind: u.kind, name });
      }
      continue;
    }
    const pr = u.kind === "pull_request" ? { prNumber: u.prNumber ?? Number(u.name), prTitle: u.prTitle, prAuthor: u.prAuthor } : {};
    if (!existing) {
      // a new ref; another transaction may be creating it right now (a webhook and a poll): whoever inserts
      // first reports it, the other one sees it as it is
      const inserted = await tx.$queryRaw<{ id: string; pr_number: number | null }[]>`
        INSERT INTO refs (id, repository_id, kind, name, head_sha, pr_number, pr_title, pr_author, updated_at)
        VALUES (${`r${randomUUID().replace(/-/g, "").slice(0, 24)}`}, ${repositoryId}, ${u.kind}::ref_kind, ${name}, ${u.headSha},
                ${pr.prNumber ?? null}::int, ${pr.prTitle ?? null}, ${pr.prAuthor ?? null}, now())
        ON CONFLICT (repository_id, kind, name) DO NOTHING
        RETURNING id, pr_number`;
      const row = inserted[0];
      if (row) {
        out.moved.push({ refId: row.id, kind: u.kind, name, prNumber: row.pr_number, headSha: u.headSha, previousSha: null });
        continue;
      }
      const [now] = await tx.$queryRaw<{ id: string; head_sha: string; closed_at: Date | null }[]>`
        SELECT id, head_sha, closed_at FROM refs WHERE repository_id = ${repositoryId} AND kind = ${u.kind}::ref_kind AND name = ${name} FOR UPDATE`;
      if (!now || (now.head_sha === u.headSha && !now.closed_at)) continue;
      const moved = await tx.ref.update({ where: { id: now.id }, data: { headSha: u.headSha, closedAt: null, ...pr } });
      out.moved.push({ refId: moved.id, kind: u.kind, name, prNumber: moved.prNumber, headSha: u.headSha, previousSha: now.head_sha });
      continue;
    }
    if (existing.head_sha === u.headSha && !existing.closed_at) {
      if (u.kind === "pull_request" && (u.prTitle || u.prAuthor)) await tx.ref.update({ where: { id: existing.id }, data: pr });
      continue;
    }
    const row = await tx.ref.update({ where: { id: existing.id }, data: { headSha: u.headSha, closedAt: null, ...pr } });
    out.moved.push({ refId: row.id, kind: u.kind, name, prNumber: row.prNumber, headSha: u.headSha, previousSha: existing.head_sha });
  }
  return out;
}

/** The ref a webhook event moves and the move it reports (before → after), or null when it moves none. */
export interface RefMove {
  kind: RefKindName;
  /** as stored in refs.name: the branch, or "pull/<n>/head" */
  name: string;
  before: string | null;
  /** ZERO_SHA: the branch was deleted or the pull request closed */
  after: string;
  forced: boolean;
}

export function refMoveOf(e: NormalizedEvent): RefMove | null {
  switch (e.kind) {
    case "push":
      // a `create` event carries no commit: the push that follows it does
      if (!e.branch || !e.headSha) return null;
      return { kind: "branch", name: e.branch, before: e.before ?? null, after: e.headSha, forced: e.forced ?? false };
    case "branch_deleted":
      return e.branch ? { kind: "branch", name: e.branch, before: e.before ?? null, after: ZERO_SHA, forced: true } : null;
    case "pull_request":
      if (e.prNumber === undefined || !e.headSha) return null;
      return { kind: "pull_request", name: pullRefName(e.prNumber), before: e.before ?? null, after: e.headSha, forced: e.forced ?? false };
    case "pr_closed":
      return e.prNumber === undefined ? null : { kind: "pull_request", name: pullRefName(e.prNumber), before: e.headSha ?? null, after: ZERO_SHA, forced: true };
    case "rerun":
      return null;
  }
}

export interface RefEventOutcome {
  changes: RefChanges;
  /** applied: the ref now holds what this event reports; stale: a newer delivery decides the ref */
  status: "applied" | "stale";
  reason: string | null;
}

/**
 * Applies a webhook event to its ref, in order: the ref goes to the newest head of every move received for
 * it (lib/services/ref-order.ts), never back to an older one, and only when some move was received after
 * what the ref already reflects (refs.last_event_seq: the newest receipt applied, or what a poll had seen). `seq` is the event's delivery row (webhook_deliveries.id),
 * recorded with its move at receipt. The caller's transaction; the repository's job queue runs one event at
 * a time, and the ref's row lock keeps polls out meanwhile.
 */
export async function applyRefEvent(
  tx: Tx,
  repositoryId: string,
  seq: bigint,
  move: RefMove,
  meta: { prNumber?: number; prTitle?: string | null; prAuthor?: string | null },
): Promise<RefEventOutcome> {
  const ref = (
    await tx.$queryRaw<{ head_sha: string; closed_at: Date | null; last_event_seq: bigint | null }[]>`
      SELECT head_sha, closed_at, last_event_seq FROM refs
      WHERE repository_id = ${repositoryId} AND kind = ${move.kind}::ref_kind AND name = ${move.name}
      FOR UPDATE`
  )[0];
  // every move received for this ref (the newest 500 are plenty: GitHub sends one per push)
  const moves = await tx.$queryRaw<(ReportedMove & { delivery: string })[]>`
    SELECT id AS seq, before_sha AS before, after_sha AS after, forced, delivery_id AS delivery FROM webhook_deliveries
    WHERE repository_id = ${repositoryId} AND ref_kind = ${move.kind}::ref_kind AND ref_name = ${move.name}
      AND after_sha IS NOT NULL AND status IN ('accepted', 'applied', 'stale')
    ORDER BY id DESC LIMIT 500`;
  if (!moves.some((m) => m.seq === seq)) moves.push({ seq, before: move.before, after: move.after, forced: move.forced, delivery: "" });
  const newest = newestMove(moves) ?? { seq, before: move.before, after: move.after, forced: move.forced, delivery: "" };
  const label = move.kind === "branch" ? `branch ${move.name}` : `pull request ${move.name}`;
  const short = (s: string) => (s === ZERO_SHA ? "(deleted)" : s.slice(0, 12));
  const staleReason = (): string | null =>
    newest.after === move.after ? null : `delivery ${newest.delivery || newest.seq} is newer: it moves ${label} to ${short(newest.after)}`;

  // the newest receipt among the moves: the ref reflects every move up to it once it is applied
  const latest = moves.reduce((a, m) => (m.seq > a ? m.seq : a), seq);
  if (ref && ref.last_event_seq !== null && ref.last_event_seq >= latest) {
    // the ref already reflects every move received so far (applied by a newer delivery, or listed by a poll after it)
    const holds = ref.closed_at ? ZERO_SHA : ref.head_sha;
    return { changes: { moved: [], closed: [] }, status: holds === move.after ? "applied" : "stale", reason: holds === move.after ? null : `${label} is already at ${short(holds)}, newer than this event` };
  }
  const own = newest.seq === seq;
  const changes = await applyRefUpdates(tx, repositoryId, [
    {
      kind: move.kind,
      name: move.kind === "branch" ? move.name : String(meta.prNumber),
      prNumber: meta.prNumber,
      // the title and author travel with the event that carries them; another event's move keeps the stored ones
      prTitle: own ? meta.prTitle : undefined,
      prAuthor: own ? meta.prAuthor : undefined,
      headSha: newest.after === ZERO_SHA ? null : newest.after,
    },
  ]);
  await tx.$executeRaw`
    UPDATE refs SET last_event_seq = ${latest}
    WHERE repository_id = ${repositoryId} AND kind = ${move.kind}::ref_kind AND name = ${move.name}
      AND (last_event_seq IS NULL OR last_event_seq < ${latest})`;
  const reason = staleReason();
  return { changes, status: reason ? "stale" : "applied", reason };
}

/**
 * A full listing of the remote (polling with git ls-remote): every listed head is applied, and every open
 * ref the listing no longer has is closed.
 */
export async function syncRemoteRefs(
  tx: Tx,
  repositoryId: string,
  listing: { branches: ReadonlyMap<string, string>; pulls: ReadonlyMap<number, string> },
  /** the newest webhook delivery of the repository received before the listing was taken: older events never undo it */
  seenSeq: bigint | null = null,
): Promise<RefChanges> {
  // a branch name git's ref-name rules refuse (or with control characters) is never stored, as a webhook's is refused
  const branches = [...listing.branches].filter(([name]) => branchNameProblem(name) === null);
  const listedBranches = new Set(branches.map(([name]) => name));
  const updates: RefUpdate[] = [
    ...branches.map(([name, sha]) => ({ kind: "branch" as const, name, headSha: sha })),
    ...[...listing.pulls].map(([n, sha]) => ({ kind: "pull_request" as const, name: String(n), prNumber: n, headSha: sha })),
  ];
  const open = await tx.ref.findMany({ where: { repositoryId, closedAt: null }, select: { kind: true, name: true, prNumber: true } });
  for (const r of open) {
    const listed = r.kind === "branch" ? listedBranches.has(r.name) : r.prNumber !== null && listing.pulls.has(r.prNumber);
    if (!listed) updates.push({ kind: r.kind, name: r.kind === "branch" ? r.name : String(r.prNumber), prNumber: r.prNumber ?? undefined, headSha: null });
  }
  const changes = await applyRefUpdates(tx, repositoryId, updates);
  if (seenSeq !== null) {
    await tx.$executeRaw`UPDATE refs SET last_event_seq = ${seenSeq} WHERE repository_id = ${repositoryId} AND (last_event_seq IS NULL OR last_event_seq < ${seenSeq})`;
  }
  return changes;
}

/** The newest delivery of the repository received so far (taken before a poll lists the remote). */
export async function latestDeliverySeq(tx: Tx, repositoryId: string): Promise<bigint | null> {
  const [row] = await tx.$queryRaw<{ seq: bigint | null }[]>`SELECT max(id) AS seq FROM webhook_deliveries WHERE repository_id = ${repositoryId}`;
  return row?.seq ?? null;
}

