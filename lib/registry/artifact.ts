// The deploy side of a unikernel: take the kernel file (e.g. /unikernel.hvt) out of an image in a registry
// over the Registry HTTP API v2, without a Docker engine: the manifest (picking linux/amd64 from an index),
// then the layers from the top down, streamed and un-gzipped, until the path is found or deleted by a
// whiteout. The file is checked and hashed while it streams to a local file.
import type { Readable } from "node:stream";
import { Readable as NodeReadable } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { createHash } from "node:crypto";
import path from "node:path";
import { createGunzip } from "node:zlib";
import { registryBaseUrl } from "@/lib/registry/address";
import { MANIFEST_LIST_V2, MANIFEST_V2, OCI_INDEX, OCI_MANIFEST, RegistryError, registryFetch, type RegistryCredentials } from "@/lib/registry/client";
import { checkEntry, entryPath, ImageFileError, readTar, saveEntry, type ImageFile } from "@/lib/docker/image-file";
import { parseImageReference } from "@/lib/validation/inventory-fields";

export { ImageFileError, type ImageFile };

export interface PulledImageRef {
  /** registry host[:port] (docker.io when the reference names none) */
  domain: string;
  /** repository path inside the registry */
  repository: string;
  /** what the manifest is fetched by: the digest when there is one, else the tag */
  reference: string;
  digest?: string;
  tag?: string;
}

const DIGEST = /^sha256:[0-9a-f]{64}$/;

/** Reads `registry/repo@sha256:…`, `registry/repo:tag` or `registry/repo:tag@sha256:…` (the digest wins). */
export function parsePulledImageRef(image: string): PulledImageRef {
  const text = image.trim();
  const at = text.indexOf("@");
  const name = at < 0 ? text : text.slice(0, at);
  const digest = at < 0 ? undefined : text.slice(at + 1);
  if (digest !== undefined && !DIGEST.test(digest)) {
    throw new ImageFileError("unsupported", `the image reference ${image} has "${digest}" after '@'; a digest is sha256: and 64 lowercase hex digits`);
  }
  const hasTag = name.lastIndexOf(":") > name.lastIndexOf("/");
  if (!hasTag && !digest) throw new ImageFileError("unsupported", `the image reference ${image} needs a tag (repo:tag) or a digest (repo@sha256:…)`);
  const parsed = parseImageReference(hasTag ? name : `${name}:latest`);
  if ("problem" in parsed) throw new ImageFileError("unsupported", `the image reference ${image} ${parsed.problem}`);
  return {
    domain: parsed.domain,
    repository: parsed.path,
    reference: digest ?? parsed.tag,
    ...(digest ? { digest } : {}),
    ...(hasTag ? { tag: parsed.tag } : {}),
  };
}

export interface FetchImageFileInput {
  /** registry/repo@sha256:…, registry/repo:tag or both */
  image: string;
  /** the registry's address when it is not the image's own host (e.g. http://registry.lan:5000) */
  registryUrl?: string;
  credentials: RegistryCredentials;
  /** absolute path inside the image, e.g. /unikernel.hvt */
  path: string;
  /** local file to write (replaced when it exists) */
  destination: string;
  maxBytes: number;
  /** refuse a file that is not ELF (default true: unikernels are) */
  requireElf?: boolean;
  /** picked from an index / manifest list (default linux/amd64; an index with one entry gives that entry) */
  platform?: { os: string; architecture: string };
  signal: AbortSignal;
  /** for the whole fetch (default 10 min) */
  timeoutMs?: number;
}

export const FETCH_TIMEOUT_MS = 600_000;
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
const ACCEPT = [OCI_INDEX, OCI_MANIFEST, MANIFEST_LIST_V2, MANIFEST_V2].join(", ");

interface Descriptor {
  mediaType?: string;
  digest: string;
  size?: number;
  platform?: { os?: string; architecture?: string; variant?: string };
}

interface ManifestDoc {
  schemaVersion?: number;
  mediaType?: string;
  manifests?: Descriptor[];
  layers?: Descriptor[];
}

/** Reads a response body up to `limit` bytes; throws `tooLarge()` when it is longer (the body is cancelled). */
export async function readBodyBounded(res: Response, limit: number, tooLarge: () => Error): Promise<Buffer> {
  const parts: Buffer[] = [];
  let total = 0;
  if (!res.body) return Buffer.alloc(0);
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    total += chunk.length;
    if (total > limit) {
      await res.body.cancel().catch(() => undefined);
      throw tooLarge();
    }
    parts.push(Buffer.from(chunk));
  }
  return Buffer.concat(parts);
}

const readBounded = (res: Response, limit: number, what: string) =>
  readBodyBounded(res, limit, () => new ImageFileError("unsupported", `${what} is larger than ${limit} bytes; that is not an image manifest`));

class RegistryReader {
  readonly base: string;
  readonly name: string;

