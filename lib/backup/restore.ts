// Restores a backup written by lib/backup/dump.ts into an empty database, in this order:
//   1. the whole file is read and checked (magic, frames, gzip CRC, SHA-256, row counts) before the database is
//      touched, so a truncated or foreign file changes nothing, even with --force;
//   2. the database is refused when another client is connected to it, or when Slipway's tables hold rows
//      (unless --force, which then drops Slipway's tables, types, functions and job queue first);
//   3. the schema is built with our migrations up to the backup's last one (each in its own transaction, as
//      start-up applies them: a migration may add an enum value that the rows then use, which PostgreSQL
//      allows only after that migration committed);
//   4. every row is copied back in ONE transaction: the foreign keys are dropped (github_apps and secrets
//      name each other, so no table order would do), the rows copied (COPY ... FROM STDIN), the foreign keys
//      added back (which checks every row against them), the sequences set to their dumped values and the
//      counts checked against the file's: all or nothing, and nothing but superuser-free SQL;
//   5. newer migrations (a backup from an older Slipway) and the job queue's schema are applied as at start-up.
// The caller then verifies the audit chain and records the restore (scripts/restore.ts).
import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import path from "node:path";
import { finished } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { migrate, readMigrations, redactUrl } from "@/lib/db/migrate";
import { prepareDatabase } from "@/lib/db/prepare";
import { appliedMigrations, foreignKeys, slipwayTables } from "@/lib/backup/catalog";
import {
  backupHeaderSchema,
  BackupFileError,
  describeForeignStart,
  gunzipFailure,
  parseJson,
  readFrames,
  tableEndSchema,
  tableStartSchema,
  type BackupHeader,
} from "@/lib/backup/format";

/** The database is not one restore may write to; the message says why and what to do. */
export class RestoreRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RestoreRefusedError";
  }
}

export interface RestoreOptions {
  force?: boolean;
  log?: (line: string) => void;
  /** prisma/migrations by default */
  migrationsDir?: string;
  /** the file's header, when the caller already checked the file with checkBackupFile */
  header?: BackupHeader;
  /** how long a statement waits for a lock before the restore gives up; default 30 s */
  lockTimeoutMs?: number;
  /** the whole restore is given up (and rolled back) after this long; default one hour */
  timeoutMs?: number;
}

export interface RestoreResult {
  header: BackupHeader;
  /** rows per table, as copied back (and checked against the file) */
  rows: Record<string, number>;
  /** migrations newer than the backup, applied after the rows */
  upgraded: string[];
  /** what was in the database before and was dropped */
  dropped: "nothing" | "empty schema" | "data (--force)";
  warnings: string[];
}

type Item =
  | { type: "table"; table: string; columns: string[] }
  | { type: "data"; bytes: Buffer }
  | { type: "end"; table: string; rows: number };

