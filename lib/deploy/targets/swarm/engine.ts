// Calls to a swarm manager's Engine API for lib/deploy/targets/swarm: each bounded by the caller's signal
// and a timeout, failures said in words (SwarmError), and the reads of a service and its tasks.
//
// Engine API 1.41 (Docker 20.10) semantics the swarm driver relies on:
// - POST /services/{id}/update needs the version index read with the spec; a stale index fails with HTTP 500
//   "rpc error: code = Unknown desc = update out of sequence", and the spec must then be read again.
// - An update resets UpdateStatus; the orchestrator then sets it to updating → completed, or, when a new task
//   fails within UpdateConfig.Monitor, to paused (FailureAction pause) or rollback_started (FailureAction
//   rollback; the spec is put back to PreviousSpec at that moment) → rollback_completed / rollback_paused.
//   `?rollback=previous` swaps Spec and PreviousSpec and starts at rollback_started as well.
// - The task list keeps the history of every slot (old shut-down and failed tasks): only tasks whose
//   DesiredState is running count as the service's current replicas.
// - GET /services/{x} matches a full ID, then an exact name, then an ID prefix; a prefix match is refused
//   here so that a mistyped name never deploys to an unrelated service.
import type Dockerode from "dockerode";
import { settleOnAbort } from "@/lib/docker/abort";
import { seconds } from "@/lib/seconds";
import { engineMessage } from "@/lib/docker/failure";

export type SwarmErrorReason = "service_missing" | "not_a_manager" | "update_rejected" | "timeout" | "engine_error" | "cancelled";

export class SwarmError extends Error {
  constructor(
    message: string,
    readonly reason: SwarmErrorReason,
    /** the engine call's own failure, kept when the way to the engine failed (explained by lib/docker/failure) */
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "SwarmError";
  }
}


export interface ServiceState {
  id: string;
  name: string;
  version: number;
  /** ContainerSpec.Image as the spec says */
  image: string | null;
  /** PreviousSpec's ContainerSpec.Image */
  previousImage: string | null;
  /** null for global mode */
  replicas: number | null;
  updateState: string | null;
  updateMessage: string | null;
}

/** How long one engine request may take before the call fails with reason "timeout". */
export const ENGINE_CALL_TIMEOUT_MS = 30_000;

// ---------------------------------------------------------------------------------------------------------
// The parts of the engine's JSON used here (the @types package types most answers as any)

export interface EngineContainerSpec {
  Image?: string;
  [field: string]: unknown;
}

export interface EngineServiceSpec {
  Name?: string;
  TaskTemplate?: { ContainerSpec?: EngineContainerSpec; [field: string]: unknown };
  Mode?: { Replicated?: { Replicas?: number }; Global?: object; ReplicatedJob?: object; GlobalJob?: object };
  /** Monitor in nanoseconds: how long the swarm watches each updated (or rolled back) task; absent or 0: 5 s */
  UpdateConfig?: { Monitor?: number; [field: string]: unknown };
  RollbackConfig?: { Monitor?: number; [field: string]: unknown };
  [field: string]: unknown;
}

export interface EngineService {
  ID: string;
  Version?: { Index?: number };
  Spec?: EngineServiceSpec;
  PreviousSpec?: EngineServiceSpec;
  UpdateStatus?: { State?: string; Message?: string; CompletedAt?: string };
  ServiceStatus?: { RunningTasks?: number; DesiredTasks?: number };
}

export interface EngineTask {
  ID: string;
  Slot?: number;
  NodeID?: string;
  CreatedAt?: string;
  DesiredState?: string;
  Spec?: { ContainerSpec?: { Image?: string } };
  Status?: { State?: string; Message?: string; Err?: string; Timestamp?: string; ContainerStatus?: { ExitCode?: number } };
}

export interface EngineNode {
  ID: string;
  Description?: { Hostname?: string };
  /** Availability: active, pause or drain */
  Spec?: { Availability?: string; Role?: string };
  /** State: ready, down, disconnected or unknown; Message says why ("heartbeat failure"); Addr is the node's address */
  Status?: { State?: string; Message?: string; Addr?: string };
}

/** What docker-modem and ssh2 errors carry besides their message. */
interface EngineErrorFields {
  message?: string;
  name?: string;
  code?: string | number;
  statusCode?: number;
  json?: { message?: string } | null;
}

/** docker-modem's connection settings, to name the engine in messages. */
interface ModemFields {
  socketPath?: unknown;
  host?: unknown;
  port?: unknown;
  username?: unknown;
  protocol?: unknown;
}

// ---------------------------------------------------------------------------------------------------------
// Engine calls: signal, timeout, errors in words

