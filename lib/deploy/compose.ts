// Deploying to a service of a compose project without the docker-compose binary: its containers are
// recreated on the new image through the Engine API, one at a time, each checked running (and healthy) before
// the next; when one fails, every container already switched is put back as it was.
import type Dockerode from "dockerode";
import type { Readable } from "node:stream";
import { readLines } from "@/lib/build/docker";

export type ComposeFailureReason = "no_containers" | "pull_failed" | "start_failed" | "unhealthy" | "timeout" | "engine_error" | "cancelled";

export class ComposeError extends Error {
  constructor(
    message: string,
    readonly reason: ComposeFailureReason,
  ) {
    super(message);
    this.name = "ComposeError";
  }
}

export interface RegistryAuth {
  username: string;
  password: string;
  serveraddress: string;
}

export interface ComposeResult {
  outcome: "converged" | "restored";
  message?: string;
  /** with "restored": why the new image was given up */
  reason?: ComposeFailureReason;
  /** names of the service's containers running now */
  containers: string[];
}

export interface DeployComposeOptions {
  project: string;
  service: string;
  /** the full reference, e.g. registry.example.com/shop/web:v2@sha256:… */
  image: string;
  auth?: RegistryAuth;
  /** how long a new container must keep running before it counts as started */
  settleMs: number;
  /** how long a new container with a health check may take to become healthy (from its start) */
  healthTimeoutMs: number;
  signal: AbortSignal;
  log: (line: string) => void;
}

export const PROJECT_LABEL = "com.docker.compose.project";
export const SERVICE_LABEL = "com.docker.compose.service";
export const NUMBER_LABEL = "com.docker.compose.container-number";
const ONEOFF_LABEL = "com.docker.compose.oneoff";
/** compose v2 records the image id a container was made from; refreshed so `docker compose` sees the truth */
const COMPOSE_IMAGE_LABEL = "com.docker.compose.image";
/** the reference Slipway deployed, exactly as asked (Config.Image alone may be rewritten by the engine) */
export const SLIPWAY_IMAGE_LABEL = "dev.slipway.image";
export const OLD_SUFFIX = "-slipway-old";
export const NEW_SUFFIX = "-slipway-new";

const DEFAULT_STOP_SECONDS = 10;
const POLL_MS = 200;
/** bound for each Docker call made while putting containers back (the caller's signal may be aborted by then) */
const RESTORE_CALL_MS = 30_000;

// ---------------------------------------------------------------------------------------------------------
// Engine calls. @types/dockerode 4 lacks `abortSignal` on some option types that dockerode 5 honours (every
// call hands `opts.abortSignal` to docker-modem, which passes it to http.request as `signal`).

interface EngineErrorFields {
  statusCode?: number;
  json?: { message?: string } | null;
  message?: string;
  name?: string;
}

/** What the engine said, without docker-modem's "(HTTP code 404) unexpected - " in front. */
function engineMessage(err: unknown): string {
  const f = (err && typeof err === "object" ? err : { message: String(err) }) as EngineErrorFields;
  const said = f.json && typeof f.json === "object" ? f.json.message : undefined;
  // for streaming calls (pull) docker-modem keeps the engine's answer only in the message
  return (said || f.message || String(err)).replace(/^\(HTTP code \d+\) [^-]*- /, "").trim();
}

function statusOf(err: unknown): number | undefined {
  return err && typeof err === "object" ? (err as EngineErrorFields).statusCode : undefined;
}