/** Reads the file's frames in order, checking them against its header; throws BackupFileError in words. */
async function* walk(file: string, onHeader: (h: BackupHeader) => void): AsyncGenerator<Item> {
  const name = path.basename(file);
  const start = await open(file, "r").then(async (h) => {
    try {
      const buf = Buffer.alloc(16);
      const { bytesRead } = await h.read(buf, 0, 16, 0);
      return buf.subarray(0, bytesRead);
    } finally {
      await h.close();
    }
  }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") throw new BackupFileError(`${file} does not exist`);
    throw err;
  });
  const foreign = describeForeignStart(name, start);
  if (foreign) throw new BackupFileError(foreign);

  const gunzip = createReadStream(file).pipe(createGunzip());
  const decompressed = (async function* () {
    try {
      for await (const chunk of gunzip) yield chunk as Buffer;
    } catch (err) {
      throw gunzipFailure(name, err as Error);
    }
  })();

  let header: BackupHeader | undefined;
  let index = 0;
  let current: { table: string; columns: string[]; bytes: number } | undefined;
  for await (const f of readFrames(decompressed, name)) {
    if (f.kind === "H") {
      if (header) throw new BackupFileError(`${name} is damaged: it has two headers`);
      header = parseJson(backupHeaderSchema, f.payload, name, "header");
      onHeader(header);
      continue;
    }
    if (!header) throw new BackupFileError(`${name} is damaged: it has no header`);
    if (f.kind === "T") {
      const t = parseJson(tableStartSchema, f.payload, name, "table mark");
      const expected = header.tables[index];
      if (current || !expected || expected.name !== t.table || expected.columns.join() !== t.columns.join()) {
        throw new BackupFileError(`${name} is damaged: table ${t.table} is not where its header says`);
      }
      current = { ...t, bytes: 0 };
      yield { type: "table", table: t.table, columns: t.columns };
    } else if (f.kind === "D") {
      if (!current) throw new BackupFileError(`${name} is damaged: rows outside a table`);
      yield { type: "data", bytes: f.payload };
    } else if (f.kind === "E") {
      const e = parseJson(tableEndSchema, f.payload, name, "table end");
      if (!current || e.table !== current.table || e.rows !== header.tables[index]!.rows) {
        throw new BackupFileError(`${name} is damaged: table ${e.table} ends with ${e.rows} rows where its header says otherwise`);
      }
      current = undefined;
      index++;
      yield { type: "end", table: e.table, rows: e.rows };
    }
  }
  if (!header || index !== header.tables.length || current) throw new BackupFileError(`${name} is damaged: it holds fewer tables than its header lists`);
}

/** Reads the whole file and checks it; the header when it is a complete backup of ours. */
export async function checkBackupFile(file: string): Promise<BackupHeader> {
  let header: BackupHeader | undefined;
  for await (const item of walk(file, (h) => (header = h))) void item;
  return header!;
}

/** Our migrations must start with the backup's; a backup from a newer Slipway is refused. */
async function planMigrations(header: BackupHeader, dir: string | undefined): Promise<{ upTo: string; warnings: string[] }> {
  const ours = await readMigrations(dir);
  const warnings: string[] = [];
  header.migrations.forEach((m, i) => {
    const mine = ours[i];
    if (!mine || mine.name !== m.name) {
      const known = ours.some((o) => o.name === m.name);
      throw new BackupFileError(
        known
          ? `the backup's migrations do not match this Slipway's (${m.name} is at position ${i + 1} there): it was made by a Slipway with other migrations; restore it with the version that made it (${header.slipwayVersion})`
          : `the backup was made by a newer Slipway (${header.slipwayVersion}): its migration ${m.name} is not in prisma/migrations here; upgrade Slipway, then restore`,
      );
    }
    if (mine.checksum !== m.checksum) warnings.push(`migration ${m.name} differs from the one the backup's database applied (checksum); the schema may differ slightly`);
  });
  return { upTo: header.migrations.at(-1)!.name, warnings };
}

function connect(url: string): pg.Client {
  return new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000, application_name: "slipway restore" });
}

/** Tables of ours that hold at least one row. */
async function tablesWithRows(client: pg.Client): Promise<string[]> {
  const out: string[] = [];
  for (const t of await slipwayTables(client)) {
    const res = await client.query<{ any: boolean }>(`SELECT EXISTS (SELECT 1 FROM ${pg.escapeIdentifier(t.name)}) AS any`);
    if (res.rows[0]!.any) out.push(t.name);
  }
  return out;
}

