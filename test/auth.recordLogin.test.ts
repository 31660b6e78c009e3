// lib/services/auth.ts recordLogin / recordLogout / recordLoginRefused: what next-auth's events call.
import { describe, expect, test } from "vitest";
import { getDb } from "@/lib/db";
import { recordLogin, recordLoginRefused, recordLogout } from "@/lib/services/auth";
import { createUser, lastAuditEvent, testMeta } from "@/test/helpers/fixtures";

describe("recordLogin", () => {
  test("records auth.login with the method, and refreshes last login, name and image", async () => {
    const u = await createUser("operator", { login: "octocat" });
    await recordLogin(u.id, { login: "octocat", name: "The Octocat", image: "https://avatars.example/1" }, "GitHub", testMeta);
    const row = await getDb().user.findUniqueOrThrow({ where: { id: u.id } });
    expect(row).toMatchObject({ name: "The Octocat", image: "https://avatars.example/1" });
    expect(row.lastLoginAt).toBeInstanceOf(Date);
    expect(await lastAuditEvent()).toMatchObject({
      action: "auth.login",
      actorType: "user",
      actorId: u.id,
      actorLabel: "octocat",
      subjectId: u.id,
      summary: "octocat signed in with GitHub",
      after: { method: "GitHub", role: "operator" },
      ip: testMeta.ip,
      userAgent: testMeta.userAgent,
    });
  });

  test("follows a GitHub login rename, and says so", async () => {
    const u = await createUser("viewer", { login: "old-name" });
    await recordLogin(u.id, { login: "new-name" }, "GitHub", testMeta);
    expect((await getDb().user.findUniqueOrThrow({ where: { id: u.id } })).login).toBe("new-name");
    expect((await lastAuditEvent()).summary).toBe("new-name signed in with GitHub (GitHub login was old-name)");
  });

  test("does not take a login another user has", async () => {
    const taken = await createUser("viewer", { login: "taken-name" });
    const u = await createUser("viewer", { login: "mine" });
    await recordLogin(u.id, { login: taken.login }, "GitHub", testMeta);
    expect((await getDb().user.findUniqueOrThrow({ where: { id: u.id } })).login).toBe("mine");
  });
});

describe("recordLogout", () => {
  test("records auth.logout", async () => {
    const u = await createUser("viewer", { login: "leaver" });
    await recordLogout(u.id, testMeta);
    expect(await lastAuditEvent()).toMatchObject({ action: "auth.logout", actorId: u.id, actorLabel: "leaver", summary: "leaver signed out", ip: testMeta.ip });
  });

  test("records nothing for a user that no longer exists", async () => {
    const before = await getDb().auditEvent.count();
    await recordLogout("gone", testMeta);
    expect(await getDb().auditEvent.count()).toBe(before);
  });
});

describe("recordLoginRefused", () => {
  test("records auth.login_refused for a known user as that user, for an unknown one as the system", async () => {
    const u = await createUser("viewer", { login: "blocked", disabled: true });
    await recordLoginRefused("blocked", "the user is disabled", testMeta);
    expect(await lastAuditEvent()).toMatchObject({ action: "auth.login_refused", actorType: "user", actorId: u.id, subjectId: u.id, summary: "blocked was refused sign-in: the user is disabled" });
    await recordLoginRefused("stranger", "not allowed", testMeta);
    expect(await lastAuditEvent()).toMatchObject({ action: "auth.login_refused", actorType: "system", actorId: null, actorLabel: "sign-in attempt by stranger", subjectId: null });
  });
});
