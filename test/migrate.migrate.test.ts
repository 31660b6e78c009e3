// lib/db/migrate.ts: applies prisma/migrations in order and records them exactly as `prisma migrate deploy`.
import { createHash } from "node:crypto";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import {
  defaultMigrationsDir,
  migrate,
  migrationStatus,
  MigrationError,
  PRISMA_MIGRATE_LOCK_KEY,
  resolveApplied,
  resolveRolledBack,
  type MigrationRow,
} from "@/lib/db/migrate";
import { withClient } from "@/test/helpers/pg";
import { scratchDatabases } from "@/test/helpers/scratch";

const dbs = scratchDatabases();
const migrationNames = readdirSync(defaultMigrationsDir, { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name)
  .sort();

function sha256OfFile(dir: string, name: string): string {
  return createHash("sha256").update(readFileSync(path.join(dir, name, "migration.sql"))).digest("hex");
}

async function rows(url: string): Promise<MigrationRow[]> {
  return withClient(url, async (c) => (await c.query<MigrationRow>(`SELECT * FROM "_prisma_migrations" ORDER BY started_at, migration_name`)).rows);
}

async function tableExists(url: string, table: string): Promise<boolean> {
  return withClient(url, async (c) => (await c.query(`SELECT to_regclass($1) AS t`, [`public.${table}`])).rows[0].t !== null);
}

const tempDirs: string[] = [];
afterAll(() => {
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
});

/** A copy of the real migrations, to add broken or extra ones to. */
function migrationsCopy(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "slipway-migrations-"));
  tempDirs.push(dir);
  cpSync(defaultMigrationsDir, dir, { recursive: true });
  return dir;
}

function addMigration(dir: string, name: string, sql: string): void {
  mkdirSync(path.join(dir, name), { recursive: true });
  writeFileSync(path.join(dir, name, "migration.sql"), sql);
}

