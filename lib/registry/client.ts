// Authenticated requests to a registry's HTTP API v2 (manifests): the request is tried, and on 401 the
// challenge it names is answered (Basic, or a Bearer token for the repository scope from the realm), as the
// docker CLI does. Credentials go only to the registry itself or to an HTTPS (or loopback) token service.
import { parseAuthChallenges } from "@/lib/registry/challenge";
import { isLoopbackHost } from "@/lib/registry/address";

export interface RegistryCredentials {
  username?: string | null;
  password?: string | null;
}

export class RegistryError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    /** what failed underneath (a refused connection), for lib/deploy/targets/failure-class.ts */
    cause?: unknown,
  ) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = "RegistryError";
  }
}

function basic(c: RegistryCredentials): string | null {
  return c.username && c.password ? `Basic ${Buffer.from(`${c.username}:${c.password}`).toString("base64")}` : null;
}

async function bearer(header: string, creds: RegistryCredentials, scope: string, signal: AbortSignal): Promise<string | null> {
  const ch = parseAuthChallenges(header).find((c) => c.scheme === "bearer");
  const realm = ch?.params.realm;
  if (!ch || !realm) return null;
  const url = new URL(realm);
  if (url.protocol !== "https:" && !(url.protocol === "http:" && isLoopbackHost(url.hostname))) {
    throw new RegistryError(`the registry's token service ${url.origin} is not HTTPS; Slipway does not send credentials there`);
  }
  if (ch.params.service) url.searchParams.set("service", ch.params.service);
  url.searchParams.set("scope", scope);
  if (creds.username) url.searchParams.set("account", creds.username);
  const auth = basic(creds);
  const res = await fetch(url, { headers: auth ? { authorization: auth } : {}, signal });
  if (!res.ok) {
    await res.body?.cancel();
    throw new RegistryError(`the token service ${url.host} refused a token for ${scope} (HTTP ${res.status}): check the registry's username and password`, res.status);
  }
  const body = (await res.json()) as { token?: string; access_token?: string };
  const token = body.token ?? body.access_token;
  return token ? `Bearer ${token}` : null;
}

export interface RegistryRequest {
  method: "GET" | "HEAD" | "PUT" | "POST";
  /** /v2/… */
  path: string;
  /** e.g. repository:team/app:pull,push */
  scope: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array<ArrayBuffer>;
  signal: AbortSignal;
}

/** One request with the auth the registry asks for. Non-2xx answers are returned, not thrown. */
export async function registryFetch(baseUrl: string, creds: RegistryCredentials, req: RegistryRequest): Promise<Response> {
  const url = `${baseUrl.replace(/\/$/, "")}${req.path}`;
  const init = (auth: string | null): RequestInit => ({
    method: req.method,
    headers: { ...(req.headers ?? {}), ...(auth ? { authorization: auth } : {}) },
    body: req.body,
    signal: req.signal,
  });
  const first = await fetch(url, init(null));
  if (first.status !== 401) return first;
  await first.body?.cancel();
  const header = first.headers.get("www-authenticate") ?? "";
  const schemes = parseAuthChallenges(header).map((c) => c.scheme);
  const auth = schemes.includes("bearer") ? await bearer(header, creds, req.scope, req.signal) : basic(creds);
  if (!auth) throw new RegistryError(`${new URL(baseUrl).host} asks for credentials and the registry has none in Slipway: set its username and password under Settings → Registries`, 401);
  const second = await fetch(url, init(auth));
  if (second.status === 401 || second.status === 403) {
    await second.body?.cancel();
    throw new RegistryError(`${new URL(baseUrl).host} refused the credentials for ${req.scope} (HTTP ${second.status}): check the registry's username and password`, second.status);
  }
  return second;
}

export const MANIFEST_V2 = "application/vnd.docker.distribution.manifest.v2+json";
export const MANIFEST_LIST_V2 = "application/vnd.docker.distribution.manifest.list.v2+json";
export const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
export const OCI_INDEX = "application/vnd.oci.image.index.v1+json";

export interface ManifestInfo {
  digest: string;
  mediaType: string;
  size: number;
}

/** HEAD of a manifest by tag or digest: its digest, media type and size, or null when there is none. */
export async function headManifest(baseUrl: string, creds: RegistryCredentials, repo: string, reference: string, signal: AbortSignal): Promise<ManifestInfo | null> {
  const res = await registryFetch(baseUrl, creds, {
    method: "HEAD",
    path: `/v2/${repo}/manifests/${reference}`,
    scope: `repository:${repo}:pull`,
    headers: { accept: [MANIFEST_LIST_V2, MANIFEST_V2, OCI_INDEX, OCI_MANIFEST].join(", ") },
    signal,
  });
  if (res.status === 404) return null;
  if (!res.ok) throw new RegistryError(`the registry answered HTTP ${res.status} for ${repo}:${reference}`, res.status);
  const digest = res.headers.get("docker-content-digest");
  const size = Number(res.headers.get("content-length") ?? "0");
  if (!digest) throw new RegistryError(`the registry gave no digest for ${repo}:${reference}`);
  return { digest, mediaType: res.headers.get("content-type") ?? MANIFEST_V2, size };
}

/** Pushes a manifest list naming one image manifest per platform under `tag`; returns its digest. */
export async function putManifestList(
  baseUrl: string,
  creds: RegistryCredentials,
  repo: string,
  tag: string,
  entries: Array<ManifestInfo & { os: string; architecture: string; variant?: string }>,
  signal: AbortSignal,
): Promise<string> {
  const body = JSON.stringify({
    schemaVersion: 2,
    mediaType: MANIFEST_LIST_V2,
    manifests: entries.map((e) => ({
      mediaType: e.mediaType,
      size: e.size,
      digest: e.digest,
      platform: { os: e.os, architecture: e.architecture, ...(e.variant ? { variant: e.variant } : {}) },
    })),
  });
  const res = await registryFetch(baseUrl, creds, {
    method: "PUT",
    path: `/v2/${repo}/manifests/${tag}`,
    scope: `repository:${repo}:pull,push`,
    headers: { "content-type": MANIFEST_LIST_V2 },
    body,
    signal,
  });
  if (!res.ok) {
    const text = (await res.text()).slice(0, 500);
    throw new RegistryError(`the registry refused the manifest list for ${repo}:${tag} (HTTP ${res.status}): ${text}`, res.status);
  }
  await res.body?.cancel();
  const digest = res.headers.get("docker-content-digest");
  if (!digest) throw new RegistryError(`the registry stored the manifest list for ${repo}:${tag} but gave no digest`);
  return digest;
}
