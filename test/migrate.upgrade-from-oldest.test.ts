// Upgrades: a database made by the oldest migration set (prisma/migrations' first migration alone, applied by
// our runner), filled with realistic rows written in that schema's own SQL (an app with its sealed key, a
// GitHub and a polled repository, rules, a host with its pinned key, a context, targets, refs, commits,
// builds with logs, releases, deployments, an approval, webhook deliveries and a hash-chained audit log), is
// migrated to today's schema by `npm run db:migrate`. Every row is still there (but the one the migrations
// delete on purpose), columns added later hold their defaults, the schema equals a fresh install's, the
// audit chain verifies, the secrets decrypt, and today's code reads the data (`npm run slipway -- export`).
// A backup of the old database restores into an empty one and is brought to today's schema the same way.
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { eventHash } from "@/lib/audit/hash";
import type { AuditEventFields } from "@/lib/audit/event";
import { seal, unseal } from "@/lib/crypto/seal";
import { defaultMigrationsDir, migrate } from "@/lib/db/migrate";
import { secretAad } from "@/lib/services/inventory/secret-values";
import { writeBackup } from "@/lib/backup/dump";
import { catalogSnapshot } from "@/test/helpers/catalog";
import { withClient } from "@/test/helpers/pg";
import { scratchDatabases } from "@/test/helpers/scratch";
import { runScript } from "@/test/helpers/spawn";

const KEY = randomBytes(32).toString("hex");
process.env.SLIPWAY_SECRET_KEY = KEY;
const env = (url: string) => ({ DATABASE_URL: url, SLIPWAY_SECRET_KEY: KEY, LOG_LEVEL: "silent" });

