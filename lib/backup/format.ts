// The backup file written by `npm run backup` and read by `npm run restore`: gzip around a framed stream.
//
//   "SLIPWAY-BACKUP\n"                                      magic, so a foreign file is refused in words
//   frame*                                                  [kind: 1 byte][length: uint32 BE][payload]
//     H  header JSON (BackupHeader)                         first frame
//     T  {"table","columns"}                                a table begins
//     D  COPY text-format bytes of that table               any number
//     E  {"table","rows"}                                   the table ends
//     Z  {"sha256","frames"}                                last frame: SHA-256 of every byte before it
//
// A truncated file fails gunzip's length/CRC check or lacks the Z frame; a damaged one fails the CRC or the
// SHA-256; either is refused before anything is written to the database (restore reads the file twice).
// Rows are PostgreSQL's COPY text format, which every server version reads back and which names no type
// by its internal id, so a dump of one PostgreSQL major restores on another.
import { createHash, type Hash } from "node:crypto";
import { z } from "zod";

export const BACKUP_MAGIC = Buffer.from("SLIPWAY-BACKUP\n", "ascii");
export const BACKUP_FORMAT = 1;
/** no frame the writer makes is larger; a larger length means a damaged or foreign file */
export const MAX_FRAME_BYTES = 64 * 1024 * 1024;
/** D frames are cut at about this size */
export const DATA_FRAME_BYTES = 256 * 1024;

export type FrameKind = "H" | "T" | "D" | "E" | "Z";
const KINDS = new Set<string>(["H", "T", "D", "E", "Z"]);

export const backupHeaderSchema = z.object({
  format: z.literal(BACKUP_FORMAT),
  slipwayVersion: z.string(),
  createdAt: z.iso.datetime(),
  postgresVersion: z.string(),
  /** the migrations applied to the database, in order, with their checksums */
  migrations: z.array(z.object({ name: z.string().regex(/^\d{14}_[A-Za-z0-9_]+$/), checksum: z.string() })).min(1),
  /** in the order they follow in the file: a table comes after every table it refers to */
  tables: z.array(z.object({ name: z.string().min(1), columns: z.array(z.string().min(1)).min(1), rows: z.number().int().nonnegative() })),
  /** sequences owned by a column, with their values at the time of the dump */
  sequences: z.array(z.object({ table: z.string(), column: z.string(), lastValue: z.string().regex(/^-?\d+$/), isCalled: z.boolean() })),
});
export type BackupHeader = z.infer<typeof backupHeaderSchema>;

export const tableStartSchema = z.object({ table: z.string().min(1), columns: z.array(z.string().min(1)).min(1) });
export const tableEndSchema = z.object({ table: z.string().min(1), rows: z.number().int().nonnegative() });
export const trailerSchema = z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/), frames: z.number().int().positive() });

/** A file that is not a complete backup of ours; the message says which and what to do. */
export class BackupFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BackupFileError";
  }
}

export function frame(kind: FrameKind, payload: Buffer | string): Buffer {
  const body = typeof payload === "string" ? Buffer.from(payload, "utf8") : payload;
  const head = Buffer.alloc(5);
  head.write(kind, 0, "ascii");
  head.writeUInt32BE(body.length, 1);
  return Buffer.concat([head, body]);
}

export interface Frame {
  kind: FrameKind;
  payload: Buffer;
}

/**
 * Splits the decompressed stream into frames, checking the magic, the frame structure and, at the Z frame,
 * the SHA-256 of everything before it. Yields every frame but Z; throws BackupFileError when the stream is
 * not a complete backup.
 */
