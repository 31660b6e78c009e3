// The build's own log as it is written: lines are masked (every secret value, and each line of a multi-line
// one, becomes ***), buffered briefly, and stored as gzip chunks (lib/build/log-store.ts). A partial line
// waits for its end so a secret split across two writes is still masked, unless it grows past a bound.
import { buildLogSink, deploymentLogSink, type LogSink } from "@/lib/build/log-store";

const FLUSH_MS = 400;
const FLUSH_BYTES = 32 * 1024;
const MAX_PARTIAL = 16 * 1024;
/** A build that prints more than this is cut; the log says so. */
export const MAX_LOG_BYTES = 64 * 1024 * 1024;

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
  private pending: string[] = [];
  private pendingBytes = 0;
  private written = 0;
  private truncated = false;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private failed: unknown;
  private readonly values: string[];

  private constructor(
    private readonly sink: LogSink,
    secrets: readonly string[],
    private readonly startedAt: number,
  ) {
    this.values = maskValues(secrets);
  }

  /** A build's log (build_log_chunks). */
  static open(buildId: string, secrets: readonly string[]): Promise<BuildLogWriter> {
    return BuildLogWriter.openSink(buildLogSink(buildId), secrets);
  }

  /** A deployment's log (deployment_log_chunks): the same masking, buffering and format. */
  static openDeployment(deploymentId: string, secrets: readonly string[]): Promise<BuildLogWriter> {
    return BuildLogWriter.openSink(deploymentLogSink(deploymentId), secrets);
  }

  static async openSink(sink: LogSink, secrets: readonly string[]): Promise<BuildLogWriter> {
    const w = new BuildLogWriter(sink, secrets, Date.now());
    w.seq = (await sink.nextSeq()) - 1;
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

  /** Raw output, possibly partial lines (a daemon's stream). */
  write(text: string): void {
    const all = this.partial + text.replace(/\r\n/g, "\n");
    const cut = all.lastIndexOf("\n");
    if (cut < 0) {
      this.partial = all;
      if (this.partial.length > MAX_PARTIAL) {
        this.push(this.partial);
        this.partial = "";
      }
      return;
    }
    this.partial = all.slice(cut + 1);
    this.push(all.slice(0, cut + 1));
  }

  /** One line of Slipway's own. Step headers start with "==> " (the build page marks them). */
  line(text: string): void {
    this.write(text.endsWith("\n") ? text : `${text}\n`);
  }

  step(text: string): void {
    const s = Math.round((Date.now() - this.startedAt) / 100) / 10;
    this.line(`==> ${text} (${s.toFixed(1)} s)`);
  }

  private push(text: string): void {
    if (this.truncated) return;
    const masked = maskText(text, this.values);
    const bytes = Buffer.byteLength(masked);
    if (this.written + bytes > MAX_LOG_BYTES) {
      this.truncated = true;
      this.pending.push(`\n==> the log passed ${MAX_LOG_BYTES / 1024 / 1024} MB; the rest is not stored\n`);
    } else {
      this.pending.push(masked);
      this.pendingBytes += bytes;
      this.written += bytes;
    }
    if (this.pendingBytes >= FLUSH_BYTES) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), FLUSH_MS);
  }

  /** Stores what is buffered; chunks are written one after another, in order. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0) return this.flushing;
    const text = this.pending.join("");
    this.pending = [];
    this.pendingBytes = 0;
    const seq = ++this.seq;
    this.flushing = this.flushing.then(() =>
      this.sink.append(seq, text).catch((err: unknown) => {
        this.failed ??= err;
      }),
    );
    return this.flushing;
  }

  /** Ends the log: the last partial line is written and everything stored. Throws if a chunk could not be. */
  async close(): Promise<void> {
    if (this.partial) {
      const p = this.partial;
      this.partial = "";
      this.push(`${p}\n`);
    }
    await this.flush();
    await this.flushing;
    if (this.failed) throw this.failed instanceof Error ? this.failed : new Error(String(this.failed));
  }
}
