// Small service images for deployment tests: FROM the imported busybox (test/helpers/busybox.ts), a
// Dockerfile written here, built on the test dockerd and pushed to the test registry. Returns the
// reference a deployment uses: repo:tag@sha256:….
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Readable } from "node:stream";
import tar from "tar-fs";
import type Dockerode from "dockerode";
import { buildImage, pushImage } from "@/lib/build/docker";

function context(dir: string, files: Record<string, string>): Readable {
  for (const [name, body] of Object.entries(files)) writeFileSync(path.join(dir, name), body);
  return tar.pack(dir) as unknown as Readable;
}

export interface AppImage {
  /** repo:tag@sha256:… */
  ref: string;
  repo: string;
  tag: string;
  digest: string;
}

/**
 * Builds `FROM base` + the given Dockerfile lines as repo:tag and pushes it. `lines` usually set CMD, e.g.
 * `CMD ["/bin/busybox", "sleep", "3600"]`; a distinct ENV makes a distinct digest.
 */
export async function buildAppImage(docker: Dockerode, opts: { base: string; repo: string; tag: string; lines: string[] }): Promise<AppImage> {
  const signal = AbortSignal.timeout(120_000);
  const dockerfile = [`FROM ${opts.base}`, `ENV APP_VERSION=${opts.tag}`, ...opts.lines].join("\n") + "\n";
  let output = "";
  const dir = mkdtempSync(path.join(os.tmpdir(), "slipway-app-"));
  try {
    await buildImage(docker, { context: context(dir, { Dockerfile: dockerfile }), dockerfile: "Dockerfile", tag: `${opts.repo}:${opts.tag}`, buildArgs: {}, labels: {}, signal, onOutput: (t) => (output += t) });
  } catch (err) {
    throw new Error(`building ${opts.repo}:${opts.tag} failed: ${(err as Error).message}\n${output}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const { digest } = await pushImage(docker, { repo: opts.repo, tag: opts.tag, signal, onOutput: () => undefined });
  return { ref: `${opts.repo}:${opts.tag}@${digest}`, repo: opts.repo, tag: opts.tag, digest };
}
