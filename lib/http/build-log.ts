// A build's log over HTTP: as Server-Sent Events that follow the build live, and as a plain-text download.
//
// The event stream: one `message` event per stored chunk (id = its seq, data = {seq, text, at}), a
// `state` event whenever the build's state changes (and first thing), `end` with the final state once the
// build has ended, its runner has closed the log (lines follow the final state) and every chunk was sent, and a heartbeat comment every 15 s so proxies keep the
// connection open. A reconnecting client resumes after the last seq it got (Last-Event-ID or ?after=).
//
// Both streams are pulled: the next chunks are read from the store only when the client has taken what
// was sent (a page of at most PULL_CHUNKS chunks and about PULL_BYTES of text), so a slow client holds
// back its own stream and never makes the server queue the log in memory. A live stream waits on the
// process's LISTEN connection (lib/db/log-listener.ts): the store's NOTIFY for a new chunk, or a trigger's
// for a state change, wakes it; a slow poll (every 5 s) covers a notification lost while reconnecting.
import "server-only";
import { isActiveBuildState } from "@/lib/validation/build-states";
import { logProgress, readLogBounded, type LogChunkBytes, type LogOwnerProgress } from "@/lib/build/log-store";
import { logListener } from "@/lib/db/log-listener";
import { getBuildProgress } from "@/lib/queries/build-detail";
import { getDeploymentProgress } from "@/lib/queries/deployment-detail";
import { isActiveDeploymentState } from "@/lib/validation/deployment-states";
import { NotFoundError, ValidationError } from "@/lib/errors";
import { log } from "@/lib/log";

/** chunks read from the store per pull */
export const PULL_CHUNKS = 16;
/** text read from the store per pull (a chunk holds at most 64 KiB, lib/build/log-writer.ts) */
export const PULL_BYTES = 64 * 1024;

/** Something that wakes a live stream when '<kind>:<id>' changes; returns the unsubscribe. */
export interface LogWaker {
  subscribe(key: string, wake: () => void): () => void;
}

export interface LogStreamOptions {
  /** send the chunks after this seq (-1: all) */
  after: number;
  /** the request's signal: the stream stops when the client goes away */
  signal: AbortSignal;
  /** how often to look without being woken, for a notification that was lost */
  pollMs?: number;
  heartbeatMs?: number;
  /** what wakes the stream; the process's LISTEN connection by default */
  waker?: LogWaker;
  /** plain text instead of events: the log's bytes alone, the stream ending with the build or deployment (the API's log?follow=1) */
  text?: boolean;
}

// A chunk's event is written from its stored bytes: `id: <seq>\ndata: {"seq":…,"text":"…","at":"…"}\n\n`,
// the text JSON-escaped byte by byte, exactly as JSON.stringify escapes a string (", \\, \b \f \n \r \t,
// other control characters as \u00XX; everything else, UTF-8 included, as it is). A page is one Buffer
// sent as it is: no string of the log is made, so the V8 heap does not grow with the followers' reading
// (bench:logs), only short-lived off-heap buffers.
const SHORT_ESCAPES: Record<number, number> = { 0x08: 0x62, 0x0c: 0x66, 0x0a: 0x6e, 0x0d: 0x72, 0x09: 0x74, 0x22: 0x22, 0x5c: 0x5c };
const HEX = "0123456789abcdef";

/** Bytes that JSON-escape to more than themselves, and how many more. */
function escapeExtra(b: number): number {
  if (b === 0x22 || b === 0x5c) return 1;
  if (b < 0x20) return SHORT_ESCAPES[b] !== undefined ? 1 : 5;
  return 0;
}

/** `text` (UTF-8) as the inside of a JSON string, written into `out` at `at`; returns the end. */
function writeJsonEscaped(text: Uint8Array, out: Buffer, at: number): number {
  let runStart = 0;
  for (let i = 0; i < text.length; i++) {
    const b = text[i]!;
    if (b >= 0x20 && b !== 0x22 && b !== 0x5c) continue;
    out.set(text.subarray(runStart, i), at);
    at += i - runStart;
    out[at++] = 0x5c;
    const short = SHORT_ESCAPES[b];
    if (short !== undefined) out[at++] = short;
    else at += out.write(`u00${HEX[b >> 4]}${HEX[b & 15]}`, at, "latin1");
    runStart = i + 1;
  }
  out.set(text.subarray(runStart), at);
  return at + text.length - runStart;
}

/** One chunk as its event-stream event, the same bytes as `id: ${seq}\ndata: ${JSON.stringify({ seq, text, at })}\n\n`. */
export function chunkEvent(chunk: LogChunkBytes): Buffer {
  const head = `id: ${chunk.seq}\ndata: {"seq":${chunk.seq},"text":"`;
  const tail = `","at":${JSON.stringify(chunk.at.toISOString())}}\n\n`;
  let extra = 0;
  for (let i = 0; i < chunk.bytes.length; i++) {
    const b = chunk.bytes[i]!;
    if (b < 0x20 || b === 0x22 || b === 0x5c) extra += escapeExtra(b);
  }
  const out = Buffer.allocUnsafe(head.length + chunk.bytes.length + extra + tail.length);
  let at = out.write(head, 0, "latin1");
  at = writeJsonEscaped(chunk.bytes, out, at);
  at += out.write(tail, at, "latin1");
  return at === out.length ? out : out.subarray(0, at);
}

