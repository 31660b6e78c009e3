// The build's own log as it is written: lines are masked (every secret value, and each line of a multi-line
// one, becomes ***), buffered, and stored as gzip chunks (lib/build/log-store.ts). A partial line waits for
// its end so a secret split across two writes is still masked, unless it grows past a bound.
//
// Latency and backpressure: what is written is stored at once when nothing is being stored (on the next
// turn of the event loop, so the lines of one burst share a chunk); while a chunk is being stored, new
// text waits and goes out as the next chunk, so a flood makes big chunks and a trickle small ones. At most
// one chunk is in flight. The buffer is bounded by its callers: write() returns false once HIGH_WATER bytes
// wait, and a caller that streams (the daemon's build output) waits for drained() before reading more.
//
// Memory: what waits is kept as bytes in fixed blocks of CHUNK_MAX_BYTES (one block = one chunk), reused
// from a small free list, not as one string per line: a line's string dies young, so a flood of short
// lines does not promote millions of small strings into V8's old space (the writer's RSS then grew by
// ~150 MiB for a 100 MB log, bench:logs). A writer holds at most the buffered blocks, one in flight and
// SPARE_BLOCKS spare, whatever the log's size.
import { env } from "@/lib/env";
import { LOG_STORE_FULL } from "@/lib/validation/build-states";
import { buildLogSink, deploymentLogSink, type LogSink } from "@/lib/build/log-store";

const MAX_PARTIAL = 16 * 1024;
/** the most text one stored chunk holds (a reader holds a few of them at a time) */
export const CHUNK_MAX_BYTES = 64 * 1024;
/** buffered text beyond this makes write() return false until drained() */
export const HIGH_WATER_BYTES = 1024 * 1024;
const MIB = 1024 * 1024;
/** emptied blocks kept for reuse (each CHUNK_MAX_BYTES) */
const SPARE_BLOCKS = 2;

/** Buffered text, as UTF-8: a block becomes one chunk. A sealed block takes no more text. */
interface Block {
  buf: Buffer;
  len: number;
  sealed: boolean;
}

export { LOG_STORE_FULL };

/**
 * PostgreSQL could not store a chunk for lack of disk space: SQLSTATE 53100 disk_full ("could not extend file
 * …: No space left on device"), wherever the driver or the ORM put it on the error.
 */
export function isDiskFull(err: unknown): boolean {
  const seen = new Set<unknown>();
  const visit = (e: unknown, depth: number): boolean => {
    if (depth > 5 || e === null || typeof e !== "object" || seen.has(e)) return typeof e === "string" && /^53100$|could not extend file|No space left on device/i.test(e);
    seen.add(e);
    for (const key of ["code", "originalCode", "message", "originalMessage", "cause", "meta", "driverAdapterError"]) {
      if (visit((e as Record<string, unknown>)[key], depth + 1)) return true;
    }
    return false;
  };
  return visit(err, 0);
}

/** The size a log is cut at: SLIPWAY_LOG_MAX_MB. */
export function maxLogBytes(): number {
  return env().SLIPWAY_LOG_MAX_MB * MIB;
}

export interface LogWriterOptions {
  /** cut the log at this many bytes (default SLIPWAY_LOG_MAX_MB) */
  maxBytes?: number;
}

/** The values to hide: each secret, and every line of multi-line ones (a PEM key printed line by line). */
export function maskValues(secrets: readonly string[]): string[] {
  const out = new Set<string>();
  for (const s of secrets) {
    if (s.length < 4) continue; // too short to mask without hiding ordinary words; such values are refused earlier
    out.add(s);
    for (const line of s.split(/\r?\n/)) if (line.trim().length >= 4) out.add(line);
  }
  // longest first, so a value that contains another is hidden whole
  return [...out].sort((a, b) => b.length - a.length);
}

