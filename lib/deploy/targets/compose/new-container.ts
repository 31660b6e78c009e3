// The new container of a compose service's slot: the old container's own configuration (what compose set,
// not what its image gave it) on the new image, with its host config, networks and anonymous volumes.
import type Dockerode from "dockerode";
import { COMPOSE_IMAGE_LABEL, SLIPWAY_IMAGE_LABEL, statusOf } from "@/lib/deploy/targets/compose/containers";

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
export interface ContainerConfig extends ImageConfig {
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
export function planNewContainer(old: Dockerode.ContainerInspectInfo, oldImage: ImageConfig | null, image: string, imageId: string): NewContainerPlan {
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

export async function oldImageConfig(docker: Dockerode, old: Dockerode.ContainerInspectInfo, signal: AbortSignal): Promise<ImageConfig | null> {
  try {
    const info = await docker.getImage(old.Image).inspect({ abortSignal: signal } as Dockerode.ImageInspectOptions);
    return (info.Config ?? null) as ImageConfig | null;
  } catch (err) {
    if (statusOf(err) === 404) return null;
    throw err;
  }
}

export async function createNewContainer(docker: Dockerode, name: string, plan: NewContainerPlan, signal: AbortSignal): Promise<string> {
  // _query/_body keep the configuration (environment included, so secrets) out of the URL, which the engine
  // logs; dockerode would otherwise put every option in the query string as well as in the body
  const created = await docker.createContainer({ _query: { name }, _body: plan.body, abortSignal: signal } as unknown as Dockerode.ContainerCreateOptions);
  for (const [network, endpoint] of plan.moreNetworks) {
    await docker.getNetwork(network).connect({ Container: created.id, EndpointConfig: endpoint, abortSignal: signal } as Dockerode.NetworkConnectOptions);
  }
  return created.id;
}
