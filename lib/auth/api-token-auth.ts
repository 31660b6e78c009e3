// Who an /api/v1 request comes from: the bearer token in Authorization, and nothing else (cookies are
// ignored there, so a browser session can never be ridden cross-site). The effective role is the lower of
// the token's scope and the user's role NOW, so a user whose role is lowered loses what the role lost.
import "server-only";
import { getDb } from "@/lib/db";
import type { Actor } from "@/lib/auth/actor";
import { hashToken, looksLikeApiToken } from "@/lib/auth/tokens";
import { atLeast, type Role } from "@/lib/auth/roles";
import type { RequestMeta } from "@/lib/auth/actor";

export type ApiTokenActor = Extract<Actor, { type: "api_token" }>;

/** Why a bearer token was refused, in words that say what to do. */
export class TokenRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TokenRefused";
  }
}

export function lowerRole(a: Role, b: Role): Role {
  return atLeast(a, b) ? b : a;
}

/** lastUsedAt is written at most this often per token (not a write per request). */
export const LAST_USED_EVERY_MS = 60_000;
const lastUsedWritten = new Map<string, number>();

async function noteUse(tokenId: string, now: Date): Promise<void> {
  const prev = lastUsedWritten.get(tokenId);
  if (prev !== undefined && now.getTime() - prev < LAST_USED_EVERY_MS) return;
  lastUsedWritten.set(tokenId, now.getTime());
  if (lastUsedWritten.size > 10_000) lastUsedWritten.delete(lastUsedWritten.keys().next().value!);
  // the condition keeps several web processes from writing it more than once a minute between them
  await getDb().apiToken.updateMany({
    where: { id: tokenId, OR: [{ lastUsedAt: null }, { lastUsedAt: { lt: new Date(now.getTime() - LAST_USED_EVERY_MS) } }] },
    data: { lastUsedAt: now },
  });
}

/** The bearer token of an Authorization header, or null when there is none. */
export function bearerToken(header: string | null): string | null {
  if (!header) return null;
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  return m ? m[1]! : "";
}

/**
 * The actor for `token`, or TokenRefused. `now` is when the request came in.
 */
export async function actorForApiToken(token: string, meta: RequestMeta, now = new Date()): Promise<ApiTokenActor> {
  if (!looksLikeApiToken(token)) {
    throw new TokenRefused("This is not a Slipway API token (they start with slw_). Create one under Settings → API tokens and send it as: Authorization: Bearer slw_…");
  }
  const row = await getDb().apiToken.findUnique({
    where: { tokenHash: hashToken(token) },
    select: {
      id: true,
      name: true,
      role: true,
      repositoryIds: true,
      expiresAt: true,
      revokedAt: true,
      user: { select: { id: true, login: true, role: true, disabled: true } },
    },
  });
  if (!row) throw new TokenRefused("This API token is not known (it may have been deleted, or mistyped). Create a new one under Settings → API tokens.");
  if (row.revokedAt) throw new TokenRefused(`This API token ("${row.name}") was revoked on ${row.revokedAt.toISOString()}. Create a new one under Settings → API tokens.`);
  if (row.expiresAt && row.expiresAt <= now) {
    throw new TokenRefused(`This API token ("${row.name}") expired on ${row.expiresAt.toISOString()}. Create a new one under Settings → API tokens.`);
  }
  if (row.user.disabled) throw new TokenRefused(`The user ${row.user.login} who owns this API token is disabled; its tokens do not work. Ask an admin.`);
  await noteUse(row.id, now);
  return {
    type: "api_token",
    tokenId: row.id,
    tokenName: row.name,
    userId: row.user.id,
    login: row.user.login,
    role: lowerRole(row.role, row.user.role),
    repositoryIds: row.repositoryIds.length > 0 ? row.repositoryIds : null,
    ...meta,
  };
}