function engineName(docker: Dockerode): string {
  const modem = ((docker as unknown as { modem?: ModemFields }).modem ?? {}) as ModemFields;
  if (typeof modem.socketPath === "string") return modem.socketPath;
  if (typeof modem.host === "string") {
    const user = modem.protocol === "ssh" && typeof modem.username === "string" ? `${modem.username}@` : "";
    const port = typeof modem.port === "string" || typeof modem.port === "number" ? `:${modem.port}` : "";
    return `${user}${modem.host}${port}`;
  }
  return "the configured Docker engine";
}

export function errorFields(err: unknown): EngineErrorFields {
  return err && typeof err === "object" ? (err as EngineErrorFields) : { message: String(err) };
}

export function isVersionConflict(err: unknown): boolean {
  const f = errorFields(err);
  return typeof f.statusCode === "number" && /update out of sequence/i.test(engineMessage(err));
}

export function isNotAManager(err: unknown): boolean {
  const f = errorFields(err);
  return f.statusCode === 503 && /not a swarm manager|not part of a swarm/i.test(engineMessage(err));
}

export function notAManager(docker: Dockerode, err: unknown): SwarmError {
  return new SwarmError(
    `The Docker engine at ${engineName(docker)} is not a swarm manager (${engineMessage(err)}). Point the deploy target at a manager node of the swarm (\`docker node ls\` works there), or run \`docker swarm init\` on this engine.`,
    "not_a_manager",
  );
}

function connectionWords(docker: Dockerode, f: EngineErrorFields): string {
  // over ssh:// the socket is an SSH channel: sshd or the remote docker refused, never a local dockerd
  const modem = ((docker as unknown as { modem?: ModemFields }).modem ?? {}) as ModemFields;
  if (modem.protocol === "ssh") return "";
  switch (f.code) {
    case "ENOENT":
      return "there is no socket at that path; is dockerd running?";
    case "ECONNREFUSED":
      return "nothing listens there; is dockerd running?";
    case "EACCES":
    case "EPERM":
      return "the console's user may not open the socket";
    case "ECONNRESET":
    case "EPIPE":
      return "the engine closed the connection";
    default:
      return "";
  }
}

/** Any failure that is not an answer Slipway expects: the engine (or the way to it) is in trouble. */
export function engineError(docker: Dockerode, what: string, err: unknown): SwarmError {
  if (err instanceof SwarmError) return err;
  const f = errorFields(err);
  if (typeof f.statusCode === "number") {
    return new SwarmError(`The Docker engine at ${engineName(docker)} answered HTTP ${f.statusCode} while ${what}: ${engineMessage(err)}. Check dockerd's log on that machine.`, "engine_error", { cause: err });
  }
  const words = connectionWords(docker, f);
  return new SwarmError(`Could not talk to the Docker engine at ${engineName(docker)} while ${what}: ${f.message ?? String(err)}${words ? ` (${words})` : ""}.`, "engine_error", { cause: err });
}

/**
 * Runs one engine request with the caller's signal and a timeout combined. Rejects with SwarmError cancelled
 * (the caller's signal) or timeout (the engine did not answer in time); any other failure is passed through
 * for the caller to classify.
 */
export async function engineCall<T>(docker: Dockerode, what: string, signal: AbortSignal, call: (signal: AbortSignal) => Promise<T>): Promise<T> {
  if (signal.aborted) throw new SwarmError(`Cancelled while ${what}.`, "cancelled");
  const timeout = AbortSignal.timeout(ENGINE_CALL_TIMEOUT_MS);
  const combined = AbortSignal.any([signal, timeout]);
  try {
    // docker-modem may never settle a request whose connection dropped mid-answer: do not wait for it
    return await settleOnAbort(call(combined), combined);
  } catch (err) {
    if (signal.aborted) throw new SwarmError(`Cancelled while ${what}.`, "cancelled");
    if (timeout.aborted) {
      throw new SwarmError(`The Docker engine at ${engineName(docker)} did not answer within ${seconds(ENGINE_CALL_TIMEOUT_MS)} while ${what}. Check that dockerd is running and not stuck, and that the host is reachable.`, "timeout");
    }
    throw err;
  }
}

export function sleep(ms: number, signal: AbortSignal, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(new SwarmError(`Cancelled while ${what}.`, "cancelled"));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(new SwarmError(`Cancelled while ${what}.`, "cancelled"));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}


// ---------------------------------------------------------------------------------------------------------
// Reading

export function specImage(spec: EngineServiceSpec | undefined): string | null {
  return spec?.TaskTemplate?.ContainerSpec?.Image ?? null;
}

