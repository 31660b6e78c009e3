// lib/audit/verify.ts and `npm run audit:verify`: an intact chain passes; a changed, re-hashed or deleted
// event (done the only way left, as a superuser with triggers off) is found and named.
import { beforeAll, describe, expect, test } from "vitest";
import { getDb } from "@/lib/db";
import { recordAudit } from "@/lib/audit/record";
import { eventHash } from "@/lib/audit/hash";
import { verifyAuditChain } from "@/lib/audit/verify";
import { changeUserRole, setUserDisabled, createUserOnFirstLogin } from "@/lib/services/users";
import { devLogin, recordLogin, recordLogout } from "@/lib/services/auth";
import { actorFor, auditCount, testMeta } from "@/test/helpers/fixtures";
import { withClient } from "@/test/helpers/pg";
import { runScript } from "@/test/helpers/spawn";

const EVENTS = 200;

/** Runs SQL with the append-only triggers off: what someone with superuser access could do. */
async function asTamperer<T>(fn: (q: (sql: string, params?: unknown[]) => Promise<{ rows: Record<string, unknown>[] }>) => Promise<T>): Promise<T> {
  return withClient(process.env.DATABASE_URL!, async (c) => {
    await c.query("SET session_replication_role = replica");
    return fn((sql, params) => c.query(sql, params));
  });
}

async function eventIds(): Promise<bigint[]> {
  return (await getDb().auditEvent.findMany({ select: { id: true }, orderBy: { id: "asc" } })).map((e) => e.id);
}

function audit(script: string[] = []) {
  return runScript("scripts/audit-verify.ts", script, { DATABASE_URL: process.env.DATABASE_URL });
}

beforeAll(async () => {
  // A realistic log: events from the services, plus direct ones with varied payloads.
  const policy = { admins: ["root-admin"], defaultRole: "viewer" as const, method: "GitHub" };
  const root = await getDb().$transaction((tx) => createUserOnFirstLogin(tx, { login: "root-admin" }, policy));
  const rootActor = actorFor({ id: root.id, login: root.login, role: root.role });
  for (let i = 0; (await auditCount()) < EVENTS - 12; i++) {
    const u = await getDb().$transaction((tx) => createUserOnFirstLogin(tx, { login: `user-${i}`, name: `User ${i} ✓`, email: `u${i}@example.com` }, policy));
    await changeUserRole(rootActor, { userId: u.id, role: i % 2 ? "operator" : "admin" });
    await setUserDisabled(rootActor, { userId: u.id, disabled: true });
    await setUserDisabled(rootActor, { userId: u.id, disabled: "false" });
    await recordLogin(u.id, { name: `User ${i}` }, "GitHub", testMeta);
    await recordLogout(u.id, testMeta);
    await getDb().$transaction((tx) =>
      recordAudit(tx, {
        actor: { type: "worker", workerId: `w-${i}` },
        action: "session.revoked",
        subjectType: "session",
        subjectId: null,
        summary: `payload ${i} — "quotes", unicode ü 🚀, newline\nhere`,
        before: { n: i, f: i / 3, neg: -i, big: 2n ** 70n, list: [1, "two", null, { z: 1, a: [true, false] }], empty: {}, when: new Date(Date.UTC(2026, 0, 1, 0, 0, i)) },
        after: i % 3 === 0 ? null : { nested: { deeper: { deepest: `v${i}` } }, password: "never stored" },
      }),
    );
  }
  await devLogin({ login: "dev-user", role: "operator" }, { enabled: true, sessionDays: 1, meta: testMeta });
  while ((await auditCount()) < EVENTS) {
    await getDb().$transaction((tx) => recordAudit(tx, { actor: { type: "system", label: "filler" }, action: "user.created", subjectType: "system", summary: "filler" }));
  }
}, 120_000);