function containerName(info: { Name: string }): string {
  return info.Name.replace(/^\//, "");
}

function shortId(id: string): string {
  return id.replace(/^sha256:/, "").slice(0, 12);
}

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

/** Inspects a container by id, or by exact name; null when there is none. */
async function inspectContainer(docker: Dockerode, ref: string, signal: AbortSignal): Promise<Dockerode.ContainerInspectInfo | null> {
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

async function removeContainer(docker: Dockerode, id: string, signal: AbortSignal, removeAnonymousVolumes: boolean): Promise<void> {
  try {
    await docker.getContainer(id).remove({ force: true, v: removeAnonymousVolumes, abortSignal: signal } as Dockerode.ContainerRemoveOptions);
  } catch (err) {
    // 404: gone already; 409: removal already in progress
    if (statusOf(err) !== 404 && statusOf(err) !== 409) throw err;
  }
}

async function renameContainer(docker: Dockerode, id: string, name: string, signal: AbortSignal): Promise<void> {
  await docker.getContainer(id).rename({ name, abortSignal: signal });
}

async function startContainer(docker: Dockerode, id: string, signal: AbortSignal): Promise<void> {
  try {
    await docker.getContainer(id).start({ abortSignal: signal });
  } catch (err) {
    if (statusOf(err) !== 304) throw err; // already running
  }
}

async function stopContainer(docker: Dockerode, id: string, stopSeconds: number, signal: AbortSignal): Promise<void> {
  try {
    await docker.getContainer(id).stop({ t: stopSeconds, abortSignal: signal });
  } catch (err) {
    if (statusOf(err) !== 304) throw err; // already stopped
  }
}

/** Containers labelled with the project and service (one-off `compose run` containers left out). */
async function listLabelled(docker: Dockerode, project: string, service: string, signal: AbortSignal): Promise<Dockerode.ContainerInfo[]> {
  const listed = await docker.listContainers({ all: true, filters: { label: [`${PROJECT_LABEL}=${project}`, `${SERVICE_LABEL}=${service}`] }, abortSignal: signal });
  return listed.filter((c) => (c.Labels?.[ONEOFF_LABEL] ?? "False") !== "True");
}

function listedName(c: Dockerode.ContainerInfo): string {
  return (c.Names?.[0] ?? c.Id).replace(/^\//, "");
}

function isTemporary(name: string): boolean {
  return name.endsWith(OLD_SUFFIX) || name.endsWith(NEW_SUFFIX);
}

function containerNumber(c: Dockerode.ContainerInfo): number {
  const n = Number.parseInt(c.Labels?.[NUMBER_LABEL] ?? "", 10);
  return Number.isFinite(n) ? n : Number.MAX_SAFE_INTEGER;
}

function byNumberThenName(a: Dockerode.ContainerInfo, b: Dockerode.ContainerInfo): number {
  return containerNumber(a) - containerNumber(b) || listedName(a).localeCompare(listedName(b));
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
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

// ---------------------------------------------------------------------------------------------------------
// Pulling

/** A reference without tag and digest would make the engine pull every tag of the repository. */
function withTagOrDigest(image: string): string {
  if (image.includes("@")) return image;
  const lastSlash = image.lastIndexOf("/");
  return image.slice(lastSlash + 1).includes(":") ? image : `${image}:latest`;
}

interface PullEvent {
  status?: string;
  id?: string;
  progress?: string;
  error?: string;
  errorDetail?: { message?: string };
}

/** Pulls the image (the stream read to its end; an error event in it is a failure); returns the image id. */
async function pullImage(docker: Dockerode, image: string, auth: RegistryAuth | undefined, signal: AbortSignal, log: (line: string) => void): Promise<string> {
  log(`Pulling ${image}${auth ? ` as ${auth.username}` : ""}`);
  const ref = withTagOrDigest(image);
  let failed: string | undefined;
  try {
    // fromImage carries the whole reference: dockerode's pull() would split "repo:tag@digest" at the "@"
    // into fromImage=repo:tag and tag=sha256:…, which the engine reads differently
    const stream = (await docker.createImage(auth, { fromImage: ref, abortSignal: signal })) as unknown as Readable;
    await readLines(stream, signal, (line) => {
      if (!line.trim()) return;
      let e: PullEvent;
      try {
        e = JSON.parse(line) as PullEvent;
      } catch {
        return;
      }
      if (e.error) failed ??= e.errorDetail?.message ?? e.error;
      // per-layer progress is noise in a deployment log; the summary lines ("Digest: …", "Status: …") are not
      else if (e.status && !e.id?.match(/^[0-9a-f]{12}$/)) log(e.status);
    });
  } catch (err) {
    if (signal.aborted) throw err;
    throw new ComposeError(pullFailure(image, engineMessage(err), auth), "pull_failed");
  }
  if (failed) throw new ComposeError(pullFailure(image, failed, auth), "pull_failed");
  try {
    const info = await docker.getImage(ref).inspect({ abortSignal: signal } as Dockerode.ImageInspectOptions);
    log(`Pulled ${image} (image ${shortId(info.Id)})`);
    return info.Id;
  } catch (err) {
    if (signal.aborted) throw err;
    throw new ComposeError(`The engine reported pulling ${image} but cannot find it afterwards: ${engineMessage(err)}`, "pull_failed");
  }
}

function pullFailure(image: string, said: string, auth: RegistryAuth | undefined): string {
  let hint = "Check that the image was pushed and that the reference (tag and digest) is right.";
  if (/unauthorized|authentication required|no basic auth credentials|denied|401|403/i.test(said)) {
    hint = auth
      ? `The registry refused the credentials of ${auth.username} for ${auth.serveraddress}: check the registry's username and password under Registries.`
      : "The registry wants credentials: add them under Registries.";
  } else if (/connection refused|no such host|timeout|i\/o timeout|dial tcp/i.test(said)) {
    hint = "The engine could not reach the registry: check that it runs and that the deployment host can reach it.";
  }
  return `Pulling ${image} failed: ${said}. ${hint} No container was changed.`;
}

// ---------------------------------------------------------------------------------------------------------
// The new container's configuration

interface HealthConfig {
  Test?: string[] | null;
  Interval?: number;
  Timeout?: number;
  Retries?: number;
  StartPeriod?: number;
}

/** The parts of an image's config that the engine copies into a container's Config when it is created. */
interface ImageConfig {
  Env?: string[] | null;
  Cmd?: string[] | null;
  Entrypoint?: string[] | string | null;
  WorkingDir?: string;
  User?: string;
  Labels?: Record<string, string> | null;
  ExposedPorts?: Record<string, object> | null;
  Volumes?: Record<string, object> | null;
  Healthcheck?: HealthConfig | null;
  StopSignal?: string;
  Shell?: string[] | null;
  OnBuild?: string[] | null;
  ArgsEscaped?: boolean;
}

/** A container's Config as inspect returns it and create takes it; fields not named here are copied as they are. */
interface ContainerConfig extends ImageConfig {
  Hostname?: string;
  Image?: string;
  StopTimeout?: number;
  [field: string]: unknown;
}

/** What of an EndpointSettings is configuration (the rest, addresses and ids, belongs to the old endpoint). */
interface EndpointConfig {
  IPAMConfig?: object | null;
  Links?: string[] | null;
  Aliases?: string[] | null;
  DriverOpts?: Record<string, string> | null;
}

interface CreateBody extends Record<string, unknown> {
  HostConfig: Dockerode.HostConfig;
  NetworkingConfig?: { EndpointsConfig: Record<string, EndpointConfig> };
}

interface NewContainerPlan {
  body: CreateBody;
  /** networks beyond the first: the engine (before API 1.44) takes only one network at create, the rest are connected before start */
  moreNetworks: Array<[string, EndpointConfig]>;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

function isEmpty(v: unknown): boolean {
  return v === undefined || v === null || v === "" || (Array.isArray(v) && v.length === 0) || (typeof v === "object" && Object.keys(v).length === 0);
}

/**
 * The container's Config with what it got from the OLD image taken out, so the new image's defaults apply
 * (its CMD, ENV values, HEALTHCHECK, labels …) while what was set for the container (compose's environment,
 * command, labels) stays. Without the old image's config nothing can be told apart and all is kept.
 */
function ownConfig(config: ContainerConfig, oldImage: ImageConfig | null): ContainerConfig {
  const own: ContainerConfig = { ...config };
  if (!oldImage) return own;
  const imageEnv = new Set(oldImage.Env ?? []);
  own.Env = (config.Env ?? []).filter((e) => !imageEnv.has(e));
  const imageLabels = oldImage.Labels ?? {};
  own.Labels = Object.fromEntries(Object.entries(config.Labels ?? {}).filter(([k, v]) => imageLabels[k] !== v));
  const entrypointFromImage = sameJson(config.Entrypoint, oldImage.Entrypoint);
  if (entrypointFromImage) delete own.Entrypoint;
  // with its own entrypoint a container never got the image's CMD, so an equal Cmd was set on purpose
  if (entrypointFromImage && sameJson(config.Cmd, oldImage.Cmd)) delete own.Cmd;
  for (const key of ["WorkingDir", "User", "Healthcheck", "StopSignal", "Shell", "OnBuild", "ArgsEscaped"] as const) {
    if (sameJson(config[key], oldImage[key])) delete own[key];
  }
  for (const key of ["ExposedPorts", "Volumes"] as const) {
    const fromImage = oldImage[key] ?? {};
    const kept = Object.fromEntries(Object.entries(config[key] ?? {}).filter(([k]) => !(k in fromImage)));
    if (isEmpty(kept)) delete own[key];
    else own[key] = kept;
  }
  return own;
}

/** Where a bind string ("src:dst[:mode]") mounts. */
function bindTarget(bind: string): string | undefined {
  return bind.split(":")[1];
}

/**
 * The configuration for the new container: the old one's own Config on the new image, its HostConfig, its
 * networks with their aliases, and its labels with Slipway's image label.
 */
function planNewContainer(old: Dockerode.ContainerInspectInfo, oldImage: ImageConfig | null, image: string, imageId: string): NewContainerPlan {
  const config = ownConfig(old.Config as ContainerConfig, oldImage);
  // an unset hostname is the engine's: the old container's short id, which must not follow to the new one
  if (config.Hostname === old.Id.slice(0, 12)) delete config.Hostname;
  config.Image = image;
  const labels: Record<string, string> = { ...(config.Labels ?? {}), [SLIPWAY_IMAGE_LABEL]: image };
  if (COMPOSE_IMAGE_LABEL in labels) labels[COMPOSE_IMAGE_LABEL] = imageId;
  config.Labels = labels;

  const hostConfig: Dockerode.HostConfig = { ...old.HostConfig };
  // legacy links read back as "/target:/this/alias" but are written as "target:alias"
  const links = (hostConfig.Links ?? []) as string[];
  if (links.length) {
    hostConfig.Links = links.map((link) => {
      const [target, alias] = link.split(":");
      return `${(target ?? "").replace(/^\//, "")}:${(alias ?? "").split("/").pop() ?? ""}`;
    });
  }
  // Anonymous volumes (VOLUME in the image, or `-v /path`) would be new and empty in the new container; keep
  // the old ones, as docker compose does when it recreates.
  const explicit = new Set<string>([...(hostConfig.Binds ?? []).map(bindTarget), ...(hostConfig.Mounts ?? []).map((m) => m.Target)].filter((t): t is string => !!t));
  const declared = (old.Config as ContainerConfig).Volumes ?? {};
  const carried = (old.Mounts ?? [])
    .filter((m) => m.Type === "volume" && m.Name && m.Destination in declared && !explicit.has(m.Destination))
    .map((m) => ({ Type: "volume" as const, Source: m.Name!, Target: m.Destination, ReadOnly: !m.RW }));
  if (carried.length) hostConfig.Mounts = [...(hostConfig.Mounts ?? []), ...carried];

  const oldShortId = old.Id.slice(0, 12);
  const endpoint = (settings: Dockerode.NetworkInfo): EndpointConfig => {
    const s = settings as EndpointConfig;
    // the engine adds each container's short id as an alias itself; the old id must not stay an alias
    const aliases = (s.Aliases ?? []).filter((a) => a !== oldShortId);
    return { IPAMConfig: s.IPAMConfig ?? null, Links: s.Links ?? null, Aliases: aliases.length ? aliases : null, DriverOpts: s.DriverOpts ?? null };
  };
  const mode = hostConfig.NetworkMode ?? "";
  const networks = mode.startsWith("container:") ? [] : Object.entries(old.NetworkSettings?.Networks ?? {});
  const first = networks.find(([name]) => name === mode) ?? networks[0];
  const body: CreateBody = { ...(config as unknown as Record<string, unknown>), HostConfig: hostConfig };
  if (first) body.NetworkingConfig = { EndpointsConfig: { [first[0]]: endpoint(first[1]) } };
  const moreNetworks = networks.filter((n) => n !== first).map(([name, s]): [string, EndpointConfig] => [name, endpoint(s)]);
  return { body, moreNetworks };
}

async function oldImageConfig(docker: Dockerode, old: Dockerode.ContainerInspectInfo, signal: AbortSignal): Promise<ImageConfig | null> {
  try {
    const info = await docker.getImage(old.Image).inspect({ abortSignal: signal } as Dockerode.ImageInspectOptions);
    return (info.Config ?? null) as ImageConfig | null;
  } catch (err) {
    if (statusOf(err) === 404) return null;
    throw err;
  }
}

async function createNewContainer(docker: Dockerode, name: string, plan: NewContainerPlan, signal: AbortSignal): Promise<string> {
  // _query/_body keep the configuration (environment included, so secrets) out of the URL, which the engine
  // logs; dockerode would otherwise put every option in the query string as well as in the body
  const created = await docker.createContainer({ _query: { name }, _body: plan.body, abortSignal: signal } as unknown as Dockerode.ContainerCreateOptions);
  for (const [network, endpoint] of plan.moreNetworks) {
    await docker.getNetwork(network).connect({ Container: created.id, EndpointConfig: endpoint, abortSignal: signal } as Dockerode.NetworkConnectOptions);
  }
  return created.id;
}

// ---------------------------------------------------------------------------------------------------------
// Checking a started container

/** A new container that did not come up; `reason` says how. */
class StepFailure extends Error {
  constructor(
    message: string,
    readonly reason: "start_failed" | "unhealthy" | "timeout" | "engine_error",
  ) {
    super(message);
  }
}

function hasHealthcheck(info: Dockerode.ContainerInspectInfo): boolean {
  const test = (info.Config as ContainerConfig).Healthcheck?.Test;
  return !!test && test.length > 0 && test[0] !== "NONE";
}

function lastHealthOutput(info: Dockerode.ContainerInspectInfo): string {
  const logs = info.State.Health?.Log ?? [];
  const last = logs[logs.length - 1];
  if (!last) return "";
  const out = last.Output.trim().split("\n").slice(-3).join(" / ");
  return ` (last check: exit code ${last.ExitCode}${out ? `, "${out.slice(0, 300)}"` : ""})`;
}

/**
 * Waits until the container has kept running for settleMs and, with a health check, is healthy; returns
 * whether it has a health check. Throws StepFailure when it stops, restarts, turns unhealthy or takes too long.
 */
async function waitUntilUp(docker: Dockerode, id: string, name: string, opts: DeployComposeOptions, log: (line: string) => void): Promise<boolean> {
  const started = Date.now();
  let info = await docker.getContainer(id).inspect({ abortSignal: opts.signal });
  const health = hasHealthcheck(info);
  log(
    health
      ? `${name}: waiting for it to keep running for ${seconds(opts.settleMs)} and for its health check to pass (up to ${seconds(opts.healthTimeoutMs)})`
      : `${name}: waiting for it to keep running for ${seconds(opts.settleMs)}`,
  );
  let lastStatus = "";
  for (;;) {
    const elapsed = Date.now() - started;
    const when = elapsed < opts.settleMs ? "right after starting" : "while waiting for its health check";
    const st = info.State;
    const oom = st.OOMKilled ? " (killed for lack of memory)" : "";
    if (st.Restarting || info.RestartCount > 0) {
      throw new StepFailure(`${name} keeps restarting ${when} (last exit code ${st.ExitCode}${oom})`, "start_failed");
    }
    if (!st.Running) {
      const why = st.Error ? `: ${st.Error}` : "";
      throw new StepFailure(`${name} exited with code ${st.ExitCode}${oom} ${when}${why}`, "start_failed");
    }
    const status = st.Health?.Status ?? "";
    if (health && status !== lastStatus) {
      if (status) log(`${name}: health is ${status}`);
      lastStatus = status;
    }
    if (health && status === "unhealthy") {
      throw new StepFailure(`${name} became unhealthy${lastHealthOutput(info)}`, "unhealthy");
    }
    const settled = elapsed >= opts.settleMs;
    if (settled && (!health || status === "healthy")) return health;
    if (health && status !== "healthy" && elapsed >= opts.healthTimeoutMs) {
      throw new StepFailure(`${name} was still ${status || "starting"} after ${seconds(opts.healthTimeoutMs)}, the limit for its health check${lastHealthOutput(info)}`, "timeout");
    }
    await abortableSleep(Math.min(POLL_MS, Math.max(20, opts.settleMs / 5)), opts.signal);
    info = await docker.getContainer(id).inspect({ abortSignal: opts.signal });
  }
}

// ---------------------------------------------------------------------------------------------------------
// Switching one container, and putting it back

/** One container of the service, and how far its switch went. */
interface Slot {
  name: string;
  oldId: string;
  oldWasRunning: boolean;
  stopSeconds: number;
  /** set once the new container exists */
  newId?: string;
  /** set once anything was changed for this container */
  touched: boolean;
}

async function switchContainer(docker: Dockerode, slot: Slot, image: string, imageId: string, opts: DeployComposeOptions): Promise<void> {
  const { signal, log } = opts;
  const name = slot.name;
  const old = await docker.getContainer(slot.oldId).inspect({ abortSignal: signal });
  const oldImage = await oldImageConfig(docker, old, signal);
  if (!oldImage) log(`${name}: its image ${shortId(old.Image)} is gone, so its whole configuration is copied (image defaults included)`);
  const plan = planNewContainer(old, oldImage, image, imageId);

  const temporary = `${name}${NEW_SUFFIX}`;
  log(`${name}: creating a new container on ${image} as ${temporary}`);
  slot.touched = true;
  try {
    slot.newId = await createNewContainer(docker, temporary, plan, signal);
  } catch (err) {
    if (signal.aborted) throw err;
    throw new StepFailure(`the engine refused to create the new container for ${name}: ${engineMessage(err)}`, "engine_error");
  }
  if (slot.oldWasRunning) {
    log(`${name}: stopping the old container (it gets up to ${slot.stopSeconds} s)`);
    await stopContainer(docker, slot.oldId, slot.stopSeconds, signal);
  }
  log(`${name}: renaming the old container to ${name}${OLD_SUFFIX}`);
  await renameContainer(docker, slot.oldId, `${name}${OLD_SUFFIX}`, signal);
  log(`${name}: renaming ${temporary} to ${name}`);
  await renameContainer(docker, slot.newId, name, signal);
  log(`${name}: starting the new container ${shortId(slot.newId)}`);
  try {
    await startContainer(docker, slot.newId, signal);
  } catch (err) {
    if (signal.aborted) throw err;
    throw new StepFailure(`${name} could not start on ${image}: ${engineMessage(err)}`, "start_failed");
  }
  const healthy = await waitUntilUp(docker, slot.newId, name, opts, log);
  log(`${name}: the new container is up${healthy ? " and healthy" : ""}`);
}

/**
 * Puts a slot back as it was before the deploy, from what the engine says now (a switch can stop anywhere):
 * the new container is removed, the old one gets its name back and is started if it was running.
 */
async function restoreSlot(docker: Dockerode, slot: Slot, log: (line: string) => void): Promise<void> {
  const callSignal = () => AbortSignal.timeout(slot.stopSeconds * 1000 + RESTORE_CALL_MS);
  const name = slot.name;
  for (const ref of [slot.newId, `${name}${NEW_SUFFIX}`, name]) {
    if (!ref) continue;
    const found = await inspectContainer(docker, ref, callSignal());
    if (found && found.Id !== slot.oldId) {
      log(`${name}: removing the new container ${shortId(found.Id)}`);
      // v: anonymous volumes only the new container made; the old one's were mounted by name and are kept
      await removeContainer(docker, found.Id, callSignal(), true);
    }
  }
  const old = await inspectContainer(docker, slot.oldId, callSignal());
  if (!old) throw new Error(`the previous container of ${name} (${shortId(slot.oldId)}) no longer exists`);
  if (containerName(old) !== name) {
    log(`${name}: renaming ${containerName(old)} back to ${name}`);
    await renameContainer(docker, slot.oldId, name, callSignal());
  }
  if (slot.oldWasRunning && !old.State.Running) {
    log(`${name}: starting the previous container again`);
    await startContainer(docker, slot.oldId, callSignal());
  }
}

/** Restores the slots, last switched first; returns what could not be restored. */
async function restoreAll(docker: Dockerode, slots: Slot[], log: (line: string) => void): Promise<string[]> {
  const problems: string[] = [];
  for (const slot of [...slots].reverse()) {
    if (!slot.touched) continue;
    try {
      await restoreSlot(docker, slot, log);
    } catch (err) {
      const problem = `${slot.name}: ${engineMessage(err)}`;
      log(`${slot.name}: could not be restored: ${engineMessage(err)}`);
      problems.push(problem);
    }
  }
  return problems;
}

/**
 * Containers named like Slipway's temporary ones are left by a deploy that died half-way (the process was
 * killed). A "-slipway-new" one never ran: it goes. A "-slipway-old" one goes when its container was
 * switched; when its name is free, the switch stopped in the middle and it takes its name back.
 */
async function clearLeftovers(docker: Dockerode, leftovers: Dockerode.ContainerInfo[], current: Set<string>, opts: DeployComposeOptions): Promise<string[]> {
  const reclaimed: string[] = [];
  for (const c of leftovers) {
    const name = listedName(c);
    if (name.endsWith(NEW_SUFFIX)) {
      opts.log(`Removing ${name}, left over by an earlier deploy that did not finish`);
      await removeContainer(docker, c.Id, opts.signal, true);
      continue;
    }
    const original = name.slice(0, -OLD_SUFFIX.length);
    if (current.has(original)) {
      opts.log(`Removing ${name}, the previous container of ${original} left over by an earlier deploy`);
      await removeContainer(docker, c.Id, opts.signal, false);
    } else {
      opts.log(`Renaming ${name} back to ${original}: an earlier deploy stopped half-way through replacing it`);
      await renameContainer(docker, c.Id, original, opts.signal);
      reclaimed.push(c.Id);
    }
  }
  return reclaimed;
}

/** The service's running containers for the result (the caller's signal may be aborted by now). */
async function runningNames(docker: Dockerode, project: string, service: string, log: (line: string) => void): Promise<string[]> {
  try {
    const listed = await listLabelled(docker, project, service, AbortSignal.timeout(RESTORE_CALL_MS));
    return listed
      .filter((c) => c.State === "running" && !isTemporary(listedName(c)))
      .sort(byNumberThenName)
      .map(listedName);
  } catch (err) {
    log(`Could not list the running containers afterwards: ${engineMessage(err)}`);
    return [];
  }
}

function noContainers(project: string, service: string): ComposeError {
  return new ComposeError(
    `No containers of service "${service}" in compose project "${project}" on this engine (looked for containers labelled ${PROJECT_LABEL}=${project} and ${SERVICE_LABEL}=${service}). ` +
      "Check the project and service names (docker compose ls, docker compose ps) and that the project was started with docker compose up on this Docker context.",
    "no_containers",
  );
}

function cancelled(what: string): ComposeError {
  return new ComposeError(`The deployment was cancelled ${what}`, "cancelled");
}

/** Runs an engine call outside a switch: aborts become "cancelled", engine failures "engine_error". */
async function engineStep<T>(signal: AbortSignal, what: string, call: () => Promise<T>, changes = false): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof ComposeError) throw err;
    if (signal.aborted) throw cancelled(`while ${what}${changes ? "" : "; no container was changed"}`);
    throw new ComposeError(`The Docker engine failed while ${what}: ${engineMessage(err)}`, "engine_error");
  }
}

/**
 * Pulls `image` (with `auth` when given), then recreates each container of the project's service on it, one
 * at a time (by container number, then name): a new container with the old one's configuration is created
 * under a temporary name, the old one is stopped and renamed `<name>-slipway-old`, the new one takes the
 * name and is started, and must keep running for `settleMs` and, when it has a health check, become
 * healthy within `healthTimeoutMs`. The old containers are removed once every container passed. When one
 * fails, it and those already switched are restored and the result is "restored". A container already on
 * `image` is left alone. Aborting `signal` restores what was switched and throws ComposeError "cancelled".
 *
 * Throws ComposeError: "no_containers", "pull_failed" (nothing changed), "cancelled", "engine_error" (the
 * engine failed outside a switch, or a restore failed: the message names the containers to check).
 */
export async function deployComposeService(docker: Dockerode, opts: DeployComposeOptions): Promise<ComposeResult> {
  const { project, service, image, signal, log } = opts;
  const listed = await engineStep(signal, `listing the containers of ${project}/${service}`, () => listLabelled(docker, project, service, signal));
  const current = listed.filter((c) => !isTemporary(listedName(c)));
  const leftovers = listed.filter((c) => isTemporary(listedName(c)));
  if (current.length === 0 && !leftovers.some((c) => listedName(c).endsWith(OLD_SUFFIX))) throw noContainers(project, service);
  current.sort(byNumberThenName);
  log(`Service ${service} of compose project ${project} has ${current.length} container(s): ${current.map(listedName).join(", ")}`);

  const imageId = await engineStep(signal, `pulling ${image}`, () => pullImage(docker, image, opts.auth, signal, log));
  const reclaimed = await engineStep(signal, "clearing what an earlier deploy left", () => clearLeftovers(docker, leftovers, new Set(current.map(listedName)), opts), true);

  const infos = await engineStep(signal, "inspecting the containers", async () => {
    const ids = [...current.map((c) => c.Id), ...reclaimed];
    return Promise.all(ids.map((id) => docker.getContainer(id).inspect({ abortSignal: signal })));
  });
  const order = (i: Dockerode.ContainerInspectInfo) => Number.parseInt(i.Config.Labels?.[NUMBER_LABEL] ?? "", 10);
  infos.sort((a, b) => (order(a) || Number.MAX_SAFE_INTEGER) - (order(b) || Number.MAX_SAFE_INTEGER) || containerName(a).localeCompare(containerName(b)));

  const autoRemoving = infos.filter((i) => i.HostConfig.AutoRemove);
  if (autoRemoving.length) {
    throw new ComposeError(
      `${autoRemoving.map(containerName).join(", ")} remove themselves when stopped (AutoRemove, --rm), so Slipway could not keep them to restore after a failed deploy. Recreate them without --rm; no container was changed.`,
      "engine_error",
    );
  }

  const slots: Slot[] = [];
  for (const info of infos) {
    const name = containerName(info);
    if (info.Config.Labels?.[SLIPWAY_IMAGE_LABEL] === image || info.Config.Image === image) {
      log(`${name}: already runs ${image}; left alone`);
      continue;
    }
    const stopTimeout = (info.Config as ContainerConfig).StopTimeout;
    slots.push({ name, oldId: info.Id, oldWasRunning: info.State.Running, stopSeconds: typeof stopTimeout === "number" && stopTimeout >= 0 ? stopTimeout : DEFAULT_STOP_SECONDS, touched: false });
  }
  if (slots.length === 0) {
    const message = `All ${infos.length} container(s) of ${project}/${service} already run ${image}`;
    log(message);
    return { outcome: "converged", message, containers: await runningNames(docker, project, service, log) };
  }

  for (const slot of slots) {
    try {
      await switchContainer(docker, slot, image, imageId, opts);
    } catch (err) {
      const aborted = signal.aborted;
      const failure =
        err instanceof StepFailure ? err : new StepFailure(`the engine failed while replacing ${slot.name}: ${engineMessage(err)}`, "engine_error");
      log(aborted ? `Cancelled while replacing ${slot.name}; restoring the previous containers` : `${failure.message}; restoring the previous containers`);
      const switched = slots.slice(0, slots.indexOf(slot) + 1);
      const problems = await restoreAll(docker, switched, log);
      if (problems.length) {
        const why = aborted ? "The deployment was cancelled" : failure.message;
        throw new ComposeError(
          `${why}, and restoring the previous containers failed: ${problems.join("; ")}. Check the containers of ${project}/${service} (those named *${OLD_SUFFIX} are the previous ones) with docker ps -a.`,
          aborted ? "cancelled" : "engine_error",
        );
      }
      if (aborted) throw cancelled(`while replacing ${slot.name}; the previous containers were restored`);
      const message = `${failure.message}; the previous containers were restored`;
      log(message);
      return { outcome: "restored", reason: failure.reason, message, containers: await runningNames(docker, project, service, log) };
    }
  }

  for (const slot of slots) {
    log(`Removing the previous container ${slot.name}${OLD_SUFFIX}`);
    try {
      // without v: the new container mounts the old one's anonymous volumes
      await removeContainer(docker, slot.oldId, AbortSignal.timeout(RESTORE_CALL_MS), false);
    } catch (err) {
      log(`Could not remove ${slot.name}${OLD_SUFFIX} (${engineMessage(err)}); the next deploy removes it`);
    }
  }
  const message = `${slots.length} container(s) of ${project}/${service} now run ${image}`;
  log(message);
  return { outcome: "converged", message, containers: await runningNames(docker, project, service, log) };
}

/**
 * For re-verification and drift: the image(s) the service's containers run (Slipway's image label when
 * present, else Config.Image), and how many of them are running.
 */
export async function inspectComposeService(
  docker: Dockerode,
  project: string,
  service: string,
  signal: AbortSignal,
): Promise<{ images: string[]; running: number; total: number; detail: string }> {
  const infos = await engineStep(signal, `inspecting ${project}/${service}`, async () => {
    const listed = (await listLabelled(docker, project, service, signal)).filter((c) => !isTemporary(listedName(c))).sort(byNumberThenName);
    return Promise.all(listed.map((c) => docker.getContainer(c.Id).inspect({ abortSignal: signal })));
  });
  if (infos.length === 0) {
    return { images: [], running: 0, total: 0, detail: noContainers(project, service).message };
  }
  const images = [...new Set(infos.map((i) => i.Config.Labels?.[SLIPWAY_IMAGE_LABEL] ?? i.Config.Image))];
  const running = infos.filter((i) => i.State.Running).length;
  const states = infos.map((i) => {
    const st = i.State;
    const health = st.Health?.Status ? `, ${st.Health.Status}` : "";
    const what = st.Running ? `running${health}` : st.Status === "exited" ? `exited with code ${st.ExitCode}` : st.Status;
    return `${containerName(i)} ${what}`;
  });
  const detail = `${running} of ${infos.length} container(s) of ${project}/${service} running (${states.join("; ")}) on ${images.join(", ")}`;
  return { images, running, total: infos.length, detail };
}
