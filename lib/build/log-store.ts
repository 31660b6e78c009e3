// Build and deployment logs in the database: the output as it arrives, in gzip-compressed chunks numbered
// from 0, with secrets already masked (lib/build/log-writer.ts) before a byte is stored. Readers (the
// pages' event streams, the downloads) page through chunks by seq. Builds keep theirs in build_log_chunks,
// deployments in deployment_log_chunks: the same columns, each counting its bytes on its owner's row.
// Each append sends NOTIFY slipway_log '<owner kind>:<id>:<seq>' in its own transaction (delivered at
// commit), which wakes the viewers following that log (lib/db/log-listener.ts).
import { gunzipSync, gzipSync } from "node:zlib";
import { Prisma } from "@/lib/generated/prisma/client";
import { getDb } from "@/lib/db";
import { LOG_CHANNEL } from "@/lib/db/log-listener";

export interface LogChunk {
  seq: number;
  text: string;
  at: Date;
}

type StoredChunk = { seq: number; data: Uint8Array; createdAt: Date };

function unpack(rows: StoredChunk[]): LogChunk[] {
  return rows.map((r) => ({ seq: r.seq, text: gunzipSync(Buffer.from(r.data)).toString("utf8"), at: r.createdAt }));
}

/** The text as stored: gzip and the uncompressed length; null for nothing to store. */
function pack(text: string): { data: Uint8Array<ArrayBuffer>; length: number } | null {
  const bytes = Buffer.from(text, "utf8");
  return bytes.length === 0 ? null : { data: new Uint8Array(gzipSync(bytes)), length: bytes.length };
}

export interface AppendOptions {
  /** this chunk ends a log that passed its cap: the owner's row is flagged in the same transaction */
  truncated?: boolean;
}

/** Whose log it is: names the chunk table, the owner's row that counts the bytes and the NOTIFY payload's prefix. */
export type LogOwner = "build" | "deployment";

type Db = ReturnType<typeof getDb>;
type Totals = { logBytes: { increment: number }; logTruncated?: true };

/** What differs between the two owners: the tables' names for SQL, and the writes through Prisma (which sets updated_at). */
const logTables: Record<
  LogOwner,
  {
    chunks: Prisma.Sql;
    ownerColumn: Prisma.Sql;
    createChunk(db: Db, id: string, chunk: { seq: number; data: Uint8Array<ArrayBuffer>; length: number }): Prisma.PrismaPromise<unknown>;
    countBytes(db: Db, id: string, data: Totals): Prisma.PrismaPromise<unknown>;
    totals(db: Db, id: string): Promise<{ logBytes: number; logTruncated: boolean } | null>;
  }
> = {
  build: {
    chunks: Prisma.raw("build_log_chunks"),
    ownerColumn: Prisma.raw("build_id"),
    createChunk: (db, buildId, chunk) => db.buildLogChunk.create({ data: { buildId, ...chunk } }),
    countBytes: (db, id, data) => db.build.update({ where: { id }, data }),
    totals: (db, id) => db.build.findUnique({ where: { id }, select: { logBytes: true, logTruncated: true } }),
  },
  deployment: {
    chunks: Prisma.raw("deployment_log_chunks"),
    ownerColumn: Prisma.raw("deployment_id"),
    createChunk: (db, deploymentId, chunk) => db.deploymentLogChunk.create({ data: { deploymentId, ...chunk } }),
    countBytes: (db, id, data) => db.deployment.update({ where: { id }, data }),
    totals: (db, id) => db.deployment.findUnique({ where: { id }, select: { logBytes: true, logTruncated: true } }),
  },
};

/** Appends one chunk, counts its bytes on the owner's row and tells the viewers, in one transaction. */
export async function appendLog(owner: LogOwner, id: string, seq: number, text: string, opts: AppendOptions = {}): Promise<void> {
  const c = pack(text);
  if (!c) return;
  const db = getDb();
  const t = logTables[owner];
  await db.$transaction([
    t.createChunk(db, id, { seq, ...c }),
    t.countBytes(db, id, { logBytes: { increment: c.length }, ...(opts.truncated ? { logTruncated: true } : {}) }),
    db.$executeRaw`SELECT pg_notify(${LOG_CHANNEL}, ${`${owner}:${id}:${seq}`})`,
  ]);
}