export function maskText(text: string, values: readonly string[]): string {
  let out = text;
  for (const v of values) if (out.includes(v)) out = out.split(v).join("***");
  return out;
}

export class BuildLogWriter {
  private seq = -1;
  private partial = "";
  /** buffered text in blocks, oldest first; only the last one may be open */
  private pending: Block[] = [];
  private spare: Buffer[] = [];
  private pendingBytes = 0;
  /** bytes of this log stored or buffered, counting earlier writers of the same log (the cap counts all) */
  private written = 0;
  private truncated = false;
  /** the cut notice is buffered: the chunk that stores it flags the build or deployment */
  private cutNoticePending = false;
  private endsWithNewline = true;
  private scheduled = false;
  private storing: Promise<void> | null = null;
  private drainWaiters: Array<() => void> = [];
  private failed: unknown;
  /** the store said its disk is full: the log is cut there, and what comes after is counted, not kept */
  private fullAt: { storedBytes: number; detail: string } | null = null;
  private droppedBytes = 0;
  private readonly values: string[];

  private constructor(
    private readonly sink: LogSink,
    secrets: readonly string[],
    private readonly startedAt: number,
    private readonly maxBytes: number,
  ) {
    this.values = maskValues(secrets);
  }

  /** A build's log (build_log_chunks). */
  static open(buildId: string, secrets: readonly string[], opts: LogWriterOptions = {}): Promise<BuildLogWriter> {
    return BuildLogWriter.openSink(buildLogSink(buildId), secrets, opts);
  }

  /** A deployment's log (deployment_log_chunks): the same masking, buffering and format. */
  static openDeployment(deploymentId: string, secrets: readonly string[], opts: LogWriterOptions = {}): Promise<BuildLogWriter> {
    return BuildLogWriter.openSink(deploymentLogSink(deploymentId), secrets, opts);
  }

  static async openSink(sink: LogSink, secrets: readonly string[], opts: LogWriterOptions = {}): Promise<BuildLogWriter> {
    const w = new BuildLogWriter(sink, secrets, Date.now(), opts.maxBytes ?? maxLogBytes());
    const at = await sink.position();
    w.seq = at.nextSeq - 1;
    w.written = at.bytes;
    // a log already cut stays cut: a re-queued build does not add to it
    w.truncated = at.truncated;
    return w;
  }

  /** Adds secrets learnt after opening (e.g. an installation token). */
  addSecrets(secrets: readonly string[]): void {
    for (const v of maskValues(secrets)) if (!this.values.includes(v)) this.values.push(v);
    this.values.sort((a, b) => b.length - a.length);
  }

  /** Text with this build's secrets hidden, for what is stored outside the log (the build's reason). */
  mask(text: string): string {
    return maskText(text, this.values);
  }

  /** Bytes waiting to be stored (and the partial line); stays near HIGH_WATER_BYTES when callers wait for drained(). */
  get bufferedBytes(): number {
    return this.pendingBytes + Buffer.byteLength(this.partial);
  }

  /**
   * Raw output, possibly partial lines (a daemon's stream). Returns false when the buffer is full: a caller
   * that can wait (a stream it reads from) should wait for drained() before writing more.
   */
  write(text: string): boolean {
    const all = this.partial + text.replace(/\r\n/g, "\n");
    const cut = all.lastIndexOf("\n");
    if (cut < 0) {
      this.partial = all;
      if (this.partial.length > MAX_PARTIAL) {
        this.push(this.partial);
        this.partial = "";
      }
    } else {
      this.partial = all.slice(cut + 1);
      this.push(all.slice(0, cut + 1));
    }
    return this.pendingBytes < HIGH_WATER_BYTES;
  }

  /** For a stream reader (the daemon's output): writes, and when the buffer is full returns what to wait for before reading more. */
  writeFromStream(text: string): Promise<void> | undefined {
    return this.write(text) ? undefined : this.drained();
  }

