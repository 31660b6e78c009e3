// Deploys an image to a Docker Swarm service through a dockerode client and watches the swarm until it has
// converged: a deploy is done when every desired replica runs the new image and stays up, not when the
// update call returns. Every engine call is bounded by the caller's signal and a timeout.
//
// Engine API 1.41 (Docker 20.10) semantics this relies on:
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
import { settleOnAbort } from "@/lib/docker/abort";
import type Dockerode from "dockerode";

export type SwarmErrorReason = "service_missing" | "not_a_manager" | "update_rejected" | "timeout" | "engine_error" | "cancelled";

export class SwarmError extends Error {
  constructor(
    message: string,
    readonly reason: SwarmErrorReason,
  ) {
    super(message);
    this.name = "SwarmError";
  }
}

export interface RegistryAuth {
  username: string;
  password: string;
  serveraddress: string;
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

export type ConvergeOutcome = { outcome: "converged" } | { outcome: "rolled_back"; message: string } | { outcome: "failed"; message: string };

/** How long one engine request may take before the call fails with reason "timeout". */
export const ENGINE_CALL_TIMEOUT_MS = 30_000;
/** How often waitForConvergence asks the engine (never faster). */
export const POLL_INTERVAL_MS = 100;
/** Retries of an update whose version index went stale in the meantime. */
export const VERSION_CONFLICT_RETRIES = 5;

// ---------------------------------------------------------------------------------------------------------
// The parts of the engine's JSON used here (the @types package types most answers as any)

interface EngineContainerSpec {
  Image?: string;
  [field: string]: unknown;
}

interface EngineServiceSpec {
  Name?: string;
  TaskTemplate?: { ContainerSpec?: EngineContainerSpec; [field: string]: unknown };
  Mode?: { Replicated?: { Replicas?: number }; Global?: object; ReplicatedJob?: object; GlobalJob?: object };
  [field: string]: unknown;
}

interface EngineService {
  ID: string;
  Version?: { Index?: number };
  Spec?: EngineServiceSpec;
  PreviousSpec?: EngineServiceSpec;
  UpdateStatus?: { State?: string; Message?: string; CompletedAt?: string };
  ServiceStatus?: { RunningTasks?: number; DesiredTasks?: number };
}

interface EngineTask {
  ID: string;
  Slot?: number;
  NodeID?: string;
  CreatedAt?: string;
  DesiredState?: string;
  Spec?: { ContainerSpec?: { Image?: string } };
  Status?: { State?: string; Message?: string; Err?: string; Timestamp?: string; ContainerStatus?: { ExitCode?: number } };
}

/**
 * How long, by the engine's own clock, every replica of `image` had been running when the swarm marked the
 * update completed: the swarm watched them for that long already (its UpdateConfig.Monitor), so Slipway's
 * window need not wait it again. 0 when the engine does not say.
 */
function upBeforeCompleted(raw: EngineService, tasks: EngineTask[], image: string): number {
  const completedAt = Date.parse(raw.UpdateStatus?.CompletedAt ?? "");
  if (raw.UpdateStatus?.State !== "completed" || !Number.isFinite(completedAt)) return 0;
  const since = tasks.filter((t) => t.DesiredState === "running" && t.Status?.State === "running" && t.Spec?.ContainerSpec?.Image === image).map((t) => Date.parse(t.Status?.Timestamp ?? ""));
  if (since.length === 0 || since.some((x) => !Number.isFinite(x))) return 0;
  return Math.max(0, completedAt - Math.max(...since));
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

type UpdateQuery = { version: number; rollback?: "previous"; registryAuthFrom?: "spec" | "previous-spec" };
/** dockerode's Service.update as it really is (the @types package knows only a one-argument form). */
type ServiceUpdateCall = (auth: RegistryAuth | undefined, opts: { _query: UpdateQuery; _body: EngineServiceSpec; abortSignal: AbortSignal }) => Promise<unknown>;

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

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

function errorFields(err: unknown): EngineErrorFields {
  return err && typeof err === "object" ? (err as EngineErrorFields) : { message: String(err) };
}

/** The engine's own message for an HTTP error, without docker-modem's "(HTTP code 500) server error - " prefix. */
function engineMessage(err: unknown): string {
  const f = errorFields(err);
  const said = f.json && typeof f.json === "object" ? f.json.message : undefined;
  return (said ?? f.message ?? String(err)).trim();
}

function isVersionConflict(err: unknown): boolean {
  const f = errorFields(err);
  return typeof f.statusCode === "number" && /update out of sequence/i.test(engineMessage(err));
}

function isNotAManager(err: unknown): boolean {
  const f = errorFields(err);
  return f.statusCode === 503 && /not a swarm manager|not part of a swarm/i.test(engineMessage(err));
}

function notAManager(docker: Dockerode, err: unknown): SwarmError {
  return new SwarmError(
    `The Docker engine at ${engineName(docker)} is not a swarm manager (${engineMessage(err)}). Point the deploy target at a manager node of the swarm (\`docker node ls\` works there), or run \`docker swarm init\` on this engine.`,
    "not_a_manager",
  );
}

function connectionWords(f: EngineErrorFields): string {
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
function engineError(docker: Dockerode, what: string, err: unknown): SwarmError {
  if (err instanceof SwarmError) return err;
  const f = errorFields(err);
  if (typeof f.statusCode === "number") {
    return new SwarmError(`The Docker engine at ${engineName(docker)} answered HTTP ${f.statusCode} while ${what}: ${engineMessage(err)}. Check dockerd's log on that machine.`, "engine_error");
  }
  const words = connectionWords(f);
  return new SwarmError(`Could not talk to the Docker engine at ${engineName(docker)} while ${what}: ${f.message ?? String(err)}${words ? ` (${words})` : ""}.`, "engine_error");
}

/**
 * Runs one engine request with the caller's signal and a timeout combined. Rejects with SwarmError cancelled
 * (the caller's signal) or timeout (the engine did not answer in time); any other failure is passed through
 * for the caller to classify.
 */
async function engineCall<T>(docker: Dockerode, what: string, signal: AbortSignal, call: (signal: AbortSignal) => Promise<T>): Promise<T> {
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

function sleep(ms: number, signal: AbortSignal, what: string): Promise<void> {
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

function specImage(spec: EngineServiceSpec | undefined): string | null {
  return spec?.TaskTemplate?.ContainerSpec?.Image ?? null;
}

function toState(raw: EngineService): ServiceState {
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

function serviceMissing(docker: Dockerode, service: string, extra = ""): SwarmError {
  return new SwarmError(
    `There is no service "${service}" on the swarm at ${engineName(docker)}${extra}. Check the service name of the deploy target; \`docker service ls\` on a manager lists the services.`,
    "service_missing",
  );
}

async function inspectRaw(docker: Dockerode, service: string, signal: AbortSignal): Promise<EngineService> {
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
// Writing

/**
 * POST /services/{id}/update with the version index the spec was read at. Returns the engine's warnings;
 * throws the raw error on a version conflict (for the caller's retry) and SwarmError otherwise.
 */
async function writeSpec(docker: Dockerode, opts: { service: EngineService; spec: EngineServiceSpec; query: UpdateQuery; auth?: RegistryAuth; signal: AbortSignal; what: string }): Promise<string[]> {
  const svc = docker.getService(opts.service.ID);
  const update = svc.update.bind(svc) as unknown as ServiceUpdateCall;
  let answer: unknown;
  try {
    answer = await engineCall(docker, opts.what, opts.signal, (s) => update(opts.auth, { _query: opts.query, _body: opts.spec, abortSignal: s }));
  } catch (err) {
    if (err instanceof SwarmError || isVersionConflict(err)) throw err;
    if (isNotAManager(err)) throw notAManager(docker, err);
    const f = errorFields(err);
    if (f.statusCode === 404) throw serviceMissing(docker, opts.service.Spec?.Name ?? opts.service.ID, " (it was removed while Slipway updated it)");
    if (typeof f.statusCode === "number" && f.statusCode < 500) {
      throw new SwarmError(`The swarm refused ${opts.what}: ${engineMessage(err)}.`, "update_rejected");
    }
    // the swarm answers most refusals as 500 with an rpc error ("rpc error: code = InvalidArgument desc = …")
    if (f.statusCode === 500 && /rpc error: code = (InvalidArgument|FailedPrecondition|Unimplemented|NotFound|AlreadyExists)/.test(engineMessage(err))) {
      throw new SwarmError(`The swarm refused ${opts.what}: ${engineMessage(err)}.`, "update_rejected");
    }
    throw engineError(docker, opts.what, err);
  }
  const warnings = (answer as { Warnings?: unknown } | null)?.Warnings;
  return Array.isArray(warnings) ? warnings.filter((w): w is string => typeof w === "string") : [];
}

function describeMode(spec: EngineServiceSpec | undefined): string | null {
  const mode = spec?.Mode ?? {};
  if (mode.ReplicatedJob) return "a replicated job";
  if (mode.GlobalJob) return "a global job";
  return null;
}

/**
 * Sets ContainerSpec.Image to `image` (a full `repo:tag@sha256:…` reference), with X-Registry-Auth when auth is
 * given, at the version index read just before. On a version conflict (someone changed the service between
 * the read and the write) it reads again and re-applies the change, up to VERSION_CONFLICT_RETRIES times, so a
 * concurrent change is never overwritten. When the spec already names exactly this image nothing is written
 * and `changed` is false.
 *
 * Returns the service's version index and spec image as they were before this call (for `changed: false`,
 * the current ones: `previousImage` then equals `image`). log() receives one line per action.
 *
 * When the signal fires (SwarmError cancelled) or the engine does not answer (timeout) while the write is on
 * its way, the swarm may or may not have taken it: check with inspectServiceImage before assuming either.
 */
export async function updateServiceImage(
  docker: Dockerode,
  opts: { service: string; image: string; auth?: RegistryAuth; signal: AbortSignal; log: (line: string) => void },
): Promise<{ serviceId: string; changed: boolean; versionBefore: number; previousImage: string | null }> {
  const { service, image, auth, signal, log } = opts;
  for (let attempt = 0; ; attempt++) {
    const raw = await inspectRaw(docker, service, signal);
    const state = toState(raw);
    const job = describeMode(raw.Spec);
    if (job) throw new SwarmError(`Service ${state.name} is ${job}; Slipway deploys to replicated and global services only.`, "update_rejected");
    if (!raw.Spec?.TaskTemplate?.ContainerSpec) {
      throw new SwarmError(`Service ${state.name} does not run containers (its task template has no container spec); Slipway cannot set its image.`, "update_rejected");
    }
    if (state.image === image) {
      log(`service ${state.name} already runs ${image} (version ${state.version}); nothing to update`);
      return { serviceId: state.id, changed: false, versionBefore: state.version, previousImage: state.image };
    }

    const spec: EngineServiceSpec = structuredClone(raw.Spec);
    spec.TaskTemplate!.ContainerSpec!.Image = image;
    log(`updating service ${state.name} (version ${state.version}) from ${state.image ?? "no image"} to ${image}${auth ? ` with the credentials for ${auth.serveraddress}` : ""}`);
    try {
      const warnings = await writeSpec(docker, { service: raw, spec, query: { version: state.version }, auth, signal, what: `updating service ${state.name}` });
      for (const w of warnings) log(`the engine warned: ${w}`);
      log(`the swarm accepted the new spec of service ${state.name}`);
      return { serviceId: state.id, changed: true, versionBefore: state.version, previousImage: state.image };
    } catch (err) {
      if (!isVersionConflict(err)) throw err;
      if (attempt >= VERSION_CONFLICT_RETRIES) {
        throw new SwarmError(`Service ${state.name} kept changing while Slipway updated it (${VERSION_CONFLICT_RETRIES + 1} version conflicts in a row); is another tool updating it? Try again.`, "update_rejected");
      }
      log(`service ${state.name} changed since it was read (version ${state.version} is stale); reading it again (retry ${attempt + 1} of ${VERSION_CONFLICT_RETRIES})`);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// Watching

const SETTLED_UPDATE_STATES = new Set(["completed", "rollback_completed"]);
const MOVING_UPDATE_STATES = new Set(["updating", "rollback_started"]);
const STUCK_UPDATE_STATES = new Set(["paused", "rollback_paused"]);
const ROLLBACK_STATES = new Set(["rollback_started", "rollback_completed", "rollback_paused"]);
const FAILED_TASK_STATES = new Set(["failed", "rejected"]);
const ENDED_TASK_STATES = new Set(["shutdown", "complete", "orphaned", "remove"]);

function shortId(id: string | undefined): string {
  return (id ?? "?").slice(0, 12);
}

function taskImage(t: EngineTask): string | null {
  return t.Spec?.ContainerSpec?.Image ?? null;
}

function taskLabel(t: EngineTask): string {
  return typeof t.Slot === "number" && t.Slot > 0 ? `task ${t.Slot} (${shortId(t.ID)})` : `task on node ${shortId(t.NodeID)} (${shortId(t.ID)})`;
}

function exitCode(t: EngineTask): number | null {
  return t.Status?.ContainerStatus?.ExitCode ?? null;
}

/** "task 1 (abc): running IMAGE", "task 1 (def): failed: task: non-zero exit (1) (IMAGE)" */
function describeTask(t: EngineTask): string {
  const state = t.Status?.State ?? "unknown";
  const img = taskImage(t) ?? "no image";
  const err = t.Status?.Err;
  if (err) return `${taskLabel(t)}: ${state}: ${err} (${img})`;
  const code = exitCode(t);
  const exited = ENDED_TASK_STATES.has(state) && code !== null && code !== 0 ? ` (exit code ${code})` : "";
  return `${taskLabel(t)}: ${state}${exited} ${img}`;
}

/** failed or rejected, or ended with a non-zero exit code */
function taskFailed(t: EngineTask): boolean {
  const state = t.Status?.State ?? "";
  if (FAILED_TASK_STATES.has(state)) return true;
  const code = exitCode(t);
  return ENDED_TASK_STATES.has(state) && code !== null && code !== 0;
}

async function pollService(docker: Dockerode, serviceId: string, signal: AbortSignal): Promise<EngineService> {
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

async function listTasks(docker: Dockerode, serviceId: string, signal: AbortSignal): Promise<EngineTask[]> {
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

/** "swarm update state paused (update paused due to …)"; the swarm's stock messages ("update completed") left out */
function describeUpdateStatus(state: ServiceState): string | null {
  if (!state.updateState) return null;
  const message = state.updateMessage && !/^(update|rollback) (in progress|started|completed)$/.test(state.updateMessage) ? ` (${state.updateMessage})` : "";
  return `swarm update state ${state.updateState}${message}`;
}

/** One look at the service and its tasks, measured against `image`. */
interface Snapshot {
  state: ServiceState;
  desired: number;
  /** tasks the swarm wants running now */
  current: EngineTask[];
  /** current tasks running `image` */
  runningImage: EngineTask[];
  /** every desired replica runs `image`, nothing else is wanted running, and the update (if any) has settled */
  converged: boolean;
  /** in words, for messages */
  summary: string;
}

function desiredCount(raw: EngineService, current: EngineTask[]): number {
  const mode = raw.Spec?.Mode ?? {};
  if (mode.Replicated) return mode.Replicated.Replicas ?? 1;
  // global: the swarm's own count of eligible nodes; without it, one task per node it placed a task on
  const fromStatus = raw.ServiceStatus?.DesiredTasks;
  if (typeof fromStatus === "number") return fromStatus;
  return new Set(current.map((t) => t.NodeID)).size;
}

function snapshot(raw: EngineService, tasks: EngineTask[], image: string): Snapshot {
  const state = toState(raw);
  const current = tasks.filter((t) => t.DesiredState === "running");
  const desired = desiredCount(raw, current);
  const runningImage = current.filter((t) => taskImage(t) === image && t.Status?.State === "running");
  const onlyImage = current.every((t) => taskImage(t) === image);
  const settled = state.updateState === null || SETTLED_UPDATE_STATES.has(state.updateState);
  const converged = state.image === image && settled && onlyImage && runningImage.length === desired && current.length === desired;
  const parts = [`${runningImage.length} of ${desired} ${state.replicas === null ? "global tasks" : "replicas"} run ${image}`];
  if (state.image !== image) parts.push(`the spec names ${state.image ?? "no image"}`);
  const update = describeUpdateStatus(state);
  if (update) parts.push(update);
  const notDone = current.filter((t) => !runningImage.includes(t));
  if (notDone.length > 0) parts.push(`tasks: ${notDone.map(describeTask).join("; ")}`);
  return { state, desired, current, runningImage, converged, summary: parts.join("; ") };
}

/** Errors of tasks of `image` that failed, newest last, without repeats. */
function taskErrors(tasks: EngineTask[], image: string, limit = 3): string[] {
  const failed = tasks
    .filter((t) => taskImage(t) === image && taskFailed(t))
    .sort((a, b) => (a.CreatedAt ?? "").localeCompare(b.CreatedAt ?? ""))
    .map(describeTask);
  return [...new Set(failed)].slice(-limit);
}

/**
 * Watches the service until every desired replica runs `image` (the task's Spec.ContainerSpec.Image equals it)
 * in state running, UpdateStatus (if any) has settled, and that stays true for monitorMs with no task of the
 * image failing, exiting or being replaced in the window (a failure restarts the window).
 *
 * - The spec no longer names `image` and UpdateStatus is rollback_* → rolled_back with the swarm's message.
 * - UpdateStatus paused (or rollback_paused) → failed with the swarm's message and the task errors seen.
 * - The spec was changed to another image by someone else → failed.
 * - Not converged after timeoutMs → failed "did not converge within N s" with the task states.
 *
 * Polls every POLL_INTERVAL_MS and logs task and update state changes, never a line for a poll where nothing
 * changed. Throws SwarmError cancelled when the signal fires, and engine errors as SwarmError.
 */
export async function waitForConvergence(
  docker: Dockerode,
  opts: { serviceId: string; image: string; monitorMs: number; timeoutMs: number; signal: AbortSignal; log: (line: string) => void },
): Promise<ConvergeOutcome> {
  const { serviceId, image, monitorMs, timeoutMs, signal, log } = opts;
  const what = `waiting for service ${serviceId} to converge`;
  const started = Date.now();
  const deadline = started + timeoutMs;
  const seen = new Map<string, string>();
  let lastUpdate: string | null | undefined;
  let firstPoll = true;
  /** when the converged state was first seen (null: not converged, or reset by a failure) */
  let windowStart: number | null = null;
  /** failures of the image's tasks seen while watching, for the messages */
  const failures: string[] = [];

  let id = serviceId;
  for (;;) {
    const raw = await pollService(docker, id, signal);
    id = raw.ID;
    const tasks = await listTasks(docker, id, signal);
    const snap = snapshot(raw, tasks, image);
    const name = snap.state.name;

    // log what changed since the last poll
    const update = describeUpdateStatus(snap.state);
    if (update !== lastUpdate && (update !== null || lastUpdate !== undefined)) log(`service ${name}: ${update ?? "no update status"}`);
    lastUpdate = update;
    let disturbed: string | null = null;
    for (const t of [...tasks].sort((a, b) => (a.Slot ?? 0) - (b.Slot ?? 0) || (a.CreatedAt ?? "").localeCompare(b.CreatedAt ?? ""))) {
      const line = describeTask(t);
      const before = seen.get(t.ID);
      if (before === line) continue;
      seen.set(t.ID, line);
      // the task history holds old shut-down tasks: on the first look only the current ones are news
      if (firstPoll && t.DesiredState !== "running") continue;
      log(line);
      if (taskImage(t) !== image || firstPoll) continue;
      if (taskFailed(t)) {
        failures.push(line);
        disturbed ??= `${taskLabel(t)} failed`;
      } else if (before === undefined && windowStart !== null) {
        disturbed ??= `${taskLabel(t)} was started to replace another`;
      }
    }
    firstPoll = false;

    // the spec moved away from the image: the swarm rolled back, or someone deployed over it
    if (snap.state.image !== image) {
      if (snap.state.updateState && ROLLBACK_STATES.has(snap.state.updateState)) {
        // once the rollback has completed the swarm's message no longer says why ("rollback completed"): the
        // task errors do
        const errors = taskErrors(tasks, image);
        const message = `the swarm rolled service ${name} back to ${snap.state.image ?? "no image"}: ${snap.state.updateMessage ?? snap.state.updateState}${errors.length ? `; ${errors.join("; ")}` : ""}`;
        log(message);
        return { outcome: "rolled_back", message };
      }
      const message = `service ${name} now names ${snap.state.image ?? "no image"} instead of ${image}: it was changed by someone else while Slipway waited`;
      log(message);
      return { outcome: "failed", message };
    }
    if (snap.state.updateState && STUCK_UPDATE_STATES.has(snap.state.updateState)) {
      const errors = taskErrors(tasks, image);
      const message = `the swarm ${snap.state.updateState === "paused" ? "paused the update" : "paused the rollback"} of service ${name}: ${snap.state.updateMessage ?? "no message"}${errors.length ? `; ${errors.join("; ")}` : ""}`;
      log(message);
      return { outcome: "failed", message };
    }

    const now = Date.now();
    if (disturbed !== null && windowStart !== null) {
      log(`${disturbed} within the watch window; watching service ${name} again from the start`);
      windowStart = null;
    }
    if (snap.converged) {
      if (windowStart === null) {
        // the time the swarm itself already watched them (after no failure seen by this watch) counts
        const credit = failures.length === 0 ? Math.min(monitorMs, upBeforeCompleted(raw, tasks, image)) : 0;
        windowStart = now - credit;
        log(
          `all ${snap.desired} ${snap.state.replicas === null ? "global tasks" : "replicas"} of service ${name} run ${image}; making sure they stay up for ${seconds(monitorMs)}${credit > 0 ? ` (the swarm already watched them for ${seconds(credit)})` : ""}`,
        );
      }
      if (now - windowStart >= monitorMs) {
        log(`service ${name} converged on ${image}`);
        return { outcome: "converged" };
      }
    } else if (windowStart !== null) {
      log(`service ${name} is no longer converged (${snap.summary}); waiting again`);
      windowStart = null;
    }

    if (now >= deadline) {
      const failed = failures.length ? `; failures seen: ${[...new Set(failures)].slice(-3).join("; ")}` : "";
      const message = `service ${name} did not converge within ${seconds(timeoutMs)}: ${snap.summary}${failed}`;
      log(message);
      return { outcome: "failed", message };
    }
    await sleep(POLL_INTERVAL_MS, signal, what);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Rolling back, checking

/**
 * Asks the swarm to roll the service back to its previous spec (POST /services/{id}/update?rollback=previous
 * with the current version; retried on a version conflict), then waits for convergence on the previous image.
 * Without `auth` the swarm pulls with the credentials stored in the previous spec. Throws SwarmError
 * update_rejected when the service has no previous spec.
 */
export async function rollbackService(
  docker: Dockerode,
  opts: { service: string; auth?: RegistryAuth; monitorMs: number; timeoutMs: number; signal: AbortSignal; log: (line: string) => void },
): Promise<ConvergeOutcome & { image: string | null }> {
  const { service, auth, signal, log } = opts;
  for (let attempt = 0; ; attempt++) {
    const raw = await inspectRaw(docker, service, signal);
    const state = toState(raw);
    if (!raw.PreviousSpec || !raw.Spec) {
      throw new SwarmError(`Service ${state.name} has no previous spec to roll back to (the swarm keeps one only after an update, and an automatic rollback uses it up).`, "update_rejected");
    }
    log(`rolling service ${state.name} (version ${state.version}) back from ${state.image ?? "no image"} to ${state.previousImage ?? "no image"}`);
    const query: UpdateQuery = { version: state.version, rollback: "previous", ...(auth ? {} : { registryAuthFrom: "previous-spec" as const }) };
    try {
      const warnings = await writeSpec(docker, { service: raw, spec: raw.Spec, query, auth, signal, what: `rolling back service ${state.name}` });
      for (const w of warnings) log(`the engine warned: ${w}`);
    } catch (err) {
      if (!isVersionConflict(err)) throw err;
      if (attempt >= VERSION_CONFLICT_RETRIES) {
        throw new SwarmError(`Service ${state.name} kept changing while Slipway rolled it back (${VERSION_CONFLICT_RETRIES + 1} version conflicts in a row); is another tool updating it? Try again.`, "update_rejected");
      }
      log(`service ${state.name} changed since it was read (version ${state.version} is stale); reading it again (retry ${attempt + 1} of ${VERSION_CONFLICT_RETRIES})`);
      continue;
    }
    if (state.previousImage === null) {
      return { outcome: "failed", message: `service ${state.name} was rolled back to a spec that names no image`, image: null };
    }
    const result = await waitForConvergence(docker, { serviceId: state.id, image: state.previousImage, monitorMs: opts.monitorMs, timeoutMs: opts.timeoutMs, signal, log });
    return { ...result, image: state.previousImage };
  }
}

/**
 * For re-verification after a worker crash and for the drift check: the image the spec names, and whether
 * every desired replica runs it now (running tasks of that image == desired count, no other task wanted
 * running, and no update in progress or stuck). `detail` says what was found, in words.
 */
export async function inspectServiceImage(docker: Dockerode, service: string, signal: AbortSignal): Promise<{ image: string | null; converged: boolean; detail: string }> {
  const raw = await inspectRaw(docker, service, signal);
  const withStatus = await pollService(docker, raw.ID, signal);
  const tasks = await listTasks(docker, raw.ID, signal);
  const image = specImage(withStatus.Spec);
  if (image === null) return { image: null, converged: false, detail: `service ${toState(withStatus).name} names no image` };
  const snap = snapshot(withStatus, tasks, image);
  const stuck = snap.state.updateState !== null && (MOVING_UPDATE_STATES.has(snap.state.updateState) || STUCK_UPDATE_STATES.has(snap.state.updateState));
  const converged = snap.converged && !stuck;
  const rolledBack = snap.state.updateState === "rollback_completed" ? `; the swarm rolled the last update back (${snap.state.updateMessage ?? "no message"})` : "";
  return { image, converged, detail: `${snap.summary}${rolledBack}` };
}

/** "repo:tag@sha256:x" → "sha256:x" (null if none) — for comparing digests */
export function imageDigest(image: string | null): string | null {
  if (!image) return null;
  const at = image.lastIndexOf("@");
  if (at < 0) return null;
  const digest = image.slice(at + 1);
  return /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/.test(digest) ? digest : null;
}
