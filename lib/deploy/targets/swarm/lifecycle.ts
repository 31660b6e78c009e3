// Creating and removing a swarm service (a pull request's preview, lib/deploy/preview.ts): the deploy driver
// only ever updates services an admin made. Each engine call is bounded by the caller's signal and a timeout
// (engineCall), the spec is an object (no command line is built), and a service is only changed or removed
// when its labels say Slipway made it for that owner: a service of the same name made by someone else is left
// alone, in words.
import type Dockerode from "dockerode";
import type { RegistryAuth } from "@/lib/docker/registry-auth";
import { engineMessage } from "@/lib/docker/failure";
import { engineCall, engineError, errorFields, inspectRaw, isNotAManager, isVersionConflict, notAManager, SwarmError, toState, type EngineService, type EngineServiceSpec } from "@/lib/deploy/targets/swarm/engine";
import { VERSION_CONFLICT_RETRIES, writeSpec } from "@/lib/deploy/targets/swarm/update";

export interface OwnedServiceSpec {
  name: string;
  /** a full repo:tag@sha256:… reference */
  image: string;
  labels: Record<string, string>;
  /** the label that says who owns the service, and its value: the service is touched only when it carries it */
  owner: { label: string; value: string };
  /** an overlay network to join, if any */
  network?: string | null;
  /** Env entries (KEY=VALUE); previews get none of Slipway's secrets */
  env?: string[];
}

/** The engine spec: one replicated task, stopped within a second, paused (not rolled back) on a failed update. */
export function serviceSpecOf(s: OwnedServiceSpec): EngineServiceSpec {
  return {
    Name: s.name,
    Labels: { ...s.labels, [s.owner.label]: s.owner.value },
    TaskTemplate: {
      ContainerSpec: { Image: s.image, Labels: { [s.owner.label]: s.owner.value }, Env: s.env ?? [], StopGracePeriod: 1_000_000_000 },
      RestartPolicy: { Condition: "any", Delay: 1_000_000_000, MaxAttempts: 0 },
      ...(s.network ? { Networks: [{ Target: s.network }] } : {}),
    },
    Mode: { Replicated: { Replicas: 1 } },
    UpdateConfig: { Parallelism: 1, FailureAction: "pause", Order: "stop-first", Monitor: 2_000_000_000 },
  };
}

/** null when the service is missing; SwarmError for anything but an answer. */
async function findService(docker: Dockerode, name: string, signal: AbortSignal): Promise<EngineService | null> {
  try {
    return await inspectRaw(docker, name, signal);
  } catch (err) {
    if (err instanceof SwarmError && err.reason === "service_missing") return null;
    throw err;
  }
}

function notOurs(raw: EngineService, s: { name: string; owner: { label: string; value: string } }): SwarmError {
  const has = raw.Spec?.Labels && typeof raw.Spec.Labels === "object" ? (raw.Spec.Labels as Record<string, unknown>)[s.owner.label] : undefined;
  return new SwarmError(
    `A service named ${s.name} exists on the swarm and is not this preview's (its label ${s.owner.label} is ${has === undefined ? "absent" : JSON.stringify(has)}, not ${s.owner.value}); Slipway leaves it alone. Remove or rename that service, or give the deployment rule's first target another service name.`,
    "update_rejected",
  );
}

/** Labels compared by their entries (the engine answers with its keys sorted). */
function sameLabels(a: unknown, b: unknown): boolean {
  const entries = (x: unknown) => Object.entries((x ?? {}) as Record<string, unknown>).sort(([k1], [k2]) => k1.localeCompare(k2));
  return JSON.stringify(entries(a)) === JSON.stringify(entries(b));
}

/** The networks the task template joins, by name or id as the spec gives them. */
function networksOf(spec: EngineServiceSpec): string[] {
  const n = spec.TaskTemplate?.Networks;
  return Array.isArray(n) ? n.map((x) => String((x as { Target?: unknown }).Target ?? "")).sort() : [];
}

const ownedBy = (raw: EngineService, owner: { label: string; value: string }) => (raw.Spec?.Labels as Record<string, unknown> | undefined)?.[owner.label] === owner.value;

/**
 * Creates the service, or brings an existing one of ours to the spec (image, labels, network) at the version
 * index just read (a write that lost a race is read and applied again). Returns the service's id and whether it
 * was created. When the signal fires or the engine does not answer while a write is under way, the swarm may or
 * may not have taken it: the next call reads the service again and finds out.
 */
