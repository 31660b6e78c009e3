// Sign-in, sign-out, the development login and the one-time sign-in link: each recorded in the audit log.
import "server-only";
import { getDb } from "@/lib/db";
import type { RequestMeta } from "@/lib/auth/actor";
import { recordAudit } from "@/lib/audit/record";
import { hashToken, newSessionToken } from "@/lib/auth/tokens";
import { createUserOnFirstLogin } from "@/lib/services/users";
import { parseInput } from "@/lib/validation/parse";
import { devLoginInput } from "@/lib/validation/users";
import { ForbiddenError } from "@/lib/errors";
import { takeLoginLink } from "@/lib/auth/login-links";
import type { Role } from "@/lib/auth/roles";

export interface LoginProfile {
  login?: string | null;
  name?: string | null;
  image?: string | null;
}

/** After a successful sign-in: refresh what GitHub says about the user, and audit it. */
export async function recordLogin(userId: string, profile: LoginProfile, method: string, meta: RequestMeta): Promise<void> {
  await getDb().$transaction(async (tx) => {
    const user = await tx.user.findUniqueOrThrow({ where: { id: userId } });
    const data: { lastLoginAt: Date; login?: string; name?: string | null; image?: string | null } = { lastLoginAt: new Date() };
    if (profile.login && profile.login !== user.login) {
      const taken = await tx.user.findUnique({ where: { login: profile.login } });
      if (!taken) data.login = profile.login;
    }
    if (profile.name !== undefined) data.name = profile.name;
    if (profile.image !== undefined) data.image = profile.image;
    const updated = await tx.user.update({ where: { id: userId }, data });
    await recordAudit(tx, {
      actor: { type: "user", userId, login: updated.login, role: updated.role, ...meta },
      action: "auth.login",
      subjectType: "user",
      subjectId: userId,
      summary: `${updated.login} signed in with ${method}` + (data.login ? ` (GitHub login was ${user.login})` : ""),
      after: { method, role: updated.role },
    });
  });
}

export async function recordLogout(userId: string, meta: RequestMeta): Promise<void> {
  await getDb().$transaction(async (tx) => {
    const user = await tx.user.findUnique({ where: { id: userId } });
    if (!user) return;
    await recordAudit(tx, {
      actor: { type: "user", userId, login: user.login, role: user.role, ...meta },
      action: "auth.logout",
      subjectType: "user",
      subjectId: userId,
      summary: `${user.login} signed out`,
    });
  });
}

export async function recordLoginRefused(login: string, reason: string, meta: RequestMeta): Promise<void> {
  await getDb().$transaction(async (tx) => {
    const user = await tx.user.findUnique({ where: { login } });
    await recordAudit(tx, {
      actor: user
        ? { type: "user", userId: user.id, login: user.login, role: user.role, ...meta }
        : { type: "system", label: `sign-in attempt by ${login}` },
      action: "auth.login_refused",
      subjectType: "user",
      subjectId: user?.id ?? null,
      summary: `${login} was refused sign-in: ${reason}`,
    });
  });
}

/** Who a console sign-in (development login, one-time link) signs in as, and the words its audit events use. */
interface SessionStart {
  login: string;
  /** the name a user created on first sign-in gets */
  name: string;
  /** the role the user is given (back) if it has another */
  role: Role;
  /** the sign-in method, as the audit events and createUserOnFirstLogin name it */
  method: string;
  /** how the login event's summary says it: "signed in with <via>" */
  via: string;
  /** how the role change's summary names the cause: "<login>: member → admin (<cause>)" */
  cause: string;
  /** what a disabled user is told after "<login> is disabled" */
  disabledHint: string;
  sessionDays: number;
  meta: RequestMeta;
}

/**
 * The common tail of the console's own sign-ins: in one transaction, find or create the user, give it the
 * role asked for (audited), refuse a disabled user, create the session and audit the login. Authorizes
 * nothing itself: the caller has already checked that this sign-in is allowed. Returns the cookie value.
 */
