// npm run backup / npm run restore (scripts/backup.ts, scripts/restore.ts, lib/backup/): a database with an
// inventory, builds with logs, deployments, a sealed secret, the deployer key and audit events is backed up
// with the real command and restored into an empty database: every row comes back identical, the schema is
// the same, the audit chain verifies (with the restore's own event at its end), the secrets decrypt with the
// same key and with no other. Each refusal has its test: an existing output file, a database with data
// (and --force), a database with other connections, a foreign, empty, truncated, damaged or pg_dump file,
// a backup from a newer Slipway, a database without Slipway's schema.
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { getDb } from "@/lib/db";
import { unseal } from "@/lib/crypto/seal";
import { recordAudit } from "@/lib/audit/record";
import { migrate } from "@/lib/db/migrate";
import { BuildLogWriter } from "@/lib/build/log-writer";
import { createDeploymentsForRelease } from "@/lib/services/deployments/schedule";
import { saveBuildRule, saveContext, saveDeploymentRule, saveRepository, saveSecret, saveTarget } from "@/lib/services/inventory/entities";
import { ensureDeployerKey } from "@/lib/services/deployer-key";
import { secretAad } from "@/lib/services/inventory/secret-values";
import { slipwayTables } from "@/lib/backup/catalog";
import { BackupError, writeBackup } from "@/lib/backup/dump";
import { BackupFileError } from "@/lib/backup/format";
import { checkBackupFile, restoreBackup } from "@/lib/backup/restore";
import { actorFor, createUser } from "@/test/helpers/fixtures";
import { catalogSnapshot } from "@/test/helpers/catalog";
import { withClient } from "@/test/helpers/pg";
import { scratchDatabases } from "@/test/helpers/scratch";
import { runScript } from "@/test/helpers/spawn";

// the key every secret below is sealed with; the commands get it as an operator would set it
const KEY = randomBytes(32).toString("hex");
process.env.SLIPWAY_SECRET_KEY = KEY;
const SECRET_VALUE = "npm_token-\t\\tab and backslash\nnewline ✓";

