// lib/services/users.ts createUserOnFirstLogin: logins in SLIPWAY_ADMINS (any case) become admin, everyone
// else gets the default role; the creation is audited in the sign-in's transaction.
import { describe, expect, test } from "vitest";
import { getDb } from "@/lib/db";
import { parseEnv } from "@/lib/env";
import { createUserOnFirstLogin } from "@/lib/services/users";
import { lastAuditEvent } from "@/test/helpers/fixtures";

const env = parseEnv({ SLIPWAY_ADMINS: "Alice, octo-Admin", SLIPWAY_DEFAULT_ROLE: "operator" });
const policy = { admins: env.SLIPWAY_ADMINS, defaultRole: env.SLIPWAY_DEFAULT_ROLE, method: "GitHub" };

function firstLogin(login: string, extra: { name?: string; email?: string } = {}) {
  return getDb().$transaction((tx) => createUserOnFirstLogin(tx, { login, ...extra }, policy));
}

describe("createUserOnFirstLogin", () => {
  test("a login listed in SLIPWAY_ADMINS becomes admin, whatever its case, and user.created is recorded", async () => {
    const u = await firstLogin("ALICE", { name: "Alice A.", email: "alice@example.com" });
    expect(u).toMatchObject({ login: "ALICE", role: "admin", name: "Alice A.", email: "alice@example.com", disabled: false });
    expect(await lastAuditEvent()).toMatchObject({
      action: "user.created",
      actorType: "system",
      actorLabel: "GitHub sign-in",
      subjectType: "user",
      subjectId: u.id,
      summary: "ALICE signed in for the first time and was given the Admin role (listed in SLIPWAY_ADMINS)",
      after: { login: "ALICE", role: "admin" },
    });
    expect((await firstLogin("Octo-Admin")).role).toBe("admin");
  });

  test("anyone else gets the default role", async () => {
    const u = await firstLogin("mallory");
    expect(u.role).toBe("operator");
    expect(await lastAuditEvent()).toMatchObject({ subjectId: u.id, summary: "mallory signed in for the first time and was given the Operator role", after: { role: "operator" } });
  });

  test("a login that only contains an admin's login is not an admin", async () => {
    expect((await firstLogin("alice2")).role).toBe("operator");
    expect((await firstLogin("not-alice")).role).toBe("operator");
  });

  test("the user and the event are one transaction: if the sign-in fails afterwards, neither exists", async () => {
    const events = await getDb().auditEvent.count();
    await expect(
      getDb().$transaction(async (tx) => {
        await createUserOnFirstLogin(tx, { login: "trudy" }, policy);
        throw new Error("session could not be created");
      }),
    ).rejects.toThrow("session could not be created");
    expect(await getDb().user.findUnique({ where: { login: "trudy" } })).toBeNull();
    expect(await getDb().auditEvent.count()).toBe(events);
  });
});
