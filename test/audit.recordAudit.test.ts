// lib/audit/record.ts: every event is chained to the previous one, written in the caller's transaction,
// with secrets redacted; the database itself refuses to change or remove events.
import pg from "pg";
import { beforeAll, describe, expect, test } from "vitest";
import { getDb } from "@/lib/db";
import { recordAudit } from "@/lib/audit/record";
import { eventHash } from "@/lib/audit/hash";
import { REDACTED } from "@/lib/audit/redact";
import { verifyAuditChain } from "@/lib/audit/verify";
import { actorFor, auditCount, createUser, testMeta, type TestUser } from "@/test/helpers/fixtures";
import { withClient } from "@/test/helpers/pg";

let admin: TestUser;
beforeAll(async () => {
  admin = await createUser("admin", { login: "alice" });
});

async function rowOf(id: bigint) {
  return getDb().auditEvent.findUniqueOrThrow({ where: { id } });
}

function hashOfRow(r: Awaited<ReturnType<typeof rowOf>>): string {
  return eventHash(r.prevHash, {
    id: r.id,
    createdAt: r.createdAt,
    actorType: r.actorType,
    actorId: r.actorId,
    actorLabel: r.actorLabel,
    action: r.action,
    subjectType: r.subjectType,
    subjectId: r.subjectId,
    summary: r.summary,
    before: r.before,
    after: r.after,
    ip: r.ip,
    userAgent: r.userAgent,
  });
}

