// Commands on users: role changes, disabling, and the user records that sign-in creates.
// Each command: authorize → validate → change rows + audit event in one transaction.
import "server-only";
import { getDb, type Tx } from "@/lib/db";
import type { Actor } from "@/lib/auth/actor";
import { systemActor } from "@/lib/auth/actor";
import { recordAudit } from "@/lib/audit/record";
import { authorize } from "@/lib/services/authorize";
import { ConflictError, NotFoundError } from "@/lib/errors";
import { parseInput } from "@/lib/validation/parse";
import { changeRoleInput, setDisabledInput } from "@/lib/validation/users";
import type { Role } from "@/lib/auth/roles";
import { roleLabels } from "@/lib/auth/roles";

export interface UserSummary {
  id: string;
  login: string;
  role: Role;
  disabled: boolean;
}

async function lockUser(tx: Tx, userId: string) {
  // Row lock so two admins changing the same user serialize; the second sees the first's result.
  const rows = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM users WHERE id = ${userId} FOR UPDATE`;
  if (rows.length === 0) throw new NotFoundError(`There is no user with id ${userId}; reload the page.`);
  return tx.user.findUniqueOrThrow({ where: { id: userId } });
}

async function otherActiveAdmins(tx: Tx, exceptId: string): Promise<number> {
  return tx.user.count({ where: { role: "admin", disabled: false, id: { not: exceptId } } });
}

export async function changeUserRole(actor: Actor, raw: unknown): Promise<UserSummary> {
  authorize(actor, "users.manage");
  const input = parseInput(changeRoleInput, raw);
  return getDb().$transaction(async (tx) => {
    const user = await lockUser(tx, input.userId);
    if (user.role === input.role) {
      return { id: user.id, login: user.login, role: user.role, disabled: user.disabled };
    }
    if (user.role === "admin" && input.role !== "admin") {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(7341120002)`;
      if ((await otherActiveAdmins(tx, user.id)) === 0) {
        throw new ConflictError(`${user.login} is the last admin; make someone else admin first, or nobody could manage Slipway.`);
      }
    }
    const updated = await tx.user.update({ where: { id: user.id }, data: { role: input.role } });
    await recordAudit(tx, {
      actor,
      action: "user.role_changed",
      subjectType: "user",
      subjectId: user.id,
      summary: `${user.login}: ${roleLabels[user.role]} → ${roleLabels[input.role]}`,
      before: { login: user.login, role: user.role },
      after: { login: user.login, role: input.role },
    });
    return { id: updated.id, login: updated.login, role: updated.role, disabled: updated.disabled };
  });
}

export async function setUserDisabled(actor: Actor, raw: unknown): Promise<UserSummary> {
  authorize(actor, "users.manage");
  const input = parseInput(setDisabledInput, raw);
  if ((actor.type === "user" || actor.type === "api_token") && actor.userId === input.userId && input.disabled) {
    throw new ConflictError("You cannot disable yourself; ask another admin.");
  }
  return getDb().$transaction(async (tx) => {
    const user = await lockUser(tx, input.userId);
    if (user.disabled === input.disabled) {
      return { id: user.id, login: user.login, role: user.role, disabled: user.disabled };
    }
    if (input.disabled && user.role === "admin") {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(7341120002)`;
      if ((await otherActiveAdmins(tx, user.id)) === 0) {
        throw new ConflictError(`${user.login} is the last admin; make someone else admin first.`);
      }
    }
    const updated = await tx.user.update({ where: { id: user.id }, data: { disabled: input.disabled } });
    let revoked = 0;
    if (input.disabled) revoked = (await tx.session.deleteMany({ where: { userId: user.id } })).count;
    await recordAudit(tx, {
      actor,
      action: input.disabled ? "user.disabled" : "user.enabled",
      subjectType: "user",
      subjectId: user.id,
      summary: input.disabled
        ? `${user.login} disabled${revoked ? `, ${revoked} session${revoked === 1 ? "" : "s"} ended` : ""}`
        : `${user.login} enabled`,
      before: { login: user.login, disabled: user.disabled },
      after: { login: user.login, disabled: input.disabled },
    });
    return { id: updated.id, login: updated.login, role: updated.role, disabled: updated.disabled };
  });
}

export interface NewUserProfile {
  login: string;
  name?: string | null;
  email?: string | null;
  image?: string | null;
}

/**
 * Creates the user a first sign-in brings. Logins in SLIPWAY_ADMINS become admin; everyone else gets the
 * default role. Runs in the caller's transaction (the sign-in's) and audits the creation.
 */
export async function createUserOnFirstLogin(
  tx: Tx,
  profile: NewUserProfile,
  policy: { admins: string[]; defaultRole: Role; method: string },
) {
  const role: Role = policy.admins.includes(profile.login.toLowerCase()) ? "admin" : policy.defaultRole;
  const user = await tx.user.create({
    data: {
      login: profile.login,
      name: profile.name ?? null,
      email: profile.email ?? null,
      image: profile.image ?? null,
      role,
    },
  });
  await recordAudit(tx, {
    actor: systemActor(`${policy.method} sign-in`),
    action: "user.created",
    subjectType: "user",
    subjectId: user.id,
    summary: `${user.login} signed in for the first time and was given the ${roleLabels[role]} role` +
      (role === "admin" && policy.admins.length ? " (listed in SLIPWAY_ADMINS)" : ""),
    after: { login: user.login, role },
  });
  return user;
}
