// Applies prisma/migrations/<name>/migration.sql in order and records each in `_prisma_migrations`
// exactly as `prisma migrate deploy` does (same table, same SHA-256 checksum of the file, same advisory
// lock key), so a machine with Prisma's schema engine can switch to Prisma's own command at any time.
//
// Locking: the whole run holds pg_advisory_lock(72707369), the key Prisma Migrate uses, so two processes
// starting at once (two workers, web + worker) migrate one after the other; the second finds nothing to do.
//
// Unlike Prisma, each migration runs in a transaction (unless its first line is
// `-- slipway:no-transaction`), so a failed migration leaves no half-applied schema behind. The failure is
// recorded (finished_at NULL, logs = the error) and start-up stops with what to do.
import { createHash, randomUUID } from "node:crypto";
import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import pg from "pg";

export const PRISMA_MIGRATE_LOCK_KEY = 72707369;
export const NO_TRANSACTION_MARKER = "-- slipway:no-transaction";

export interface MigrationFile {
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrationRow {
  id: string;
  checksum: string;
  finished_at: Date | null;
  migration_name: string;
  logs: string | null;
  rolled_back_at: Date | null;
  started_at: Date;
  applied_steps_count: number;
}

export interface MigrateResult {
  applied: string[];
  alreadyApplied: string[];
  warnings: string[];
}

export class MigrationError extends Error {
  constructor(
    message: string,
    readonly migration?: string,
  ) {
    super(message);
    this.name = "MigrationError";
  }
}

const CREATE_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

export const defaultMigrationsDir = path.resolve(process.cwd(), "prisma", "migrations");

/** The migrations on disk, sorted by name (their timestamp prefix). */
export async function readMigrations(dir: string = defaultMigrationsDir): Promise<MigrationFile[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const names = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  const out: MigrationFile[] = [];
  for (const name of names) {
    const file = path.join(dir, name, "migration.sql");
    try {
      await stat(file);
    } catch {
      throw new MigrationError(`prisma/migrations/${name} has no migration.sql; remove the folder or add the file`, name);
    }
    const sql = await readFile(file, "utf8");
    out.push({ name, sql, checksum: createHash("sha256").update(sql).digest("hex") });
  }
  return out;
}

function oneLine(err: unknown): string {
  if (err instanceof Error) {
    const pgErr = err as Error & { position?: string; detail?: string; hint?: string };
    return [pgErr.message, pgErr.detail, pgErr.hint].filter(Boolean).join(" — ");
  }
  return String(err);
}

async function withClient<T>(connectionString: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString, connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
  } catch (err) {
    throw new MigrationError(`cannot reach the database at ${redactUrl(connectionString)}: ${oneLine(err)}`);
  }
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** postgres://user:pass@host/db → postgres://user:***@host/db */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(unparseable DATABASE_URL)";
  }
}

async function appliedRows(client: pg.Client): Promise<MigrationRow[]> {
  const res = await client.query<MigrationRow>(`SELECT * FROM "_prisma_migrations" ORDER BY started_at, migration_name`);
  return res.rows;
}

/** Apply every pending migration. Safe to call from many processes at once. */
export async function migrate(
  connectionString: string,
  opts: { dir?: string; log?: (msg: string) => void; upTo?: string } = {},
): Promise<MigrateResult> {
  const log = opts.log ?? (() => undefined);
  // upTo: only the migrations up to this one (restore rebuilds the schema a backup was made with)
  const files = (await readMigrations(opts.dir)).filter((f) => opts.upTo === undefined || f.name <= opts.upTo);
  return withClient(connectionString, async (client) => {
    await client.query("SELECT pg_advisory_lock($1)", [PRISMA_MIGRATE_LOCK_KEY]);
    try {
      await client.query(CREATE_TABLE);
      const rows = await appliedRows(client);
      const warnings: string[] = [];

      const failed = rows.find((r) => r.finished_at === null && r.rolled_back_at === null);
      if (failed) {
        throw new MigrationError(
          `migration ${failed.migration_name} failed on an earlier start and was not resolved` +
            (failed.logs ? `: ${failed.logs.split("\n")[0]}` : "") +
            `. Slipway applies each migration in a transaction, so nothing of it was kept. Fix the cause, then run ` +
            `\`npm run db:migrate -- --resolve-rolled-back ${failed.migration_name}\` and start again.`,
          failed.migration_name,
        );
      }

      const done = new Map<string, MigrationRow>();
      for (const r of rows) if (r.finished_at !== null && r.rolled_back_at === null) done.set(r.migration_name, r);
      const onDisk = new Set(files.map((f) => f.name));
      for (const name of done.keys()) {
        if (!onDisk.has(name)) {
          warnings.push(`migration ${name} is recorded in the database but missing from prisma/migrations (a newer Slipway ran here?)`);
        }
      }

      const applied: string[] = [];
      const alreadyApplied: string[] = [];
      for (const file of files) {
        const row = done.get(file.name);
        if (row) {
          if (row.checksum !== file.checksum) {
            warnings.push(`migration ${file.name} was modified after it was applied (checksum differs); it is not re-run`);
          }
          alreadyApplied.push(file.name);
          continue;
        }
        await applyOne(client, file, log);
        applied.push(file.name);
      }
      for (const w of warnings) log(`warning: ${w}`);
      return { applied, alreadyApplied, warnings };
    } finally {
      await client.query("SELECT pg_advisory_unlock($1)", [PRISMA_MIGRATE_LOCK_KEY]).catch(() => undefined);
    }
  });
}

