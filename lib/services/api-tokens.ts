// Commands on API tokens (Settings → API tokens): create one (shown once, stored as its SHA-256) and revoke one.
// Each command: authorize → validate → rows + audit event in one transaction; a refused command changes nothing.
import "server-only";
import { getDb } from "@/lib/db";
import type { Actor } from "@/lib/auth/actor";
import { actorRole } from "@/lib/auth/actor";
import { recordAudit } from "@/lib/audit/record";
import { authorize } from "@/lib/services/authorize";
import { can, atLeast, roleLabels } from "@/lib/auth/roles";
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from "@/lib/errors";
import { parseInput } from "@/lib/validation/parse";
import { createApiTokenSchema, revokeApiTokenSchema, scopeRole, type TokenScope } from "@/lib/validation/api-tokens";
import { apiTokenPrefix, hashToken, newApiToken } from "@/lib/auth/tokens";
import { Prisma } from "@/lib/generated/prisma/client";

const DAY_MS = 86_400_000;

export interface CreatedApiToken {
  id: string;
  name: string;
  /** the token itself: shown once, never stored */
  token: string;
  prefix: string;
  scope: TokenScope;
  repositoryIds: string[];
  expiresAt: Date;
}

function signedInUser(actor: Actor) {
  // a token cannot make or revoke tokens: only a person signed in to the console can
  if (actor.type !== "user") throw new ForbiddenError("API tokens are created and revoked in the console (Settings → API tokens), not with a token.");
  return actor;
}

export async function createApiToken(actor: Actor, raw: unknown, now = new Date()): Promise<CreatedApiToken> {
  authorize(actor, "api_tokens.own");
  const user = signedInUser(actor);
  const input = parseInput(createApiTokenSchema, raw);
  const role = scopeRole[input.scope];
  if (!atLeast(actorRole(actor), role)) {
    throw new ValidationError([
      { path: "scope", message: `${input.scope} acts as ${roleLabels[role].toLowerCase()}, more than your role (${roleLabels[actorRole(actor)].toLowerCase()}); choose a narrower scope` },
    ]);
  }
  const repositoryIds = [...new Set(input.repositoryIds)];
  const token = newApiToken();
  const expiresAt = new Date(now.getTime() + input.expiresInDays * DAY_MS);
  try {
    return await getDb().$transaction(async (tx) => {
      const owner = await tx.user.findUnique({ where: { id: user.userId }, select: { disabled: true, role: true } });
      if (!owner || owner.disabled) throw new ForbiddenError("Your account is disabled; ask an admin.");
      if (!atLeast(owner.role, role)) throw new ValidationError([{ path: "scope", message: "is more than your role now; reload the page and choose a narrower scope" }]);
      if (repositoryIds.length > 0) {
        const found = await tx.repository.findMany({ where: { id: { in: repositoryIds }, archivedAt: null }, select: { id: true } });
        const missing = repositoryIds.filter((id) => !found.some((r) => r.id === id));
        if (missing.length) throw new ValidationError([{ path: "repositoryIds", message: `no repository with id ${missing.join(", ")}; reload the page` }]);
      }
      const row = await tx.apiToken.create({
        data: { name: input.name, userId: user.userId, tokenHash: hashToken(token), prefix: apiTokenPrefix(token), role, repositoryIds, expiresAt },
        select: { id: true },
      });
      await recordAudit(tx, {
        actor,
        action: "api_token.created",
        subjectType: "api_token",
        subjectId: row.id,
        summary: `API token "${input.name}" (${input.scope}${repositoryIds.length ? `, ${repositoryIds.length} repositories` : ""}) for ${user.login}, expires ${expiresAt.toISOString().slice(0, 10)}`,
        after: { name: input.name, scope: input.scope, repositoryIds, expiresAt: expiresAt.toISOString(), prefix: apiTokenPrefix(token) },
      });
      return { id: row.id, name: input.name, token, prefix: apiTokenPrefix(token), scope: input.scope, repositoryIds, expiresAt };
    });
  } catch (err) {
    if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002") {
      throw new ValidationError([{ path: "name", message: `you already have a token named "${input.name}"; choose another name (or revoke the old one)` }]);
    }
    throw err;
  }
}

export async function revokeApiToken(actor: Actor, raw: unknown, now = new Date()): Promise<{ id: string; name: string }> {
  authorize(actor, "api_tokens.own");
  const user = signedInUser(actor);
  const input = parseInput(revokeApiTokenSchema, raw);
  return getDb().$transaction(async (tx) => {
    const rows = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM api_tokens WHERE id = ${input.tokenId} FOR UPDATE`;
    const t = rows.length ? await tx.apiToken.findUnique({ where: { id: input.tokenId }, select: { id: true, name: true, userId: true, revokedAt: true, user: { select: { login: true } } } }) : null;
    // someone else's token looks like no token, unless the actor may see everyone's
    if (!t || (t.userId !== user.userId && !can({ role: actorRole(actor) }, "api_tokens.all"))) {
      throw new NotFoundError(`There is no API token with id ${input.tokenId} that you can revoke; reload the page.`);
    }
    if (t.revokedAt) throw new ConflictError(`The token "${t.name}" was already revoked on ${t.revokedAt.toISOString()}.`);
    await tx.apiToken.update({ where: { id: t.id }, data: { revokedAt: now } });
    await recordAudit(tx, {
      actor,
      action: "api_token.revoked",
      subjectType: "api_token",
      subjectId: t.id,
      summary: `API token "${t.name}" of ${t.user.login} revoked`,
      before: { name: t.name, owner: t.user.login },
    });
    return { id: t.id, name: t.name };
  });
}