/** The seq to resume after, from Last-Event-ID or ?after= (the later of the two); -1 when neither. */
export function resumeAfter(lastEventId: string | null, afterParam: string | null): number {
  let after = -1;
  for (const [name, v] of [["Last-Event-ID", lastEventId], ["after", afterParam]] as const) {
    if (v === null || v.trim() === "") continue;
    if (!/^-?\d{1,9}$/.test(v.trim())) throw new ValidationError([{ path: name, message: "must be the number of the last log chunk received, e.g. 41" }]);
    after = Math.max(after, Number(v.trim()));
  }
  return after;
}

/** What a log stream follows: a build or a deployment. */
export interface LogSource {
  /** for messages and server logs, e.g. "build" */
  noun: string;
  /** what the store's and the triggers' notifications name, e.g. "build:<id>" */
  key: string;
  progress(): Promise<LogOwnerProgress | null>;
  /** at most `limit` chunks after `afterSeq`, stopping once `maxBytes` of text is reached (at least one) */
  read(afterSeq: number, limit: number, maxBytes: number): Promise<LogChunkBytes[]>;
  isActive(state: string): boolean;
}

export function buildLogSource(buildId: string): LogSource {
  return {
    noun: "build",
    key: `build:${buildId}`,
    progress: () => logProgress("build", buildId),
    read: (a, l, b) => readLogBounded("build", buildId, a, l, b),
    isActive: isActiveBuildState,
  };
}

export function deploymentLogSource(deploymentId: string): LogSource {
  return {
    noun: "deployment",
    key: `deployment:${deploymentId}`,
    progress: () => logProgress("deployment", deploymentId),
    read: (a, l, b) => readLogBounded("deployment", deploymentId, a, l, b),
    isActive: isActiveDeploymentState,
  };
}

function stateData(p: LogOwnerProgress): string {
  return JSON.stringify({ state: p.state, reason: p.reason, startedAt: p.startedAt?.toISOString() ?? null, finishedAt: p.finishedAt?.toISOString() ?? null });
}

/** The build's log as an event stream that follows it until the build ends. */
export function buildLogEventStream(buildId: string, opts: LogStreamOptions): ReadableStream<Uint8Array> {
  return logEventStream(buildLogSource(buildId), opts);
}

