// Rows and actors for tests. Users are inserted directly (no audit event), as a seeded database would have them.
import { randomBytes } from "node:crypto";
import { getDb } from "@/lib/db";
import type { Actor } from "@/lib/auth/actor";
import type { Role } from "@/lib/auth/roles";
import { hashToken, newSessionToken } from "@/lib/auth/tokens";

export interface TestUser {
  id: string;
  login: string;
  role: Role;
}

export async function createUser(role: Role, opts: { login?: string; disabled?: boolean } = {}): Promise<TestUser> {
  const login = opts.login ?? `${role}-${randomBytes(3).toString("hex")}`;
  const u = await getDb().user.create({ data: { login, role, disabled: opts.disabled ?? false } });
  return { id: u.id, login: u.login, role: u.role };
}

export const testMeta = { ip: "203.0.113.7", userAgent: "vitest/4 (Slipway tests)" };

export function actorFor(user: TestUser, role: Role = user.role): Actor & { type: "user" } {
  return { type: "user", userId: user.id, login: user.login, role, ...testMeta };
}

/** A session row for the user; returns the cookie value (the database keeps only its hash). */
export async function createSession(userId: string, expires: Date): Promise<string> {
  const token = newSessionToken();
  await getDb().session.create({ data: { tokenHash: hashToken(token), userId, expires } });
  return token;
}

export async function auditCount(): Promise<number> {
  return getDb().auditEvent.count();
}

export async function lastAuditEvent() {
  return getDb().auditEvent.findFirstOrThrow({ orderBy: { id: "desc" } });
}

/** Everything a user command could write: compare before and after a refused command. */
export async function writableState() {
  const db = getDb();
  return {
    users: await db.user.findMany({ orderBy: { id: "asc" } }),
    sessions: await db.session.findMany({ orderBy: { id: "asc" } }),
    auditEvents: await db.auditEvent.count(),
  };
}