async function startSession(s: SessionStart): Promise<{ sessionToken: string; expires: Date; userId: string; role: Role }> {
  const sessionToken = newSessionToken();
  const expires = new Date(Date.now() + s.sessionDays * 86_400_000);
  const user = await getDb().$transaction(async (tx) => {
    let u = await tx.user.findUnique({ where: { login: s.login } });
    if (!u) {
      u = await createUserOnFirstLogin(tx, { login: s.login, name: s.name }, { admins: [], defaultRole: s.role, method: s.method });
    } else if (u.role !== s.role) {
      const before = u.role;
      u = await tx.user.update({ where: { id: u.id }, data: { role: s.role } });
      await recordAudit(tx, {
        actor: { type: "user", userId: u.id, login: u.login, role: s.role, ...s.meta },
        action: "user.role_changed",
        subjectType: "user",
        subjectId: u.id,
        summary: `${u.login}: ${before} → ${s.role} (${s.cause})`,
        before: { login: u.login, role: before },
        after: { login: u.login, role: s.role },
      });
    }
    if (u.disabled) throw new ForbiddenError(`${u.login} is disabled${s.disabledHint}`);
    await tx.session.create({
      data: { tokenHash: hashToken(sessionToken), userId: u.id, expires, ip: s.meta.ip, userAgent: s.meta.userAgent?.slice(0, 512) ?? null },
    });
    await tx.user.update({ where: { id: u.id }, data: { lastLoginAt: new Date() } });
    await recordAudit(tx, {
      actor: { type: "user", userId: u.id, login: u.login, role: u.role, ...s.meta },
      action: "auth.login",
      subjectType: "user",
      subjectId: u.id,
      summary: `${u.login} signed in with ${s.via}`,
      after: { method: s.method, role: u.role },
    });
    return u;
  });
  return { sessionToken, expires, userId: user.id, role: user.role };
}

/**
 * The development login (SLIPWAY_DEV_LOGIN=1, never in production): signs in as any login with the chosen
 * role, creating the user if needed. Returns the session cookie value.
 */
export async function devLogin(
  raw: unknown,
  opts: { enabled: boolean; sessionDays: number; meta: RequestMeta },
): Promise<{ sessionToken: string; expires: Date; userId: string; role: Role }> {
  if (!opts.enabled) throw new ForbiddenError("The development login is off. Set SLIPWAY_DEV_LOGIN=1 outside production, or sign in with GitHub.");
  const input = parseInput(devLoginInput, raw ?? {});
  return startSession({
    login: input.login,
    name: input.login,
    role: input.role,
    method: "development",
    via: "the development login",
    cause: "development login",
    disabledHint: ".",
    sessionDays: opts.sessionDays,
    meta: opts.meta,
  });
}

/** The user a one-time sign-in link signs in as: created as an admin on first use. */
export const LOCAL_ADMIN_LOGIN = "local-admin";

/**
 * A one-time sign-in link printed by `npm start` (no GitHub login configured): uses up the token, then signs
 * in as local-admin, an admin (created on first use; given the admin role back if someone took it away,
 * since whoever reads the terminal of `npm start` owns the machine anyway). Refused for a token this process
 * did not make, one already used or expired, and for a disabled local-admin. Returns the session cookie value.
 */
export async function signInWithLoginLink(
  token: unknown,
  opts: { sessionDays: number; meta: RequestMeta; now?: number },
): Promise<{ sessionToken: string; expires: Date; userId: string }> {
  const taken = takeLoginLink(token, opts.now);
  if (taken === "off") throw new ForbiddenError("This Slipway offers no sign-in links: sign in with GitHub.");
  if (taken === "expired") throw new ForbiddenError("That sign-in link has expired: press Enter in the terminal running `npm start` for a new one.");
  if (taken !== "ok") {
    throw new ForbiddenError("That sign-in link was used already, or another run of Slipway printed it: press Enter in the terminal running `npm start` for a new one.");
  }
  const { sessionToken, expires, userId } = await startSession({
    login: LOCAL_ADMIN_LOGIN,
    name: "local admin",
    role: "admin",
    method: "one-time link",
    via: "a one-time sign-in link",
    cause: "one-time sign-in link",
    disabledHint: ": an admin can enable it under Settings → Users.",
    sessionDays: opts.sessionDays,
    meta: opts.meta,
  });
  return { sessionToken, expires, userId };
}