  constructor(
    readonly ref: PulledImageRef,
    registryUrl: string | undefined,
    private readonly credentials: RegistryCredentials,
    private readonly signal: AbortSignal,
  ) {
    this.base = registryBaseUrl(registryUrl ?? ref.domain);
    this.name = `${ref.domain}/${ref.repository}`;
  }

  private async get(pathname: string, accept: string | undefined, what: string): Promise<Response> {
    let res: Response;
    try {
      res = await registryFetch(this.base, this.credentials, {
        method: "GET",
        path: pathname,
        scope: `repository:${this.ref.repository}:pull`,
        headers: accept ? { accept } : {},
        signal: this.signal,
      });
    } catch (err) {
      if (this.signal.aborted || err instanceof RegistryError) throw err;
      const cause = (err as { cause?: { message?: string } } | null)?.cause?.message ?? (err instanceof Error ? err.message : String(err));
      throw new ImageFileError("unavailable", `could not reach the registry at ${new URL(this.base).host} for ${what} (${cause}): check its address and that it is running`, { cause: err });
    }
    if (res.ok) return res;
    await res.body?.cancel().catch(() => undefined);
    if (res.status === 404) throw new ImageFileError("unavailable", `the registry ${new URL(this.base).host} has no ${what} (HTTP 404): check that the image was pushed and the reference is right`);
    throw new RegistryError(`the registry ${new URL(this.base).host} answered HTTP ${res.status} for ${what}; check the registry's logs`, res.status);
  }

  /** A manifest by tag or digest; checked against the digest when fetched by one. */
  async manifest(reference: string): Promise<{ doc: ManifestDoc; mediaType: string }> {
    const what = `manifest ${this.name}${DIGEST.test(reference) ? "@" : ":"}${reference}`;
    const res = await this.get(`/v2/${this.ref.repository}/manifests/${reference}`, ACCEPT, what);
    const body = await readBounded(res, MAX_MANIFEST_BYTES, what);
    if (DIGEST.test(reference)) {
      const actual = `sha256:${createHash("sha256").update(body).digest("hex")}`;
      if (actual !== reference) throw new ImageFileError("unavailable", `the ${what} has digest ${actual}: the registry returned different bytes than the digest names; check the registry (or a proxy in front of it)`);
    }
    let doc: ManifestDoc;
    try {
      doc = JSON.parse(body.toString("utf8")) as ManifestDoc;
    } catch {
      throw new ImageFileError("unsupported", `the ${what} is not JSON; is this an image registry?`);
    }
    const mediaType = doc.mediaType ?? res.headers.get("content-type")?.split(";")[0]?.trim() ?? "";
    return { doc, mediaType };
  }

  /** A blob's bytes as a Node stream. */
  async blob(digest: string, what: string): Promise<Readable> {
    const res = await this.get(`/v2/${this.ref.repository}/blobs/${digest}`, undefined, what);
    if (!res.body) throw new ImageFileError("unavailable", `the registry sent ${what} without a body`);
    return NodeReadable.fromWeb(res.body as unknown as WebReadableStream<Uint8Array>);
  }
}

function isIndex(mediaType: string, doc: ManifestDoc): boolean {
  return mediaType === OCI_INDEX || mediaType === MANIFEST_LIST_V2 || (!doc.layers && Array.isArray(doc.manifests));
}

function pickPlatform(manifests: Descriptor[], want: { os: string; architecture: string }, what: string): Descriptor {
  const real = manifests.filter((m) => m.platform?.architecture !== "unknown"); // BuildKit's attestation entries
  const match = real.find((m) => m.platform?.os === want.os && m.platform?.architecture === want.architecture);
  if (match) return match;
  if (real.length === 1) return real[0]!;
  const offered = real.map((m) => `${m.platform?.os ?? "?"}/${m.platform?.architecture ?? "?"}${m.platform?.variant ? `/${m.platform.variant}` : ""}`).join(", ");
  throw new ImageFileError("missing", `${what} has no ${want.os}/${want.architecture} image (it has ${offered || "none"}): build the unikernel for that platform`);
}

/** How a layer's bytes are packed: gzip, or a plain tar; anything else is refused. */
function unpacker(mediaType: string | undefined, what: string): (() => NodeJS.ReadWriteStream) | null {
  const type = mediaType ?? "";
  if (/zstd/.test(type)) throw new ImageFileError("unsupported", `${what} is zstd-compressed, which Slipway cannot read yet: push the image with gzip layers (the default of docker push)`);
  if (/gzip/.test(type)) return () => createGunzip();
  if (type === "" || /tar$/.test(type)) return null;
  throw new ImageFileError("unsupported", `${what} has media type ${type}, which is not an image layer Slipway reads (tar or tar+gzip)`);
}

type LayerVerdict = { found: ImageFile } | { hidden: true } | { hidden: false };

/**
 * Looks for `target` (no leading slash) in one layer. Besides the file itself, a layer can hide what lower
 * layers hold: a whiteout `.wh.<name>` of the path or one of its directories, an opaque directory marker
 * `.wh..wh..opq` above it, or a non-directory where one of its directories should be.
 */