async function applyOne(client: pg.Client, file: MigrationFile, log: (msg: string) => void): Promise<void> {
  const id = randomUUID();
  const transactional = !file.sql.trimStart().startsWith(NO_TRANSACTION_MARKER);
  log(`applying migration ${file.name}`);
  await client.query(
    `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count) VALUES ($1, $2, $3, now(), 0)`,
    [id, file.checksum, file.name],
  );
  try {
    if (transactional) await client.query("BEGIN");
    await client.query(file.sql);
    await client.query(`UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1`, [id]);
    if (transactional) await client.query("COMMIT");
  } catch (err) {
    if (transactional) await client.query("ROLLBACK").catch(() => undefined);
    const message = oneLine(err);
    await client
      .query(`UPDATE "_prisma_migrations" SET logs = $2 WHERE id = $1`, [id, message])
      .catch(() => undefined);
    throw new MigrationError(
      `migration ${file.name} failed: ${message}. ` +
        (transactional ? "It was rolled back, nothing of it was kept. " : "It ran outside a transaction: check the database by hand. ") +
        `Fix the cause, then run \`npm run db:migrate -- --resolve-rolled-back ${file.name}\` and start again.`,
      file.name,
    );
  }
}

export interface MigrationStatus {
  name: string;
  state: "applied" | "pending" | "failed" | "rolled_back" | "modified";
  finishedAt: Date | null;
}

/** What is applied, pending or failed (for `npm run db:migrate -- --status`). */
export async function migrationStatus(connectionString: string, dir?: string): Promise<MigrationStatus[]> {
  const files = await readMigrations(dir);
  return withClient(connectionString, async (client) => {
    await client.query(CREATE_TABLE);
    const rows = await appliedRows(client);
    return files.map((f) => {
      const mine = rows.filter((r) => r.migration_name === f.name);
      const ok = mine.find((r) => r.finished_at !== null && r.rolled_back_at === null);
      if (ok) return { name: f.name, state: ok.checksum === f.checksum ? "applied" : "modified", finishedAt: ok.finished_at };
      if (mine.some((r) => r.finished_at === null && r.rolled_back_at === null)) return { name: f.name, state: "failed", finishedAt: null };
      if (mine.length > 0) return { name: f.name, state: "rolled_back", finishedAt: null };
      return { name: f.name, state: "pending", finishedAt: null };
    });
  });
}

/** Mark a failed migration as rolled back so the next run applies it again (prisma migrate resolve --rolled-back). */
export async function resolveRolledBack(connectionString: string, name: string): Promise<void> {
  await withClient(connectionString, async (client) => {
    await client.query(CREATE_TABLE);
    const res = await client.query(
      `UPDATE "_prisma_migrations" SET rolled_back_at = now() WHERE migration_name = $1 AND finished_at IS NULL AND rolled_back_at IS NULL`,
      [name],
    );
    if (res.rowCount === 0) throw new MigrationError(`no failed migration named ${name} is recorded`, name);
  });
}

/** Mark a failed migration as applied after fixing it by hand (prisma migrate resolve --applied). */
export async function resolveApplied(connectionString: string, name: string, dir?: string): Promise<void> {
  const file = (await readMigrations(dir)).find((f) => f.name === name);
  if (!file) throw new MigrationError(`there is no migration ${name} in prisma/migrations`, name);
  await withClient(connectionString, async (client) => {
    await client.query(CREATE_TABLE);
    await client.query("BEGIN");
    await client.query(
      `UPDATE "_prisma_migrations" SET rolled_back_at = now() WHERE migration_name = $1 AND finished_at IS NULL AND rolled_back_at IS NULL`,
      [name],
    );
    await client.query(
      `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, finished_at, applied_steps_count, logs)
       VALUES ($1, $2, $3, now(), now(), 0, 'marked applied by hand')`,
      [randomUUID(), file.checksum, name],
    );
    await client.query("COMMIT");
  });
}
