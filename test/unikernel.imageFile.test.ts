// Taking the unikernel out of an image, both ways, against a real dockerd and registry: a FROM scratch image
// that COPYs the test kernel to /unikernel.<TARGET> (chosen by ARG TARGET) is built through the Engine API and
// pushed; the file then comes out through the Engine API (extractImageFile) and through the registry's HTTP
// API (fetchImageFile) with the same sha256. Every refusal is checked on both sides where it can happen.
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, mkdirSync, copyFileSync } from "node:fs";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Readable } from "node:stream";
import { gzipSync } from "node:zlib";
import type Dockerode from "dockerode";
import * as tarStream from "tar-stream";
import tar from "tar-fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildImage, pushImage } from "@/lib/build/docker";
import { extractImageFile } from "@/lib/docker/extract-file";
import { ImageFileError, type ImageFile } from "@/lib/docker/image-file";
import { fetchImageFile, parsePulledImageRef } from "@/lib/registry/artifact";
import { OCI_INDEX, OCI_MANIFEST, putManifestList, RegistryError } from "@/lib/registry/client";
import { importBusybox } from "@/test/helpers/busybox";
import { startDockerd, type TestDockerd } from "@/test/helpers/dockerd";
import { rejectionOf } from "@/test/helpers/rejection";
import { startRegistry, type TestRegistry } from "@/test/helpers/registry";
import { buildTestKernel } from "@/test/helpers/unikernel";

const CREDENTIALS = { username: "deployer", password: "s3cret-pw" };
const MAX = 1024 * 1024;

let dockerd: TestDockerd;
let docker: Dockerode;
let registry: TestRegistry;
let authRegistry: TestRegistry;
let busybox: string;
let kernelV1: string;
let kernelV2: string;
let sha1: string;
let sha2: string;
let out: string;
const scratchDirs: string[] = [];
const quiet = { signal: new AbortController().signal, onOutput: () => undefined };

function sha256(data: Buffer | string): string {
  return createHash("sha256").update(data).digest("hex");
}

/** A build context with a Dockerfile and files (`name: contents`, or `{ from: path }` to copy a file). */
function context(dockerfile: string, files: Record<string, string | { from: string } | { symlink: string }> = {}): Readable {
  const dir = mkdtempSync(path.join(os.tmpdir(), "slipway-uk-ctx-"));
  scratchDirs.push(dir);
  writeFileSync(path.join(dir, "Dockerfile"), dockerfile);
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(dir, name);
    mkdirSync(path.dirname(file), { recursive: true });
    if (typeof content === "string") writeFileSync(file, content);
    else if ("from" in content) copyFileSync(content.from, file);
    else symlinkSync(content.symlink, file);
  }
  return tar.pack(dir) as unknown as Readable;
}

/** Builds repo:tag on the test dockerd (and pushes it unless told not to); returns the pushed digest. */
async function build(repo: string, tag: string, dockerfile: string, files: Parameters<typeof context>[1] = {}, opts: { buildArgs?: Record<string, string>; push?: boolean; auth?: boolean } = {}): Promise<string> {
  let log = "";
  try {
    await buildImage(docker, { context: context(dockerfile, files), dockerfile: "Dockerfile", tag: `${repo}:${tag}`, buildArgs: opts.buildArgs ?? {}, labels: {}, signal: quiet.signal, onOutput: (t) => (log += t) });
  } catch (err) {
    throw new Error(`building ${repo}:${tag} failed: ${(err as Error).message}\n${log}`);
  }
  if (opts.push === false) return "";
  const auth = opts.auth ? { ...CREDENTIALS, serveraddress: repo.split("/")[0]! } : undefined;
  return (await pushImage(docker, { repo, tag, ...(auth ? { auth } : {}), ...quiet })).digest;
}

function dest(name: string): string {
  return path.join(out, name);
}

const refusal = (p: Promise<unknown>) => rejectionOf(p, ImageFileError);

function fromEngine(image: string, file: string, extra: Partial<Parameters<typeof extractImageFile>[1]> = {}): Promise<ImageFile> {
  return extractImageFile(docker, { image, path: file, destination: dest(`engine-${sha256(image + file).slice(0, 8)}`), maxBytes: MAX, signal: AbortSignal.timeout(60_000), ...extra });
}

