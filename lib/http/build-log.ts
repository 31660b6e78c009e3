// A build's log over HTTP: as Server-Sent Events that follow the build live, and as a plain-text download.
//
// The event stream: one `message` event per stored chunk (id = its seq, data = {seq, text, at}), a
// `state` event whenever the build's state changes (and first thing), `end` with the final state once the
// build has ended and every chunk was sent, and a heartbeat comment every 15 s so proxies keep the
// connection open. A reconnecting client resumes after the last seq it got (Last-Event-ID or ?after=).
import "server-only";
import { isActiveBuildState } from "@/lib/validation/build-states";
import { readBuildLog, readDeploymentLog, type LogChunk } from "@/lib/build/log-store";
import { getBuildProgress } from "@/lib/queries/build-detail";
import { getDeploymentProgress } from "@/lib/queries/deployment-detail";
import { isActiveDeploymentState } from "@/lib/validation/deployment-states";
import { NotFoundError, ValidationError } from "@/lib/errors";
import { log } from "@/lib/log";

const PAGE = 200;

export interface LogStreamOptions {
  /** send the chunks after this seq (-1: all) */
  after: number;
  /** the request's signal: the stream stops when the client goes away */
  signal: AbortSignal;
  pollMs?: number;
  heartbeatMs?: number;
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
  progress(): Promise<Progress | null>;
  read(afterSeq: number, limit: number): Promise<LogChunk[]>;
  isActive(state: string): boolean;
}

interface Progress {
  state: string;
  reason: string | null;
  startedAt: Date | null;
  finishedAt: Date | null;
}

export function buildLogSource(buildId: string): LogSource {
  return { noun: "build", progress: () => getBuildProgress(buildId), read: (a, l) => readBuildLog(buildId, a, l), isActive: (s) => isActiveBuildState(s) };
}

export function deploymentLogSource(deploymentId: string): LogSource {
  return {
    noun: "deployment",
    progress: () => getDeploymentProgress(deploymentId),
    read: (a, l) => readDeploymentLog(deploymentId, a, l),
    isActive: (s) => isActiveDeploymentState(s),
  };
}

function stateData(p: Progress): string {
  return JSON.stringify({ state: p.state, reason: p.reason, startedAt: p.startedAt?.toISOString() ?? null, finishedAt: p.finishedAt?.toISOString() ?? null });
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

/** The build's log as an event stream that polls for new chunks every `pollMs` until the build ends. */
export function buildLogEventStream(buildId: string, opts: LogStreamOptions): ReadableStream<Uint8Array> {
  return logEventStream(buildLogSource(buildId), opts);
}

/** A build's or deployment's log as an event stream, until it ends. */
export function logEventStream(source: LogSource, opts: LogStreamOptions): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const stop = new AbortController();
  const pollMs = opts.pollMs ?? 500;
  const heartbeatMs = opts.heartbeatMs ?? 15_000;
  let heartbeat: ReturnType<typeof setInterval> | undefined;
  let controller!: ReadableStreamDefaultController<Uint8Array>;

  const send = (text: string) => {
    if (!stop.signal.aborted) controller.enqueue(encoder.encode(text));
  };
  /** ends polling and the heartbeat; closes the stream unless the reader already cancelled it */
  const finish = (closeStream: boolean) => {
    if (stop.signal.aborted) return;
    stop.abort();
    clearInterval(heartbeat);
    opts.signal.removeEventListener("abort", onAbort);
    if (closeStream) {
      try {
        controller.close();
      } catch {
        // already closed or errored by the runtime
      }
    }
  };
  const onAbort = () => finish(true);

  const follow = async () => {
    let after = opts.after;
    let lastState: string | null = null;
    while (!stop.signal.aborted) {
      // the state first, then the chunks: a build seen ended has written its last chunk already
      const progress = await source.progress();
      if (!progress) {
        send(`event: gone\ndata: ${JSON.stringify({ message: `This ${source.noun} was removed with its repository.` })}\n\n`);
        return finish(true);
      }
      if (progress.state !== lastState) {
        lastState = progress.state;
        send(`event: state\ndata: ${stateData(progress)}\n\n`);
      }
      for (;;) {
        const chunks = await source.read(after, PAGE);
        for (const c of chunks) {
          send(`id: ${c.seq}\ndata: ${JSON.stringify({ seq: c.seq, text: c.text, at: c.at.toISOString() })}\n\n`);
          after = c.seq;
        }
        if (chunks.length < PAGE || stop.signal.aborted) break;
      }
      if (!source.isActive(progress.state)) {
        send(`event: end\ndata: ${stateData(progress)}\n\n`);
        return finish(true);
      }
      await sleep(pollMs, stop.signal);
    }
  };

  return new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
      if (opts.signal.aborted) return finish(true);
      opts.signal.addEventListener("abort", onAbort, { once: true });
      heartbeat = setInterval(() => send(": heartbeat\n\n"), heartbeatMs);
      // the browser's own reconnect delay, should the connection drop
      send("retry: 2000\n\n");
      follow().catch((err: unknown) => {
        if (stop.signal.aborted) return;
        log.error({ err, noun: source.noun }, "log stream failed");
        send(`event: failure\ndata: ${JSON.stringify({ message: "Reading the log failed on the server; reconnecting." })}\n\n`);
        finish(true);
      });
    },
    cancel() {
      finish(false);
    },
  });
}

/** The whole stored log as text, read a page of chunks at a time. */
export function buildLogTextStream(buildId: string): ReadableStream<Uint8Array> {
  return logTextStream(buildLogSource(buildId));
}

export function logTextStream(source: LogSource): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let after = -1;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const chunks = await source.read(after, PAGE);
      if (chunks.length) {
        controller.enqueue(encoder.encode(chunks.map((c) => c.text).join("")));
        after = chunks[chunks.length - 1]!.seq;
      }
      if (chunks.length < PAGE) controller.close();
    },
  });
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
