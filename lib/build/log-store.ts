// Build and deployment logs in the database: the output as it arrives, in gzip-compressed chunks numbered
// from 0, with secrets already masked (lib/build/log-writer.ts) before a byte is stored. Readers (the
// pages' event streams, the downloads) page through chunks by seq. Builds keep theirs in build_log_chunks,
// deployments in deployment_log_chunks: the same columns, each counting its bytes on its owner's row.
// Each append sends NOTIFY slipway_log '<owner kind>:<id>:<seq>' in its own transaction (delivered at
// commit), which wakes the viewers following that log (lib/db/log-listener.ts). A writer marks its log open
// on the owner's row (log_open) from opening to closing, so a viewer of a build that has just ended keeps
// following until the runner's last lines are stored.
import { gunzipSync, gzipSync } from "node:zlib";
import { getDb, getLogPool, type Tx } from "@/lib/db";
import { LOG_CHANNEL } from "@/lib/db/log-listener";
import { isRowId } from "@/lib/validation/ids";

export interface LogChunk {
  seq: number;
  text: string;
  at: Date;
}

/** The text as stored: gzip and the uncompressed length; null for nothing to store. Reads `text` at once (a writer reuses its bytes). */
function pack(text: string | Uint8Array): { data: Uint8Array<ArrayBuffer>; length: number } | null {
  const bytes = typeof text === "string" ? Buffer.from(text, "utf8") : text;
  return bytes.length === 0 ? null : { data: new Uint8Array(gzipSync(bytes)), length: bytes.length };
}

type RawChunk = { seq: number; data: Buffer; created_at: Date };
const fromRaw = (rows: RawChunk[]): LogChunkBytes[] => rows.map((r) => ({ seq: r.seq, bytes: gunzipSync(r.data), at: r.created_at }));

// the statements name their table and column from these two fixed pairs, never from input
const CHUNKS = {
  build: { table: "build_log_chunks", owner: "build_id", ownerTable: "builds" },
  deployment: { table: "deployment_log_chunks", owner: "deployment_id", ownerTable: "deployments" },
} as const;
/** whose log: a build's or a deployment's */
export type LogOwner = keyof typeof CHUNKS;

export interface AppendOptions {
  /** this chunk ends a log that passed its cap: the owner's row is flagged in the same transaction */
  truncated?: boolean;
}

// One statement per chunk (so one implicit transaction, and the NOTIFY is sent at its commit): the chunk's
// row, its bytes counted on the owner's row (updated_at set, as the ORM's @updatedAt would) and the
// notification. It was an ORM batch transaction of three queries; that kept about one chunk's worth of
// objects alive per chunk long enough to reach V8's old space, and a 100 MB log grew the writer's heap
// by ~70 MiB (bench:logs).

/** Appends one chunk, counts its bytes on its owner's row and tells the viewers, in one transaction. */
export async function appendLog(owner: LogOwner, id: string, seq: number, text: string | Uint8Array, opts: AppendOptions = {}): Promise<void> {
  const c = pack(text);
  if (!c) return;
  const { table, owner: column, ownerTable } = CHUNKS[owner];
  // table and column names come from the fixed map above, never from input; every value is a parameter
  await getDb().$executeRawUnsafe(
    `WITH chunk AS (
       INSERT INTO ${table} (${column}, seq, data, length) VALUES ($1, $2, $3, $4)
     ), owner AS (
       UPDATE ${ownerTable} SET log_bytes = log_bytes + $8, log_truncated = log_truncated OR $5,
         updated_at = clock_timestamp() WHERE id = $1
     )
     SELECT pg_notify($6, $7)`,
    id, seq, c.data, c.length, opts.truncated === true, LOG_CHANNEL, `${owner}:${id}:${seq}`, c.length,
  );
}

/**
 * Appends one line of Slipway's own (no secrets in it) as the next chunk, inside the caller's transaction: for a
 * line that must be in the log before anything else can write there, such as the reaper's "re-queued" line,
 * written in the transaction that makes the build runnable again (a log writer opened meanwhile would take the
 * same seq). The caller holds the owner's row lock. A log already cut stays as it is.
 */