function fromRegistry(image: string, file: string, extra: Partial<Parameters<typeof fetchImageFile>[0]> = {}): Promise<ImageFile> {
  return fetchImageFile({ image, credentials: {}, path: file, destination: dest(`registry-${sha256(image + file).slice(0, 8)}`), maxBytes: MAX, signal: AbortSignal.timeout(60_000), ...extra });
}

/** No container may be left behind by an extraction, whatever its outcome. */
async function containersLeft(): Promise<number> {
  return (await docker.listContainers({ all: true })).length;
}

/** Files left in the output directory other than the ones named. */
function strayFiles(): string[] {
  return readdirSync(out).filter((f) => f.includes(".tmp-"));
}

const UNIKERNEL_DOCKERFILE = "FROM scratch\nARG TARGET=hvt\nCOPY dist/www.${TARGET} /unikernel.${TARGET}\n";

let www: { hvt: string; xen: string };

beforeAll(async () => {
  [dockerd, registry, authRegistry, kernelV1, kernelV2] = await Promise.all([
    startDockerd(),
    startRegistry(),
    startRegistry({ htpasswd: CREDENTIALS }),
    buildTestKernel({ version: "image-v1" }),
    buildTestKernel({ version: "image-v2" }),
  ]);
  docker = dockerd.docker;
  sha1 = sha256(readFileSync(kernelV1));
  sha2 = sha256(readFileSync(kernelV2));
  out = mkdtempSync(path.join(os.tmpdir(), "slipway-uk-out-"));
  busybox = await importBusybox(docker, `${registry.url}/busybox:latest`);
  const dist = { "dist/www.hvt": { from: kernelV1 }, "dist/www.xen": { from: kernelV2 } };
  www = {
    hvt: await build(`${registry.url}/www`, "hvt", UNIKERNEL_DOCKERFILE, dist, { buildArgs: { TARGET: "hvt" } }),
    xen: await build(`${registry.url}/www`, "xen", UNIKERNEL_DOCKERFILE, dist, { buildArgs: { TARGET: "xen" } }),
  };
});

afterAll(async () => {
  await Promise.all([dockerd?.stop(), registry?.stop(), authRegistry?.stop()]);
  for (const d of [...scratchDirs, out]) if (d) rmSync(d, { recursive: true, force: true });
});

describe("a unikernel image built with ARG TARGET", () => {
  it("comes out through the Engine API with the kernel's sha256, and no container is left", async () => {
    const hvt = await fromEngine(`${registry.url}/www:hvt`, "/unikernel.hvt");
    expect(hvt).toMatchObject({ size: readFileSync(kernelV1).length, sha256: sha1 });
    expect(readFileSync(hvt.path).equals(readFileSync(kernelV1))).toBe(true);
    const xen = await fromEngine(`${registry.url}/www:xen`, "/unikernel.xen");
    expect(xen.sha256).toBe(sha2);
    // TARGET chose the file: the hvt image has no /unikernel.xen
    expect((await refusal(fromEngine(`${registry.url}/www:hvt`, "/unikernel.xen"))).problem).toBe("missing");
    expect(await containersLeft()).toBe(0);
    expect(strayFiles()).toEqual([]);
  });

  it("comes out through the registry's HTTP API with the same sha256, by digest and by tag", async () => {
    const byDigest = await fromRegistry(`${registry.url}/www@${www.hvt}`, "/unikernel.hvt");
    expect(byDigest).toMatchObject({ size: readFileSync(kernelV1).length, sha256: sha1 });
    expect(readFileSync(byDigest.path).equals(readFileSync(kernelV1))).toBe(true);
    expect((await fromRegistry(`${registry.url}/www:xen`, "/unikernel.xen")).sha256).toBe(sha2);
    expect((await fromRegistry(`${registry.url}/www:xen@${www.xen}`, "/unikernel.xen")).sha256).toBe(sha2);
    expect((await fromEngine(`${registry.url}/www:hvt`, "/unikernel.hvt")).sha256).toBe(byDigest.sha256);
    expect(strayFiles()).toEqual([]);
  });

  it("verifySha256 accepts the release's digest and refuses another in words", async () => {
    const file = await fromRegistry(`${registry.url}/www@${www.hvt}`, "/unikernel.hvt");
    expect(() => file.verifySha256(sha1)).not.toThrow();
    expect(() => file.verifySha256(`sha256:${sha1.toUpperCase()}`)).not.toThrow();
    expect(() => file.verifySha256(sha2)).toThrow(ImageFileError);
    expect(() => file.verifySha256(sha2)).toThrow(
      `/unikernel.hvt in ${registry.url}/www@${www.hvt} has sha256 ${sha1}, but the release says ${sha2}: the image changed after the build (a tag moved, or the registry holds different bytes); rebuild, or deploy by digest`,
    );
    expect(() => file.verifySha256("abc")).toThrow(/not a sha256 digest/);
  });

  it("picks linux/amd64 from a manifest list, or what the platform names", async () => {
    const head = async (tag: string) => {
      const res = await fetch(`http://${registry.url}/v2/www/manifests/${tag}`, { method: "HEAD", headers: { accept: "application/vnd.docker.distribution.manifest.v2+json" } });
      return { digest: res.headers.get("docker-content-digest")!, size: Number(res.headers.get("content-length")), mediaType: res.headers.get("content-type")! };
    };
    const [hvt, xen] = [await head("hvt"), await head("xen")];
    await putManifestList(`http://${registry.url}`, {}, "www", "multi", [{ ...xen, os: "linux", architecture: "arm64" }, { ...hvt, os: "linux", architecture: "amd64" }], AbortSignal.timeout(10_000));
    expect((await fromRegistry(`${registry.url}/www:multi`, "/unikernel.hvt")).sha256).toBe(sha1);
    expect((await fromRegistry(`${registry.url}/www:multi`, "/unikernel.xen", { platform: { os: "linux", architecture: "arm64" } })).sha256).toBe(sha2);
    const none = await refusal(fromRegistry(`${registry.url}/www:multi`, "/unikernel.hvt", { platform: { os: "linux", architecture: "riscv64" } }));
    expect(none.message).toBe(`the image ${registry.url}/www:multi has no linux/riscv64 image (it has linux/arm64, linux/amd64): build the unikernel for that platform`);
  });
});

