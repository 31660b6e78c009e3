// Build and deployment logs in the database: the output as it arrives, in gzip-compressed chunks numbered
// from 0, with secrets already masked (lib/build/log-writer.ts) before a byte is stored. Readers (the
// pages' event streams, the downloads) page through chunks by seq. Builds keep theirs in build_log_chunks,
// deployments in deployment_log_chunks: the same columns, each counting its bytes on its owner's row.
import { gunzipSync, gzipSync } from "node:zlib";
import { getDb } from "@/lib/db";

export interface LogChunk {
  seq: number;
  text: string;
  at: Date;
}

type StoredChunk = { seq: number; data: Uint8Array; createdAt: Date };
const chunkSelect = { seq: true, data: true, createdAt: true } as const;

function unpack(rows: StoredChunk[]): LogChunk[] {
  return rows.map((r) => ({ seq: r.seq, text: gunzipSync(Buffer.from(r.data)).toString("utf8"), at: r.createdAt }));
}

/** The text as stored: gzip and the uncompressed length; null for nothing to store. */
function pack(text: string): { data: Uint8Array<ArrayBuffer>; length: number } | null {
  const bytes = Buffer.from(text, "utf8");
  return bytes.length === 0 ? null : { data: new Uint8Array(gzipSync(bytes)), length: bytes.length };
}

/** Appends one chunk and counts its bytes on the build, in one transaction. */
export async function appendBuildLog(buildId: string, seq: number, text: string): Promise<void> {
  const c = pack(text);
  if (!c) return;
  const db = getDb();
  await db.$transaction([db.buildLogChunk.create({ data: { buildId, seq, ...c } }), db.build.update({ where: { id: buildId }, data: { logBytes: { increment: c.length } } })]);
}

/** The chunks after `afterSeq` (-1 for all), oldest first, at most `limit`. */
export async function readBuildLog(buildId: string, afterSeq = -1, limit = 200): Promise<LogChunk[]> {
  return unpack(await getDb().buildLogChunk.findMany({ where: { buildId, seq: { gt: afterSeq } }, orderBy: { seq: "asc" }, take: limit, select: chunkSelect }));
}

/** The next free seq for a build (a rerun of the runner after a crash continues the numbering). */
export async function nextLogSeq(buildId: string): Promise<number> {
  const last = await getDb().buildLogChunk.findFirst({ where: { buildId }, orderBy: { seq: "desc" }, select: { seq: true } });
  return (last?.seq ?? -1) + 1;
}

/** Appends one chunk of a deployment's log and counts its bytes, in one transaction. */
export async function appendDeploymentLog(deploymentId: string, seq: number, text: string): Promise<void> {
  const c = pack(text);
  if (!c) return;
  const db = getDb();
  await db.$transaction([
    db.deploymentLogChunk.create({ data: { deploymentId, seq, ...c } }),
    db.deployment.update({ where: { id: deploymentId }, data: { logBytes: { increment: c.length } } }),
  ]);
}

export async function readDeploymentLog(deploymentId: string, afterSeq = -1, limit = 200): Promise<LogChunk[]> {
  return unpack(await getDb().deploymentLogChunk.findMany({ where: { deploymentId, seq: { gt: afterSeq } }, orderBy: { seq: "asc" }, take: limit, select: chunkSelect }));
}

export async function nextDeploymentLogSeq(deploymentId: string): Promise<number> {
  const last = await getDb().deploymentLogChunk.findFirst({ where: { deploymentId }, orderBy: { seq: "desc" }, select: { seq: true } });
  return (last?.seq ?? -1) + 1;
}

/** Where a log writer stores its chunks. */
export interface LogSink {
  append(seq: number, text: string): Promise<void>;
  nextSeq(): Promise<number>;
}

export function buildLogSink(buildId: string): LogSink {
  return { append: (seq, text) => appendBuildLog(buildId, seq, text), nextSeq: () => nextLogSeq(buildId) };
}

export function deploymentLogSink(deploymentId: string): LogSink {
  return { append: (seq, text) => appendDeploymentLog(deploymentId, seq, text), nextSeq: () => nextDeploymentLogSeq(deploymentId) };
}