async function searchLayer(layer: Readable, target: string, where: string, save: (entry: Readable) => Promise<ImageFile>, maxBytes: number, signal: AbortSignal): Promise<LayerVerdict> {
  let found: ImageFile | undefined;
  let hidden = false;
  await readTar(
    layer,
    async (header, stream) => {
      const name = entryPath(header.name);
      const base = path.posix.basename(name);
      const dir = path.posix.dirname(name) === "." ? "" : path.posix.dirname(name);
      if (base === ".wh..wh..opq") {
        if (dir === "" || target.startsWith(`${dir}/`)) hidden = true;
        return;
      }
      if (base.startsWith(".wh.")) {
        const removed = dir === "" ? base.slice(4) : `${dir}/${base.slice(4)}`;
        if (target === removed || target.startsWith(`${removed}/`)) hidden = true;
        return;
      }
      if (name === target) {
        checkEntry(header, where, maxBytes);
        found = await save(stream);
        return "stop";
      }
      if (target.startsWith(`${name}/`) && header.type !== "directory") {
        if (header.type === "symlink") {
          throw new ImageFileError("link", `${where} lies under /${name}, which is a symbolic link (to ${header.linkname ?? "?"}): copy the file to a path without links`);
        }
        hidden = true; // a file where a directory of the path should be: nothing below it exists
      }
    },
    signal,
  );
  return found ? { found } : { hidden };
}

/**
 * Fetches one regular file from an image in a registry into `destination` and returns its size and sha256.
 * Rejects with ImageFileError when the path is missing (or deleted by an upper layer), a directory, a link,
 * over `maxBytes` or (by default) not ELF, or when the image cannot be read; with RegistryError when the
 * registry refuses the credentials (its message says so, with the HTTP status); with the signal's reason
 * when aborted.
 */
export async function fetchImageFile(input: FetchImageFileInput): Promise<ImageFile> {
  if (!input.path.startsWith("/")) throw new ImageFileError("missing", `the path in the image must be absolute, such as /unikernel.hvt (got "${input.path}")`);
  const ref = parsePulledImageRef(input.image);
  const target = entryPath(path.posix.normalize(input.path));
  if (target === "") throw new ImageFileError("directory", `${input.path} is the image's root directory, not a file: give the unikernel's path, such as /unikernel.hvt`);
  const where = `${input.path} in ${input.image}`;
  const timeoutMs = input.timeoutMs ?? FETCH_TIMEOUT_MS;
  const deadline = AbortSignal.timeout(timeoutMs);
  const signal = AbortSignal.any([input.signal, deadline]);
  const registry = new RegistryReader(ref, input.registryUrl, input.credentials, signal);
  const want = input.platform ?? { os: "linux", architecture: "amd64" };

  try {
    let { doc, mediaType } = await registry.manifest(ref.reference);
    if (isIndex(mediaType, doc)) {
      const chosen = pickPlatform(doc.manifests ?? [], want, `the image ${input.image}`);
      ({ doc, mediaType } = await registry.manifest(chosen.digest));
    }
    if (doc.schemaVersion === 1 || !Array.isArray(doc.layers)) {
      throw new ImageFileError("unsupported", `the image ${input.image} has a ${mediaType || `schema ${doc.schemaVersion ?? "?"}`} manifest; Slipway reads OCI and Docker v2 schema 2 images: push it again with a current docker`);
    }
    const layers = doc.layers;
    for (let i = layers.length - 1; i >= 0; i--) {
      const layer = layers[i]!;
      const what = `layer ${i + 1} of ${layers.length} (${layer.digest}) of ${input.image}`;
      if (!DIGEST.test(layer.digest)) throw new ImageFileError("unsupported", `${what} is named by a digest Slipway does not check (${layer.digest}); only sha256 is supported`);
      const unpack = unpacker(layer.mediaType, what);
      const raw = await registry.blob(layer.digest, what);
      const tar = unpack ? raw.pipe(unpack()) : raw;
      if (unpack) raw.on("error", (err) => (tar as unknown as Readable).destroy(err));
      const verdict = await searchLayer(
        tar as Readable,
        target,
        where,
        (entry) => saveEntry(entry, input.destination, { where, maxBytes: input.maxBytes, requireElf: input.requireElf ?? true, signal }),
        input.maxBytes,
        signal,
      ).finally(() => raw.destroy());
      if ("found" in verdict) return verdict.found;
      if (verdict.hidden) break;
    }
    throw new ImageFileError("missing", `${input.image} has no ${input.path}: check that the Dockerfile's last stage copies the unikernel there`);
  } catch (err) {
    if (deadline.aborted && !input.signal.aborted) {
      throw new ImageFileError("unavailable", `fetching ${where} from ${new URL(registry.base).host} did not finish within ${Math.round(timeoutMs / 1000)} s: check the registry and the network, or allow more time`, { cause: err });
    }
    throw err;
  }
}
