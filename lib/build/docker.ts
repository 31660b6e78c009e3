// Building and pushing with the Docker Engine API (dockerode), streaming the daemon's output into the
// build log. Aborting the signal closes the request, and the daemon stops the build it was running.
import type Dockerode from "dockerode";
import type { RegistryAuth } from "@/lib/docker/registry-auth";
import type { Readable } from "node:stream";

export class DaemonError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DaemonError";
  }
}

interface StreamEvent {
  stream?: string;
  status?: string;
  id?: string;
  progress?: string;
  error?: string;
  errorDetail?: { message?: string };
  aux?: { ID?: string; Tag?: string; Digest?: string; Size?: number };
}

/** The abort reason as an Error (what an aborted build or push rejects with). */
export function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason ?? "aborted"));
}

/** What takes the daemon's output; when it returns a promise (the log is full), reading waits for it. */
export type OutputSink = (text: string) => unknown;

/**
 * Reads a daemon's newline-delimited stream (build, push, BuildKit traces), handing each line over; resolves
 * at its end, rejects on a stream error or when the signal aborts (the stream is destroyed, so the request
 * closes and the daemon stops what it was doing). When a line's handler returns a promise the stream is
 * paused until it settles, so a slow log store holds the daemon back instead of filling memory.
 */
export function readLines(stream: Readable, signal: AbortSignal, onLine: (line: string) => unknown): Promise<void> {
  return new Promise((resolve, reject) => {
    let buf = "";
    const onAbort = () => {
      stream.destroy();
      reject(abortReason(signal));
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    stream.setEncoding("utf8");
    stream.on("data", (d: string) => {
      buf += d;
      let i: number;
      const waits: Promise<unknown>[] = [];
      while ((i = buf.indexOf("\n")) >= 0) {
        const wait = onLine(buf.slice(0, i));
        if (wait instanceof Promise) waits.push(wait as Promise<unknown>);
        buf = buf.slice(i + 1);
      }
      if (waits.length > 0) {
        stream.pause();
        // a failed store is reported by the log's close(); reading goes on
        void Promise.allSettled(waits).then(() => stream.resume());
      }
    });
    stream.on("error", (err) => {
      signal.removeEventListener("abort", onAbort);
      reject(signal.aborted ? abortReason(signal) : err);
    });
    stream.on("end", () => {
      signal.removeEventListener("abort", onAbort);
      if (buf) onLine(buf);
      resolve();
    });
  });
}

/** Reads the daemon's JSON-lines stream, handing each event over; rejects on an error event or abort. */
async function follow(stream: Readable, signal: AbortSignal, onEvent: (e: StreamEvent) => unknown): Promise<void> {
  let failed: string | undefined;
  await readLines(stream, signal, (line) => {
    if (!line.trim()) return;
    let e: StreamEvent;
    try {
      e = JSON.parse(line) as StreamEvent;
    } catch {
      e = { stream: `${line}\n` };
    }
    if (e.error) failed ??= e.errorDetail?.message ?? e.error;
    return onEvent(e);
  });
  if (failed) throw new DaemonError(failed);
}

export interface BuildImageInput {
  context: Readable;
  dockerfile: string;
  tag: string;
  platform?: string;
  buildArgs: Record<string, string>;
  labels: Record<string, string>;
  signal: AbortSignal;
  onOutput: OutputSink;
}

/** Builds with the classic builder; returns the image id. */
export async function buildImage(docker: Dockerode, input: BuildImageInput): Promise<string> {
  const stream = (await docker.buildImage(input.context, {
    t: input.tag,
    dockerfile: input.dockerfile,
    buildargs: input.buildArgs,
    labels: input.labels,
    ...(input.platform ? { platform: input.platform } : {}),
    rm: true,
    forcerm: true,
    abortSignal: input.signal,
  } as Dockerode.ImageBuildOptions)) as unknown as Readable;
  let imageId: string | undefined;
  await follow(stream, input.signal, (e) => {
    if (e.aux?.ID) imageId = e.aux.ID;
    if (e.error) return input.onOutput(`${e.stream ?? ""}ERROR: ${e.errorDetail?.message ?? e.error}\n`);
    if (e.stream) return input.onOutput(e.stream);
    if (e.status) return input.onOutput(`${e.status}${e.progress ? ` ${e.progress}` : ""}\n`);
  });
  if (!imageId) {
    const info = await docker.getImage(input.tag).inspect({ abortSignal: input.signal } as object);
    imageId = info.Id;
  }
  return imageId;
}

export interface PushInput {
  /** repo without tag, e.g. 127.0.0.1:5000/team/app */
  repo: string;
  tag: string;
  auth?: RegistryAuth;
  signal: AbortSignal;
  onOutput(text: string): void;
}

/** Pushes repo:tag; returns the manifest digest and size the registry stored. */
export async function pushImage(docker: Dockerode, input: PushInput): Promise<{ digest: string; size: number | null }> {
  const image = docker.getImage(input.repo);
  const stream = (await image.push({ tag: input.tag, authconfig: input.auth, abortSignal: input.signal } as object)) as unknown as Readable;
  let digest: string | undefined;
  let size: number | null = null;
  const seen = new Set<string>();
  await follow(stream, input.signal, (e) => {
    if (e.aux?.Digest) {
      digest = e.aux.Digest;
      size = e.aux.Size ?? null;
    }
    if (e.error) input.onOutput(`ERROR: ${e.errorDetail?.message ?? e.error}\n`);
    else if (e.status && !e.progress) {
      // one line per layer state, not every progress tick
      const line = `${e.id ? `${e.id}: ` : ""}${e.status}`;
      if (!seen.has(line)) {
        seen.add(line);
        input.onOutput(`${line}\n`);
      }
    }
  });
  if (!digest) throw new DaemonError(`the daemon pushed ${input.repo}:${input.tag} but reported no digest`);
  return { digest, size };
}

/** Tags an image (by id) as repo:tag on the daemon. */
export async function tagImage(docker: Dockerode, imageId: string, repo: string, tag: string, signal: AbortSignal): Promise<void> {
  if (signal.aborted) throw signal.reason;
  await docker.getImage(imageId).tag({ repo, tag });
}