export async function ensureService(
  docker: Dockerode,
  s: OwnedServiceSpec,
  opts: { auth?: RegistryAuth; signal: AbortSignal; log: (line: string) => void },
): Promise<{ serviceId: string; created: boolean; changed: boolean }> {
  const spec = serviceSpecOf(s);
  for (let attempt = 0; ; attempt++) {
    const raw = await findService(docker, s.name, opts.signal);
    if (!raw) {
      opts.log(`creating service ${s.name} running ${s.image}${opts.auth ? ` with the credentials for ${opts.auth.serveraddress}` : ""}`);
      const what = `creating service ${s.name}`;
      let answer: { ID?: string; Warnings?: unknown } | null;
      try {
        answer = await engineCall(docker, what, opts.signal, (signal) => dial<{ ID?: string; Warnings?: unknown }>(docker, { path: "/services/create", method: "POST", options: spec, authconfig: opts.auth, abortSignal: signal, statusCodes: { 200: true, 201: true, 400: "bad parameter", 403: "network is not eligible for services", 409: "name conflicts with an existing object", 500: "server error", 503: "node is not part of a swarm" } }));
      } catch (err) {
        if (err instanceof SwarmError) throw err;
        if (isNotAManager(err)) throw notAManager(docker, err);
        const f = errorFields(err);
        // created meanwhile by another run: read it and bring it to the spec
        if (f.statusCode === 409 && attempt < VERSION_CONFLICT_RETRIES) continue;
        if (typeof f.statusCode === "number" && f.statusCode < 500) throw new SwarmError(`The swarm refused ${what}: ${engineMessage(err)}.`, "update_rejected");
        if (f.statusCode === 500 && /rpc error: code = (InvalidArgument|FailedPrecondition|NotFound|AlreadyExists)/.test(engineMessage(err))) throw new SwarmError(`The swarm refused ${what}: ${engineMessage(err)}.`, "update_rejected");
        throw engineError(docker, what, err);
      }
      const said = answer?.Warnings;
      const warnings = Array.isArray(said) ? said.filter((w): w is string => typeof w === "string") : [];
      for (const w of warnings) opts.log(`the engine warned: ${w}`);
      if (!answer?.ID) throw engineError(docker, what, new Error("the engine's answer names no service"));
      return { serviceId: answer.ID, created: true, changed: true };
    }
    if (!ownedBy(raw, s.owner)) throw notOurs(raw, s);
    const state = toState(raw);
    const current: EngineServiceSpec = raw.Spec ?? {};
    const same = state.image === s.image && sameLabels(current.Labels, spec.Labels) && networksOf(current).join(",") === networksOf(spec).join(",");
    if (same) {
      opts.log(`service ${s.name} already runs ${s.image} with these labels; nothing to change`);
      return { serviceId: raw.ID, created: false, changed: false };
    }
    const next: EngineServiceSpec = structuredClone(current);
    next.Labels = spec.Labels;
    next.TaskTemplate = { ...(next.TaskTemplate ?? {}), ContainerSpec: { ...(next.TaskTemplate?.ContainerSpec ?? {}), Image: s.image, Env: s.env ?? [] } };
    if (spec.TaskTemplate?.Networks) next.TaskTemplate.Networks = spec.TaskTemplate.Networks;
    else delete next.TaskTemplate.Networks;
    opts.log(`updating service ${s.name} (version ${state.version}) from ${state.image ?? "no image"} to ${s.image}`);
    try {
      const warnings = await writeSpec(docker, { service: raw, spec: next, query: { version: state.version }, auth: opts.auth, signal: opts.signal, what: `updating service ${s.name}` });
      for (const w of warnings) opts.log(`the engine warned: ${w}`);
      return { serviceId: raw.ID, created: false, changed: true };
    } catch (err) {
      if (!isVersionConflict(err)) throw err;
      if (attempt >= VERSION_CONFLICT_RETRIES) throw new SwarmError(`Service ${s.name} kept changing while Slipway updated it (${VERSION_CONFLICT_RETRIES + 1} version conflicts in a row); is another tool updating it? Try again.`, "update_rejected");
      opts.log(`service ${s.name} changed since it was read (version ${state.version} is stale); reading it again`);
    }
  }
}

/**
 * Removes the service when it is ours (docker service rm); "missing" when there is none (removed already),
 * "not_ours" (nothing done) when a service of that name is someone else's.
 */
export async function removeService(
  docker: Dockerode,
  s: { name: string; owner: { label: string; value: string } },
  opts: { signal: AbortSignal; log: (line: string) => void },
): Promise<"removed" | "missing" | "not_ours"> {
  const raw = await findService(docker, s.name, opts.signal);
  if (!raw) {
    opts.log(`service ${s.name} is not on the swarm (removed already)`);
    return "missing";
  }
  if (!ownedBy(raw, s.owner)) {
    opts.log(notOurs(raw, s).message);
    return "not_ours";
  }
  const what = `removing service ${s.name}`;
  opts.log(`removing service ${s.name}`);
  try {
    await engineCall(docker, what, opts.signal, (signal) => docker.getService(raw.ID).remove({ abortSignal: signal }));
  } catch (err) {
    if (err instanceof SwarmError) throw err;
    if (isNotAManager(err)) throw notAManager(docker, err);
    if (errorFields(err).statusCode === 404) return "missing";
    throw engineError(docker, what, err);
  }
  return "removed";
}

/** docker-modem's dial as a promise (dockerode's createService would put the abort signal into the request body). */
function dial<T>(docker: Dockerode, opts: Record<string, unknown>): Promise<T> {
  const modem = (docker as unknown as { modem: { dial(o: Record<string, unknown>, cb: (err: unknown, data: unknown) => void): void } }).modem;
  return new Promise<T>((resolve, reject) => modem.dial(opts, (err, data) => (err ? reject(err) : resolve(data as T))));
}