const dbs = scratchDatabases();
const dir = mkdtempSync(path.join(os.tmpdir(), "slipway-backup-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const source = () => process.env.DATABASE_URL!;
const env = (url: string) => ({ DATABASE_URL: url, SLIPWAY_SECRET_KEY: KEY, LOG_LEVEL: "silent" });
const backup = (url: string, args: string[]) => runScript("scripts/backup.ts", args, env(url), 60_000);
const restore = (url: string, args: string[]) => runScript("scripts/restore.ts", args, env(url), 90_000);

/** Every table's rows, as one digest each (ordered by the row's text), to compare two databases exactly. */
async function tableDigests(url: string, opts: { auditUpTo?: bigint } = {}): Promise<Record<string, string>> {
  return withClient(url, async (c) => {
    const out: Record<string, string> = {};
    for (const t of await slipwayTables(c)) {
      const where = t.name === "audit_events" && opts.auditUpTo !== undefined ? `WHERE id <= ${opts.auditUpTo}` : "";
      const r = await c.query<{ n: string; d: string | null }>(
        `SELECT count(*) AS n, md5(string_agg(x::text, E'\\n' ORDER BY x::text)) AS d FROM ${pg.escapeIdentifier(t.name)} x ${where}`,
      );
      out[t.name] = `${r.rows[0]!.n}:${r.rows[0]!.d ?? "-"}`;
    }
    return out;
  });
}

async function count(url: string, table: string): Promise<number> {
  return withClient(url, async (c) => Number((await c.query<{ n: string }>(`SELECT count(*) AS n FROM ${pg.escapeIdentifier(table)}`)).rows[0]!.n));
}

async function tableCount(url: string): Promise<number> {
  return withClient(url, async (c) => (await slipwayTables(c)).length);
}

let secretId: string;
let auditEventsBefore: bigint;
let backupFile: string;
let backupOut: string;

beforeAll(async () => {
  const admin = await createUser("admin");
  const actor = actorFor(admin);
  await saveContext(actor, { name: "swarm1", endpoint: "unix:///tmp/slipway-no-such-docker.sock", role: "swarm_manager" });
  const repo = await saveRepository(actor, { repo: "acme/www", url: "https://git.example.org/acme/www.git" });
  const rule = await saveBuildRule(actor, { repository_id: repo.id, name: "Dockerfile" });
  const deployRule = await saveDeploymentRule(actor, { build_rule_id: rule.id, branch: "live", image: "127.0.0.1:5000/acme/www:live", approval: "automatic" });
  for (const i of [1, 2]) await saveTarget(actor, { deployment_rule_id: deployRule.id, name: `www-${i}`, context: "swarm1", service: `www_${i}` });
  secretId = (await saveSecret(actor, { name: "npm-token", scope: "global", value: SECRET_VALUE })).id;
  await ensureDeployerKey();

  const db = getDb();
  for (let n = 1; n <= 3; n++) {
    const sha = n.toString(16).padStart(40, "0");
    const commit = await db.commit.create({ data: { repositoryId: repo.id, sha, message: `change ${n}: "quotes", tab\there, ü 🚀` } });
    const build = await db.build.create({ data: { buildRuleId: rule.id, commitId: commit.id, state: "succeeded", trigger: "webhook" } });
    const log = await BuildLogWriter.open(build.id, []);
    log.write(`step 1/2 of build ${n}\n\\N is not null here\r\n\x01control\n`);
    await log.close();
    const release = await db.release.create({ data: { buildId: build.id, deploymentRuleId: deployRule.id, imageRepo: "127.0.0.1:5000/acme/www", tag: "live", digest: `sha256:${sha.padStart(64, "0")}` } });
    await db.$transaction((tx) => createDeploymentsForRelease(tx, release.id, { type: "worker", workerId: "test-worker" }));
  }
  await db.$transaction((tx) =>
    recordAudit(tx, { actor: { type: "system", label: "test" }, action: "setting.updated", subjectType: "system", summary: "payload with\nnewline, \\backslash, ✓", after: { list: [1, "two", null] } }),
  );
  auditEventsBefore = BigInt(await db.auditEvent.count());
  expect(await db.deployment.count()).toBe(6);
  expect(await db.buildLogChunk.count()).toBeGreaterThanOrEqual(3);

  backupFile = path.join(dir, "nested", "slipway.gz");
  const made = await backup(source(), ["--out", backupFile]);
  expect(made.code, made.stderr).toBe(0);
  backupOut = made.stdout;
}, 120_000);

describe("npm run backup", () => {
  test("writes one file, mode 0600, and says where, how big, what is in it and where the secret key is", () => {
    expect(statSync(backupFile).mode & 0o777).toBe(0o600);
    expect(backupOut).toContain(`wrote ${backupFile} (`);
    expect(backupOut).toContain(`builds: 3, deployments: 6, audit events: ${auditEventsBefore}`);
    expect(backupOut).toContain("The secret key is NOT in the backup");
    expect(backupOut).toContain("SLIPWAY_SECRET_KEY");
    expect(backupOut).not.toContain(KEY);
    expect(readFileSync(backupFile).includes(Buffer.from(SECRET_VALUE))).toBe(false);
  });

  test("never overwrites a file", async () => {
    const before = readFileSync(backupFile);
    const again = await backup(source(), ["--out", backupFile]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`${backupFile} already exists; backup never overwrites a file`);
    expect(readFileSync(backupFile).equals(before)).toBe(true);
  });

  test("writes under the data directory's backups/ by default, with the UTC time in the name", async () => {
    const dataDir = path.join(dir, "data");
    const made = await runScript("scripts/backup.ts", [], { ...env(source()), SLIPWAY_DATA_DIR: dataDir }, 60_000);
    expect(made.code, made.stderr).toBe(0);
    expect(made.stdout).toMatch(new RegExp(`wrote ${path.join(dataDir, "backups")}/slipway-backup-\\d{8}T\\d{6}Z\\.gz `));
  });

  test("refuses a database without Slipway's schema, and leaves no file", async () => {
    const empty = await dbs.empty();
    const out = path.join(dir, "empty.gz");
    await expect(writeBackup(empty, out)).rejects.toThrow(BackupError);
    await expect(writeBackup(empty, out)).rejects.toThrow("the database has no Slipway schema");
    expect(() => statSync(out)).toThrow(/ENOENT/);
    expect(() => statSync(`${out}.partial`)).toThrow(/ENOENT/);
  });
});

describe("npm run restore", () => {
  let target: string;

  test("into an empty database: the same rows and schema, an intact audit chain, secrets readable with the same key only", async () => {
    target = await dbs.empty();
    const r = await restore(target, [backupFile]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`restored: builds: 3, deployments: 6, audit events: ${auditEventsBefore}`);
    expect(r.stdout).toContain(`audit log intact: ${auditEventsBefore} event(s)`);
    expect(r.stdout).toContain("secrets: they decrypt with this Slipway's secret key");

    // every row, byte for byte (the audit log has one event more: the restore's)
    expect(await tableDigests(target, { auditUpTo: auditEventsBefore })).toEqual(await tableDigests(source()));
    // the schema, and the migrations recorded
    const [a, b] = await Promise.all([withClient(source(), (c) => catalogSnapshot(c)), withClient(target, (c) => catalogSnapshot(c))]);
    expect(b).toEqual(a);
    const names = (url: string) => withClient(url, async (c) => (await c.query(`SELECT migration_name FROM _prisma_migrations ORDER BY 1`)).rows);
    expect(await names(target)).toEqual(await names(source()));

    // the chain, checked again by the command an operator runs, with the restore's event at its end
    const verified = await runScript("scripts/audit-verify.ts", [], env(target), 60_000);
    expect(verified.code, verified.stderr).toBe(0);
    expect(verified.stdout).toContain(`audit log intact: ${auditEventsBefore + 1n} event(s)`);
    const last = await withClient(target, async (c) => (await c.query(`SELECT id, actor_type::text, actor_label, action, summary, after FROM audit_events ORDER BY id DESC LIMIT 1`)).rows[0]);
    expect(last).toMatchObject({ actor_type: "system", actor_label: "npm run restore", action: "database.restored", summary: expect.stringContaining("slipway.gz") });
    expect(last.after).toMatchObject({ file: "slipway.gz", builds: 3, deployments: 6, auditEvents: Number(auditEventsBefore) });
    // sequences continue after the restored rows
    const seq = await withClient(target, async (c) => (await c.query(`SELECT last_value::text AS v FROM audit_events_id_seq`)).rows[0].v as string);
    expect(BigInt(seq)).toBeGreaterThan(auditEventsBefore);

    // the secret and the deployer key decrypt with the same key...
    const sealed = await withClient(target, async (c) => (await c.query(`SELECT sealed FROM secrets WHERE id = $1`, [secretId])).rows[0].sealed as Buffer);
    expect(unseal(sealed, secretAad(secretId))).toBe(SECRET_VALUE);
    const key = await withClient(target, async (c) => (await c.query(`SELECT id, private_key_encrypted FROM deployer_keys WHERE retired_at IS NULL`)).rows[0]);
    expect(unseal(key.private_key_encrypted, `deployer-key:${key.id}`)).toContain("PRIVATE KEY");
    // ...and with no other
    process.env.SLIPWAY_SECRET_KEY = randomBytes(32).toString("hex");
    try {
      expect(() => unseal(sealed, secretAad(secretId))).toThrow("SLIPWAY_SECRET_KEY differs");
    } finally {
      process.env.SLIPWAY_SECRET_KEY = KEY;
    }
  });

  test("refuses a database that holds data, saying how to override; --force drops it and restores", async () => {
    const before = await tableDigests(target);
    const refused = await restore(target, [backupFile]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("already holds Slipway data (rows in");
    expect(refused.stderr).toContain("--force");
    expect(await tableDigests(target)).toEqual(before);

    // something written after the backup goes with --force
    await withClient(target, (c) => c.query(`INSERT INTO settings (key, value, updated_at) VALUES ('after-backup', '1'::jsonb, now())`));
    // restored where another key is set: restored, and told the secrets cannot be read with it
    const forced = await runScript("scripts/restore.ts", [backupFile, "--force"], { ...env(target), SLIPWAY_SECRET_KEY: randomBytes(32).toString("hex") }, 90_000);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stderr).toContain("secrets: they do NOT decrypt with the secret key set here");
    expect(forced.stdout).toContain("dropping Slipway's tables (--force)");
    expect(forced.stdout).toContain(`audit log intact: ${auditEventsBefore} event(s)`);
    expect(await tableDigests(target, { auditUpTo: auditEventsBefore })).toEqual(await tableDigests(source()));
    expect(await count(target, "audit_events")).toBe(Number(auditEventsBefore) + 1);
  });

  test("refuses a database another client is connected to", async () => {
    const other = await dbs.empty();
    const c = new pg.Client({ connectionString: other, application_name: "a running slipway" });
    await c.connect();
    try {
      const r = await restore(other, [backupFile]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("1 other connection(s) are open to the database");
      expect(r.stderr).toContain("(a running slipway)");
      expect(r.stderr).toContain("stop Slipway");
    } finally {
      await c.end();
    }
    expect(await tableCount(other)).toBe(0);
  });

  test("refuses files that are not a complete backup of ours, before touching the database", async () => {
    const good = readFileSync(backupFile);
    const flipped = Buffer.from(good);
    flipped[Math.floor(flipped.length / 2)]! ^= 0xff;
    const cases: [string, Buffer, string][] = [
      ["garbage.bin", randomBytes(4096), "garbage.bin is not a Slipway backup (it is not gzip-compressed)"],
      ["empty.gz", Buffer.alloc(0), "empty.gz is empty: it is not a Slipway backup"],
      ["other.gz", gzipSync("id,name\n1,a Slipway? no, a CSV file\n"), "other.gz is not a Slipway backup (it does not begin with Slipway's backup header)"],
      ["pg.dump", Buffer.concat([Buffer.from("PGDMP"), randomBytes(100)]), "pg.dump is a pg_dump archive, not a Slipway backup; restore it with pg_restore"],
      ["truncated.gz", good.subarray(0, Math.floor(good.length * 0.6)), "truncated.gz is truncated: it ends before its end mark"],
      ["damaged.gz", flipped, "damaged.gz is damaged"],
    ];
    const url = await dbs.empty();
    for (const [i, [name, bytes, message]] of cases.entries()) {
      const file = path.join(dir, name);
      writeFileSync(file, bytes);
      // the command itself for two of them (its first step is checkBackupFile), the function for the rest: each
      // process costs a second of CPU
      if (i === 0 || name === "truncated.gz") {
        const r = await restore(url, [file]);
        expect(r.code, `${name}: ${r.stderr}`).toBe(1);
        expect(r.stderr, name).toContain(message);
      } else {
        await expect(checkBackupFile(file), name).rejects.toThrow(message);
      }
    }
    await expect(checkBackupFile(path.join(dir, "no-such-file.gz"))).rejects.toThrow("no-such-file.gz does not exist");
    expect(await tableCount(url)).toBe(0);
  });

  test("a file cut exactly after a whole frame, with a valid gzip end, is refused as truncated", async () => {
    // rewrite the real backup without its end mark: every frame intact, the gzip stream complete
    const { gunzipSync } = await import("node:zlib");
    const raw = gunzipSync(readFileSync(backupFile));
    const zAt = raw.lastIndexOf(Buffer.from("Z"), raw.length - 5 - 60);
    const file = path.join(dir, "no-end-mark.gz");
    writeFileSync(file, gzipSync(raw.subarray(0, zAt)));
    const url = await dbs.empty();
    await expect(restoreBackup(url, file)).rejects.toThrow("no-end-mark.gz is truncated: it ends before its end mark");
    expect(await tableCount(url)).toBe(0);
  });

  test("refuses a backup made by a newer Slipway (a migration this one does not have)", async () => {
    const newer = await dbs.empty();
    await migrate(newer);
    await withClient(newer, (c) =>
      c.query(`INSERT INTO _prisma_migrations (id, checksum, migration_name, finished_at, applied_steps_count) VALUES ($1, 'x', '29991231000000_from_the_future', now(), 1)`, [
        "00000000-0000-4000-8000-000000000000",
      ]),
    );
    const file = path.join(dir, "newer.gz");
    await writeBackup(newer, file);
    const url = await dbs.empty();
    const err = await restoreBackup(url, file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackupFileError);
    expect((err as Error).message).toContain("the backup was made by a newer Slipway");
    expect((err as Error).message).toContain("29991231000000_from_the_future");
    expect(await tableCount(url)).toBe(0);
  });
});