/** Drops every table, sequence, type and function of the current schema (not an extension's), and the job queue. */
async function dropSlipwaySchema(client: pg.Client, withJobQueue: boolean): Promise<void> {
  const notExtension = (cls: string, oid: string) =>
    `NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = '${cls}'::regclass AND d.objid = ${oid} AND d.deptype = 'e')`;
  await client.query("BEGIN");
  try {
    const rels = await client.query<{ name: string; kind: string }>(
      `SELECT c.relname AS name, c.relkind::text AS kind FROM pg_class c
       WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'S') AND ${notExtension("pg_class", "c.oid")}`,
    );
    for (const r of rels.rows.filter((r) => r.kind === "r" || r.kind === "p")) await client.query(`DROP TABLE IF EXISTS ${pg.escapeIdentifier(r.name)} CASCADE`);
    for (const r of rels.rows.filter((r) => r.kind === "v")) await client.query(`DROP VIEW IF EXISTS ${pg.escapeIdentifier(r.name)} CASCADE`);
    for (const r of rels.rows.filter((r) => r.kind === "m")) await client.query(`DROP MATERIALIZED VIEW IF EXISTS ${pg.escapeIdentifier(r.name)} CASCADE`);
    for (const r of rels.rows.filter((r) => r.kind === "S")) await client.query(`DROP SEQUENCE IF EXISTS ${pg.escapeIdentifier(r.name)} CASCADE`);
    const types = await client.query<{ name: string }>(
      `SELECT t.typname AS name FROM pg_type t
       WHERE t.typnamespace = current_schema()::regnamespace AND t.typtype IN ('e', 'd') AND ${notExtension("pg_type", "t.oid")}`,
    );
    for (const t of types.rows) await client.query(`DROP TYPE IF EXISTS ${pg.escapeIdentifier(t.name)} CASCADE`);
    const fns = await client.query<{ sig: string }>(
      `SELECT p.oid::regprocedure::text AS sig FROM pg_proc p
       WHERE p.pronamespace = current_schema()::regnamespace AND ${notExtension("pg_proc", "p.oid")}`,
    );
    for (const f of fns.rows) await client.query(`DROP ROUTINE IF EXISTS ${f.sig} CASCADE`);
    if (withJobQueue) await client.query("DROP SCHEMA IF EXISTS graphile_worker CASCADE");
    await client.query("COMMIT");
  } catch (err) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw err;
  }
}

export async function restoreBackup(url: string, file: string, opts: RestoreOptions = {}): Promise<RestoreResult> {
  const log = opts.log ?? (() => undefined);
  const lockTimeout = Math.max(1, Math.round(opts.lockTimeoutMs ?? 30_000));

  // 1. the file, whole, before anything else
  const header = opts.header ?? (await checkBackupFile(file));
  const plan = await planMigrations(header, opts.migrationsDir);

  // 2. the database
  let dropped: RestoreResult["dropped"] = "nothing";
  const client = connect(url);
  await client.connect();
  try {
    await client.query(`SET lock_timeout = ${lockTimeout}`);
    // a connection that was just closed (the caller's reachability check) may linger for a moment: look again
    let others: { n: string; apps: string | null } | undefined;
    for (let attempt = 0; attempt < 5; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, 200));
      const res = await client.query<{ n: string; apps: string | null }>(
        `SELECT count(*) AS n, string_agg(DISTINCT NULLIF(application_name, ''), ', ') AS apps FROM pg_stat_activity
         WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'`,
      );
      others = res.rows[0]!;
      if (Number(others.n) === 0) break;
    }
    const n = Number(others!.n);
    if (n > 0) {
      throw new RestoreRefusedError(
        `${n} other connection(s) are open to the database at ${redactUrl(url)}${others!.apps ? ` (${others!.apps})` : ""}: ` +
          "stop Slipway (npm start, npm run web, every npm run worker) before restoring, so nothing writes while the backup goes in",
      );
    }
    const full = await tablesWithRows(client);
    if (full.length > 0 && !opts.force) {
      throw new RestoreRefusedError(
        `the database at ${redactUrl(url)} already holds Slipway data (rows in ${full.join(", ")}); restore writes only into an empty database. ` +
          "Restore into a new, empty database (set DATABASE_URL to it), or run `npm run restore -- FILE --force` to drop Slipway's tables here first: everything in them is lost.",
      );
    }
    const applied = await appliedMigrations(client);
    const tables = await slipwayTables(client);
    const sameLevel = applied !== null && applied.map((m) => m.name).join() === header.migrations.map((m) => m.name).join();
    if (full.length > 0) {
      log(`dropping Slipway's tables (--force): rows in ${full.join(", ")}`);
      await dropSlipwaySchema(client, true);
      dropped = "data (--force)";
    } else if ((tables.length > 0 || applied !== null) && !sameLevel) {
      // empty tables of another schema version: nothing is lost by building the backup's version instead
      log("the database has Slipway's tables, empty, at another schema version: dropping them to build the backup's version");
      await dropSlipwaySchema(client, false);
      dropped = "empty schema";
    }
  } finally {
    await client.end().catch(() => undefined);
  }

  // 3. the schema as the backup's database had it
  await migrate(url, { dir: opts.migrationsDir, upTo: plan.upTo, log });

  // 4. the rows, all or nothing
  const rows = await copyRowsBack(url, file, header, lockTimeout, opts.timeoutMs ?? 3_600_000, log);

  // 5. newer migrations, and the job queue's schema
  const result = await prepareDatabase(url, log);
  return { header, rows, upgraded: result.applied, dropped, warnings: plan.warnings };
}