describe("migrate", () => {
  test("there are migrations to test (init and the append-only audit log first)", () => {
    expect(migrationNames.slice(0, 2)).toEqual(["20261124000000_init", "20261124000100_audit_append_only"]);
  });

  test("applies every migration to an empty database and records each as prisma migrate deploy does", async () => {
    const url = await dbs.empty();
    const result = await migrate(url);
    expect(result.applied).toEqual(migrationNames);
    expect(result.alreadyApplied).toEqual([]);
    expect(result.warnings).toEqual([]);

    const recorded = await rows(url);
    expect(recorded.map((r) => r.migration_name)).toEqual(migrationNames);
    for (const r of recorded) {
      expect(r.checksum).toBe(sha256OfFile(defaultMigrationsDir, r.migration_name));
      expect(r.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(r.finished_at).toBeInstanceOf(Date);
      expect(r.finished_at!.getTime()).toBeGreaterThanOrEqual(r.started_at.getTime());
      expect(r.applied_steps_count).toBe(1);
      expect(r.rolled_back_at).toBeNull();
      expect(r.logs).toBeNull();
    }
    expect(await tableExists(url, "users")).toBe(true);
    expect(await tableExists(url, "audit_events")).toBe(true);
  });

  test("creates _prisma_migrations with Prisma's own column types", async () => {
    const url = await dbs.empty();
    await migrate(url);
    const columns = await withClient(url, async (c) =>
      (
        await c.query<{ column_name: string; type: string; not_null: boolean; default: string | null }>(
          `SELECT a.attname AS column_name, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS not_null,
                  pg_get_expr(d.adbin, d.adrelid) AS default
           FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
           WHERE a.attrelid = '"_prisma_migrations"'::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
        )
      ).rows,
    );
    expect(columns).toEqual([
      { column_name: "id", type: "character varying(36)", not_null: true, default: null },
      { column_name: "checksum", type: "character varying(64)", not_null: true, default: null },
      { column_name: "finished_at", type: "timestamp with time zone", not_null: false, default: null },
      { column_name: "migration_name", type: "character varying(255)", not_null: true, default: null },
      { column_name: "logs", type: "text", not_null: false, default: null },
      { column_name: "rolled_back_at", type: "timestamp with time zone", not_null: false, default: null },
      { column_name: "started_at", type: "timestamp with time zone", not_null: true, default: "now()" },
      { column_name: "applied_steps_count", type: "integer", not_null: true, default: "0" },
    ]);
  });

  test("a second run applies nothing and records nothing new", async () => {
    const url = await dbs.empty();
    await migrate(url);
    const before = await rows(url);
    const again = await migrate(url);
    expect(again.applied).toEqual([]);
    expect(again.alreadyApplied).toEqual(migrationNames);
    expect(await rows(url)).toEqual(before);
  });

  test("two runs started at once on one database both succeed and apply each migration exactly once", async () => {
    const url = await dbs.empty();
    const [a, b] = await Promise.all([migrate(url), migrate(url)]);
    // one run holds the lock and applies everything; the other then finds nothing to do
    expect([a.applied.length, b.applied.length].sort()).toEqual([0, migrationNames.length]);
    const recorded = await rows(url);
    expect(recorded.map((r) => r.migration_name)).toEqual(migrationNames);
    expect(recorded.every((r) => r.finished_at !== null)).toBe(true);
  });

  test("waits for Prisma Migrate's advisory lock (the same key), so it never runs beside prisma migrate deploy", async () => {
    expect(PRISMA_MIGRATE_LOCK_KEY).toBe(72707369);
    const url = await dbs.empty();
    await withClient(url, async (holder) => {
      await holder.query("SELECT pg_advisory_lock($1)", [PRISMA_MIGRATE_LOCK_KEY]);
      const running = migrate(url);
      // wait (bounded) until the run is queued behind the lock
      let waiting = false;
      for (let i = 0; i < 200 && !waiting; i++) {
        const r = await holder.query(
          `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND objid = $1 AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
          [PRISMA_MIGRATE_LOCK_KEY],
        );
        waiting = r.rows[0].n > 0;
        if (!waiting) await new Promise((res) => setTimeout(res, 50));
      }
      expect(waiting).toBe(true);
      expect(await tableExists(url, "_prisma_migrations")).toBe(false);
      await holder.query("SELECT pg_advisory_unlock($1)", [PRISMA_MIGRATE_LOCK_KEY]);
      expect((await running).applied).toEqual(migrationNames);
    });
  });

  test("a failing migration leaves nothing of itself, is recorded as failed, and blocks later runs until resolved", async () => {
    const dir = migrationsCopy();
    const broken = "29990101000200_broken";
    addMigration(dir, broken, `CREATE TABLE "half_done" ("id" INTEGER);\nSELECT * FROM "no_such_table";\n`);
    const url = await dbs.empty();

    const err = await migrate(url, { dir }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(MigrationError);
    const failure = err as MigrationError;
    expect(failure.migration).toBe(broken);
    expect(failure.message).toContain(`migration ${broken} failed`);
    expect(failure.message).toContain('relation "no_such_table" does not exist');
    expect(failure.message).toContain(`npm run db:migrate -- --resolve-rolled-back ${broken}`);

    // the earlier migrations are applied; nothing of the broken one is
    expect(await tableExists(url, "users")).toBe(true);
    expect(await tableExists(url, "half_done")).toBe(false);
    const failedRow = (await rows(url)).find((r) => r.migration_name === broken)!;
    expect(failedRow.finished_at).toBeNull();
    expect(failedRow.rolled_back_at).toBeNull();
    expect(failedRow.applied_steps_count).toBe(0);
    expect(failedRow.logs).toContain('relation "no_such_table" does not exist');
    expect(failedRow.checksum).toBe(sha256OfFile(dir, broken));

    expect(await migrationStatus(url, dir)).toEqual([
      ...migrationNames.map((name) => ({ name, state: "applied", finishedAt: expect.any(Date) })),
      { name: broken, state: "failed", finishedAt: null },
    ]);

    // the next start refuses, and says what to run
    const refused = await migrate(url, { dir }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(MigrationError);
    expect((refused as MigrationError).message).toContain(`migration ${broken} failed on an earlier start`);
    expect((refused as MigrationError).message).toContain(`--resolve-rolled-back ${broken}`);
    expect(await tableExists(url, "half_done")).toBe(false);

    // resolve, fix the file, migrate again: it applies
    await resolveRolledBack(url, broken);
    expect((await migrationStatus(url, dir))[migrationNames.length]).toEqual({ name: broken, state: "rolled_back", finishedAt: null });
    addMigration(dir, broken, `CREATE TABLE "half_done" ("id" INTEGER);\n`);
    const fixed = await migrate(url, { dir });
    expect(fixed.applied).toEqual([broken]);
    expect(await tableExists(url, "half_done")).toBe(true);

    const history = (await rows(url)).filter((r) => r.migration_name === broken);
    expect(history).toHaveLength(2);
    expect(history[0]!.rolled_back_at).toBeInstanceOf(Date);
    expect(history[1]!.finished_at).toBeInstanceOf(Date);
    expect(history[1]!.checksum).toBe(sha256OfFile(dir, broken));
    expect((await migrationStatus(url, dir)).map((s) => s.state)).toEqual([...migrationNames.map(() => "applied"), "applied"]);
  });

  test("a failed migration finished by hand can be marked applied (resolveApplied), and is not run again", async () => {
    const dir = migrationsCopy();
    const name = "29990101000400_finished_by_hand";
    addMigration(dir, name, `CREATE TABLE "by_hand" ("id" INTEGER);\nSELECT 1/0;\n`);
    const url = await dbs.empty();
    await expect(migrate(url, { dir })).rejects.toThrow(MigrationError);
    // the operator does by hand what the migration meant to do, then records it
    await withClient(url, (c) => c.query(`CREATE TABLE "by_hand" ("id" INTEGER)`));
    await resolveApplied(url, name, dir);
    expect((await migrationStatus(url, dir)).at(-1)).toEqual({ name, state: "applied", finishedAt: expect.any(Date) });
    expect((await migrate(url, { dir })).applied).toEqual([]);
    const history = (await rows(url)).filter((r) => r.migration_name === name);
    expect(history.map((r) => [r.rolled_back_at !== null, r.finished_at !== null, r.logs])).toEqual([
      [true, false, "division by zero"],
      [false, true, "marked applied by hand"],
    ]);
  });

  test("resolveRolledBack refuses a migration that has not failed", async () => {
    const url = await dbs.empty();
    await migrate(url);
    await expect(resolveRolledBack(url, migrationNames[0]!)).rejects.toThrow(MigrationError);
    await expect(resolveRolledBack(url, "20990101000000_nothing")).rejects.toThrow(/no failed migration named 20990101000000_nothing/);
  });

  test("a migration marked `-- slipway:no-transaction` runs outside a transaction (CREATE INDEX CONCURRENTLY works)", async () => {
    const dir = migrationsCopy();
    const name = "29990101000300_concurrent_index";
    addMigration(dir, name, `-- slipway:no-transaction\nCREATE INDEX CONCURRENTLY "users_email_idx" ON "users"("email");\n`);
    const url = await dbs.empty();
    const result = await migrate(url, { dir });
    expect(result.applied).toContain(name);
    expect(await tableExists(url, "users_email_idx")).toBe(true);
  });
});

describe("migrationStatus", () => {
  test("reports pending migrations on an empty database, then applied ones", async () => {
    const url = await dbs.empty();
    expect(await migrationStatus(url)).toEqual(migrationNames.map((name) => ({ name, state: "pending", finishedAt: null })));
    await migrate(url);
    expect((await migrationStatus(url)).map((s) => s.state)).toEqual(migrationNames.map(() => "applied"));
  });

  test("reports a migration edited after it was applied as modified, and migrate warns instead of re-running it", async () => {
    const dir = migrationsCopy();
    const url = await dbs.empty();
    await migrate(url, { dir });
    const last = migrationNames.at(-1)!;
    writeFileSync(path.join(dir, last, "migration.sql"), readFileSync(path.join(dir, last, "migration.sql"), "utf8") + "\n-- edited\n");
    expect((await migrationStatus(url, dir)).map((s) => s.state)).toEqual([...migrationNames.slice(0, -1).map(() => "applied"), "modified"]);
    const again = await migrate(url, { dir });
    expect(again.applied).toEqual([]);
    expect(again.warnings).toEqual([`migration ${last} was modified after it was applied (checksum differs); it is not re-run`]);
  });
});
