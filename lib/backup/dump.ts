// Writes a backup of Slipway's database (lib/backup/format.ts) from one snapshot: a REPEATABLE READ, READ ONLY
// transaction sees the database as it was when it began, whatever commits meanwhile, so rows that refer to
// each other are always dumped together (the row counts of the header are taken in the same snapshot).
// Nothing is held in memory but one frame: each table streams through COPY ... TO STDOUT, gzip and the file.
//
// The file appears under its name only when complete: it is written as NAME.partial (created exclusively,
// mode 0600) and hard-linked to NAME at the end, which fails if NAME appeared meanwhile.
import { createHash } from "node:crypto";
import { constants as fsConstants } from "node:fs";
import { chmod, link, mkdir, open, stat, unlink } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import pg from "pg";
import { to as copyTo } from "pg-copy-streams";
import { slipwayVersion } from "@/lib/version";
import { appliedMigrations, ownedSequences, slipwayTables } from "@/lib/backup/catalog";
import { BACKUP_FORMAT, BACKUP_MAGIC, DATA_FRAME_BYTES, frame, type BackupHeader } from "@/lib/backup/format";

export class BackupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BackupError";
  }
}

export interface BackupResult {
  file: string;
  bytes: number;
  header: BackupHeader;
}

export interface BackupOptions {
  /** the whole dump is given up (and its partial file removed) after this long; default one hour */
  timeoutMs?: number;
  /** how long a statement waits for a lock (a migration running) before the dump gives up; default 30 s */
  lockTimeoutMs?: number;
}

/** `slipway-backup-20261204T224518Z.gz`: sorts by time, no characters a shell or Windows would mind. */
export function defaultBackupName(now: Date = new Date()): string {
  return `slipway-backup-${now.toISOString().replace(/\.\d{3}Z$/, "Z").replace(/[-:]/g, "")}.gz`;
}

export async function writeBackup(connectionString: string, file: string, opts: BackupOptions = {}): Promise<BackupResult> {
  const target = path.resolve(file);
  if (await exists(target)) throw new BackupError(`${target} already exists; backup never overwrites a file: choose another name with --out, or move it away`);
  await mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
  const partial = `${target}.partial`;
  // O_EXCL: a second backup writing the same name at the same moment is refused instead of interleaved
  const handle = await open(partial, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL, 0o600).catch((err: NodeJS.ErrnoException) => {
    if (err.code === "EEXIST") throw new BackupError(`${partial} exists: another backup is writing it, or one was interrupted (then delete it)`);
    throw err;
  });

  const client = new pg.Client({ connectionString, connectionTimeoutMillis: 10_000, application_name: "slipway backup" });
  const abort = new AbortController();
  const timeoutMs = opts.timeoutMs ?? 3_600_000;
  const timer = setTimeout(() => {
    abort.abort(new BackupError(`the backup did not finish within ${Math.round(timeoutMs / 1000)} s and was given up; nothing was kept`));
    void client.end().catch(() => undefined); // a statement still running ends with its connection
  }, timeoutMs);
  let header: BackupHeader | undefined;
  try {
    await client.connect();
    // REPEATABLE READ: one snapshot for every statement below. (DEFERRABLE would only matter for SERIALIZABLE.)
    await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    await client.query(`SET LOCAL lock_timeout = ${Math.max(1, Math.round(opts.lockTimeoutMs ?? 30_000))}`);
    header = await readHeader(client);
    const stream = Readable.from(frames(client, header));
    await pipeline(stream, createGzip({ level: 6 }), handle.createWriteStream(), { signal: abort.signal });
    await client.query("COMMIT");
    await chmod(partial, 0o600);
    await link(partial, target).catch((err: NodeJS.ErrnoException) => {
      if (err.code === "EEXIST") throw new BackupError(`${target} appeared while the backup was written; the backup is kept as ${partial}`);
      throw err;
    });
    await unlink(partial);
    return { file: target, bytes: (await stat(target)).size, header };
  } catch (err) {
    await unlink(partial).catch(() => undefined);
    if (abort.signal.aborted) throw abort.signal.reason as Error;
    throw err;
  } finally {
    clearTimeout(timer);
    await handle.close().catch(() => undefined);
    await client.end().catch(() => undefined);
  }
}

async function readHeader(client: pg.Client): Promise<BackupHeader> {
  const migrations = await appliedMigrations(client);
  if (!migrations || migrations.length === 0) {
    throw new BackupError("the database has no Slipway schema (no applied migrations): there is nothing to back up; is DATABASE_URL the right database?");
  }
  const tables = await slipwayTables(client);
  const withRows: BackupHeader["tables"] = [];
  for (const t of tables) {
    const res = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${pg.escapeIdentifier(t.name)}`);
    withRows.push({ ...t, rows: Number(res.rows[0]!.n) });
  }
  const sequences: BackupHeader["sequences"] = [];
  for (const s of await ownedSequences(client)) {
    const res = await client.query<{ last_value: string; is_called: boolean }>(`SELECT last_value::text, is_called FROM ${pg.escapeIdentifier(s.sequence)}`);
    sequences.push({ table: s.table, column: s.column, lastValue: res.rows[0]!.last_value, isCalled: res.rows[0]!.is_called });
  }
  const version = await client.query<{ v: string }>("SELECT current_setting('server_version') AS v");
  return {
    format: BACKUP_FORMAT,
    slipwayVersion,
    createdAt: new Date().toISOString(),
    postgresVersion: version.rows[0]!.v,
    migrations,
    tables: withRows,
    sequences,
  };
}

async function* frames(client: pg.Client, header: BackupHeader): AsyncGenerator<Buffer> {
  const hash = createHash("sha256");
  let count = 0;
  const emit = (b: Buffer): Buffer => {
    hash.update(b);
    return b;
  };
  const framed = (kind: "H" | "T" | "D" | "E", payload: Buffer | string): Buffer => {
    count++;
    return emit(frame(kind, payload));
  };
  yield emit(BACKUP_MAGIC);
  yield framed("H", JSON.stringify(header));
  for (const t of header.tables) {
    yield framed("T", JSON.stringify({ table: t.name, columns: t.columns }));
    const sql = `COPY ${pg.escapeIdentifier(t.name)} (${t.columns.map((c) => pg.escapeIdentifier(c)).join(", ")}) TO STDOUT`;
    const copy = client.query(copyTo(sql));
    let buffered: Buffer[] = [];
    let size = 0;
    for await (const chunk of copy as AsyncIterable<Buffer>) {
      buffered.push(chunk);
      size += chunk.length;
      if (size >= DATA_FRAME_BYTES) {
        yield framed("D", Buffer.concat(buffered));
        buffered = [];
        size = 0;
      }
    }
    if (size > 0) yield framed("D", Buffer.concat(buffered));
    if (copy.rowCount !== t.rows) {
      throw new BackupError(`table ${t.name} gave ${copy.rowCount} rows where its count said ${t.rows} in the same snapshot; nothing was kept`);
    }
    yield framed("E", JSON.stringify({ table: t.name, rows: copy.rowCount }));
  }
  const digest = hash.digest("hex");
  yield frame("Z", JSON.stringify({ sha256: digest, frames: count }));
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}
