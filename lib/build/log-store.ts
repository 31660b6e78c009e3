// Build logs in the database: the output as it arrives, in gzip-compressed chunks numbered from 0, with
// secrets already masked (lib/build/mask.ts) before a byte is stored. Readers (the build page's event
// stream, the download) page through chunks by seq.
import { gunzipSync, gzipSync } from "node:zlib";
import { getDb } from "@/lib/db";

export interface LogChunk {
  seq: number;
  text: string;
  at: Date;
}

/** Appends one chunk and counts its bytes on the build, in one statement each, in one transaction. */
export async function appendBuildLog(buildId: string, seq: number, text: string): Promise<void> {
  const bytes = Buffer.from(text, "utf8");
  if (bytes.length === 0) return;
  const data = gzipSync(bytes);
  await getDb().$transaction([
    getDb().buildLogChunk.create({ data: { buildId, seq, data: new Uint8Array(data), length: bytes.length } }),
    getDb().build.update({ where: { id: buildId }, data: { logBytes: { increment: bytes.length } } }),
  ]);
}

/** The chunks after `afterSeq` (-1 for all), oldest first, at most `limit`. */
export async function readBuildLog(buildId: string, afterSeq = -1, limit = 200): Promise<LogChunk[]> {
  const rows = await getDb().buildLogChunk.findMany({
    where: { buildId, seq: { gt: afterSeq } },
    orderBy: { seq: "asc" },
    take: limit,
    select: { seq: true, data: true, createdAt: true },
  });
  return rows.map((r) => ({ seq: r.seq, text: gunzipSync(Buffer.from(r.data)).toString("utf8"), at: r.createdAt }));
}

/** The next free seq for a build (a rerun of the runner after a crash continues the numbering). */
export async function nextLogSeq(buildId: string): Promise<number> {
  const last = await getDb().buildLogChunk.findFirst({ where: { buildId }, orderBy: { seq: "desc" }, select: { seq: true } });
  return (last?.seq ?? -1) + 1;
}

// ─── deployment logs: the same format in deployment_log_chunks ─────────────────────────────────────────

/** Appends one chunk of a deployment's log and counts its bytes, in one transaction. */
export async function appendDeploymentLog(deploymentId: string, seq: number, text: string): Promise<void> {
  const bytes = Buffer.from(text, "utf8");
  if (bytes.length === 0) return;
  const data = gzipSync(bytes);
  await getDb().$transaction([
    getDb().deploymentLogChunk.create({ data: { deploymentId, seq, data: new Uint8Array(data), length: bytes.length } }),
    getDb().deployment.update({ where: { id: deploymentId }, data: { logBytes: { increment: bytes.length } } }),
  ]);
}

export async function readDeploymentLog(deploymentId: string, afterSeq = -1, limit = 200): Promise<LogChunk[]> {
  const rows = await getDb().deploymentLogChunk.findMany({
    where: { deploymentId, seq: { gt: afterSeq } },
    orderBy: { seq: "asc" },
    take: limit,
    select: { seq: true, data: true, createdAt: true },
  });
  return rows.map((r) => ({ seq: r.seq, text: gunzipSync(Buffer.from(r.data)).toString("utf8"), at: r.createdAt }));
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
