// npm run bench:audit — figures for the audit log (printed; this is a benchmark, not a test):
//   - write rate through the real path (recordAudit in a transaction), one writer and eight at once;
//   - page and filter latency of the Audit page's query at a million events (p50/p99);
//   - CSV export rate, and audit:verify over the whole chain.
// Uses DATABASE_URL when set (a scratch database!), else an embedded PostgreSQL in a temp directory.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import pg from "pg";

const TOTAL = Number(process.env.BENCH_AUDIT_EVENTS ?? 1_000_000);

function pct(samples: number[], p: number): number {
  const s = [...samples].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}
const ms = (n: number) => `${n.toFixed(2)} ms`;

async function main() {
  let stopPg: (() => Promise<void>) | undefined;
  let dir: string | undefined;
  if (!process.env.DATABASE_URL) {
    const { startEmbeddedPostgres } = await import("@/lib/db/embedded");
    dir = mkdtempSync(path.join(os.tmpdir(), "slipway-bench-"));
    const server = await startEmbeddedPostgres({ dataDir: dir, database: "bench" });
    process.env.DATABASE_URL = server.url;
    stopPg = () => server.stop();
  }
  const url = process.env.DATABASE_URL!;
  const { prepareDatabase } = await import("@/lib/db/prepare");
  const { getDb, closeDb } = await import("@/lib/db");
  const { recordAudit } = await import("@/lib/audit/record");
  const { eventHash } = await import("@/lib/audit/hash");
  const { listAuditEvents } = await import("@/lib/queries/audit");
  const { exportAuditEvents } = await import("@/lib/queries/audit-export");
  const { verifyAuditChain } = await import("@/lib/audit/verify");
  const { auditFilterSchema } = await import("@/lib/validation/audit");
  await prepareDatabase(url);
  const db = getDb();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const existing = Number((await client.query("SELECT count(*) FROM audit_events")).rows[0].count);
  if (existing > 0) throw new Error("the benchmark needs an empty audit_events table: point DATABASE_URL at a scratch database");

  console.log(`audit log benchmark (${os.cpus().length} cores, PostgreSQL ${(await client.query("SHOW server_version")).rows[0].server_version})`);
  const actors = Array.from({ length: 50 }, (_, i) => ({ type: "user" as const, userId: `user${i}`, login: `user${i}`, role: "admin" as const, ip: "127.0.0.1", userAgent: "bench" }));

  // 1. bulk-load to TOTAL with a valid chain (computed here, inserted in batches; same hash function)
  // (first, so that time grows with id as it does in real life: the bulk is in the past, the real writes now)
  let prevHash = "";
  let id = 0n;
  const toLoad = Math.max(0, TOTAL - 3000);
  const start = Date.now() - toLoad * 1000; // one event a second, spread over the past
  const actions = ["auth.login", "auth.logout", "user.role_changed", "user.created", "session.revoked"];
  const tLoad = performance.now();
  for (let done = 0; done < toLoad; ) {
    const n = Math.min(5000, toLoad - done);
    const cols: unknown[][] = Array.from({ length: 12 }, () => []);
    for (let i = 0; i < n; i++) {
      id += 1n;
      const k = done + i;
      const e = {
        id,
        createdAt: new Date(start + k * 1000),
        actorType: "user",
        actorId: `user${k % 50}`,
        actorLabel: `user${k % 50}`,
        action: actions[k % actions.length]!,
        subjectType: "user",
        subjectId: `u${k % 5000}`,
        summary: `bulk event ${k}`,
        before: null,
        after: { n: k },
        ip: "10.0.0.1",
        userAgent: "bench",
      };
      const hash = eventHash(prevHash, e);
      const row = [e.id.toString(), e.createdAt, e.actorId, e.actorLabel, e.action, e.subjectType, e.subjectId, e.summary, JSON.stringify(e.after), e.ip, prevHash, hash];
      row.forEach((v, c) => cols[c]!.push(v));
      prevHash = hash;
    }
    await client.query(
      `INSERT INTO audit_events (id, created_at, actor_type, actor_id, actor_label, action, subject_type, subject_id, summary, before, after, ip, user_agent, prev_hash, hash)
       SELECT id::bigint, ca, 'user', aid, al, ac, st, sid, sm, NULL, af::jsonb, ip, 'bench', ph, h
       FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[])
         AS t(id, ca, aid, al, ac, st, sid, sm, af, ip, ph, h)`,
      cols,
    );
    done += n;
  }
  await client.query("SELECT setval(pg_get_serial_sequence('audit_events','id'), $1)", [String(id)]);
  await client.query("ANALYZE audit_events");
  console.log(`loaded ${toLoad.toLocaleString("en")} events in ${((performance.now() - tLoad) / 1000).toFixed(1)} s`);

  // 2. the real write path, on top of the loaded log
  const one: number[] = [];
  for (let i = 0; i < 1000; i++) {
    const t = performance.now();
    await db.$transaction((tx) => recordAudit(tx, { actor: actors[i % 50]!, action: "user.role_changed", subjectType: "user", subjectId: `u${i}`, summary: `bench ${i}`, before: { role: "viewer" }, after: { role: "operator" } }));
    one.push(performance.now() - t);
  }
  console.log(`write, 1 writer:   ${(1000 / (one.reduce((a, b) => a + b, 0) / 1000)).toFixed(0)} events/s  p50 ${ms(pct(one, 50))}  p99 ${ms(pct(one, 99))}`);
  const t8 = performance.now();
  await Promise.all(
    Array.from({ length: 8 }, async (_, w) => {
      for (let i = 0; i < 250; i++) {
        await db.$transaction((tx) => recordAudit(tx, { actor: actors[w]!, action: "auth.login", subjectType: "user", subjectId: `u${w}`, summary: `w${w} ${i}` }));
      }
    }),
  );
  console.log(`write, 8 writers:  ${(2000 / ((performance.now() - t8) / 1000)).toFixed(0)} events/s (writes serialize on the chain lock)`);

  await client.query("ANALYZE audit_events");
  const count = Number((await client.query("SELECT count(*) FROM audit_events")).rows[0].count);
  console.log(`audit_events now holds ${count.toLocaleString("en")} events`);

  // 3. the Audit page's queries
  const mid = (await client.query("SELECT id, created_at FROM audit_events ORDER BY id OFFSET $1 LIMIT 1", [Math.floor(count / 2)])).rows[0];
  const day = new Date(mid.created_at);
  const cases: [string, Record<string, string>][] = [
    ["newest page, no filter", {}],
    ["deep page (cursor mid-log)", { before: String(mid.id) }],
    ["actor filter", { actor: "user7" }],
    ["action filter", { action: "user.role_changed" }],
    ["action family (user.)", { action: "user." }],
    ["subject filter", { subjectType: "user", subjectId: "u1234" }],
    ["one day, mid-log", { from: day.toISOString(), to: new Date(day.getTime() + 86_400_000).toISOString() }],
    ["actor + day + cursor in day", { actor: "user7", from: day.toISOString(), to: new Date(day.getTime() + 86_400_000).toISOString(), before: String(BigInt(mid.id) + 43_200n) }],
  ];
  for (const [name, raw] of cases) {
    const filter = auditFilterSchema.parse(raw);
    const samples: number[] = [];
    let rows = 0;
    for (let i = 0; i < 60; i++) {
      const t = performance.now();
      const page = await listAuditEvents(filter);
      samples.push(performance.now() - t);
      rows = page.events.length;
    }
    samples.splice(0, 10); // warm-up
    console.log(`page: ${name.padEnd(28)} p50 ${ms(pct(samples, 50)).padStart(9)}  p99 ${ms(pct(samples, 99)).padStart(9)}  (${rows} rows)`);
  }

  // 4. export and verify
  const tExp = performance.now();
  let bytes = 0;
  let lines = -1; // the header
  const reader = exportAuditEvents(auditFilterSchema.parse({ action: "user.created" }), "csv").getReader();
  for (;;) {
    const r = await reader.read();
    if (r.done) break;
    bytes += r.value.length;
    for (const b of r.value) if (b === 10) lines++;
  }
  const expS = (performance.now() - tExp) / 1000;
  console.log(`export CSV: ${lines.toLocaleString("en")} events, ${(bytes / 1e6).toFixed(1)} MB in ${expS.toFixed(1)} s (${Math.round(lines / expS).toLocaleString("en")} events/s)`);
  const tVer = performance.now();
  const v = await verifyAuditChain();
  console.log(`audit:verify: ${v.checked.toLocaleString("en")} events in ${((performance.now() - tVer) / 1000).toFixed(1)} s, intact: ${v.ok}`);

  await client.end();
  await closeDb();
  await stopPg?.();
  if (dir) rmSync(dir, { recursive: true, force: true });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