  /** Resolves when the buffer has room again (at once if it has). */
  drained(): Promise<void> {
    if (this.pendingBytes < HIGH_WATER_BYTES) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  /** One line of Slipway's own. Step headers start with "==> " (the build page marks them). */
  line(text: string): void {
    this.write(text.endsWith("\n") ? text : `${text}\n`);
  }

  step(text: string): void {
    const s = Math.round((Date.now() - this.startedAt) / 100) / 10;
    this.line(`==> ${text} (${s.toFixed(1)} s)`);
  }

  /**
   * Set once the log store's disk was full: the log is cut at that point (no later chunk is tried, so the log
   * has no hole), the writer's memory is released, and the build says so in its reason. Words for that reason.
   */
  get storeFull(): string | null {
    if (!this.fullAt) return null;
    return `${LOG_STORE_FULL}: the log was cut after ${formatBytes(this.fullAt.storedBytes)} and ${formatBytes(this.droppedBytes)} more were not stored (PostgreSQL: ${this.fullAt.detail}); free space on the database's disk`;
  }

  private push(text: string): void {
    if (this.fullAt) {
      this.droppedBytes += Buffer.byteLength(text);
      return;
    }
    if (this.truncated) return;
    let masked = maskText(text, this.values);
    if (this.written + Buffer.byteLength(masked) > this.maxBytes) {
      // keep the whole lines that fit, then say where the log was cut
      const room = Buffer.from(masked).subarray(0, Math.max(0, this.maxBytes - this.written));
      const lastNewline = room.lastIndexOf(0x0a);
      masked = lastNewline >= 0 ? room.subarray(0, lastNewline + 1).toString("utf8") : "";
      this.truncated = true;
      this.cutNoticePending = true;
      this.enqueue(masked);
      const mb = Math.round(this.maxBytes / MIB);
      this.enqueue(`${this.endsWithNewline ? "" : "\n"}==> the log passed ${mb} MB (SLIPWAY_LOG_MAX_MB); the rest is not stored\n`);
      return;
    }
    this.enqueue(masked);
  }

  private enqueue(text: string): void {
    if (!text) return;
    const bytes = Buffer.byteLength(text);
    this.pendingBytes += bytes;
    this.written += bytes;
    this.endsWithNewline = text.endsWith("\n");
    const last = this.pending.at(-1);
    if (last && !last.sealed && last.len + bytes <= CHUNK_MAX_BYTES) {
      last.len += last.buf.write(text, last.len, "utf8");
    } else if (bytes <= CHUNK_MAX_BYTES) {
      // a piece that does not fit starts the next chunk
      if (last) last.sealed = true;
      const b = this.block();
      b.len = b.buf.write(text, 0, "utf8");
    } else {
      // a piece longer than a chunk: cut at the last line end within each chunk's room (or, with none, at
      // the room's end but not inside a UTF-8 character); the rest stays open for what comes next
      if (last) last.sealed = true;
      const all = Buffer.from(text, "utf8");
      let start = 0;
      while (all.length - start > CHUNK_MAX_BYTES) {
        let end = all.subarray(start, start + CHUNK_MAX_BYTES).lastIndexOf(0x0a) + 1;
        if (end === 0) {
          end = CHUNK_MAX_BYTES;
          while ((all[start + end]! & 0xc0) === 0x80) end--;
        }
        const b = this.block();
        b.len = all.copy(b.buf, 0, start, start + end);
        b.sealed = true;
        start += end;
      }
      const b = this.block();
      b.len = all.copy(b.buf, 0, start);
    }
    this.schedule();
  }

  /** A new open block at the end of the buffer, reused when there is one spare. */
  private block(): Block {
    const b: Block = { buf: this.spare.pop() ?? Buffer.allocUnsafeSlow(CHUNK_MAX_BYTES), len: 0, sealed: false };
    this.pending.push(b);
    return b;
  }

  /** Stores soon: on the next turn of the event loop when idle; after the chunk in flight otherwise. */
  private schedule(): void {
    if (this.storing || this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.store();
    });
  }

