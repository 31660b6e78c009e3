// Why a build failed, in Slipway's own words, when the cause is the infrastructure rather than the commit: the
// build host's Docker engine went away (stopped, killed, unreachable), or the registry refused the credentials
// or stopped answering during the push. The daemon's own last words ("failed to update the store state of
// sandbox", "dial tcp …: connection refused") name neither the engine nor what to do; these do.
//
// The engine is watched for the whole build through a second, long-lived request (its event stream): when
// that connection ends without Slipway closing it, the engine is gone. When a build fails in a way the engine
// may have caused (not a RUN step that exited on its own), the engine is also asked on a NEW connection: a
// dockerd that is stopping (SIGTERM) first closes its listener, then kills the containers (the build's step
// then "returned a non-zero code: 137"), and only exits after that, so connections already open (the build's,
// the event stream, an idle keep-alive one) still answer for a while; a new one is refused. A build error that
// follows either sign is put down to the engine, not to the Dockerfile. docs/reliability.md ("dockerd stopped
// mid-build").
import { request } from "node:http";
import type { Readable } from "node:stream";
import type { DockerClient } from "@/lib/docker/engine";

/** Errors of a request to the engine whose connection failed or broke (the engine is not there to answer). */
const ENGINE_CONNECTION_CODES = new Set(["ECONNREFUSED", "ENOENT", "ECONNRESET", "EPIPE", "ECONNABORTED", "EHOSTUNREACH", "ENETUNREACH", "ETIMEDOUT"]);

function codeOf(err: unknown): string | undefined {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 4; e = e.cause as typeof e, depth++) {
    if (typeof e.code === "string") return e.code;
  }
  return undefined;
}

/** The request to the engine itself failed: no connection, or the connection broke mid-answer. */
export function isEngineConnectionError(err: unknown): boolean {
  const code = codeOf(err);
  if (code && ENGINE_CONNECTION_CODES.has(code)) return true;
  const message = (err as { message?: unknown })?.message;
  return typeof message === "string" && /^(socket hang up|aborted|premature close)$/i.test(message.trim());
}

/**
 * A build step that exited on its own (the commit's fault): never put down to the engine. A step killed by a
 * signal (137 SIGKILL, 143 SIGTERM) is not: a stopping dockerd kills it so.
 */
const STEP_FAILED = /(?:returned a non-zero code|did not complete successfully: exit code):? (?!137\b|143\b)\d+/i;

/** Whether it is worth asking the engine watch about this error (not an ordinary failed RUN step). */
export function mayBeEngineLoss(err: unknown): boolean {
  const message = (err as { message?: unknown })?.message;
  return !(typeof message === "string" && STEP_FAILED.test(message));
}

export interface EngineWatch {
  /** the engine's event stream ended or failed without stop(): the connection to the engine was lost */
  lost(): boolean;
  /** resolves true as soon as the engine is seen lost, false after `ms` without */
  lostWithin(ms: number): Promise<boolean>;
  stop(): void;
}

/**
 * Watches the engine's connection for the length of a build: one GET /events that stays open. Never throws;
 * an engine that cannot be reached at all counts as lost.
 */
export function watchEngine(client: Pick<DockerClient, "docker" | "endpoint">): EngineWatch {
  const docker = client.docker;
  const controller = new AbortController();
  let lost = false;
  let stopped = false;
  const waiters = new Set<() => void>();
  const markLost = () => {
    if (stopped || lost) return;
    lost = true;
    for (const w of waiters) w();
    waiters.clear();
  };
  void (async () => {
    try {
      const stream = (await docker.getEvents({ abortSignal: controller.signal } as object)) as unknown as Readable;
      if (stopped) {
        stream.destroy();
        return;
      }
      stream.on("data", () => undefined);
      stream.on("end", markLost);
      stream.on("close", markLost);
      stream.on("error", markLost);
    } catch {
      markLost();
    }
  })();
  const probe = () => answersOnNewConnection(client);
  return {
    lost: () => lost,
    async lostWithin(ms) {
      const until = Date.now() + ms;
      while (!lost && !stopped) {
        if (!(await probe())) markLost();
        if (lost || Date.now() >= until) break;
        await new Promise<void>((resolve) => {
          const done = () => {
            clearTimeout(timer);
            resolve();
          };
          const timer = setTimeout(() => {
            waiters.delete(done);
            resolve();
          }, Math.min(500, Math.max(0, until - Date.now())));
          waiters.add(done);
        });
      }
      return lost;
    },
    stop() {
      stopped = true;
      waiters.clear();
      controller.abort();
    },
  };
}

/**
 * Whether the engine answers /_ping on a connection of its own (never a kept-alive one, which a stopping dockerd
 * still serves). An ssh:// engine opens a new SSH connection for every request anyway.
 */
async function answersOnNewConnection(client: Pick<DockerClient, "docker" | "endpoint">): Promise<boolean> {
  if (client.endpoint.kind === "unix") {
    const socketPath = client.endpoint.socketPath;
    return new Promise((resolve) => {
      const req = request({ socketPath, path: "/_ping", agent: false, timeout: 2_000, headers: { connection: "close" } }, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      });
      req.on("timeout", () => req.destroy(new Error("timeout")));
      req.on("error", () => resolve(false));
      req.end();
    });
  }
  try {
    // dockerode takes options here (an abort signal) though its types list only a callback
    await (client.docker.ping as unknown as (opts: { abortSignal: AbortSignal }) => Promise<unknown>).call(client.docker, { abortSignal: AbortSignal.timeout(10_000) });
    return true;
  } catch {
    return false;
  }
}

/** The reason of a build whose engine went away, from what Slipway knows: which host, which phase. */
export function engineLostReason(host: { name: string; target: string }, phase: string): string {
  return `the connection to the Docker engine of build host ${host.name} (${host.target}) was lost while the build was ${phase}: the engine stopped or cannot be reached. Check that dockerd runs there (systemctl status docker) and that this worker reaches ${host.target}, then rebuild`;
}

/** A push that failed: the registry refused the credentials, stopped answering (worth another try), or neither. */
export type PushFailure = { kind: "credentials"; detail: string } | { kind: "unreachable"; detail: string } | null;

const CREDENTIAL_WORDS = /unauthorized|authentication required|no basic auth credentials|incorrect username or password|requested access to the resource is denied|denied: /i;
const UNREACHABLE_WORDS =
  /connection refused|connection reset|broken pipe|i\/o timeout|no route to host|network is unreachable|TLS handshake timeout|\bEOF\b|server closed|(?:status|HTTP)[: ]+5\d\d\b|50[234] (?:Service Unavailable|Bad Gateway|Gateway Timeout)|Service Unavailable|Bad Gateway|request canceled while waiting for connection|context deadline exceeded/i;

/** Classifies the daemon's words for a failed push (its stream's error event). */
export function classifyPushFailure(err: unknown): PushFailure {
  const message = (err as { message?: unknown })?.message;
  if (typeof message !== "string") return null;
  const detail = message.trim().split("\n")[0]!.slice(0, 300);
  if (CREDENTIAL_WORDS.test(message)) return { kind: "credentials", detail };
  if (UNREACHABLE_WORDS.test(message)) return { kind: "unreachable", detail };
  return null;
}

/** The seconds before the n-th try again (1-based): 5, 10, 20, 40, then every 60. */
export function pushRetryDelaySeconds(n: number): number {
  return Math.min(60, 5 * 2 ** (n - 1));
}
