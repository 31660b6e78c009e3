// Attestations next to an image, in cosign's layout (sigstore/cosign specs/ATTESTATION_SPEC.md): the tag
// `sha256-<hex>.att` in the image's repository holds an OCI image manifest whose layers are DSSE envelopes
// (mediaType application/vnd.dsse.envelope.v1+json, annotated with their predicate type), so
// `cosign verify-attestation` finds what Slipway pushed. Every request is bounded in time and size and
// stops with the caller's signal.
import { createHash } from "node:crypto";
import { OCI_MANIFEST, RegistryError, registryFetch, type RegistryCredentials } from "@/lib/registry/client";
import { readBodyBounded } from "@/lib/registry/artifact";

export const DSSE_MEDIA_TYPE = "application/vnd.dsse.envelope.v1+json";
const OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
/** cosign marks every signature and attestation layer with this annotation (empty for attestations) */
const COSIGN_SIGNATURE_ANNOTATION = "dev.cosignproject.cosign/signature";
export const ATTESTATION_TIMEOUT_MS = 60_000;
const MAX_MANIFEST_BYTES = 1024 * 1024;
const MAX_ENVELOPE_BYTES = 4 * 1024 * 1024;
const DIGEST = /^sha256:([0-9a-f]{64})$/;

/** cosign's attestation tag for an image digest: sha256:abc… → sha256-abc….att */
export function attestationTag(digest: string): string {
  const m = DIGEST.exec(digest);
  if (!m) throw new RegistryError(`${digest.slice(0, 80)} is not a sha256 digest; an attestation is kept under sha256-<hex>.att`);
  return `sha256-${m[1]}.att`;
}

/** A network failure (refused, reset, DNS) in words, keeping the cause for the retry's classification. */
function unreachable(err: unknown, baseUrl: string, what: string): unknown {
  if (err instanceof RegistryError || (err as { name?: string } | null)?.name === "AbortError") return err;
  const cause = (err as { cause?: { message?: string } } | null)?.cause?.message ?? (err instanceof Error ? err.message : String(err));
  return new RegistryError(`could not reach the registry at ${new URL(baseUrl).host} for ${what} (${cause}): check that it runs and that this worker reaches it`, undefined, err);
}

function sha256(data: Uint8Array): string {
  return `sha256:${createHash("sha256").update(data).digest("hex")}`;
}

function bounded(signal: AbortSignal, timeoutMs: number): { signal: AbortSignal; timedOut: () => boolean } {
  const deadline = AbortSignal.timeout(timeoutMs);
  return { signal: AbortSignal.any([signal, deadline]), timedOut: () => deadline.aborted && !signal.aborted };
}

const readBounded = (res: Response, limit: number, what: string) =>
  readBodyBounded(res, limit, () => new RegistryError(`${what} is larger than ${limit} bytes; that is not an attestation Slipway reads`));

/** The path of an upload URL the registry gave (absolute or relative), for registryFetch. */
function uploadPath(baseUrl: string, location: string): string {
  const url = new URL(location, baseUrl);
  if (url.origin !== new URL(baseUrl).origin) throw new RegistryError(`the registry sent the upload to another address (${url.origin}); Slipway uploads only to ${new URL(baseUrl).origin}`);
  return `${url.pathname}${url.search}`;
}

async function putBlob(baseUrl: string, creds: RegistryCredentials, repo: string, data: Uint8Array, signal: AbortSignal): Promise<string> {
  const digest = sha256(data);
  const scope = `repository:${repo}:pull,push`;
  const head = await registryFetch(baseUrl, creds, { method: "HEAD", path: `/v2/${repo}/blobs/${digest}`, scope, signal });
  await head.body?.cancel();
  if (head.ok) return digest;
  const start = await registryFetch(baseUrl, creds, { method: "POST", path: `/v2/${repo}/blobs/uploads/`, scope, signal });
  await start.body?.cancel();
  const location = start.headers.get("location");
  if (start.status !== 202 || !location) throw new RegistryError(`the registry refused to start an upload to ${repo} (HTTP ${start.status}): check that the registry user may push there`, start.status);
  const path = uploadPath(baseUrl, location);
  const put = await registryFetch(baseUrl, creds, {
    method: "PUT",
    path: `${path}${path.includes("?") ? "&" : "?"}digest=${encodeURIComponent(digest)}`,
    scope,
    headers: { "content-type": "application/octet-stream", "content-length": String(data.length) },
    body: new Uint8Array(data),
    signal,
  });
  await put.body?.cancel();
  if (put.status !== 201) throw new RegistryError(`the registry refused the attestation's blob ${digest} in ${repo} (HTTP ${put.status})`, put.status);
  return digest;
}

export interface PushAttestationInput {
  baseUrl: string;
  creds: RegistryCredentials;
  /** the repository's path inside the registry */
  repo: string;
  /** the image digest the attestation is about */
  digest: string;
  /** the DSSE envelope as JSON */
  envelope: string;
  predicateType: string;
  signal: AbortSignal;
  timeoutMs?: number;
}

/**
 * Pushes one DSSE envelope as the attestation of `digest` (tag sha256-<hex>.att, replacing what the tag held):
 * its blob, a config naming it, and the manifest. Returns the tag and the manifest's digest.
 */
