// A compose service's containers through the Engine API, for lib/deploy/targets/compose: the labels compose
// puts on them, the names Slipway gives them while it switches one, the engine calls on them, and the
// adapter's error (ComposeError). @types/dockerode 4 lacks `abortSignal` on some option types that dockerode 5
// honours (every call hands `opts.abortSignal` to docker-modem, which passes it to http.request as `signal`).
import type Dockerode from "dockerode";

export type ComposeFailureReason = "no_containers" | "pull_failed" | "start_failed" | "unhealthy" | "timeout" | "engine_error" | "cancelled";

export class ComposeError extends Error {
  constructor(
    message: string,
    readonly reason: ComposeFailureReason,
    /** the engine call's own failure, kept for lib/docker/failure to say what refused the connection */
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "ComposeError";
  }
}

export const PROJECT_LABEL = "com.docker.compose.project";
export const SERVICE_LABEL = "com.docker.compose.service";
export const NUMBER_LABEL = "com.docker.compose.container-number";
const ONEOFF_LABEL = "com.docker.compose.oneoff";
/** compose v2 records the image id a container was made from; refreshed so `docker compose` sees the truth */
export const COMPOSE_IMAGE_LABEL = "com.docker.compose.image";
/** the reference Slipway deployed, exactly as asked (Config.Image alone may be rewritten by the engine) */
export const SLIPWAY_IMAGE_LABEL = "dev.slipway.image";
export const OLD_SUFFIX = "-slipway-old";
export const NEW_SUFFIX = "-slipway-new";

/** bound for each Docker call made while putting containers back (the caller's signal may be aborted by then) */
export const RESTORE_CALL_MS = 30_000;

interface EngineErrorFields {
  statusCode?: number;
  json?: { message?: string } | null;
  message?: string;
  name?: string;
}

export function statusOf(err: unknown): number | undefined {
  return err && typeof err === "object" ? (err as EngineErrorFields).statusCode : undefined;
}

export function containerName(info: { Name: string }): string {
  return info.Name.replace(/^\//, "");
}

export function shortId(id: string): string {
  return id.replace(/^sha256:/, "").slice(0, 12);
}

/** Inspects a container by id, or by exact name; null when there is none. */
export async function inspectContainer(docker: Dockerode, ref: string, signal: AbortSignal): Promise<Dockerode.ContainerInspectInfo | null> {
  try {
    const info = await docker.getContainer(ref).inspect({ abortSignal: signal });
    // the engine also matches id prefixes; a name must match exactly
    if (!info.Id.startsWith(ref) && containerName(info) !== ref) return null;
    return info;
  } catch (err) {
    if (statusOf(err) === 404) return null;
    throw err;
  }
}

export async function removeContainer(docker: Dockerode, id: string, signal: AbortSignal, removeAnonymousVolumes: boolean): Promise<void> {
  try {
    await docker.getContainer(id).remove({ force: true, v: removeAnonymousVolumes, abortSignal: signal } as Dockerode.ContainerRemoveOptions);
  } catch (err) {
    // 404: gone already; 409: removal already in progress
    if (statusOf(err) !== 404 && statusOf(err) !== 409) throw err;
  }
}

export async function renameContainer(docker: Dockerode, id: string, name: string, signal: AbortSignal): Promise<void> {
  await docker.getContainer(id).rename({ name, abortSignal: signal });
}

export async function startContainer(docker: Dockerode, id: string, signal: AbortSignal): Promise<void> {
  try {
    await docker.getContainer(id).start({ abortSignal: signal });
  } catch (err) {
    if (statusOf(err) !== 304) throw err; // already running
  }
}

export async function stopContainer(docker: Dockerode, id: string, stopSeconds: number, signal: AbortSignal): Promise<void> {
  try {
    await docker.getContainer(id).stop({ t: stopSeconds, abortSignal: signal });
  } catch (err) {
    if (statusOf(err) !== 304) throw err; // already stopped
  }
}

/** Containers labelled with the project and service (one-off `compose run` containers left out). */
export async function listLabelled(docker: Dockerode, project: string, service: string, signal: AbortSignal): Promise<Dockerode.ContainerInfo[]> {
  const listed = await docker.listContainers({ all: true, filters: { label: [`${PROJECT_LABEL}=${project}`, `${SERVICE_LABEL}=${service}`] }, abortSignal: signal });
  return listed.filter((c) => (c.Labels?.[ONEOFF_LABEL] ?? "False") !== "True");
}

export function listedName(c: Dockerode.ContainerInfo): string {
  return (c.Names?.[0] ?? c.Id).replace(/^\//, "");
}

export function isTemporary(name: string): boolean {
  return name.endsWith(OLD_SUFFIX) || name.endsWith(NEW_SUFFIX);
}

function containerNumber(c: Dockerode.ContainerInfo): number {
  const n = Number.parseInt(c.Labels?.[NUMBER_LABEL] ?? "", 10);
  return Number.isFinite(n) ? n : Number.MAX_SAFE_INTEGER;
}

export function byNumberThenName(a: Dockerode.ContainerInfo, b: Dockerode.ContainerInfo): number {
  return containerNumber(a) - containerNumber(b) || listedName(a).localeCompare(listedName(b));
}

export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