  /** Takes the oldest block (at most CHUNK_MAX_BYTES) as one chunk. */
  private take(): Block {
    const b = this.pending.shift()!;
    b.sealed = true;
    this.pendingBytes -= b.len;
    return b;
  }

  /**
   * Stores the buffer chunk by chunk, one in flight at a time, in order. With nothing buffered it starts
   * nothing: a run that awaited nothing would end (and clear `storing`) before being assigned to it, leaving
   * a settled promise there for good (no later write would be stored, and flush() would spin on it).
   */
  private store(): Promise<void> {
    if (this.storing) return this.storing;
    if (this.pending.length === 0) return Promise.resolve();
    this.storing = (async () => {
      try {
        while (this.pending.length > 0) {
          const block = this.take();
          const last = this.pending.length === 0 && this.cutNoticePending;
          if (last) this.cutNoticePending = false;
          // after a full store nothing more is tried (and no seq taken): the log has no hole
          const seq = this.fullAt ? this.seq : ++this.seq;
          try {
            if (this.fullAt) this.droppedBytes += block.len;
            else await this.sink.append(seq, block.buf.subarray(0, block.len), last ? { truncated: true } : undefined);
          } catch (err) {
            if (isDiskFull(err)) {
              // the log ends here: this chunk and the rest are counted as not stored, and no later chunk is tried
              this.fullAt = { storedBytes: this.written - this.pendingBytes - block.len, detail: diskFullDetail(err) };
              this.droppedBytes += block.len;
              this.seq = seq - 1;
            } else this.failed ??= err;
          }
          // the sink is done with the bytes: the block is reused
          if (this.spare.length < SPARE_BLOCKS) this.spare.push(block.buf);
          this.releaseDrained();
        }
      } finally {
        this.storing = null;
        this.releaseDrained();
      }
    })();
    return this.storing;
  }

  private releaseDrained(): void {
    if (this.pendingBytes >= HIGH_WATER_BYTES || this.drainWaiters.length === 0) return;
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const w of waiters) w();
  }

  /** Stores everything buffered now; chunks are written one after another, in order. */
  async flush(): Promise<void> {
    while (this.storing || this.pending.length > 0) await (this.storing ?? this.store());
  }

  /**
   * Ends the log: the last partial line is written, everything stored, and the log marked closed (a live viewer
   * of an ended build follows until then). Throws if a chunk, or the close, could not be stored.
   */
  async close(): Promise<void> {
    if (this.partial) {
      const p = this.partial;
      this.partial = "";
      this.push(`${p}\n`);
    }
    await this.flush();
    if (this.fullAt) {
      // the cut is said in the log when the store has room again by now; the owner's row is flagged either way
      const notice = Buffer.from(`${this.endsWithNewline ? "" : "\n"}==> ${this.storeFull}\n`, "utf8");
      await this.sink.append(this.seq + 1, notice, { truncated: true }).then(() => void this.seq++, () => undefined);
    }
    try {
      await this.sink.close(this.fullAt ? { cut: true } : undefined);
    } catch (err) {
      this.failed ??= err;
    }
    if (this.failed) throw this.failed instanceof Error ? this.failed : new Error(String(this.failed));
  }
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} bytes`;
  if (n < MIB) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / MIB).toFixed(1)} MiB`;
}

/** PostgreSQL's own sentence for a full disk ("could not extend file …: No space left on device"), short. */
function diskFullDetail(err: unknown): string {
  // the ORM quotes the driver's message in backticks: the sentence ends at the first one
  const m = /could not extend file[^\n`]*|No space left on device[^\n`]*/i.exec(String((err as { message?: unknown })?.message ?? err));
  return (m?.[0] ?? "disk full (SQLSTATE 53100)").slice(0, 200);
}