/** A build's or deployment's log as an event stream, until it ends. */
export function logEventStream(source: LogSource, opts: LogStreamOptions): ReadableStream<Uint8Array> {
  const pollMs = opts.pollMs ?? 5_000;
  const heartbeatMs = opts.heartbeatMs ?? 15_000;
  let after = opts.after;
  let lastState: string | null = null;
  let started = false;
  let stopped = false;
  let lastSentAt = Date.now();
  /** woken since the last look (a notification, a reconnect of the listener) */
  let dirty = false;
  let waiting: (() => void) | undefined;
  let unsubscribe: (() => void) | undefined;
  let controller!: ReadableStreamDefaultController<Uint8Array>;

  const wake = () => {
    dirty = true;
    waiting?.();
  };
  /** stops following; closes the stream unless the reader already cancelled it */
  const finish = (closeStream: boolean) => {
    if (stopped) return;
    stopped = true;
    unsubscribe?.();
    opts.signal.removeEventListener("abort", onAbort);
    waiting?.();
    if (closeStream) {
      try {
        controller.close();
      } catch {
        // already closed or errored by the runtime
      }
    }
  };
  const onAbort = () => finish(true);

  /** until woken, the fallback poll is due, or a heartbeat is; true when a heartbeat is due */
  const wait = (): Promise<boolean> =>
    new Promise((resolve) => {
      const untilHeartbeat = lastSentAt + heartbeatMs - Date.now();
      if (dirty || stopped) return resolve(false);
      if (untilHeartbeat <= 0) return resolve(true);
      const timer = setTimeout(() => done(untilHeartbeat <= pollMs), Math.min(pollMs, untilHeartbeat));
      const done = (heartbeat: boolean) => {
        clearTimeout(timer);
        waiting = undefined;
        resolve(heartbeat);
      };
      waiting = () => done(false);
    });

  /** One pull: sends the next page of what is new (state, chunks, end), waiting for it if there is none. */
  const next = async (): Promise<void> => {
    // the page: its events in order, small ones as text, chunks as the bytes chunkEvent made
    const out: Array<string | Buffer> = [];
    if (!started) {
      started = true;
      // the browser's own reconnect delay, should the connection drop
      if (!opts.text) out.push("retry: 2000\n\n");
    }
    while (!stopped) {
      dirty = false;
      // the state first, then the chunks: a build seen ended with its log closed has stored its last chunk
      const progress = await source.progress();
      if (stopped) return;
      if (!progress) {
        const message = `This ${source.noun} was removed with its repository.`;
        out.push(opts.text ? `\n[${message}]\n` : `event: gone\ndata: ${JSON.stringify({ message })}\n\n`);
        send(out);
        return finish(true);
      }
      if (progress.state !== lastState) {
        lastState = progress.state;
        if (!opts.text) out.push(`event: state\ndata: ${stateData(progress)}\n\n`);
      }
      const chunks = await source.read(after, PULL_CHUNKS, PULL_BYTES);
      if (stopped) return;
      let bytes = 0;
      for (const c of chunks) {
        out.push(opts.text ? c.bytes : chunkEvent(c));
        after = c.seq;
        bytes += c.bytes.length;
      }
      // a full page: there may be more already, to be read on the next pull without waiting (and once the
      // build has ended and its log is closed, look again at once: what remains is sent, then `end`). An
      // ended build whose runner still has the log open is waited for: its close wakes this stream.
      const ended = !source.isActive(progress.state);
      const complete = ended && !progress.logOpen;
      if (chunks.length >= PULL_CHUNKS || bytes >= PULL_BYTES || complete || (ended && chunks.length > 0)) dirty = true;
      if (chunks.length === 0 && complete) {
        if (!opts.text) out.push(`event: end\ndata: ${stateData(progress)}\n\n`);
        send(out);
        return finish(true);
      }
      if (out.length > 0) return send(out);
      if (await wait()) {
        // plain text has no comments: a follower sees nothing until the next line (TCP keep-alive holds the connection)
        if (opts.text) continue;
        return send([": heartbeat\n\n"]);
      }
    }
  };
  const send = (parts: Array<string | Buffer>) => {
    if (stopped) return;
    lastSentAt = Date.now();
    const bufs = parts.map((p) => (typeof p === "string" ? Buffer.from(p, "utf8") : p));
    controller.enqueue(bufs.length === 1 ? bufs[0]! : Buffer.concat(bufs));
  };

  return new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c;
        if (opts.signal.aborted) return finish(true);
        opts.signal.addEventListener("abort", onAbort, { once: true });
        unsubscribe = (opts.waker ?? logListener()).subscribe(source.key, wake);
      },
      async pull() {
        try {
          await next();
        } catch (err) {
          if (stopped) return;
          log.error({ err, noun: source.noun }, "log stream failed");
          send([opts.text ? "\n[Reading the log failed on the server; ask for it again.]\n" : `event: failure\ndata: ${JSON.stringify({ message: "Reading the log failed on the server; reconnecting." })}\n\n`]);
          finish(true);
        }
      },
      cancel() {
        finish(false);
      },
    },
    // one page sent ahead of what the client has read, no more
    { highWaterMark: 1 },
  );
}

/** The whole stored log as text, read a page of chunks at a time. */
export function buildLogTextStream(buildId: string): ReadableStream<Uint8Array> {
  return logTextStream(buildLogSource(buildId));
}

/** The stored log as text, a page at a time as the client reads it: a 1 GiB log costs no more memory than a small one. */
export function logTextStream(source: LogSource): ReadableStream<Uint8Array> {
  let after = -1;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const chunks = await source.read(after, PULL_CHUNKS, PULL_BYTES);
        if (chunks.length) {
          controller.enqueue(chunks.length === 1 ? chunks[0]!.bytes : Buffer.concat(chunks.map((c) => c.bytes)));
          after = chunks[chunks.length - 1]!.seq;
        } else controller.close();
      },
    },
    { highWaterMark: 1 },
  );
}

export const eventStreamHeaders = {
  "Content-Type": "text/event-stream; charset=utf-8",
  // no-transform: no compression, which would hold events back until a buffer fills
  "Cache-Control": "no-cache, no-transform",
  Connection: "keep-alive",
  // nginx and similar proxies: pass each event on at once
  "X-Accel-Buffering": "no",
} as const;

/** The download response: the whole log as build-<id>.log. */
export async function buildLogDownload(buildId: string): Promise<Response> {
  if (!(await getBuildProgress(buildId))) throw new NotFoundError(`There is no build with id ${buildId}; it may have been removed with its repository.`);
  const name = `build-${buildId.replace(/[^A-Za-z0-9_-]/g, "_")}.log`;
  return new Response(buildLogTextStream(buildId), {
    headers: {
      "Content-Type": "text/plain; charset=utf-8",
      "Content-Disposition": `attachment; filename="${name}"`,
      "Cache-Control": "no-store",
    },
  });
}

/** The download response: the whole log as deployment-<id>.log. */
export async function deploymentLogDownload(deploymentId: string): Promise<Response> {
  if (!(await getDeploymentProgress(deploymentId))) throw new NotFoundError(`There is no deployment with id ${deploymentId}; it may have been removed with its target.`);
  const name = `deployment-${deploymentId.replace(/[^A-Za-z0-9_-]/g, "_")}.log`;
  return new Response(logTextStream(deploymentLogSource(deploymentId)), {
    headers: { "Content-Type": "text/plain; charset=utf-8", "Content-Disposition": `attachment; filename="${name}"`, "Cache-Control": "no-store" },
  });
}