export function toState(raw: EngineService): ServiceState {
  const spec = raw.Spec ?? {};
  const mode = spec.Mode ?? {};
  return {
    id: raw.ID,
    name: spec.Name ?? raw.ID,
    version: raw.Version?.Index ?? 0,
    image: specImage(spec),
    previousImage: specImage(raw.PreviousSpec),
    replicas: mode.Replicated ? (mode.Replicated.Replicas ?? 1) : null,
    updateState: raw.UpdateStatus?.State ?? null,
    updateMessage: raw.UpdateStatus?.Message ?? null,
  };
}

export function serviceMissing(docker: Dockerode, service: string, extra = ""): SwarmError {
  return new SwarmError(
    `There is no service "${service}" on the swarm at ${engineName(docker)}${extra}. Check the service name of the deploy target; \`docker service ls\` on a manager lists the services.`,
    "service_missing",
  );
}

export async function inspectRaw(docker: Dockerode, service: string, signal: AbortSignal): Promise<EngineService> {
  const what = `reading service ${service}`;
  let raw: EngineService;
  try {
    raw = (await engineCall(docker, what, signal, (s) => docker.getService(service).inspect({ abortSignal: s }))) as EngineService;
  } catch (err) {
    if (err instanceof SwarmError) throw err;
    if (isNotAManager(err)) throw notAManager(docker, err);
    const f = errorFields(err);
    // 404: no such service; 400 "ambiguous": only an ID prefix matched, several times
    if (f.statusCode === 404 || (f.statusCode === 400 && /ambiguous/i.test(engineMessage(err)))) throw serviceMissing(docker, service);
    throw engineError(docker, what, err);
  }
  if (!raw || typeof raw !== "object" || typeof raw.ID !== "string") throw engineError(docker, what, new Error("the engine's answer names no service"));
  if (raw.ID !== service && raw.Spec?.Name !== service) {
    throw serviceMissing(docker, service, ` (the engine matched service "${raw.Spec?.Name ?? raw.ID}" by an ID prefix; Slipway takes only a full name or ID)`);
  }
  return raw;
}

/**
 * Reads the service by name or id; throws SwarmError service_missing (message says which service and suggests
 * checking the target's service name / `docker service ls`) or not_a_manager (the engine is not a swarm manager).
 */
export async function readService(docker: Dockerode, service: string, signal: AbortSignal): Promise<ServiceState> {
  return toState(await inspectRaw(docker, service, signal));
}

// ---------------------------------------------------------------------------------------------------------
// Watching: the service with its status, and its tasks

export async function pollService(docker: Dockerode, serviceId: string, signal: AbortSignal): Promise<EngineService> {
  const what = `reading service ${serviceId}`;
  let list: EngineService[];
  try {
    // the list (unlike GET /services/{id}) carries ServiceStatus with the desired task count of global services
    list = (await engineCall(docker, what, signal, (s) => docker.listServices({ filters: { id: [serviceId] }, status: true, abortSignal: s }))) as unknown as EngineService[];
  } catch (err) {
    if (err instanceof SwarmError) throw err;
    if (isNotAManager(err)) throw notAManager(docker, err);
    throw engineError(docker, what, err);
  }
  // the id filter matches prefixes, and a name given as serviceId is resolved here too
  const found = Array.isArray(list) ? list.find((s) => s.ID === serviceId || s.Spec?.Name === serviceId) : undefined;
  if (found) return found;
  return inspectRaw(docker, serviceId, signal);
}

export async function listTasks(docker: Dockerode, serviceId: string, signal: AbortSignal): Promise<EngineTask[]> {
  const what = `listing the tasks of service ${serviceId}`;
  try {
    const tasks = (await engineCall(docker, what, signal, (s) => docker.listTasks({ filters: { service: [serviceId] }, abortSignal: s }))) as unknown;
    return Array.isArray(tasks) ? (tasks as EngineTask[]) : [];
  } catch (err) {
    if (err instanceof SwarmError) throw err;
    if (isNotAManager(err)) throw notAManager(docker, err);
    if (errorFields(err).statusCode === 404) throw serviceMissing(docker, serviceId, " (it was removed while Slipway watched it)");
    throw engineError(docker, what, err);
  }
}

/** The swarm's nodes (GET /nodes on a manager). */
export async function listNodes(docker: Dockerode, signal: AbortSignal): Promise<EngineNode[]> {
  const what = "listing the nodes of the swarm";
  try {
    const nodes = (await engineCall(docker, what, signal, (s) => docker.listNodes({ abortSignal: s }))) as unknown;
    return Array.isArray(nodes) ? (nodes as EngineNode[]) : [];
  } catch (err) {
    if (err instanceof SwarmError) throw err;
    if (isNotAManager(err)) throw notAManager(docker, err);
    throw engineError(docker, what, err);
  }
}