export const appendBuildLog = (buildId: string, seq: number, text: string, opts?: AppendOptions): Promise<void> => appendLog("build", buildId, seq, text, opts);
export const appendDeploymentLog = (deploymentId: string, seq: number, text: string, opts?: AppendOptions): Promise<void> =>
  appendLog("deployment", deploymentId, seq, text, opts);

type RawChunk = { seq: number; data: Uint8Array; created_at: Date };
const fromRaw = (rows: RawChunk[]): LogChunk[] => unpack(rows.map((r) => ({ seq: r.seq, data: r.data, createdAt: r.created_at })));

/** The chunks after `afterSeq` (-1 for all), oldest first, at most `limit`. */
export async function readLog(owner: LogOwner, id: string, afterSeq = -1, limit = 200): Promise<LogChunk[]> {
  const t = logTables[owner];
  return fromRaw(
    await getDb().$queryRaw<RawChunk[]>(Prisma.sql`
      SELECT seq, data, created_at FROM ${t.chunks} WHERE ${t.ownerColumn} = ${id} AND seq > ${afterSeq} ORDER BY seq LIMIT ${limit}`),
  );
}

export const readBuildLog = (buildId: string, afterSeq?: number, limit?: number): Promise<LogChunk[]> => readLog("build", buildId, afterSeq, limit);
export const readDeploymentLog = (deploymentId: string, afterSeq?: number, limit?: number): Promise<LogChunk[]> => readLog("deployment", deploymentId, afterSeq, limit);

/**
 * A bounded read for streams: at most `limit` chunks, and no more once `maxBytes` of text is reached (always
 * at least one chunk), so a reader holds a bounded amount of a log in memory whatever its chunks' sizes.
 * The running sum is taken over the chunks' stored lengths; only the rows returned are decompressed.
 */
export async function readLogBounded(owner: LogOwner, id: string, afterSeq: number, limit: number, maxBytes: number): Promise<LogChunk[]> {
  const t = logTables[owner];
  return fromRaw(
    await getDb().$queryRaw<RawChunk[]>(Prisma.sql`
      SELECT seq, data, created_at FROM (
        SELECT seq, data, created_at, sum(length) OVER (ORDER BY seq) - length AS before
        FROM ${t.chunks} WHERE ${t.ownerColumn} = ${id} AND seq > ${afterSeq} ORDER BY seq LIMIT ${limit}
      ) page WHERE before < ${maxBytes} ORDER BY seq`),
  );
}

export const readBuildLogBounded = (buildId: string, afterSeq: number, limit: number, maxBytes: number): Promise<LogChunk[]> =>
  readLogBounded("build", buildId, afterSeq, limit, maxBytes);
export const readDeploymentLogBounded = (deploymentId: string, afterSeq: number, limit: number, maxBytes: number): Promise<LogChunk[]> =>
  readLogBounded("deployment", deploymentId, afterSeq, limit, maxBytes);

/** Where a log stands when a writer opens it: a rerun of the runner after a crash continues it. */
export interface LogPosition {
  /** the next free seq */
  nextSeq: number;
  /** bytes stored so far (the cap counts them) */
  bytes: number;
  /** the log was already cut */
  truncated: boolean;
}

async function logPosition(owner: LogOwner, id: string): Promise<LogPosition> {
  const db = getDb();
  const t = logTables[owner];
  const [last, row] = await Promise.all([
    db.$queryRaw<{ seq: number | null }[]>(Prisma.sql`SELECT max(seq) AS seq FROM ${t.chunks} WHERE ${t.ownerColumn} = ${id}`),
    t.totals(db, id),
  ]);
  return { nextSeq: (last[0]?.seq ?? -1) + 1, bytes: row?.logBytes ?? 0, truncated: row?.logTruncated ?? false };
}

/** Where a log writer stores its chunks. */
export interface LogSink {
  append(seq: number, text: string, opts?: AppendOptions): Promise<void>;
  position(): Promise<LogPosition>;
}

export function logSink(owner: LogOwner, id: string): LogSink {
  return { append: (seq, text, opts) => appendLog(owner, id, seq, text, opts), position: () => logPosition(owner, id) };
}

export const buildLogSink = (buildId: string): LogSink => logSink("build", buildId);
export const deploymentLogSink = (deploymentId: string): LogSink => logSink("deployment", deploymentId);
