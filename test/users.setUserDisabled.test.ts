// lib/services/users.ts setUserDisabled: disabling ends every session of the user and is audited; admins
// cannot disable themselves or the last active admin; refused commands write nothing.
import { beforeEach, describe, expect, test } from "vitest";
import { getDb } from "@/lib/db";
import { setUserDisabled } from "@/lib/services/users";
import { sessionUserByToken } from "@/lib/queries/sessions";
import { ConflictError, ForbiddenError, NotFoundError } from "@/lib/errors";
import { actorFor, createSession, createUser, lastAuditEvent, testMeta, writableState, type TestUser } from "@/test/helpers/fixtures";

let admin: TestUser;
let operator: TestUser;

beforeEach(async () => {
  await getDb().user.deleteMany({});
  admin = await createUser("admin", { login: "alice" });
  operator = await createUser("operator", { login: "carol" });
});

const inAWeek = () => new Date(Date.now() + 7 * 86_400_000);

async function refusedWithoutWriting(command: () => Promise<unknown>, error: new (...args: never[]) => Error, message?: RegExp) {
  const before = await writableState();
  const err = await command().then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(error);
  if (message) expect((err as Error).message).toMatch(message);
  expect(await writableState()).toEqual(before);
}

describe("setUserDisabled", () => {
  test("disabling a user ends all their sessions (and no one else's) and records user.disabled", async () => {
    const tokens = [await createSession(operator.id, inAWeek()), await createSession(operator.id, inAWeek())];
    const adminToken = await createSession(admin.id, inAWeek());
    expect(await sessionUserByToken(tokens[0]!)).toMatchObject({ id: operator.id });

    const result = await setUserDisabled(actorFor(admin), { userId: operator.id, disabled: "on" });
    expect(result).toEqual({ id: operator.id, login: "carol", role: "operator", disabled: true });
    expect(await getDb().session.count({ where: { userId: operator.id } })).toBe(0);
    for (const t of tokens) expect(await sessionUserByToken(t)).toBeNull();
    expect(await sessionUserByToken(adminToken)).toMatchObject({ id: admin.id });

    expect(await lastAuditEvent()).toMatchObject({
      action: "user.disabled",
      actorId: admin.id,
      actorLabel: "alice",
      subjectType: "user",
      subjectId: operator.id,
      summary: "carol disabled, 2 sessions ended",
      before: { login: "carol", disabled: false },
      after: { login: "carol", disabled: true },
      ip: testMeta.ip,
      userAgent: testMeta.userAgent,
    });
  });

  test("enabling a user again is recorded as user.enabled", async () => {
    await setUserDisabled(actorFor(admin), { userId: operator.id, disabled: true });
    await setUserDisabled(actorFor(admin), { userId: operator.id, disabled: false });
    expect((await getDb().user.findUniqueOrThrow({ where: { id: operator.id } })).disabled).toBe(false);
    expect(await lastAuditEvent()).toMatchObject({ action: "user.enabled", summary: "carol enabled", after: { login: "carol", disabled: false } });
  });

  test("an admin cannot disable themselves: ConflictError, nothing written", async () => {
    await createUser("admin", { login: "erin" });
    await refusedWithoutWriting(() => setUserDisabled(actorFor(admin), { userId: admin.id, disabled: true }), ConflictError, /cannot disable yourself/);
  });

  test("the last active admin cannot be disabled: ConflictError, nothing written", async () => {
    await createSession(admin.id, inAWeek());
    await refusedWithoutWriting(() => setUserDisabled({ type: "system", label: "test" }, { userId: admin.id, disabled: true }), ConflictError, /alice is the last admin/);
  });

  test("an operator cannot disable anyone: ForbiddenError, nothing written", async () => {
    const viewer = await createUser("viewer");
    await createSession(viewer.id, inAWeek());
    await refusedWithoutWriting(() => setUserDisabled(actorFor(operator), { userId: viewer.id, disabled: true }), ForbiddenError);
  });

  test("an unknown user is NotFoundError, nothing written", async () => {
    await refusedWithoutWriting(() => setUserDisabled(actorFor(admin), { userId: "nobody", disabled: true }), NotFoundError);
  });

  test("disabling a user who is already disabled changes nothing and records nothing", async () => {
    await setUserDisabled(actorFor(admin), { userId: operator.id, disabled: true });
    const before = await writableState();
    await setUserDisabled(actorFor(admin), { userId: operator.id, disabled: true });
    expect(await writableState()).toEqual(before);
  });
});