async function copyRowsBack(url: string, file: string, header: BackupHeader, lockTimeout: number, timeoutMs: number, log: (line: string) => void): Promise<Record<string, number>> {
  const client = connect(url);
  await client.connect();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    // the server rolls the transaction back when its connection goes
    void client.end().catch(() => undefined);
  }, timeoutMs);
  const rows: Record<string, number> = {};
  let copy: ReturnType<typeof copyFrom> | undefined;
  try {
    await client.query("BEGIN");
    await client.query(`SET LOCAL lock_timeout = ${lockTimeout}`);
    // the rows of dora_days come from the file as they were: the trigger that derives them from deployments
    // (migration 20261205080814_dora_days) would recompute them row by row, against tables not yet copied
    await client.query(`SET LOCAL slipway.dora_off = 'on'`);
    const fks = await foreignKeys(client);
    for (const fk of fks) await client.query(`ALTER TABLE ${pg.escapeIdentifier(fk.table)} DROP CONSTRAINT ${pg.escapeIdentifier(fk.name)}`);
    let done: Promise<void> | undefined;
    for await (const item of walk(file, () => undefined)) {
      if (item.type === "table") {
        const sql = `COPY ${pg.escapeIdentifier(item.table)} (${item.columns.map((c) => pg.escapeIdentifier(c)).join(", ")}) FROM STDIN`;
        copy = client.query(copyFrom(sql));
        done = finished(copy);
        done.catch(() => undefined); // awaited at the table's end; an early failure also ends a write below
      } else if (item.type === "data") {
        if (!copy!.write(item.bytes)) await Promise.race([new Promise((r) => copy!.once("drain", r)), done]);
      } else {
        copy!.end();
        await done;
        if (copy!.rowCount !== item.rows) throw new Error(`table ${item.table}: ${copy!.rowCount} rows went in where the backup has ${item.rows}`);
        rows[item.table] = copy!.rowCount;
        copy = undefined;
        log(`restored ${item.table}: ${item.rows} row(s)`);
      }
    }
    for (const fk of fks) {
      await client.query(`ALTER TABLE ${pg.escapeIdentifier(fk.table)} ADD CONSTRAINT ${pg.escapeIdentifier(fk.name)} ${fk.definition}`);
    }
    for (const s of header.sequences) {
      await client.query(`SELECT setval(pg_get_serial_sequence($1, $2), $3::bigint, $4)`, [pg.escapeIdentifier(s.table), s.column, s.lastValue, s.isCalled]);
    }
    await client.query("COMMIT");
    return rows;
  } catch (err) {
    if (copy) copy.destroy(err as Error);
    await client.query("ROLLBACK").catch(() => undefined);
    if (timedOut) throw new Error(`the restore did not finish within ${Math.round(timeoutMs / 1000)} s and was rolled back; nothing of the rows was kept`);
    throw err;
  } finally {
    clearTimeout(timer);
    await client.end().catch(() => undefined);
  }
}
