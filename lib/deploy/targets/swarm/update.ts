// Setting a swarm service's image, and rolling it back to its previous spec: the version index read with the
// spec goes with the write, and a write that lost a race with another change is read and applied again.
import type Dockerode from "dockerode";
import type { RegistryAuth } from "@/lib/docker/registry-auth";
import { waitForConvergence, type ConvergeOutcome } from "@/lib/deploy/targets/swarm/convergence";
import {
  engineCall,
  engineError,
  errorFields,
  inspectRaw,
  isNotAManager,
  isVersionConflict,
  notAManager,
  serviceMissing,
  SwarmError,
  toState,
  type EngineService,
  type EngineServiceSpec,
} from "@/lib/deploy/targets/swarm/engine";
import { engineMessage } from "@/lib/docker/failure";
import { swarmMonitorMs } from "@/lib/validation/monitor-window";

/** Retries of an update whose version index went stale in the meantime. */
export const VERSION_CONFLICT_RETRIES = 5;

export type UpdateQuery = { version: number; rollback?: "previous"; registryAuthFrom?: "spec" | "previous-spec" };
/** dockerode's Service.update as it really is (the @types package knows only a one-argument form). */
type ServiceUpdateCall = (auth: RegistryAuth | undefined, opts: { _query: UpdateQuery; _body: EngineServiceSpec; abortSignal: AbortSignal }) => Promise<unknown>;

/**
 * POST /services/{id}/update with the version index the spec was read at. Returns the engine's warnings;
 * throws the raw error on a version conflict (for the caller's retry) and SwarmError otherwise.
 */
export async function writeSpec(docker: Dockerode, opts: { service: EngineService; spec: EngineServiceSpec; query: UpdateQuery; auth?: RegistryAuth; signal: AbortSignal; what: string }): Promise<string[]> {
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
 * the current ones: `previousImage` then equals `image`), and how long the swarm watches the update (its
 * UpdateConfig.Monitor, swarm's default when unset). log() receives one line per action.
 *
 * When the signal fires (SwarmError cancelled) or the engine does not answer (timeout) while the write is on
 * its way, the swarm may or may not have taken it: check with inspectServiceImage before assuming either.
 */
export async function updateServiceImage(
  docker: Dockerode,
  opts: { service: string; image: string; auth?: RegistryAuth; signal: AbortSignal; log: (line: string) => void },
): Promise<{ serviceId: string; changed: boolean; versionBefore: number; previousImage: string | null; swarmMonitorMs: number }> {
  const { service, image, auth, signal, log } = opts;
  for (let attempt = 0; ; attempt++) {
    const raw = await inspectRaw(docker, service, signal);
    const state = toState(raw);
    const watched = swarmMonitorMs(raw.Spec?.UpdateConfig?.Monitor);
    const job = describeMode(raw.Spec);
    if (job) throw new SwarmError(`Service ${state.name} is ${job}; Slipway deploys to replicated and global services only.`, "update_rejected");
    if (!raw.Spec?.TaskTemplate?.ContainerSpec) {
      throw new SwarmError(`Service ${state.name} does not run containers (its task template has no container spec); Slipway cannot set its image.`, "update_rejected");
    }
    if (state.image === image) {
      log(`service ${state.name} already runs ${image} (version ${state.version}); nothing to update`);
      return { serviceId: state.id, changed: false, versionBefore: state.version, previousImage: state.image, swarmMonitorMs: watched };
    }

    const spec: EngineServiceSpec = structuredClone(raw.Spec);
    spec.TaskTemplate!.ContainerSpec!.Image = image;
    log(`updating service ${state.name} (version ${state.version}) from ${state.image ?? "no image"} to ${image}${auth ? ` with the credentials for ${auth.serveraddress}` : ""}`);
    try {
      const warnings = await writeSpec(docker, { service: raw, spec, query: { version: state.version }, auth, signal, what: `updating service ${state.name}` });
      for (const w of warnings) log(`the engine warned: ${w}`);
      log(`the swarm accepted the new spec of service ${state.name}`);
      return { serviceId: state.id, changed: true, versionBefore: state.version, previousImage: state.image, swarmMonitorMs: watched };
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
// Rolling back

/**
 * Asks the swarm to roll the service back to its previous spec (POST /services/{id}/update?rollback=previous
 * with the current version; retried on a version conflict), then waits for convergence on the previous image.
 * Without `auth` the swarm pulls with the credentials stored in the previous spec. monitorMs null: the window
 * is as long as the swarm watches the rollback (RollbackConfig.Monitor, swarm's default when unset). Throws
 * SwarmError update_rejected when the service has no previous spec.
 */
export async function rollbackService(
  docker: Dockerode,
  opts: { service: string; auth?: RegistryAuth; monitorMs: number | null; timeoutMs: number; signal: AbortSignal; log: (line: string) => void },
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
    const monitorMs = opts.monitorMs ?? swarmMonitorMs(raw.Spec.RollbackConfig?.Monitor);
    const monitorSource = opts.monitorMs === null ? "the service's RollbackConfig.Monitor" : undefined;
    const result = await waitForConvergence(docker, { serviceId: state.id, image: state.previousImage, monitorMs, monitorSource, timeoutMs: opts.timeoutMs, signal, log });
    return { ...result, image: state.previousImage };
  }
}