// ─── images written straight to the registry: OCI manifests, plain tar layers, whiteouts ────────────

interface LayerEntry {
  name: string;
  type?: "file" | "directory" | "symlink" | "link";
  content?: Buffer | string;
  linkname?: string;
}

function tarOf(entries: LayerEntry[]): Promise<Buffer> {
  const pack = tarStream.pack();
  for (const e of entries) {
    const body = e.content === undefined ? undefined : Buffer.from(e.content);
    pack.entry({ name: e.name, type: e.type ?? "file", mode: e.type === "directory" ? 0o755 : 0o644, ...(e.linkname ? { linkname: e.linkname } : {}), ...(body ? { size: body.length } : {}) }, body);
  }
  pack.finalize();
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    pack.on("data", (d: Buffer) => parts.push(d));
    pack.on("end", () => resolve(Buffer.concat(parts)));
    pack.on("error", reject);
  });
}

async function putBlob(repo: string, data: Buffer): Promise<string> {
  const digest = `sha256:${sha256(data)}`;
  const start = await fetch(`http://${registry.url}/v2/${repo}/blobs/uploads/`, { method: "POST" });
  await start.body?.cancel();
  const location = new URL(start.headers.get("location")!, `http://${registry.url}`);
  location.searchParams.set("digest", digest);
  const put = await fetch(location, { method: "PUT", body: new Uint8Array(data), headers: { "content-type": "application/octet-stream" } });
  if (put.status !== 201) throw new Error(`blob upload: HTTP ${put.status} ${await put.text()}`);
  return digest;
}

async function putManifest(repo: string, tag: string, mediaType: string, manifest: object): Promise<string> {
  const body = JSON.stringify(manifest);
  const res = await fetch(`http://${registry.url}/v2/${repo}/manifests/${tag}`, { method: "PUT", body, headers: { "content-type": mediaType } });
  if (res.status !== 201) throw new Error(`manifest upload: HTTP ${res.status} ${await res.text()}`);
  return res.headers.get("docker-content-digest")!;
}

/** An OCI image whose layers (bottom first) are tar (gzipped or not); returns repo@digest. */
async function ociImage(repo: string, tag: string, layers: Array<{ entries: LayerEntry[]; gzip?: boolean }>): Promise<string> {
  const descriptors = [];
  for (const layer of layers) {
    const plain = await tarOf(layer.entries);
    const blob = layer.gzip === false ? plain : gzipSync(plain);
    descriptors.push({ mediaType: layer.gzip === false ? "application/vnd.oci.image.layer.v1.tar" : "application/vnd.oci.image.layer.v1.tar+gzip", digest: await putBlob(repo, blob), size: blob.length });
  }
  const config = Buffer.from(JSON.stringify({ architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [] } }));
  const manifest = { schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: await putBlob(repo, config), size: config.length }, layers: descriptors };
  return `${registry.url}/${repo}@${await putManifest(repo, tag, OCI_MANIFEST, manifest)}`;
}