export async function appendLogLineInTx(tx: Tx, owner: LogOwner, id: string, line: string): Promise<void> {
  const c = pack(line.endsWith("\n") ? line : `${line}\n`);
  if (!c) return;
  const { table, owner: column, ownerTable } = CHUNKS[owner];
  // table and column names come from the fixed map above, never from input; every value is a parameter
  await tx.$executeRawUnsafe(
    `WITH o AS (
       UPDATE ${ownerTable} SET log_bytes = log_bytes + $3, updated_at = clock_timestamp() WHERE id = $1 AND NOT log_truncated RETURNING id
     ), chunk AS (
       INSERT INTO ${table} (${column}, seq, data, length)
       SELECT $1, (SELECT coalesce(max(seq), -1) + 1 FROM ${table} WHERE ${column} = $1), $2, $3 FROM o
       RETURNING seq
     )
     SELECT pg_notify($4, $5 || ':' || seq) FROM chunk`,
    id, c.data, c.length, LOG_CHANNEL, `${owner}:${id}`,
  );
}

export const appendBuildLog = (buildId: string, seq: number, text: string | Uint8Array, opts?: AppendOptions): Promise<void> => appendLog("build", buildId, seq, text, opts);
export const appendDeploymentLog = (deploymentId: string, seq: number, text: string | Uint8Array, opts?: AppendOptions): Promise<void> =>
  appendLog("deployment", deploymentId, seq, text, opts);

/** The chunks after `afterSeq` (-1 for all), oldest first, at most `limit`, as text. */
export async function readLog(owner: LogOwner, id: string, afterSeq = -1, limit = 200): Promise<LogChunk[]> {
  const { table, owner: column } = CHUNKS[owner];
  const { rows } = await getLogPool().query<RawChunk>(`SELECT seq, data, created_at FROM ${table} WHERE ${column} = $1 AND seq > $2 ORDER BY seq LIMIT $3`, [
    id,
    afterSeq,
    limit,
  ]);
  return rows.map((r) => ({ seq: r.seq, text: gunzipSync(r.data).toString("utf8"), at: r.created_at }));
}

export const readBuildLog = (buildId: string, afterSeq?: number, limit?: number): Promise<LogChunk[]> => readLog("build", buildId, afterSeq, limit);
export const readDeploymentLog = (deploymentId: string, afterSeq?: number, limit?: number): Promise<LogChunk[]> => readLog("deployment", deploymentId, afterSeq, limit);

// Bounded reads for streams: at most `limit` chunks, and no more once `maxBytes` of text is reached (always
// at least one chunk), so a reader holds a bounded amount of a log in memory whatever its chunks' sizes.
// The running sum is taken over the chunks' stored lengths; only the rows returned are decompressed.
// The text stays bytes (UTF-8, as stored): a stream sends it on without making strings of it
// (lib/http/build-log.ts), so following a log costs V8's heap next to nothing per chunk.
export interface LogChunkBytes {
  seq: number;
  /** the chunk's text, UTF-8 */
  bytes: Buffer;
  at: Date;
}


export async function readLogBounded(kind: LogOwner, id: string, afterSeq: number, limit: number, maxBytes: number): Promise<LogChunkBytes[]> {
  const { table, owner } = CHUNKS[kind];
  const { rows } = await getLogPool().query<RawChunk>(
    `SELECT seq, data, created_at FROM (
       SELECT seq, data, created_at, sum(length) OVER (ORDER BY seq) - length AS before
       FROM ${table} WHERE ${owner} = $1 AND seq > $2 ORDER BY seq LIMIT $3
     ) page WHERE before < $4 ORDER BY seq`,
    [id, afterSeq, limit, maxBytes],
  );
  return fromRaw(rows);
}

export function readBuildLogBounded(buildId: string, afterSeq: number, limit: number, maxBytes: number): Promise<LogChunkBytes[]> {
  return readLogBounded("build", buildId, afterSeq, limit, maxBytes);
}