describe("recordAudit", () => {
  test("the first event starts the chain (prev_hash \"\"), each next one names the previous hash", async () => {
    expect(await auditCount()).toBe(0);
    const first = await getDb().$transaction((tx) =>
      recordAudit(tx, { actor: actorFor(admin), action: "user.role_changed", subjectType: "user", subjectId: "u1", summary: "first", before: { role: "viewer" }, after: { role: "operator" } }),
    );
    const second = await getDb().$transaction((tx) =>
      recordAudit(tx, { actor: { type: "system", label: "test" }, action: "user.created", subjectType: "user", subjectId: "u2", summary: "second" }),
    );
    expect(second).toBeGreaterThan(first);
    const a = await rowOf(first);
    const b = await rowOf(second);
    expect(a.prevHash).toBe("");
    expect(a.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(a.hash).toBe(hashOfRow(a));
    expect(b.prevHash).toBe(a.hash);
    expect(b.hash).toBe(hashOfRow(b));
    expect(b.createdAt.getTime()).toBeGreaterThanOrEqual(a.createdAt.getTime());
  });

  test("records who did it: a user with address and user agent, a system actor, a worker, an API token", async () => {
    const ids = await getDb().$transaction(async (tx) => [
      await recordAudit(tx, { actor: actorFor(admin), action: "auth.login", subjectType: "user", subjectId: admin.id, summary: "u" }),
      await recordAudit(tx, { actor: { type: "system", label: "GitHub sign-in" }, action: "user.created", subjectType: "user", summary: "s" }),
      await recordAudit(tx, { actor: { type: "worker", workerId: "host:1:abc" }, action: "session.revoked", subjectType: "session", summary: "w" }),
      await recordAudit(tx, {
        actor: { type: "api_token", tokenId: "t1", tokenName: "ci", repositoryIds: null, userId: admin.id, login: admin.login, role: "admin", ip: null, userAgent: "curl/8" },
        action: "user.enabled",
        subjectType: "user",
        summary: "t",
      }),
    ]);
    const rows = await Promise.all(ids.map(rowOf));
    expect(rows.map((r) => [r.actorType, r.actorId, r.actorLabel, r.ip, r.userAgent])).toEqual([
      ["user", admin.id, "alice", testMeta.ip, testMeta.userAgent],
      ["system", null, "GitHub sign-in", null, null],
      ["worker", "host:1:abc", "worker host:1:abc", null, null],
      ["api_token", admin.id, "alice via token ci", null, "curl/8"],
    ]);
    expect(rows[0]!.subjectId).toBe(admin.id);
    expect(rows[1]!.subjectId).toBeNull();
  });

  test("is part of the caller's transaction: rolled back with it, and the chain goes on from the last committed event", async () => {
    const before = await auditCount();
    await expect(
      getDb().$transaction(async (tx) => {
        await recordAudit(tx, { actor: actorFor(admin), action: "user.disabled", subjectType: "user", summary: "never committed" });
        throw new Error("the command failed after auditing");
      }),
    ).rejects.toThrow("the command failed after auditing");
    expect(await auditCount()).toBe(before);
    expect(await getDb().auditEvent.count({ where: { summary: "never committed" } })).toBe(0);
    await getDb().$transaction((tx) => recordAudit(tx, { actor: actorFor(admin), action: "user.enabled", subjectType: "user", summary: "after rollback" }));
    expect(await verifyAuditChain()).toEqual({ ok: true, checked: before + 1 });
  });

  test("secret values in before/after are stored as [redacted], at any depth; other values are kept", async () => {
    const secrets = {
      password: "hunter2-password",
      webhookSecret: "whsec-abcdef123456",
      privateKey: "-----BEGIN OPENSSH PRIVATE KEY-----xyz",
      token: "ghs_installation_token_123",
      nested: { apiKey: "api-key-987", list: [{ client_secret: "client-secret-555" }, { private_key: "pk-666" }], sessionToken: "sess-777" },
      authorization: "Bearer bearer-888",
      slackWebhookUrl: "https://hooks.slack.com/services/T0/B0/secret-999",
    };
    const id = await getDb().$transaction((tx) =>
      recordAudit(tx, {
        actor: actorFor(admin),
        action: "user.role_changed",
        subjectType: "secret",
        subjectId: "s1",
        summary: "secrets changed",
        before: { name: "deploy", ...secrets, emptyPassword: null },
        after: { name: "deploy", count: 3, ok: true, when: new Date("2026-11-24T10:00:00Z"), big: 12345678901234567890n, ...secrets },
      }),
    );
    const row = await rowOf(id);
    const expected = {
      password: REDACTED,
      webhookSecret: REDACTED,
      privateKey: REDACTED,
      token: REDACTED,
      nested: { apiKey: REDACTED, list: [{ client_secret: REDACTED }, { private_key: REDACTED }], sessionToken: REDACTED },
      authorization: REDACTED,
      slackWebhookUrl: REDACTED,
    };
    expect(row.before).toEqual({ name: "deploy", ...expected, emptyPassword: null });
    expect(row.after).toEqual({ name: "deploy", count: 3, ok: true, when: "2026-11-24T10:00:00.000Z", big: "12345678901234567890", ...expected });
    // no secret value anywhere in the stored row
    const text = await withClient(process.env.DATABASE_URL!, async (c) => (await c.query(`SELECT row_to_json(a)::text AS t FROM audit_events a WHERE id = $1`, [id.toString()])).rows[0].t as string);
    const leaked = [secrets.password, secrets.webhookSecret, secrets.privateKey, secrets.token, secrets.nested.apiKey, "client-secret-555", "pk-666", "sess-777", "bearer-888", "secret-999"].filter((s) =>
      text.includes(s),
    );
    expect(leaked).toEqual([]);
    expect(row.hash).toBe(hashOfRow(row));
  });

  test("clips an over-long summary and user agent instead of failing the command", async () => {
    const id = await getDb().$transaction((tx) =>
      recordAudit(tx, { actor: { ...actorFor(admin), userAgent: "u".repeat(2000) }, action: "auth.login", subjectType: "user", summary: "s".repeat(5000) }),
    );
    const row = await rowOf(id);
    expect(row.summary).toHaveLength(1000);
    expect(row.userAgent).toHaveLength(512);
    expect(row.hash).toBe(hashOfRow(row));
  });

  test("an emoji cut at the summary limit, or a lone surrogate, does not make the event look tampered with", async () => {
    const before = await auditCount();
    const ids = await getDb().$transaction(async (tx) => [
      await recordAudit(tx, { actor: actorFor(admin), action: "auth.login", subjectType: "user", summary: "a".repeat(999) + "🚀 and more" }),
      await recordAudit(tx, { actor: { ...actorFor(admin), userAgent: "b".repeat(511) + "🚀" }, action: "auth.login", subjectType: "user", summary: "lone \ud83d surrogate" }),
    ]);
    const [clipped, lone] = await Promise.all(ids.map(rowOf));
    expect(clipped!.summary).toBe("a".repeat(999));
    expect(lone!.userAgent).toBe("b".repeat(511));
    expect(lone!.summary).toBe("lone \ufffd surrogate");
    expect(clipped!.hash).toBe(hashOfRow(clipped!));
    expect(lone!.hash).toBe(hashOfRow(lone!));
    expect(await verifyAuditChain()).toEqual({ ok: true, checked: before + 2 });
  });

  test("events written by 10 transactions at once still form one valid chain, without forks", async () => {
    const before = await auditCount();
    const ids = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        getDb().$transaction(async (tx) => {
          // a little work inside each transaction, so they overlap
          await tx.user.findMany({ take: 1 });
          return recordAudit(tx, { actor: actorFor(admin), action: "auth.login", subjectType: "user", summary: `parallel ${i}` });
        }),
      ),
    );
    expect(new Set(ids).size).toBe(10);
    const rows = await getDb().auditEvent.findMany({ orderBy: { id: "asc" } });
    expect(rows).toHaveLength(before + 10);
    // every event names its predecessor in id order: no two events share a predecessor
    for (let i = 1; i < rows.length; i++) expect(rows[i]!.prevHash).toBe(rows[i - 1]!.hash);
    expect(new Set(rows.map((r) => r.prevHash)).size).toBe(rows.length);
    // and time never goes backwards along the chain
    for (let i = 1; i < rows.length; i++) expect(rows[i]!.createdAt.getTime()).toBeGreaterThanOrEqual(rows[i - 1]!.createdAt.getTime());
    expect(await verifyAuditChain()).toEqual({ ok: true, checked: rows.length });
  });
});