const dbs = scratchDatabases();
const dir = mkdtempSync(path.join(os.tmpdir(), "slipway-upgrade-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const migrations = readdirSync(defaultMigrationsDir, { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name)
  .sort();
const OLDEST = migrations[0]!;

const T0 = Date.UTC(2026, 10, 24, 12, 0, 0);
const at = (minutes: number) => new Date(T0 + minutes * 60_000);

/** Rows as the first Slipway wrote them: plain SQL against the oldest schema. */
async function fillOldDatabase(c: pg.Client): Promise<void> {
  const q = (sql: string, params: unknown[] = []) => c.query(sql, params);
  await q(`INSERT INTO users (id, login, name, role, updated_at) VALUES ('u-admin', 'alice', 'Alice ✓', 'admin', $1), ('u-op', 'bob', NULL, 'operator', $1)`, [at(0)]);
  await q(`INSERT INTO secrets (id, name, scope, scope_key, sealed, updated_by_id, updated_at) VALUES
           ('s-key', 'private-key', 'global', 'app-key:tarides', $1, 'u-admin', $4),
           ('s-hook', 'webhook-secret', 'global', 'app-hook:tarides', $2, 'u-admin', $4),
           ('s-npm', 'npm-token', 'global', 'global', $3, 'u-admin', $4)`, [
    seal("-----BEGIN RSA PRIVATE KEY-----\nold\n-----END RSA PRIVATE KEY-----", secretAad("s-key")),
    seal("hook-secret", secretAad("s-hook")),
    seal("npm_old_token", secretAad("s-npm")),
    at(1),
  ]);
  await q(`INSERT INTO github_apps (id, name, app_id, slug, private_key_secret_id, webhook_secret_id, account_allowlist, updated_at)
           VALUES ('a-tarides', 'tarides', 12345, 'tarides-deployer', 's-key', 's-hook', ARRAY['tarides','ocurrent'], $1)`, [at(2)]);
  await q(`INSERT INTO repositories (id, name, provider, app_id, url, github_id, installation_id, default_branch, updated_at) VALUES
           ('r-www', 'tarides/www', 'github', 'a-tarides', 'https://github.com/tarides/www.git', 777, 888, 'main', $1),
           ('r-polled', 'git.example.org/tools', 'git', NULL, 'https://git.example.org/tools.git', NULL, NULL, 'master', $1)`, [at(3)]);
  await q(`INSERT INTO hosts (id, name, address, port, "user", updated_at) VALUES ('h-1', 'toxis', '10.0.0.5', 22, 'deploy', $1)`, [at(4)]);
  await q(`INSERT INTO host_keys (id, host_id, algorithm, public_key, fingerprint_sha256, accepted_by_id) VALUES
           ('hk-1', 'h-1', 'ssh-ed25519', 'AAAAC3NzaC1lZDI1NTE5AAAAIOld', 'SHA256:old', 'u-admin')`);
  await q(`INSERT INTO docker_contexts (id, name, endpoint, host_id, role, updated_at) VALUES ('dc-1', 'toxis-swarm', 'ssh://deploy@toxis', 'h-1', 'both', $1)`, [at(5)]);
  await q(`INSERT INTO build_rules (id, repository_id, name, kind, build_args, updated_at) VALUES
           ('br-1', 'r-www', 'Dockerfile', 'docker', ARRAY['VERSION=1'], $1),
           ('br-2', 'r-polled', 'Dockerfile', 'docker', NULL, $1)`, [at(6)]);
  await q(`INSERT INTO deployment_rules (id, build_rule_id, branch, image, approval_mode, confirm_level, updated_at) VALUES
           ('dr-1', 'br-1', 'live', 'tarides/www:live', 'automatic', 'average', $1)`, [at(7)]);
  await q(`INSERT INTO targets (id, deployment_rule_id, name, kind, docker_context_id, service, updated_at) VALUES
           ('t-1', 'dr-1', 'www', 'swarm_service', 'dc-1', 'www_web', $1)`, [at(8)]);
  await q(`INSERT INTO targets (id, deployment_rule_id, name, kind, docker_context_id, service, monitor_seconds, updated_at) VALUES
           ('t-2', 'dr-1', 'www-staging', 'swarm_service', 'dc-1', 'www_staging', 30, $1)`, [at(8)]);
  await q(`INSERT INTO refs (id, repository_id, kind, name, head_sha, updated_at) VALUES ('ref-1', 'r-www', 'branch', 'live', $1, $2)`, ["b".repeat(40), at(9)]);
  await q(`INSERT INTO commits (id, repository_id, sha, message, author, committed_at) VALUES
           ('c-1', 'r-www', $1, 'first', 'alice', $3), ('c-2', 'r-www', $2, 'second: tab\there, newline\nthere', 'alice', $3)`, ["a".repeat(40), "b".repeat(40), at(9)]);
  await q(`INSERT INTO builds (id, build_rule_id, commit_id, attempt, state, trigger, triggered_by_id, docker_context_id, reason, log_bytes, started_at, finished_at, updated_at) VALUES
           ('b-1', 'br-1', 'c-1', 1, 'succeeded', 'webhook', NULL, 'dc-1', NULL, 12, $1, $2, $2),
           ('b-2', 'br-1', 'c-2', 1, 'succeeded', 'webhook', NULL, 'dc-1', NULL, 12, $1, $2, $2),
           ('b-3', 'br-1', 'c-2', 2, 'failed', 'manual', 'u-op', 'dc-1', 'exit status 1', 0, $1, $2, $2)`, [at(10), at(11)]);
  await q(`INSERT INTO build_refs (build_id, ref_id) VALUES ('b-2', 'ref-1')`);
  await q(`INSERT INTO build_log_chunks (build_id, seq, data, length) VALUES ('b-1', 0, $1, 12), ('b-2', 0, $1, 12)`, [Buffer.from("step 1/1 ok\n")]);
  await q(`INSERT INTO releases (id, build_id, deployment_rule_id, image_repo, tag, digest) VALUES
           ('rel-1', 'b-1', 'dr-1', 'tarides/www', 'live', $1), ('rel-2', 'b-2', 'dr-1', 'tarides/www', 'live', $2)`, [`sha256:${"1".repeat(64)}`, `sha256:${"2".repeat(64)}`]);
  await q(`INSERT INTO deployments (id, target_id, release_id, previous_release_id, state, trigger, attempts, queued_at, started_at, finished_at, updated_at) VALUES
           ('d-1', 't-1', 'rel-1', NULL, 'succeeded', 'release', 1, $1, $1, $2, $2),
           ('d-2', 't-1', 'rel-2', 'rel-1', 'succeeded', 'release', 1, $2, $2, $3, $3),
           ('d-3', 't-2', 'rel-2', NULL, 'pending_approval', 'release', 0, NULL, NULL, NULL, $3)`, [at(12), at(13), at(14)]);
  await q(`INSERT INTO approvals (id, deployment_id, user_id, decision, comment) VALUES ('ap-1', 'd-2', 'u-op', 'approved', 'ok')`);
  await q(`INSERT INTO deployment_log_chunks (deployment_id, seq, data, length) VALUES ('d-2', 0, $1, 9)`, [Buffer.from("converged")]);
  await q(`UPDATE targets SET current_release_id = 'rel-2', last_deployed_at = $1 WHERE id = 't-1'`, [at(13)]);
  await q(`INSERT INTO webhook_deliveries (delivery_id, app_id, repository_id, event, action, status) VALUES
           ('gh-1', 'a-tarides', 'r-www', 'push', NULL, 'accepted'),
           ('gh-unknown', NULL, NULL, 'push', NULL, 'rejected')`);
  await q(`INSERT INTO settings (key, value, updated_at) VALUES ('approval_level', '"above_average"'::jsonb, $1)`, [at(15)]);

  // the audit log, chained as the first Slipway chained it
  let prev = "";
  const events: Omit<AuditEventFields, "id" | "createdAt">[] = [
    { actorType: "user", actorId: "u-admin", actorLabel: "alice", action: "github_app.created", subjectType: "github_app", subjectId: "a-tarides", summary: "GitHub app tarides added", before: null, after: { name: "tarides" }, ip: "203.0.113.7", userAgent: "Firefox" },
    { actorType: "user", actorId: "u-admin", actorLabel: "alice", action: "repository.created", subjectType: "repository", subjectId: "r-www", summary: "repository tarides/www added", before: null, after: { name: "tarides/www", archs: ["amd64"] }, ip: null, userAgent: null },
    { actorType: "worker", actorId: "w-1", actorLabel: "w-1", action: "release.recorded", subjectType: "release", subjectId: "rel-2", summary: "release of second: ü 🚀", before: null, after: null, ip: null, userAgent: null },
    { actorType: "user", actorId: "u-op", actorLabel: "bob", action: "deployment.approved", subjectType: "deployment", subjectId: "d-2", summary: "approved", before: { state: "pending_approval" }, after: { state: "queued" }, ip: "198.51.100.1", userAgent: "curl" },
  ];
  for (const [i, e] of events.entries()) {
    const fields: AuditEventFields = { ...e, id: BigInt(i + 1), createdAt: at(20 + i) };
    const hash = eventHash(prev, fields);
    await q(
      `INSERT INTO audit_events (id, created_at, actor_type, actor_id, actor_label, action, subject_type, subject_id, summary, before, after, ip, user_agent, prev_hash, hash)
       VALUES ($1, $2, $3::actor_type, $4, $5, $6, $7, $8, $9, $10::jsonb, $11::jsonb, $12, $13, $14, $15)`,
      [fields.id.toString(), fields.createdAt, e.actorType, e.actorId, e.actorLabel, e.action, e.subjectType, e.subjectId, e.summary,
        e.before === null ? null : JSON.stringify(e.before), e.after === null ? null : JSON.stringify(e.after), e.ip, e.userAgent, prev, hash],
    );
    prev = hash;
  }
  await q(`SELECT setval(pg_get_serial_sequence('audit_events', 'id'), $1)`, [events.length]);
}

/** The old rows' counts after an upgrade: as before but `changes`, and every table a later migration added, empty. */
const upgradedCounts = (after: Record<string, number>, changes: Record<string, number>) => ({
  ...Object.fromEntries(Object.keys(after).filter((t) => !(t in before)).map((t) => [t, 0])),
  ...before,
  ...changes,
});

const rowCounts = (url: string) =>
  withClient(url, async (c) => {
    const tables = (await c.query<{ t: string }>(`SELECT relname AS t FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'r' AND relname <> '_prisma_migrations' ORDER BY 1`)).rows;
    const out: Record<string, number> = {};
    for (const { t } of tables) out[t] = Number((await c.query<{ n: string }>(`SELECT count(*) AS n FROM ${pg.escapeIdentifier(t)}`)).rows[0]!.n);
    return out;
  });

let oldUrl: string;
let before: Record<string, number>;
let oldBackup: string;

beforeAll(async () => {
  oldUrl = await dbs.empty();
  const applied = await migrate(oldUrl, { upTo: OLDEST });
  expect(applied.applied).toEqual([OLDEST]);
  await withClient(oldUrl, fillOldDatabase);
  before = await rowCounts(oldUrl);
  // a backup made by that old Slipway, for the restore below
  oldBackup = path.join(dir, "old.gz");
  const made = await writeBackup(oldUrl, oldBackup);
  expect(made.header.migrations.map((m) => m.name)).toEqual([OLDEST]);
}, 120_000);

describe(`upgrading a database made by ${OLDEST} alone`, () => {
  test("npm run db:migrate brings it to today's schema with every row kept and new columns at their defaults", async () => {
    const r = await runScript("scripts/db-migrate.ts", [], env(oldUrl), 120_000);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`applied ${migrations.length - 1} migration(s)`);

    // the schema is exactly a fresh install's (this file's own database was migrated from empty)
    const [fresh, upgraded] = await Promise.all([withClient(process.env.DATABASE_URL!, (c) => catalogSnapshot(c)), withClient(oldUrl, (c) => catalogSnapshot(c))]);
    expect(upgraded).toEqual(fresh);

    // every row is there, but the delivery without an app, which 20261204132754_webhook_order_and_signature deletes on purpose
    const after = await rowCounts(oldUrl);
    // and the DORA facts 20261205080814_dora_days derives from the finished deployments: t-1's one day (d-1, d-2)
    expect(after).toEqual(upgradedCounts(after, { webhook_deliveries: before.webhook_deliveries! - 1, dora_days: 1 }));

    await withClient(oldUrl, async (c) => {
      const one = async (sql: string) => (await c.query(sql)).rows;
      expect(await one(`SELECT target_id, finished_at, ok, incident FROM dora_days`)).toEqual([
        { target_id: "t-1", finished_at: [at(13).getTime() / 1000, at(14).getTime() / 1000], ok: [true, true], incident: [false, false] },
      ]);
      expect(await one(`SELECT id, max_artifact_mib, archived_at FROM build_rules ORDER BY id`)).toEqual([
        { id: "br-1", max_artifact_mib: 256, archived_at: null },
        { id: "br-2", max_artifact_mib: 256, archived_at: null },
      ]);
      // an existing target keeps its monitor window, the old default 10 included (20261204192814)
      expect(await one(`SELECT id, monitor_seconds, keep_artifacts, boot_args, networks, restart_argv, restart_method, archived_at, current_release_id FROM targets ORDER BY id`)).toEqual([
        { id: "t-1", monitor_seconds: 10, keep_artifacts: 5, boot_args: [], networks: [], restart_argv: [], restart_method: null, archived_at: null, current_release_id: "rel-2" },
        { id: "t-2", monitor_seconds: 30, keep_artifacts: 5, boot_args: [], networks: [], restart_argv: [], restart_method: null, archived_at: null, current_release_id: null },
      ]);
      expect(await one(`SELECT id, app_id, is_private, private_badge, archived_at FROM repositories ORDER BY id`)).toEqual([
        { id: "r-polled", app_id: null, is_private: null, private_badge: false, archived_at: null },
        { id: "r-www", app_id: "a-tarides", is_private: null, private_badge: false, archived_at: null },
      ]);
      expect(await one(`SELECT id, state::text, attempt, log_truncated, reason FROM builds ORDER BY id`)).toEqual([
        { id: "b-1", state: "succeeded", attempt: 1, log_truncated: false, reason: null },
        { id: "b-2", state: "succeeded", attempt: 1, log_truncated: false, reason: null },
        { id: "b-3", state: "failed", attempt: 2, log_truncated: false, reason: "exit status 1" },
      ]);
      expect(await one(`SELECT id, state::text, previous_release_id, log_truncated, retry_at, pin_before_release_id FROM deployments ORDER BY id`)).toEqual([
        { id: "d-1", state: "succeeded", previous_release_id: null, log_truncated: false, retry_at: null, pin_before_release_id: null },
        { id: "d-2", state: "succeeded", previous_release_id: "rel-1", log_truncated: false, retry_at: null, pin_before_release_id: null },
        { id: "d-3", state: "pending_approval", previous_release_id: null, log_truncated: false, retry_at: null, pin_before_release_id: null },
      ]);
      expect(await one(`SELECT sha, message, pushed_by FROM commits ORDER BY sha`)).toEqual([
        { sha: "a".repeat(40), message: "first", pushed_by: null },
        { sha: "b".repeat(40), message: "second: tab\there, newline\nthere", pushed_by: null },
      ]);
      expect(await one(`SELECT delivery_id, app_id, forced, before_sha, job_payload FROM webhook_deliveries`)).toEqual([
        { delivery_id: "gh-1", app_id: "a-tarides", forced: false, before_sha: null, job_payload: null },
      ]);
      expect(await one(`SELECT name, last_event_seq FROM refs`)).toEqual([{ name: "live", last_event_seq: null }]);
      // the releases recorded before Slipway signed releases are marked so (they deploy with a warning), and a
      // release recorded after the upgrade is not: its signed provenance is required
      expect(await one(`SELECT artifact_size, artifact_target, digest, recorded_before_signing FROM releases ORDER BY id`)).toEqual([
        { artifact_size: null, artifact_target: null, digest: `sha256:${"1".repeat(64)}`, recorded_before_signing: true },
        { artifact_size: null, artifact_target: null, digest: `sha256:${"2".repeat(64)}`, recorded_before_signing: true },
      ]);
      expect(await one(`SELECT column_default FROM information_schema.columns WHERE table_name = 'releases' AND column_name = 'recorded_before_signing'`)).toEqual([{ column_default: "false" }]);
      // the secrets still decrypt with the key they were sealed with
      const secrets = await one(`SELECT id, scope::text, sealed FROM secrets ORDER BY id`);
      expect(secrets.map((s) => [s.id, s.scope, unseal(s.sealed as Buffer, secretAad(s.id as string))])).toEqual([
        ["s-hook", "global", "hook-secret"],
        ["s-key", "global", "-----BEGIN RSA PRIVATE KEY-----\nold\n-----END RSA PRIVATE KEY-----"],
        ["s-npm", "global", "npm_old_token"],
      ]);
      // the triggers added later now guard the old rows too
      await expect(c.query(`UPDATE releases SET tag = 'x' WHERE id = 'rel-1'`)).rejects.toThrow("releases are immutable");
      await expect(c.query(`DELETE FROM audit_events WHERE id = 1`)).rejects.toThrow("audit_events is append-only");
    });

    // the audit chain written by the old Slipway verifies with today's code
    const verified = await runScript("scripts/audit-verify.ts", [], env(oldUrl), 60_000);
    expect(verified.code, verified.stderr).toBe(0);
    expect(verified.stdout).toContain("audit log intact: 4 event(s), every link verified");

    // today's code reads the upgraded inventory
    const exported = await runScript("scripts/slipway.ts", ["export"], env(oldUrl), 60_000);
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stdout).toContain("repo: tarides/www");
    expect(exported.stdout).toContain("www_staging");
  });

  test("a backup made by the old Slipway restores into an empty database and is upgraded after its rows are in", async () => {
    const url = await dbs.empty();
    const r = await runScript("scripts/restore.ts", [oldBackup], env(url), 120_000);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`upgraded the restored data with ${migrations.length - 1} newer migration(s)`);
    expect(r.stdout).toContain("restored: builds: 3, deployments: 3, audit events: 4");
    expect(r.stdout).toContain("audit log intact: 4 event(s)");
    const counts = await rowCounts(url);
    expect(counts).toEqual(upgradedCounts(counts, { webhook_deliveries: before.webhook_deliveries! - 1, audit_events: 5, dora_days: 1 }));
    const last = await withClient(url, async (c) => (await c.query(`SELECT id::text, action FROM audit_events ORDER BY id DESC LIMIT 1`)).rows[0]);
    expect(last).toEqual({ id: "5", action: "database.restored" });
  });

  test("the old backup also restores into an empty database a fresh Slipway already migrated to today's schema", async () => {
    const url = await dbs.empty();
    await migrate(url);
    const r = await runScript("scripts/restore.ts", [oldBackup], env(url), 120_000);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("the database has Slipway's tables, empty, at another schema version: dropping them to build the backup's version");
    expect(r.stdout).toContain("audit log intact: 4 event(s)");
    const counts = await rowCounts(url);
    expect(counts).toEqual(upgradedCounts(counts, { webhook_deliveries: before.webhook_deliveries! - 1, audit_events: 5, dora_days: 1 }));
    const [fresh, restored] = await Promise.all([withClient(process.env.DATABASE_URL!, (c) => catalogSnapshot(c)), withClient(url, (c) => catalogSnapshot(c))]);
    expect(restored).toEqual(fresh);
  });
});