export function readDeploymentLogBounded(deploymentId: string, afterSeq: number, limit: number, maxBytes: number): Promise<LogChunkBytes[]> {
  return readLogBounded("deployment", deploymentId, afterSeq, limit, maxBytes);
}

/** Where a followed build or deployment stands: what its log stream sends as `state` (read on the log pool). */
export interface LogOwnerProgress {
  state: string;
  reason: string | null;
  startedAt: Date | null;
  finishedAt: Date | null;
  /**
   * a writer still has the log open: lines may follow even when the state is final. A writer that died never
   * closes it, so it counts as open for 30 s after the run finished at most.
   */
  logOpen: boolean;
}

export async function logProgress(kind: LogOwner, id: string): Promise<LogOwnerProgress | null> {
  if (!isRowId(id)) return null; // a NUL byte would fail the lookup itself
  const { rows } = await getLogPool().query<LogOwnerProgress>(
    `SELECT state::text AS state, reason, started_at AS "startedAt", finished_at AS "finishedAt",
       log_open AND (finished_at IS NULL OR finished_at > now() - interval '30 seconds') AS "logOpen"
     FROM ${CHUNKS[kind].ownerTable} WHERE id = $1`,
    [id],
  );
  return rows[0] ?? null;
}


/** Where a log stands when a writer opens it: a rerun of the runner after a crash continues it. */
export interface LogPosition {
  /** the next free seq */
  nextSeq: number;
  /** bytes stored so far (the cap counts them) */
  bytes: number;
  /** the log was already cut */
  truncated: boolean;
}

/** Opens a log for writing: marks it open on its owner's row (viewers wait for the close) and says where it stands. */
async function openLog(owner: LogOwner, id: string): Promise<LogPosition> {
  const { table, owner: column, ownerTable } = CHUNKS[owner];
  const { rows } = await getLogPool().query<{ last: number | null; bytes: string | null; truncated: boolean | null }>(
    `WITH o AS (UPDATE ${ownerTable} SET log_open = true WHERE id = $1 RETURNING log_bytes, log_truncated)
     SELECT (SELECT max(seq) FROM ${table} WHERE ${column} = $1) AS last, o.log_bytes::text AS bytes, o.log_truncated AS truncated
     FROM (SELECT 1) one LEFT JOIN o ON true`,
    [id],
  );
  const r = rows[0];
  return { nextSeq: (r?.last ?? -1) + 1, bytes: Number(r?.bytes ?? 0), truncated: r?.truncated ?? false };
}

/**
 * Closes a log: its writer has stored its last chunk. Clears the owner's flag and wakes the viewers (at commit),
 * which end their stream once the owner has ended too.
 */
async function closeLog(owner: LogOwner, id: string, cut: boolean): Promise<void> {
  const { ownerTable } = CHUNKS[owner];
  await getLogPool().query(
    `WITH o AS (UPDATE ${ownerTable} SET log_open = false, log_truncated = log_truncated OR $4 WHERE id = $1) SELECT pg_notify($2, $3)`,
    [id, LOG_CHANNEL, `${owner}:${id}`, cut],
  );
}

/** Where a log writer stores its chunks. */
export interface LogSink {
  /** `text` is UTF-8 whole lines (but for a line longer than a chunk); its bytes are the writer's again once the promise settles: copy what you keep */
  append(seq: number, text: Uint8Array, opts?: AppendOptions): Promise<void>;
  /** where the log stands; the log is open from here until close() */
  position(): Promise<LogPosition>;
  /** the writer stored everything it will (called once, also after a failed chunk); `cut`: the log was cut short (the store was full) */
  close(opts?: { cut?: boolean }): Promise<void>;
}

export function logSink(owner: LogOwner, id: string): LogSink {
  return {
    append: (seq, text, opts) => appendLog(owner, id, seq, text, opts),
    position: () => openLog(owner, id),
    close: (opts) => closeLog(owner, id, opts?.cut === true),
  };
}

export const buildLogSink = (buildId: string): LogSink => logSink("build", buildId);
export const deploymentLogSink = (deploymentId: string): LogSink => logSink("deployment", deploymentId);