describe("the audit_events table is append-only", () => {
  async function someEvent() {
    return getDb().auditEvent.findFirstOrThrow({ orderBy: { id: "asc" } });
  }

  async function refused(sql: string, params: unknown[] = []): Promise<pg.DatabaseError> {
    return withClient(process.env.DATABASE_URL!, async (c) => {
      const err = await c.query(sql, params).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err, `${sql} was allowed`).toBeInstanceOf(pg.DatabaseError);
      return err as pg.DatabaseError;
    });
  }

  test("UPDATE is refused and the row is unchanged", async () => {
    const e = await someEvent();
    const err = await refused(`UPDATE audit_events SET summary = 'rewritten' WHERE id = $1`, [e.id.toString()]);
    expect(err.code).toBe("42501");
    expect(err.message).toBe("audit_events is append-only: UPDATE is not allowed");
    expect(await getDb().auditEvent.findUniqueOrThrow({ where: { id: e.id } })).toEqual(e);
  });

  test("DELETE is refused and the row is still there", async () => {
    const e = await someEvent();
    const count = await auditCount();
    const err = await refused(`DELETE FROM audit_events WHERE id = $1`, [e.id.toString()]);
    expect(err.code).toBe("42501");
    expect(err.message).toBe("audit_events is append-only: DELETE is not allowed");
    expect(await auditCount()).toBe(count);
    expect(await getDb().auditEvent.findUniqueOrThrow({ where: { id: e.id } })).toEqual(e);
  });

  test("TRUNCATE is refused and every row is still there", async () => {
    const count = await auditCount();
    const err = await refused(`TRUNCATE audit_events`);
    expect(err.code).toBe("42501");
    expect(err.message).toBe("audit_events is append-only: TRUNCATE is not allowed");
    expect(await auditCount()).toBe(count);
  });

  test("the Prisma client cannot change or delete events either", async () => {
    const e = await someEvent();
    await expect(getDb().auditEvent.update({ where: { id: e.id }, data: { summary: "rewritten" } })).rejects.toThrow(/append-only/);
    await expect(getDb().auditEvent.deleteMany({})).rejects.toThrow(/append-only/);
    expect(await getDb().auditEvent.findUniqueOrThrow({ where: { id: e.id } })).toEqual(e);
    expect(await verifyAuditChain()).toMatchObject({ ok: true });
  });
});
