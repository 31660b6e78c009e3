// The heads Slipway tracks: every branch and every open pull request of every repository, with the commit
// each points at. Webhooks report single moves; polling reports a whole listing. Both end here, and what
// comes back is the list of refs that now point at a new commit (what gets built).
import { randomUUID } from "node:crypto";
import type { Tx } from "@/lib/db";

export type RefKindName = "branch" | "pull_request";

export interface RefUpdate {
  kind: RefKindName;
  /** the branch name; for pull requests, the PR number */
  name: string;
  prNumber?: number;
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
    const pr = u.kind === "pull_request" ? { prNumber: u.prNumber ?? Number(u.name), prTitle: u.prTitle ?? null, prAuthor: u.prAuthor ?? null } : {};
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

/**
 * A full listing of the remote (polling with git ls-remote): every listed head is applied, and every open
 * ref the listing no longer has is closed.
 */
export async function syncRemoteRefs(
  tx: Tx,
  repositoryId: string,
  listing: { branches: ReadonlyMap<string, string>; pulls: ReadonlyMap<number, string> },
): Promise<RefChanges> {
  const updates: RefUpdate[] = [
    ...[...listing.branches].map(([name, sha]) => ({ kind: "branch" as const, name, headSha: sha })),
    ...[...listing.pulls].map(([n, sha]) => ({ kind: "pull_request" as const, name: String(n), prNumber: n, headSha: sha })),
  ];
  const open = await tx.ref.findMany({ where: { repositoryId, closedAt: null }, select: { kind: true, name: true, prNumber: true } });
  for (const r of open) {
    const listed = r.kind === "branch" ? listing.branches.has(r.name) : r.prNumber !== null && listing.pulls.has(r.prNumber);
    if (!listed) updates.push({ kind: r.kind, name: r.kind === "branch" ? r.name : String(r.prNumber), prNumber: r.prNumber ?? undefined, headSha: null });
  }
  return applyRefUpdates(tx, repositoryId, updates);
}