describe("fetchImageFile: layers, whiteouts, OCI", () => {
  let elf: Buffer;
  beforeAll(() => {
    elf = readFileSync(kernelV1);
  });

  it("reads OCI manifests with plain and gzipped tar layers, the upper layer's file winning", async () => {
    const image = await ociImage("oci", "layers", [
      { entries: [{ name: "unikernel.hvt", content: readFileSync(kernelV2) }], gzip: false },
      { entries: [{ name: "./unikernel.hvt", content: elf }] },
    ]);
    expect((await fromRegistry(image, "/unikernel.hvt")).sha256).toBe(sha1);
    // and an OCI index with a single entry without a platform
    const digest = image.split("@")[1]!;
    const index = await putManifest("oci", "index", OCI_INDEX, { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{ mediaType: OCI_MANIFEST, digest, size: (await fetch(`http://${registry.url}/v2/oci/manifests/${digest}`, { headers: { accept: OCI_MANIFEST } }).then((r) => r.arrayBuffer())).byteLength }] });
    expect((await fromRegistry(`${registry.url}/oci@${index}`, "/unikernel.hvt")).sha256).toBe(sha1);
  });

  it("does not find a file a whiteout deleted in an upper layer", async () => {
    const image = await ociImage("oci", "whiteout", [{ entries: [{ name: "unikernel.hvt", content: elf }] }, { entries: [{ name: ".wh.unikernel.hvt", content: "" }] }]);
    const err = await refusal(fromRegistry(image, "/unikernel.hvt"));
    expect(err.problem).toBe("missing");
    expect(err.message).toBe(`${image} has no /unikernel.hvt: check that the Dockerfile's last stage copies the unikernel there`);
  });

  it("does not find a file under a directory a whiteout or an opaque marker hid; finds one put back above it", async () => {
    const lower = { entries: [{ name: "boot", type: "directory" as const }, { name: "boot/unikernel.hvt", content: elf }] };
    const deletedDir = await ociImage("oci", "deleted-dir", [lower, { entries: [{ name: ".wh.boot", content: "" }] }]);
    expect((await refusal(fromRegistry(deletedDir, "/boot/unikernel.hvt"))).problem).toBe("missing");
    const opaque = await ociImage("oci", "opaque", [lower, { entries: [{ name: "boot", type: "directory" }, { name: "boot/.wh..wh..opq", content: "" }, { name: "boot/other", content: "x" }] }]);
    expect((await refusal(fromRegistry(opaque, "/boot/unikernel.hvt"))).problem).toBe("missing");
    const back = await ociImage("oci", "back", [lower, { entries: [{ name: ".wh.boot", content: "" }] }, { entries: [{ name: "boot", type: "directory" }, { name: "boot/unikernel.hvt", content: readFileSync(kernelV2) }] }]);
    expect((await fromRegistry(back, "/boot/unikernel.hvt")).sha256).toBe(sha2);
    const replacedByFile = await ociImage("oci", "file-over-dir", [lower, { entries: [{ name: "boot", content: "not a directory" }] }]);
    expect((await refusal(fromRegistry(replacedByFile, "/boot/unikernel.hvt"))).problem).toBe("missing");
  });

  it("refuses a hard link, and a path through a symbolic link", async () => {
    const hard = await ociImage("oci", "hardlink", [{ entries: [{ name: "real.hvt", content: elf }, { name: "unikernel.hvt", type: "link", linkname: "real.hvt" }] }]);
    const err = await refusal(fromRegistry(hard, "/unikernel.hvt"));
    expect(err.problem).toBe("link");
    expect(err.message).toBe(`/unikernel.hvt in ${hard} is a hard link (to /real.hvt), not a file: copy the file itself to that path, not a link to it`);
    const through = await ociImage("oci", "via-link", [{ entries: [{ name: "real", type: "directory" }, { name: "real/unikernel.hvt", content: elf }, { name: "boot", type: "symlink", linkname: "real" }] }]);
    expect((await refusal(fromRegistry(through, "/boot/unikernel.hvt"))).problem).toBe("link");
  });

  it("refuses zstd layers and schema 1 manifests in words", async () => {
    const plain = await tarOf([{ name: "unikernel.hvt", content: elf }]);
    const layer = { mediaType: "application/vnd.oci.image.layer.v1.tar+zstd", digest: await putBlob("oci", plain), size: plain.length };
    const config = Buffer.from("{}");
    const digest = await putManifest("oci", "zstd", OCI_MANIFEST, { schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: await putBlob("oci", config), size: 2 }, layers: [layer] });
    const err = await refusal(fromRegistry(`${registry.url}/oci@${digest}`, "/unikernel.hvt"));
    expect(err.problem).toBe("unsupported");
    expect(err.message).toMatch(/is zstd-compressed, which Slipway cannot read yet: push the image with gzip layers/);
  });
});

