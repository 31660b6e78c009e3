// A unikernel release's image as mirage-www's Dockerfile makes it (FROM scratch, the kernel at
// /unikernel.<target> chosen by ARG TARGET), built on a test dockerd through the build engine's own calls and
// pushed to a test registry. Returns what a release row records.
import { createHash } from "node:crypto";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Readable } from "node:stream";
import type Dockerode from "dockerode";
import tar from "tar-fs";
import { buildImage, pushImage } from "@/lib/build/docker";

export interface UnikernelImage {
  /** registry/repo (no tag) */
  repo: string;
  tag: string;
  digest: string;
  /** /unikernel.<target> */
  path: string;
  sha256: string;
  size: number;
  target: string;
}

export async function pushUnikernelImage(
  docker: Dockerode,
  opts: { repo: string; tag: string; target?: string; kernel: string; /** for a registry with auth */ auth?: { username: string; password: string; serveraddress: string } },
): Promise<UnikernelImage> {
  const target = opts.target ?? "hvt";
  const dir = mkdtempSync(path.join(os.tmpdir(), "slipway-ukimg-"));
  try {
    writeFileSync(path.join(dir, "Dockerfile"), "FROM scratch\nARG TARGET\nCOPY unikernel.${TARGET} /unikernel.${TARGET}\n");
    copyFileSync(opts.kernel, path.join(dir, `unikernel.${target}`));
    const signal = AbortSignal.timeout(120_000);
    let out = "";
    await buildImage(docker, {
      context: tar.pack(dir) as unknown as Readable, dockerfile: "Dockerfile", tag: `${opts.repo}:${opts.tag}`,
      buildArgs: { TARGET: target }, labels: {}, signal, onOutput: (t) => (out += t),
    }).catch((err: unknown) => {
      throw new Error(`building ${opts.repo}:${opts.tag} failed: ${(err as Error).message}\n${out}`);
    });
    const { digest } = await pushImage(docker, { repo: opts.repo, tag: opts.tag, signal, onOutput: () => undefined, ...(opts.auth ? { auth: opts.auth } : {}) });
    const bytes = readFileSync(opts.kernel);
    return { repo: opts.repo, tag: opts.tag, digest, path: `/unikernel.${target}`, sha256: createHash("sha256").update(bytes).digest("hex"), size: bytes.length, target };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
