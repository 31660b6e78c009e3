// lib/queries/sessions.ts sessionUserByToken: the user behind a session cookie, or null.
import { describe, expect, test } from "vitest";
import { getDb } from "@/lib/db";
import { sessionUserByToken } from "@/lib/queries/sessions";
import { newSessionToken } from "@/lib/auth/tokens";
import { createSession, createUser } from "@/test/helpers/fixtures";

const hour = 3_600_000;

describe("sessionUserByToken", () => {
  test("returns the user (with the role as stored now) for a valid token", async () => {
    const u = await createUser("operator", { login: "valid-user" });
    const token = await createSession(u.id, new Date(Date.now() + hour));
    expect(await sessionUserByToken(token)).toEqual({ id: u.id, login: "valid-user", name: null, image: null, role: "operator" });
    await getDb().user.update({ where: { id: u.id }, data: { role: "viewer" } });
    expect(await sessionUserByToken(token)).toMatchObject({ role: "viewer" });
  });

  test("returns null for an expired session", async () => {
    const u = await createUser("admin");
    expect(await sessionUserByToken(await createSession(u.id, new Date(Date.now() - 1000)))).toBeNull();
  });

  test("returns null for an unknown token, and for the stored hash used as a token", async () => {
    const u = await createUser("admin");
    await createSession(u.id, new Date(Date.now() + hour));
    expect(await sessionUserByToken(newSessionToken())).toBeNull();
    expect(await sessionUserByToken("")).toBeNull();
    const stored = await getDb().session.findFirstOrThrow({ where: { userId: u.id } });
    expect(await sessionUserByToken(stored.tokenHash)).toBeNull();
  });

  test("returns null for a disabled user's session", async () => {
    const u = await createUser("operator");
    const token = await createSession(u.id, new Date(Date.now() + hour));
    await getDb().user.update({ where: { id: u.id }, data: { disabled: true } });
    expect(await sessionUserByToken(token)).toBeNull();
  });
});
