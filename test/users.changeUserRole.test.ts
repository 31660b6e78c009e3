// lib/services/users.ts changeUserRole: admins only; the row and its audit event in one transaction;
// a refused command writes nothing; the last active admin stays admin, even under concurrent demotions.
import { beforeEach, describe, expect, test } from "vitest";
import { getDb } from "@/lib/db";
import { changeUserRole } from "@/lib/services/users";
import { verifyAuditChain } from "@/lib/audit/verify";
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from "@/lib/errors";
import { actorFor, createUser, lastAuditEvent, testMeta, writableState, type TestUser } from "@/test/helpers/fixtures";
import { withClient } from "@/test/helpers/pg";

let admin: TestUser;
let viewer: TestUser;
let operator: TestUser;

beforeEach(async () => {
  // each test starts from the same people
  await getDb().user.deleteMany({});
  admin = await createUser("admin", { login: "alice" });
  viewer = await createUser("viewer", { login: "bob" });
  operator = await createUser("operator", { login: "carol" });
});

async function roleOf(u: TestUser) {
  return (await getDb().user.findUniqueOrThrow({ where: { id: u.id } })).role;
}

/** Runs a command that must be refused, and checks that it wrote nothing at all. */
async function refusedWithoutWriting(command: () => Promise<unknown>, error: new (...args: never[]) => Error, message?: RegExp) {
  const before = await writableState();
  const err = await command().then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(error);
  if (message) expect((err as Error).message).toMatch(message);
  expect(await writableState()).toEqual(before);
  return err as Error;
}

describe("changeUserRole", () => {
  test("an admin makes a viewer operator: the row changes and one user.role_changed event records who, what, from where", async () => {
    const result = await changeUserRole(actorFor(admin), { userId: viewer.id, role: "operator" });
    expect(result).toEqual({ id: viewer.id, login: "bob", role: "operator", disabled: false });
    expect(await roleOf(viewer)).toBe("operator");

    const events = await getDb().auditEvent.findMany({ where: { action: "user.role_changed" } });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      actorType: "user",
      actorId: admin.id,
      actorLabel: "alice",
      action: "user.role_changed",
      subjectType: "user",
      subjectId: viewer.id,
      summary: "bob: Viewer → Operator",
      before: { login: "bob", role: "viewer" },
      after: { login: "bob", role: "operator" },
      ip: testMeta.ip,
      userAgent: testMeta.userAgent,
    });
    expect((await verifyAuditChain()).ok).toBe(true);
  });

  test("the role change and its audit event commit together: when the audit insert fails, the role is not changed", async () => {
    // make every audit insert fail (this test file has its own database)
    await withClient(process.env.DATABASE_URL!, (c) =>
      c.query(`CREATE FUNCTION refuse_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit storage is full'; END $$;
               CREATE TRIGGER refuse_insert BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION refuse_insert();`),
    );
    try {
      const before = await writableState();
      await expect(changeUserRole(actorFor(admin), { userId: viewer.id, role: "admin" })).rejects.toThrow(/audit storage is full/);
      expect(await roleOf(viewer)).toBe("viewer");
      expect(await writableState()).toEqual(before);
    } finally {
      await withClient(process.env.DATABASE_URL!, (c) => c.query(`DROP TRIGGER refuse_insert ON audit_events; DROP FUNCTION refuse_insert();`));
    }
  });

  test("a viewer cannot change roles: ForbiddenError, nothing written", async () => {
    await refusedWithoutWriting(() => changeUserRole(actorFor(viewer), { userId: viewer.id, role: "admin" }), ForbiddenError, /needs the Admin role and you are viewer/);
  });

  test("an operator cannot change roles: ForbiddenError, nothing written", async () => {
    await refusedWithoutWriting(() => changeUserRole(actorFor(operator), { userId: viewer.id, role: "operator" }), ForbiddenError);
  });

  test("an unknown role is refused with ValidationError naming the field, nothing written", async () => {
    const err = await refusedWithoutWriting(() => changeUserRole(actorFor(admin), { userId: viewer.id, role: "root" }), ValidationError);
    expect((err as ValidationError).issues).toEqual([{ path: "role", message: "role must be viewer, operator or admin" }]);
  });

  test("missing input is refused with every problem named", async () => {
    const err = await refusedWithoutWriting(() => changeUserRole(actorFor(admin), {}), ValidationError);
    expect((err as ValidationError).issues.map((i) => i.path).sort()).toEqual(["role", "userId"]);
  });

  test("an unknown user is NotFoundError, nothing written", async () => {
    await refusedWithoutWriting(() => changeUserRole(actorFor(admin), { userId: "no-such-user", role: "operator" }), NotFoundError, /no user with id no-such-user/);
  });

  test("the last admin cannot be demoted: ConflictError, nothing written", async () => {
    await refusedWithoutWriting(() => changeUserRole(actorFor(admin), { userId: admin.id, role: "operator" }), ConflictError, /alice is the last admin/);
    expect(await roleOf(admin)).toBe("admin");
  });

  test("a disabled admin does not count: the last active admin cannot be demoted", async () => {
    await createUser("admin", { login: "dave", disabled: true });
    await refusedWithoutWriting(() => changeUserRole({ type: "system", label: "test" }, { userId: admin.id, role: "viewer" }), ConflictError);
  });

  test("with another active admin, an admin can be demoted", async () => {
    const other = await createUser("admin", { login: "erin" });
    await changeUserRole(actorFor(other), { userId: admin.id, role: "operator" });
    expect(await roleOf(admin)).toBe("operator");
  });

  test("two admins demoting each other at once: exactly one succeeds, one admin remains", async () => {
    const other = await createUser("admin", { login: "frank" });
    const changesBefore = await getDb().auditEvent.count({ where: { action: "user.role_changed" } });
    const results = await Promise.allSettled([
      changeUserRole(actorFor(admin), { userId: other.id, role: "viewer" }),
      changeUserRole(actorFor(other), { userId: admin.id, role: "viewer" }),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(rejected).toHaveLength(1);
    expect(rejected[0]!.reason).toBeInstanceOf(ConflictError);
    expect(await getDb().user.count({ where: { role: "admin", disabled: false } })).toBe(1);
    expect(await getDb().auditEvent.count({ where: { action: "user.role_changed" } })).toBe(changesBefore + 1);
  });

  test("setting the role a user already has changes nothing and records nothing", async () => {
    const before = await writableState();
    expect(await changeUserRole(actorFor(admin), { userId: viewer.id, role: "viewer" })).toMatchObject({ role: "viewer" });
    expect(await writableState()).toEqual(before);
  });

  test("the system actor (e.g. a start-up task) may change roles, and is recorded as such", async () => {
    await changeUserRole({ type: "system", label: "bootstrap" }, { userId: viewer.id, role: "admin" });
    expect(await lastAuditEvent()).toMatchObject({ actorType: "system", actorId: null, actorLabel: "bootstrap", ip: null, userAgent: null });
  });
});