describe("verifyAuditChain", () => {
  test(`passes on an intact chain of ${EVENTS} events from real commands`, async () => {
    expect(await auditCount()).toBe(EVENTS);
    const actions = await getDb().auditEvent.groupBy({ by: ["action"], _count: true });
    expect(actions.map((a) => a.action).sort()).toEqual(
      ["auth.login", "auth.logout", "session.revoked", "user.created", "user.disabled", "user.enabled", "user.role_changed"].sort(),
    );
    expect(await verifyAuditChain()).toEqual({ ok: true, checked: EVENTS });
  });

  test("reads in batches: the result is the same across batch boundaries, with progress reported", async () => {
    const progress: number[] = [];
    expect(await verifyAuditChain({ batchSize: 7, onProgress: (n) => progress.push(n) })).toEqual({ ok: true, checked: EVENTS });
    expect(progress.at(-1)).toBe(EVENTS);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(progress.length).toBe(Math.ceil(EVENTS / 7));
  });

  test.each([
    ["summary", `summary = 'nothing happened here'`],
    ["after (the role it says was given)", `after = '{"login":"x","role":"viewer"}'::jsonb`],
    ["actor_label", `actor_label = 'someone-else'`],
    ["ip", `ip = '198.51.100.1'`],
    ["created_at", `created_at = created_at - interval '1 day'`],
    ["subject_id", `subject_id = 'another-user'`],
  ])("finds an event whose %s was changed, and names it", async (_what, assignment) => {
    const ids = await eventIds();
    const victim = ids[56]!;
    const original = await asTamperer(async (q) => {
      const saved = (await q(`SELECT row_to_json(a) AS r FROM audit_events a WHERE id = $1`, [victim.toString()])).rows[0]!.r;
      await q(`UPDATE audit_events SET ${assignment} WHERE id = $1`, [victim.toString()]);
      return saved;
    });
    const result = await verifyAuditChain({ batchSize: 50 });
    expect(result.ok).toBe(false);
    expect(result.firstBroken?.id).toBe(victim);
    expect(result.firstBroken?.reason).toMatch(/was changed/);
    expect(result.checked).toBe(56);

    // put it back exactly: the chain verifies again
    await asTamperer((q) => q(`DELETE FROM audit_events WHERE id = $1; `, [victim.toString()]).then(() => q(`INSERT INTO audit_events SELECT * FROM json_populate_record(NULL::audit_events, $1)`, [JSON.stringify(original)])));
    expect(await verifyAuditChain()).toEqual({ ok: true, checked: EVENTS });
  });

  test("finds a changed event even when its own hash was recomputed: the next event's link breaks", async () => {
    const ids = await eventIds();
    const victim = await getDb().auditEvent.findUniqueOrThrow({ where: { id: ids[120]! } });
    const forged = { ...victim, summary: "a forged but self-consistent event" };
    const forgedHash = eventHash(forged.prevHash, forged);
    await asTamperer((q) => q(`UPDATE audit_events SET summary = $2, hash = $3 WHERE id = $1`, [victim.id.toString(), forged.summary, forgedHash]));
    const result = await verifyAuditChain();
    expect(result).toMatchObject({ ok: false, checked: 121, firstBroken: { id: ids[121] } });
    expect(result.firstBroken!.reason).toContain(`prev_hash does not match event ${victim.id}`);

    await asTamperer((q) => q(`UPDATE audit_events SET summary = $2, hash = $3 WHERE id = $1`, [victim.id.toString(), victim.summary, victim.hash]));
    expect(await verifyAuditChain()).toEqual({ ok: true, checked: EVENTS });
  });

  test("finds a deleted event: the one after it is named", async () => {
    const ids = await eventIds();
    const victim = ids[99]!;
    const saved = await asTamperer(async (q) => {
      const r = (await q(`SELECT row_to_json(a) AS r FROM audit_events a WHERE id = $1`, [victim.toString()])).rows[0]!.r;
      await q(`DELETE FROM audit_events WHERE id = $1`, [victim.toString()]);
      return r;
    });
    const result = await verifyAuditChain();
    expect(result).toMatchObject({ ok: false, checked: 99, firstBroken: { id: ids[100] } });
    expect(result.firstBroken!.reason).toMatch(/deleted/);

    await asTamperer((q) => q(`INSERT INTO audit_events SELECT * FROM json_populate_record(NULL::audit_events, $1)`, [JSON.stringify(saved)]));
    expect(await verifyAuditChain()).toEqual({ ok: true, checked: EVENTS });
  });

  test("finds deleted first events: the new first one does not start the chain", async () => {
    const ids = await eventIds();
    const saved = await asTamperer(async (q) => {
      const r = (await q(`SELECT row_to_json(a) AS r FROM audit_events a WHERE id = $1`, [ids[0]!.toString()])).rows[0]!.r;
      await q(`DELETE FROM audit_events WHERE id = $1`, [ids[0]!.toString()]);
      return r;
    });
    const result = await verifyAuditChain();
    expect(result).toMatchObject({ ok: false, checked: 0, firstBroken: { id: ids[1] } });
    expect(result.firstBroken!.reason).toMatch(/first event should start the chain/);
    await asTamperer((q) => q(`INSERT INTO audit_events SELECT * FROM json_populate_record(NULL::audit_events, $1)`, [JSON.stringify(saved)]));
    expect(await verifyAuditChain()).toEqual({ ok: true, checked: EVENTS });
  });
});

describe("npm run audit:verify", () => {
  test("exits 0 on an intact log and says how many events it checked", async () => {
    const r = await audit();
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain(`audit log intact: ${EVENTS} event(s), every link verified`);
    expect(r.code).toBe(0);
  });

  test("exits non-zero on a tampered log and names the broken event", async () => {
    const ids = await eventIds();
    const victim = ids[150]!;
    const original = (await getDb().auditEvent.findUniqueOrThrow({ where: { id: victim } })).summary;
    await asTamperer((q) => q(`UPDATE audit_events SET summary = 'covered up' WHERE id = $1`, [victim.toString()]));
    try {
      const r = await audit();
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain(`audit log BROKEN at event ${victim}`);
      expect(r.stderr).toContain("150 event(s) before it verified");
    } finally {
      await asTamperer((q) => q(`UPDATE audit_events SET summary = $2 WHERE id = $1`, [victim.toString(), original]));
    }
    expect((await audit()).code).toBe(0);
  });

  // without DATABASE_URL it verifies the embedded database of SLIPWAY_DATA_DIR: test/db.one-database-lookup.test.ts
  test("a database that does not answer: exit 1 with where it looked and why, no stack trace", async () => {
    const r = await runScript("scripts/audit-verify.ts", [], { DATABASE_URL: "postgresql://slipway:hunter2@127.0.0.1:1/slipway" });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^audit:verify: cannot reach the database at postgresql:\/\/slipway:\*+@127\.0\.0\.1:1\/slipway: connection refused/m);
    expect(r.stderr).not.toContain("hunter2");
    expect(r.stderr).not.toMatch(/prisma|invocation|\n\s+at /i);
  });
});