describe("refusals, on both sides", () => {
  it("an image without the file", async () => {
    const digest = await build(`${registry.url}/nofile`, "v1", "FROM scratch\nCOPY other /other\n", { other: "x" });
    const engine = await refusal(fromEngine(`${registry.url}/nofile:v1`, "/unikernel.hvt"));
    expect(engine.problem).toBe("missing");
    expect(engine.message).toBe(`${registry.url}/nofile:v1 has no /unikernel.hvt: check that the Dockerfile's last stage copies the unikernel there`);
    const reg = await refusal(fromRegistry(`${registry.url}/nofile@${digest}`, "/unikernel.hvt"));
    expect(reg.problem).toBe("missing");
    expect(await containersLeft()).toBe(0);
  });

  it("a directory at the path", async () => {
    const digest = await build(`${registry.url}/dir`, "v1", "FROM scratch\nCOPY dist/ /unikernel.hvt/\n", { "dist/www.hvt": { from: kernelV1 } });
    const engine = await refusal(fromEngine(`${registry.url}/dir:v1`, "/unikernel.hvt"));
    expect(engine.problem).toBe("directory");
    expect(engine.message).toBe(`/unikernel.hvt in ${registry.url}/dir:v1 is a directory, not a file: copy the unikernel file itself to that path (e.g. COPY dist/www.hvt /unikernel.hvt)`);
    expect((await refusal(fromRegistry(`${registry.url}/dir@${digest}`, "/unikernel.hvt"))).problem).toBe("directory");
    expect(await containersLeft()).toBe(0);
  });

  it("a symbolic link at the path (made by RUN ln -s, as a real build would)", async () => {
    const digest = await build(`${registry.url}/symlink`, "v1", `FROM ${busybox}\nCOPY www.hvt /real.hvt\nRUN ["/bin/busybox", "ln", "-s", "/real.hvt", "/unikernel.hvt"]\n`, { "www.hvt": { from: kernelV1 } });
    const engine = await refusal(fromEngine(`${registry.url}/symlink:v1`, "/unikernel.hvt"));
    expect(engine.problem).toBe("link");
    expect(engine.message).toBe(`/unikernel.hvt in ${registry.url}/symlink:v1 is a symbolic link (to /real.hvt), not a file: copy the file itself to that path, not a link to it`);
    expect((await refusal(fromRegistry(`${registry.url}/symlink@${digest}`, "/unikernel.hvt"))).problem).toBe("link");
    expect(await containersLeft()).toBe(0);
  });

  it("a file deleted by RUN rm in a later layer (a real whiteout)", async () => {
    const digest = await build(`${registry.url}/deleted`, "v1", `FROM ${busybox}\nCOPY www.hvt /unikernel.hvt\nRUN ["/bin/busybox", "rm", "/unikernel.hvt"]\n`, { "www.hvt": { from: kernelV1 } });
    expect((await refusal(fromEngine(`${registry.url}/deleted:v1`, "/unikernel.hvt"))).problem).toBe("missing");
    expect((await refusal(fromRegistry(`${registry.url}/deleted@${digest}`, "/unikernel.hvt"))).problem).toBe("missing");
  });

  it("a file over the size limit", async () => {
    const limit = readFileSync(kernelV1).length - 1;
    const engine = await refusal(fromEngine(`${registry.url}/www:hvt`, "/unikernel.hvt", { maxBytes: limit }));
    expect(engine.problem).toBe("too_large");
    expect(engine.message).toMatch(new RegExp(`^/unikernel\\.hvt in ${registry.url.replace(/\./g, "\\.")}/www:hvt is ${limit + 1} bytes \\(0\\.0 MiB\\), over the limit of ${limit} bytes`));
    const reg = await refusal(fromRegistry(`${registry.url}/www@${www.hvt}`, "/unikernel.hvt", { maxBytes: limit }));
    expect(reg.problem).toBe("too_large");
    expect(await containersLeft()).toBe(0);
    expect(strayFiles()).toEqual([]);
  });

  it("a file that is not ELF", async () => {
    const digest = await build(`${registry.url}/script`, "v1", "FROM scratch\nCOPY run.sh /unikernel.hvt\n", { "run.sh": "#!/bin/sh\necho hi\n" });
    const engine = await refusal(fromEngine(`${registry.url}/script:v1`, "/unikernel.hvt"));
    expect(engine.problem).toBe("not_elf");
    expect(engine.message).toBe(`/unikernel.hvt in ${registry.url}/script:v1 is not an ELF executable (it starts with 23 21 2f 62): a unikernel built for solo5 or Xen is an ELF file; check that the build copies its output there`);
    expect((await refusal(fromRegistry(`${registry.url}/script@${digest}`, "/unikernel.hvt"))).problem).toBe("not_elf");
    // the check can be turned off for other kinds of artifacts
    expect((await fromRegistry(`${registry.url}/script@${digest}`, "/unikernel.hvt", { requireElf: false })).size).toBe("#!/bin/sh\necho hi\n".length);
    expect(await containersLeft()).toBe(0);
    expect(strayFiles()).toEqual([]);
    expect(existsSync(dest(`engine-${sha256(`${registry.url}/script:v1/unikernel.hvt`).slice(0, 8)}`))).toBe(false);
  });

  it("an image the engine does not have, and one the registry does not have", async () => {
    const engine = await refusal(fromEngine(`${registry.url}/nowhere:v1`, "/unikernel.hvt"));
    expect(engine.problem).toBe("unavailable");
    expect(engine.message).toMatch(new RegExp(`^the image ${registry.url.replace(/\./g, "\\.")}/nowhere:v1 is not on the build engine \\(.*\\): build or pull it first$`));
    const reg = await refusal(fromRegistry(`${registry.url}/nowhere:v1`, "/unikernel.hvt"));
    expect(reg.message).toBe(`the registry ${registry.url} has no manifest ${registry.url}/nowhere:v1 (HTTP 404): check that the image was pushed and the reference is right`);
  });
});