export async function pushAttestation(input: PushAttestationInput): Promise<{ tag: string; manifestDigest: string }> {
  const tag = attestationTag(input.digest);
  const { signal, timedOut } = bounded(input.signal, input.timeoutMs ?? ATTESTATION_TIMEOUT_MS);
  try {
    const layer = Buffer.from(input.envelope, "utf8");
    const layerDigest = await putBlob(input.baseUrl, input.creds, input.repo, layer, signal);
    const config = Buffer.from(
      JSON.stringify({ architecture: "", created: "0001-01-01T00:00:00Z", history: [{ created: "0001-01-01T00:00:00Z" }], os: "", rootfs: { type: "layers", diff_ids: [layerDigest] }, config: {} }),
    );
    const configDigest = await putBlob(input.baseUrl, input.creds, input.repo, config, signal);
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: OCI_CONFIG, size: config.length, digest: configDigest },
      layers: [{ mediaType: DSSE_MEDIA_TYPE, size: layer.length, digest: layerDigest, annotations: { [COSIGN_SIGNATURE_ANNOTATION]: "", predicateType: input.predicateType } }],
    });
    const res = await registryFetch(input.baseUrl, input.creds, {
      method: "PUT",
      path: `/v2/${input.repo}/manifests/${tag}`,
      scope: `repository:${input.repo}:pull,push`,
      headers: { "content-type": OCI_MANIFEST },
      body: manifest,
      signal,
    });
    if (!res.ok) {
      const text = (await res.text()).slice(0, 300);
      throw new RegistryError(`the registry refused the attestation manifest ${input.repo}:${tag} (HTTP ${res.status}): ${text}`, res.status);
    }
    await res.body?.cancel();
    return { tag, manifestDigest: res.headers.get("docker-content-digest") ?? sha256(Buffer.from(manifest)) };
  } catch (err) {
    if (timedOut()) throw new RegistryError(`pushing the attestation ${input.repo}:${tag} did not finish within ${Math.round((input.timeoutMs ?? ATTESTATION_TIMEOUT_MS) / 1000)} s: check the registry`, undefined, err);
    if (input.signal.aborted) throw err;
    throw unreachable(err, input.baseUrl, `the attestation ${input.repo}:${tag}`);
  }
}

export interface AttestationLayer {
  /** the layer's predicateType annotation, when it has one */
  predicateType: string | null;
  /** the envelope's bytes, checked against the layer's digest */
  envelope: Buffer;
}

export type FetchedAttestations = { found: false; tag: string } | { found: true; tag: string; layers: AttestationLayer[] };

interface ManifestDoc {
  layers?: Array<{ mediaType?: string; digest?: string; size?: number; annotations?: Record<string, string> }>;
}

/** The DSSE layers under `sha256-<hex>.att` of `digest`; found: false when the tag does not exist. */
export async function fetchAttestations(input: { baseUrl: string; creds: RegistryCredentials; repo: string; digest: string; signal: AbortSignal; timeoutMs?: number }): Promise<FetchedAttestations> {
  const tag = attestationTag(input.digest);
  const { signal, timedOut } = bounded(input.signal, input.timeoutMs ?? ATTESTATION_TIMEOUT_MS);
  const scope = `repository:${input.repo}:pull`;
  try {
    const res = await registryFetch(input.baseUrl, input.creds, { method: "GET", path: `/v2/${input.repo}/manifests/${tag}`, scope, headers: { accept: OCI_MANIFEST }, signal });
    if (res.status === 404) {
      await res.body?.cancel();
      return { found: false, tag };
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new RegistryError(`the registry answered HTTP ${res.status} for the attestation ${input.repo}:${tag}`, res.status);
    }
    const body = await readBounded(res, MAX_MANIFEST_BYTES, `the attestation manifest ${input.repo}:${tag}`);
    let doc: ManifestDoc;
    try {
      doc = JSON.parse(body.toString("utf8")) as ManifestDoc;
    } catch {
      throw new RegistryError(`the attestation manifest ${input.repo}:${tag} is not JSON`);
    }
    const layers: AttestationLayer[] = [];
    for (const l of doc.layers ?? []) {
      if (l.mediaType !== DSSE_MEDIA_TYPE || !l.digest || !DIGEST.test(l.digest)) continue;
      const blob = await registryFetch(input.baseUrl, input.creds, { method: "GET", path: `/v2/${input.repo}/blobs/${l.digest}`, scope, signal });
      if (!blob.ok) {
        await blob.body?.cancel();
        throw new RegistryError(`the registry answered HTTP ${blob.status} for the attestation layer ${l.digest} of ${input.repo}:${tag}`, blob.status);
      }
      const envelope = await readBounded(blob, MAX_ENVELOPE_BYTES, `the attestation layer ${l.digest}`);
      if (sha256(envelope) !== l.digest) throw new RegistryError(`the attestation layer ${l.digest} of ${input.repo}:${tag} has other bytes than its digest names: check the registry (or a proxy in front of it)`);
      layers.push({ predicateType: l.annotations?.predicateType ?? null, envelope });
    }
    return { found: true, tag, layers };
  } catch (err) {
    if (timedOut()) throw new RegistryError(`fetching the attestation ${input.repo}:${tag} did not finish within ${Math.round((input.timeoutMs ?? ATTESTATION_TIMEOUT_MS) / 1000)} s: check the registry and the network`, undefined, err);
    if (input.signal.aborted) throw err;
    throw unreachable(err, input.baseUrl, `the attestation ${input.repo}:${tag}`);
  }
}
