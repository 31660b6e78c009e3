// "Test" for a Docker context: reach the engine (through SSH with pinned host keys when remote), ask its
// version and info, and say in one sentence what is there, or what is wrong and what to do.
import type Dockerode from "dockerode";
import { dockerClient, type DockerClient, type DockerContextAccess } from "@/lib/docker/engine";
import { explainDockerFailure, timeoutFailure, type DockerFailure } from "@/lib/docker/failure";

export type SwarmState = "inactive" | "active" | "pending" | "error" | "locked";

export interface DockerEngineFacts {
  version: string;
  apiVersion: string;
  /** GOOS, e.g. linux */
  os: string;
  /** GOARCH, e.g. amd64 */
  arch: string;
  kernel: string;
  /** e.g. "Debian GNU/Linux 12 (bookworm)" */
  operatingSystem: string;
  cpus: number;
  memoryBytes: number;
  containers: number;
  swarm: { state: SwarmState; nodeId?: string; isManager: boolean; managers?: number; nodes?: number };
}

export type DockerContextTestResult = ({ ok: true } & DockerEngineFacts) | ({ ok: false } & DockerFailure);

export interface DockerContextTestOptions {
  /** for the whole test: connecting, logging in and both calls (default 15 s) */
  timeoutMs?: number;
  /** aborting it rejects the test with the signal's reason */
  signal?: AbortSignal;
}

const SWARM_STATES: readonly SwarmState[] = ["inactive", "active", "pending", "error", "locked"];

// @types/dockerode 4 declares version() and info() without options; dockerode 5 takes { abortSignal } for both
// (lib/docker.js hands it to docker-modem, which passes it to http.request as `signal`).
type AbortableCall<T> = (this: Dockerode, opts: { abortSignal: AbortSignal }) => Promise<T>;

function engineVersion(docker: Dockerode, abortSignal: AbortSignal): Promise<Dockerode.DockerVersion> {
  return (docker.version as unknown as AbortableCall<Dockerode.DockerVersion>).call(docker, { abortSignal });
}

function engineInfo(docker: Dockerode, abortSignal: AbortSignal): Promise<Record<string, unknown>> {
  return (docker.info as unknown as AbortableCall<Record<string, unknown>>).call(docker, { abortSignal });
}

/** Resolves or rejects with `promise`, or rejects as soon as `signal` aborts (whatever the promise still does). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(e);
      },
    );
  });
}

function facts(version: Dockerode.DockerVersion, info: Record<string, unknown>): DockerEngineFacts {
  const swarmInfo = (info.Swarm ?? {}) as { LocalNodeState?: string; NodeID?: string; ControlAvailable?: boolean; Managers?: number; Nodes?: number };
  const rawState = swarmInfo.LocalNodeState ?? "inactive";
  const state: SwarmState = (SWARM_STATES as readonly string[]).includes(rawState) ? (rawState as SwarmState) : "error";
  const isManager = swarmInfo.ControlAvailable === true;
  return {
    version: version.Version,
    apiVersion: version.ApiVersion,
    os: version.Os,
    arch: version.Arch,
    kernel: version.KernelVersion,
    operatingSystem: typeof info.OperatingSystem === "string" ? info.OperatingSystem : "",
    cpus: typeof info.NCPU === "number" ? info.NCPU : 0,
    memoryBytes: typeof info.MemTotal === "number" ? info.MemTotal : 0,
    containers: typeof info.Containers === "number" ? info.Containers : 0,
    swarm: {
      state,
      ...(swarmInfo.NodeID ? { nodeId: swarmInfo.NodeID } : {}),
      isManager,
      // only managers know the cluster's size
      ...(isManager && typeof swarmInfo.Managers === "number" ? { managers: swarmInfo.Managers } : {}),
      ...(isManager && typeof swarmInfo.Nodes === "number" ? { nodes: swarmInfo.Nodes } : {}),
    },
  };
}

/**
 * Tests a Docker context. Every outcome an admin can act on is a result (a changed host key fails before any
 * login or Docker call, with both fingerprints); it rejects only when `signal` aborts, and for contexts that
 * cannot be built (see dockerClient: invalid endpoint, ssh:// without SSH access, no pinned keys).
 */
export async function testDockerContext(ctx: DockerContextAccess, opts: DockerContextTestOptions = {}): Promise<DockerContextTestResult> {
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const signal = opts.signal;
  signal?.throwIfAborted();

  const client: DockerClient = dockerClient(ctx, { timeoutMs });
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(new Error("timeout")), timeoutMs);
  const bound = signal ? AbortSignal.any([signal, deadline.signal]) : deadline.signal;
  try {
    // one after the other: a refused host key ends the test before a second connection is tried
    const version = await untilAborted(engineVersion(client.docker, bound), bound);
    const info = await untilAborted(engineInfo(client.docker, bound), bound);
    return { ok: true, ...facts(version, info) };
  } catch (err) {
    signal?.throwIfAborted();
    const verdict = client.hostKeyVerdict();
    // a refused host key is the finding even when the deadline passed meanwhile
    if (deadline.signal.aborted && !(verdict && !verdict.accepted)) return { ok: false, ...timeoutFailure(client, timeoutMs) };
    return { ok: false, ...explainDockerFailure(client, ctx, err, timeoutMs) };
  } finally {
    clearTimeout(timer);
  }
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

function gibibytes(bytes: number): string {
  return `${(bytes / 2 ** 30).toFixed(1)} GiB`;
}

function describeSwarm(s: DockerEngineFacts["swarm"]): string {
  switch (s.state) {
    case "inactive":
      return "not in a swarm";
    case "pending":
      return "swarm joining (pending)";
    case "locked":
      return "swarm locked (unlock it with docker swarm unlock on that machine)";
    case "error":
      return "swarm in error (see docker info on that machine)";
    case "active": {
      if (!s.isManager) return "swarm active, worker (deploy through a manager)";
      const size = s.nodes === undefined ? "" : `, ${plural(s.nodes, "node")}`;
      return `swarm active, manager${size}`;
    }
  }
}

/** One sentence for the console and the audit log, such as "build1: Docker 20.10.24 (API 1.41) on linux/amd64, 2 CPUs, 7.8 GiB; swarm active, manager, 1 node." */
export function describeContextTest(name: string, result: DockerContextTestResult): string {
  if (!result.ok) return `${name}: ${result.message}`;
  return `${name}: Docker ${result.version} (API ${result.apiVersion}) on ${result.os}/${result.arch}, ${plural(result.cpus, "CPU")}, ${gibibytes(result.memoryBytes)}; ${describeSwarm(result.swarm)}.`;
}