describe("a registry that needs a login", () => {
  let digest: string;
  beforeAll(async () => {
    const dist = { "dist/www.hvt": { from: kernelV1 } };
    digest = await build(`${authRegistry.url}/www`, "hvt", UNIKERNEL_DOCKERFILE, dist, { buildArgs: { TARGET: "hvt" }, auth: true });
  });

  it("gives the file with the right password", async () => {
    expect((await fromRegistry(`${authRegistry.url}/www@${digest}`, "/unikernel.hvt", { credentials: CREDENTIALS })).sha256).toBe(sha1);
  });

  it("says the registry refused a wrong password (HTTP 401), and writes nothing", async () => {
    const err = await fromRegistry(`${authRegistry.url}/www@${digest}`, "/unikernel.hvt", { credentials: { ...CREDENTIALS, password: "wrong" }, destination: dest("auth-wrong") }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryError);
    expect((err as RegistryError).status).toBe(401);
    expect((err as RegistryError).message).toBe(`${authRegistry.url} refused the credentials for repository:www:pull (HTTP 401): check the registry's username and password`);
    expect((err as RegistryError).message).not.toContain("wrong");
    expect(existsSync(dest("auth-wrong"))).toBe(false);
    const none = await fromRegistry(`${authRegistry.url}/www@${digest}`, "/unikernel.hvt").catch((e: unknown) => e);
    expect((none as RegistryError).message).toMatch(/asks for credentials and the registry has none in Slipway/);
  });
});

