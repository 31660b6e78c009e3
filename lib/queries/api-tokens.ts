// API tokens: the /api/v1/me answer and the list on Settings → API tokens. The token itself is never stored
// (only its SHA-256), so no query can return it.
import "server-only";
import { getDb } from "@/lib/db";
import type { ApiTokenActor } from "@/lib/auth/api-token-auth";
import type { Role } from "@/lib/auth/roles";
import { roleScope, type TokenScope } from "@/lib/validation/api-tokens";

export async function tokenSummary(actor: ApiTokenActor): Promise<{
  user: { login: string; role: Role };
  token: { name: string; scope: TokenScope; repositoryIds: string[]; expiresAt: string | null };
}> {
  const t = await getDb().apiToken.findUniqueOrThrow({
    where: { id: actor.tokenId },
    select: { name: true, role: true, repositoryIds: true, expiresAt: true, user: { select: { login: true, role: true } } },
  });
  return {
    user: { login: t.user.login, role: t.user.role },
    token: { name: t.name, scope: roleScope[t.role], repositoryIds: t.repositoryIds, expiresAt: t.expiresAt?.toISOString() ?? null },
  };
}

export type TokenState = "active" | "expired" | "revoked";

export interface ApiTokenRow {
  id: string;
  name: string;
  prefix: string;
  scope: TokenScope;
  /** names of the repositories it is limited to; empty = all */
  repositories: { id: string; name: string }[];
  owner: { id: string; login: string };
  lastUsedAt: Date | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
  createdAt: Date;
  state: TokenState;
}

export function tokenState(t: { expiresAt: Date | null; revokedAt: Date | null }, now = new Date()): TokenState {
  if (t.revokedAt) return "revoked";
  if (t.expiresAt && t.expiresAt <= now) return "expired";
  return "active";
}

/** Tokens newest first: the user's own, or everyone's (`userId` absent: for admins). At most 500. */
export async function listApiTokens(opts: { userId?: string } = {}, now = new Date()): Promise<ApiTokenRow[]> {
  const db = getDb();
  const rows = await db.apiToken.findMany({
    where: opts.userId ? { userId: opts.userId } : {},
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: 500,
    select: {
      id: true,
      name: true,
      prefix: true,
      role: true,
      repositoryIds: true,
      lastUsedAt: true,
      expiresAt: true,
      revokedAt: true,
      createdAt: true,
      user: { select: { id: true, login: true } },
    },
  });
  const repoIds = [...new Set(rows.flatMap((r) => r.repositoryIds))];
  const names = new Map(
    (repoIds.length ? await db.repository.findMany({ where: { id: { in: repoIds } }, select: { id: true, name: true } }) : []).map((r) => [r.id, r.name]),
  );
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    prefix: r.prefix,
    scope: roleScope[r.role],
    repositories: r.repositoryIds.map((id) => ({ id, name: names.get(id) ?? `(removed repository ${id})` })),
    owner: r.user,
    lastUsedAt: r.lastUsedAt,
    expiresAt: r.expiresAt,
    revokedAt: r.revokedAt,
    createdAt: r.createdAt,
    state: tokenState(r, now),
  }));
}

/** Repositories a token may be limited to, for the form (by name). */
export async function tokenRepositoryChoices(): Promise<{ id: string; name: string }[]> {
  return getDb().repository.findMany({ where: { archivedAt: null }, orderBy: [{ name: "asc" }, { id: "asc" }], select: { id: true, name: true }, take: 1000 });
}