export async function* readFrames(decompressed: AsyncIterable<Buffer>, fileName: string): AsyncGenerator<Frame> {
  const hash: Hash = createHash("sha256");
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let magicChecked = false;
  let frames = 0;
  let trailerSeen = false;

  const take = (n: number): Buffer => {
    const all = pending.length === 1 ? pending[0]! : Buffer.concat(pending);
    const out = all.subarray(0, n);
    const rest = all.subarray(n);
    pending = rest.length ? [rest] : [];
    pendingBytes = rest.length;
    return out;
  };
  const peek = (n: number): Buffer => {
    if (pending.length > 1) pending = [Buffer.concat(pending)];
    return pending[0]!.subarray(0, n);
  };

  for await (const chunk of decompressed) {
    if (trailerSeen) throw new BackupFileError(`${fileName} has data after its end mark: it is damaged, or two files were joined`);
    pending.push(chunk);
    pendingBytes += chunk.length;
    if (!magicChecked) {
      if (pendingBytes < BACKUP_MAGIC.length) continue;
      const magic = take(BACKUP_MAGIC.length);
      if (!magic.equals(BACKUP_MAGIC)) throw new BackupFileError(notOurs(fileName));
      hash.update(magic);
      magicChecked = true;
    }
    while (pendingBytes >= 5) {
      const head = peek(5);
      const kind = head.toString("ascii", 0, 1);
      const length = head.readUInt32BE(1);
      if (!KINDS.has(kind) || length > MAX_FRAME_BYTES) throw new BackupFileError(`${fileName} is damaged: frame ${frames + 1} is not valid`);
      if (pendingBytes < 5 + length) break;
      const whole = take(5 + length);
      const payload = whole.subarray(5);
      frames++;
      if (kind === "Z") {
        const trailer = parseJson(trailerSchema, payload, fileName, "end mark");
        const digest = hash.digest("hex");
        if (trailer.sha256 !== digest || trailer.frames !== frames - 1) {
          throw new BackupFileError(`${fileName} is damaged: its contents do not match the checksum written at its end. Restore from another copy.`);
        }
        trailerSeen = true;
        if (pendingBytes > 0) throw new BackupFileError(`${fileName} has data after its end mark: it is damaged, or two files were joined`);
        continue;
      }
      hash.update(whole);
      if (frames === 1 && kind !== "H") throw new BackupFileError(notOurs(fileName));
      yield { kind: kind as FrameKind, payload };
    }
  }
  if (!magicChecked) throw new BackupFileError(pendingBytes === 0 ? `${fileName} is empty: it is not a Slipway backup` : notOurs(fileName));
  if (!trailerSeen) throw new BackupFileError(truncated(fileName));
}

export function parseJson<T>(schema: z.ZodType<T>, payload: Buffer, fileName: string, what: string): T {
  let value: unknown;
  try {
    value = JSON.parse(payload.toString("utf8"));
  } catch {
    throw new BackupFileError(`${fileName} is damaged: its ${what} is not valid JSON`);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new BackupFileError(`${fileName} is not a backup this Slipway can read: its ${what} is invalid (${issue?.path.join(".") || "value"}: ${issue?.message})`);
  }
  return parsed.data;
}

export function notOurs(fileName: string): string {
  return `${fileName} is not a Slipway backup (it does not begin with Slipway's backup header); restore only files written by \`npm run backup\``;
}

export function truncated(fileName: string): string {
  return `${fileName} is truncated: it ends before its end mark (was it copied while being written, or cut by a full disk?). Nothing was restored; use a complete copy.`;
}

/** The gzip stream's own failure (bad CRC, early end), in words. */
export function gunzipFailure(fileName: string, err: Error & { code?: string }): BackupFileError {
  if (err.code === "Z_BUF_ERROR" || /unexpected end of file/i.test(err.message)) return new BackupFileError(truncated(fileName));
  return new BackupFileError(`${fileName} is damaged: its compressed data fails its check (${err.message}). Nothing was restored; use another copy.`);
}

/** The first bytes of a file that is not gzip at all, in words (a pg_dump archive is a likely mistake). */
export function describeForeignStart(fileName: string, start: Buffer): string | null {
  if (start.length >= 2 && start[0] === 0x1f && start[1] === 0x8b) return null;
  if (start.length === 0) return `${fileName} is empty: it is not a Slipway backup`;
  if (start.subarray(0, 5).toString("latin1") === "PGDMP") {
    return `${fileName} is a pg_dump archive, not a Slipway backup; restore it with pg_restore, or use a file written by \`npm run backup\``;
  }
  return `${fileName} is not a Slipway backup (it is not gzip-compressed); restore only files written by \`npm run backup\``;
}
