// lib/services/auth.ts devLogin: refused unless enabled; signs in as any login with the chosen role,
// storing only the SHA-256 of the session token; audited.
import { createHash } from "node:crypto";
import { describe, expect, test } from "vitest";
import { getDb } from "@/lib/db";
import { devLogin } from "@/lib/services/auth";
import { sessionUserByToken } from "@/lib/queries/sessions";
import { ForbiddenError, ValidationError } from "@/lib/errors";
import { createUser, testMeta, writableState } from "@/test/helpers/fixtures";
import { withClient } from "@/test/helpers/pg";

const enabled = { enabled: true, sessionDays: 7, meta: testMeta };

describe("devLogin", () => {
  test("refuses when the development login is off: ForbiddenError, nothing written", async () => {
    const before = await writableState();
    const err = await devLogin({ login: "eve", role: "admin" }, { ...enabled, enabled: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ForbiddenError);
    expect((err as Error).message).toContain("SLIPWAY_DEV_LOGIN=1");
    expect(await writableState()).toEqual(before);
  });

  test("creates the user with the chosen role and a session stored only as the SHA-256 of the token", async () => {
    const t0 = Date.now();
    const r = await devLogin({ login: "dev-op", role: "operator" }, enabled);
    expect(r.role).toBe("operator");
    expect(r.sessionToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(r.expires.getTime()).toBeGreaterThanOrEqual(t0 + 7 * 86_400_000);

    const user = await getDb().user.findUniqueOrThrow({ where: { id: r.userId } });
    expect(user).toMatchObject({ login: "dev-op", role: "operator" });
    expect(user.lastLoginAt).toBeInstanceOf(Date);

    const sessions = await getDb().session.findMany({ where: { userId: r.userId } });
    expect(sessions).toHaveLength(1);
    expect(sessions[0]!.tokenHash).toBe(createHash("sha256").update(r.sessionToken).digest("hex"));
    expect(sessions[0]).toMatchObject({ ip: testMeta.ip, userAgent: testMeta.userAgent, expires: r.expires });
    // the raw token is in no column of the sessions table
    const tableText = await withClient(process.env.DATABASE_URL!, async (c) => (await c.query(`SELECT coalesce(string_agg(row_to_json(s)::text, ''), '') AS t FROM sessions s`)).rows[0].t as string);
    expect(tableText).not.toContain(r.sessionToken);

    expect(await sessionUserByToken(r.sessionToken)).toEqual({ id: r.userId, login: "dev-op", name: "dev-op", image: null, role: "operator" });
  });

  test("records user.created and auth.login, with the client's address and user agent", async () => {
    const r = await devLogin({ login: "dev-audit", role: "viewer" }, enabled);
    const events = await getDb().auditEvent.findMany({ where: { subjectId: r.userId }, orderBy: { id: "asc" } });
    expect(events.map((e) => e.action)).toEqual(["user.created", "auth.login"]);
    // the creation records the role the user really has, and no false reason for it
    expect(events[0]).toMatchObject({
      actorType: "system",
      actorLabel: "development sign-in",
      summary: "dev-audit signed in for the first time and was given the Viewer role",
      after: { login: "dev-audit", role: "viewer" },
    });
    expect(events[1]).toMatchObject({
      actorType: "user",
      actorId: r.userId,
      actorLabel: "dev-audit",
      summary: "dev-audit signed in with the development login",
      after: { method: "development", role: "viewer" },
      ip: testMeta.ip,
      userAgent: testMeta.userAgent,
    });
  });

  test("signing in again with another role changes the role and records it", async () => {
    const first = await devLogin({ login: "dev-switch", role: "viewer" }, enabled);
    const second = await devLogin({ login: "dev-switch", role: "admin" }, enabled);
    expect(second.userId).toBe(first.userId);
    expect(second.role).toBe("admin");
    const events = await getDb().auditEvent.findMany({ where: { subjectId: first.userId }, orderBy: { id: "asc" } });
    expect(events.map((e) => e.action)).toEqual(["user.created", "auth.login", "user.role_changed", "auth.login"]);
    expect(events[2]).toMatchObject({ before: { login: "dev-switch", role: "viewer" }, after: { login: "dev-switch", role: "admin" } });
    // each sign-in is its own session
    expect(await getDb().session.count({ where: { userId: first.userId } })).toBe(2);
  });

  test("defaults to dev-admin as admin", async () => {
    const r = await devLogin(undefined, enabled);
    expect(await getDb().user.findUniqueOrThrow({ where: { id: r.userId } })).toMatchObject({ login: "dev-admin", role: "admin" });
  });

  test("a disabled user is refused and nothing is written, not even the role change", async () => {
    const u = await createUser("viewer", { login: "dev-disabled", disabled: true });
    const before = await writableState();
    await expect(devLogin({ login: u.login, role: "admin" }, enabled)).rejects.toThrow(ForbiddenError);
    expect(await writableState()).toEqual(before);
  });

  test("a malformed login or role is a ValidationError naming the field", async () => {
    const before = await writableState();
    const err = (await devLogin({ login: "-bad login-", role: "root" }, enabled).catch((e: unknown) => e)) as ValidationError;
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.issues.map((i) => i.path).sort()).toEqual(["login", "role"]);
    expect(await writableState()).toEqual(before);
  });
});