describe("aborting", () => {
  const BIG = 24 * 1024 * 1024;
  let bigDigest: string;
  beforeAll(async () => {
    // an ELF file large enough to be caught mid-stream: the kernel, then zeros
    const big = path.join(out, "..", `${path.basename(out)}-big.elf`);
    scratchDirs.push(big);
    writeFileSync(big, Buffer.concat([readFileSync(kernelV1), Buffer.alloc(BIG)]));
    bigDigest = await build(`${registry.url}/big`, "v1", "FROM scratch\nCOPY big.elf /unikernel.hvt\n", { "big.elf": { from: big } });
  });

  /** Aborts `ac` as soon as a temporary file shows up in the output directory (the copy has begun). */
  async function abortMidway(ac: AbortController, done: Promise<unknown>): Promise<boolean> {
    let settled = false;
    void done.finally(() => (settled = true)).catch(() => undefined);
    while (!settled) {
      if (strayFiles().length > 0) {
        ac.abort(new Error("cancelled midway"));
        return true;
      }
      await new Promise((r) => setTimeout(r, 2));
    }
    return false;
  }

  it("an Engine extraction aborted midway removes its container and its temporary file", async () => {
    const ac = new AbortController();
    const p = fromEngine(`${registry.url}/big:v1`, "/unikernel.hvt", { signal: ac.signal, maxBytes: 2 * BIG, destination: dest("aborted-engine") });
    expect(await abortMidway(ac, p)).toBe(true);
    await expect(p).rejects.toThrow("cancelled midway");
    expect(await containersLeft()).toBe(0);
    expect(existsSync(dest("aborted-engine"))).toBe(false);
    expect(strayFiles()).toEqual([]);
  });

  it("a registry fetch aborted midway leaves no file", async () => {
    const ac = new AbortController();
    const p = fromRegistry(`${registry.url}/big@${bigDigest}`, "/unikernel.hvt", { signal: ac.signal, maxBytes: 2 * BIG, destination: dest("aborted-registry") });
    expect(await abortMidway(ac, p)).toBe(true);
    await expect(p).rejects.toThrow("cancelled midway");
    expect(existsSync(dest("aborted-registry"))).toBe(false);
    expect(strayFiles()).toEqual([]);
  });

  it("an extraction aborted before it starts creates nothing", async () => {
    const ac = new AbortController();
    ac.abort(new Error("build cancelled"));
    await expect(fromEngine(`${registry.url}/www:hvt`, "/unikernel.hvt", { signal: ac.signal, destination: dest("aborted") })).rejects.toThrow("build cancelled");
    await expect(fromRegistry(`${registry.url}/www@${www.hvt}`, "/unikernel.hvt", { signal: ac.signal, destination: dest("aborted") })).rejects.toThrow("build cancelled");
    expect(await containersLeft()).toBe(0);
    expect(existsSync(dest("aborted"))).toBe(false);
  });

  it("the big file comes out whole when nobody aborts, with the same sha256 both ways", async () => {
    const engine = await fromEngine(`${registry.url}/big:v1`, "/unikernel.hvt", { maxBytes: 2 * BIG });
    const reg = await fromRegistry(`${registry.url}/big@${bigDigest}`, "/unikernel.hvt", { maxBytes: 2 * BIG });
    expect(engine.size).toBe(BIG + readFileSync(kernelV1).length);
    expect(reg.sha256).toBe(engine.sha256);
  });
});

describe("parsePulledImageRef", () => {
  it("reads digests, tags and both; refuses what is neither", () => {
    const d = `sha256:${"a".repeat(64)}`;
    expect(parsePulledImageRef(`127.0.0.1:5000/www@${d}`)).toEqual({ domain: "127.0.0.1:5000", repository: "www", reference: d, digest: d });
    expect(parsePulledImageRef("ghcr.io/mirage/www:live")).toEqual({ domain: "ghcr.io", repository: "mirage/www", reference: "live", tag: "live" });
    expect(parsePulledImageRef(`ocurrentbuilder/staging:live@${d}`)).toEqual({ domain: "docker.io", repository: "ocurrentbuilder/staging", reference: d, digest: d, tag: "live" });
    expect(() => parsePulledImageRef("127.0.0.1:5000/www")).toThrow(/needs a tag \(repo:tag\) or a digest/);
    expect(() => parsePulledImageRef("127.0.0.1:5000/www@sha256:abc")).toThrow(/64 lowercase hex digits/);
    expect(() => parsePulledImageRef("127.0.0.1:5000/WWW:v1")).toThrow(/lowercase/);
  });
});

afterAll(async () => {
  await fs.rm(out, { recursive: true, force: true }).catch(() => undefined);
});
