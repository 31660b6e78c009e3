// lib/services/auth.ts signInWithLoginLink and lib/auth/login-links.ts: the one-time sign-in link `npm start`
// prints without GitHub login signs in as local-admin once; used, expired, or made by another process, it is
// refused and writes nothing; the sign-in is audited.
import { createHash } from "node:crypto";
import { describe, expect, test } from "vitest";
import { getDb } from "@/lib/db";
import { enableLoginLinks, LOGIN_LINK_TTL_MS, loginLinksEnabled, mintLoginLink } from "@/lib/auth/login-links";
import { LOCAL_ADMIN_LOGIN, signInWithLoginLink } from "@/lib/services/auth";
import { sessionUserByToken } from "@/lib/queries/sessions";
import { ForbiddenError } from "@/lib/errors";
import { testMeta, writableState } from "@/test/helpers/fixtures";
import { runScript } from "@/test/helpers/spawn";

const BASE = "http://127.0.0.1:3917";
const opts = { sessionDays: 7, meta: testMeta };

function tokenOf(url: string): string {
  const u = new URL(url);
  expect(u.origin + u.pathname).toBe(`${BASE}/api/auth/link`);
  return u.searchParams.get("token")!;
}

async function refused(token: unknown, now?: number): Promise<Error> {
  const before = await writableState();
  const err = await signInWithLoginLink(token, { ...opts, now }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ForbiddenError);
  // a refused link signs nobody in and records nothing
  expect(await writableState()).toEqual(before);
  return err as Error;
}

describe("signInWithLoginLink", () => {
  // first: the links live on this process's globalThis, and nothing has turned them on yet
  test("a process that offers no links refuses every token", async () => {
    expect(loginLinksEnabled()).toBe(false);
    expect((await refused("A".repeat(43))).message).toContain("offers no sign-in links");
  });

  test("signs in once as local-admin, an admin, with a session stored as a hash; the second time it is refused", async () => {
    enableLoginLinks();
    const { url, expiresAt } = mintLoginLink(BASE);
    const token = tokenOf(url);
    // 256 random bits
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(expiresAt.getTime()).toBeGreaterThan(Date.now() + LOGIN_LINK_TTL_MS - 5_000);

    const r = await signInWithLoginLink(token, opts);
    const user = await getDb().user.findUniqueOrThrow({ where: { id: r.userId } });
    expect(user).toMatchObject({ login: LOCAL_ADMIN_LOGIN, role: "admin", name: "local admin" });
    expect(await sessionUserByToken(r.sessionToken)).toMatchObject({ id: r.userId, login: LOCAL_ADMIN_LOGIN, role: "admin" });
    const sessions = await getDb().session.findMany({ where: { userId: r.userId } });
    expect(sessions.map((s) => s.tokenHash)).toEqual([createHash("sha256").update(r.sessionToken).digest("hex")]);

    expect((await refused(token)).message).toContain("used already");
  });

  test("the sign-in is audited: the user's creation, then auth.login with the client's address", async () => {
    const token = tokenOf(mintLoginLink(BASE).url);
    const r = await signInWithLoginLink(token, opts);
    const events = await getDb().auditEvent.findMany({ where: { subjectId: r.userId }, orderBy: { id: "asc" } });
    expect(events.map((e) => e.action)).toEqual(["user.created", "auth.login", "auth.login"]);
    expect(events[0]).toMatchObject({ actorType: "system", actorLabel: "one-time link sign-in", after: { login: LOCAL_ADMIN_LOGIN, role: "admin" } });
    expect(events.at(-1)).toMatchObject({
      actorType: "user",
      actorId: r.userId,
      actorLabel: LOCAL_ADMIN_LOGIN,
      summary: "local-admin signed in with a one-time sign-in link",
      after: { method: "one-time link", role: "admin" },
      ip: testMeta.ip,
      userAgent: testMeta.userAgent,
    });
    // the token is in no audit event
    expect(JSON.stringify(events, (_k, v: unknown) => (typeof v === "bigint" ? String(v) : v))).not.toContain(token);
  });

  test("refused after it expires, even unused", async () => {
    const minted = Date.now();
    const token = tokenOf(mintLoginLink(BASE, minted).url);
    expect((await refused(token, minted + LOGIN_LINK_TTL_MS + 1)).message).toContain("expired");
    // and forgotten: not accepted later either
    expect((await refused(token)).message).toContain("used already");
  });

  test("a new link replaces the one printed before it", async () => {
    const older = tokenOf(mintLoginLink(BASE).url);
    const newer = tokenOf(mintLoginLink(BASE).url);
    await refused(older);
    await expect(signInWithLoginLink(newer, opts)).resolves.toMatchObject({ sessionToken: expect.any(String) });
  });

  test("a link another process made is refused here, while this process's own link works", async () => {
    const other = await runScript("test/fixtures/mint-login-link.ts", [BASE]);
    expect(other.code, other.stderr).toBe(0);
    const foreign = tokenOf(other.stdout.trim());
    expect((await refused(foreign)).message).toContain("another run of Slipway");
    await expect(signInWithLoginLink(tokenOf(mintLoginLink(BASE).url), opts)).resolves.toMatchObject({ userId: expect.any(String) });
  });

  test("malformed tokens are refused without a lookup", async () => {
    for (const t of [undefined, null, "", "short", "A".repeat(44), "../../etc/passwd", 42]) await refused(t);
  });

  test("gives local-admin the admin role back if it was taken away, and audits that; a disabled local-admin is refused", async () => {
    const db = getDb();
    await db.user.update({ where: { login: LOCAL_ADMIN_LOGIN }, data: { role: "viewer" } });
    const r = await signInWithLoginLink(tokenOf(mintLoginLink(BASE).url), opts);
    expect(await db.user.findUniqueOrThrow({ where: { id: r.userId } })).toMatchObject({ role: "admin" });
    const changed = await db.auditEvent.findFirstOrThrow({ where: { subjectId: r.userId, action: "user.role_changed" } });
    expect(changed).toMatchObject({ before: { role: "viewer" }, after: { role: "admin" } });

    await db.user.update({ where: { login: LOCAL_ADMIN_LOGIN }, data: { disabled: true } });
    const token = tokenOf(mintLoginLink(BASE).url);
    const before = await db.session.count();
    const err = await signInWithLoginLink(token, opts).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ForbiddenError);
    expect((err as Error).message).toContain("disabled");
    expect(await db.session.count()).toBe(before);
  });
});
