// A release's kernel on the worker, ready to commit: taken out of the release's registry image by digest
// (lib/registry/artifact.ts), checked against the sha256 the build recorded, and compressed with bzip2.
import path from "node:path";
import type { DeployIo, DeployRelease } from "@/lib/deploy/targets/driver";
import { bzip2File } from "@/lib/deploy/targets/artifact-repository/bzip2";
import { fetchReleaseFile } from "@/lib/deploy/targets/release-file";

export interface LocalKernel {
  /** of the uncompressed kernel, hex */
  sha256: string;
  size: number;
  /** the compressed kernel on the worker */
  compressed: string;
  compressedBytes: number;
}

/** Fetches, checks and compresses the release's kernel into `dir` (a directory of the caller's). */
export async function fetchCompressedKernel(release: DeployRelease, dir: string, io: DeployIo): Promise<LocalKernel> {
  const name = `${release.commit}-${(release.row.artifactSha256 ?? "").slice(0, 12)}`;
  io.log.step(`fetching the release's kernel`);
  const kernel = await fetchReleaseFile(release, dir, name, io);
  const compressed = path.join(dir, `${name}.bz2`);
  const compressedBytes = await bzip2File(kernel.path, compressed, io.signal);
  io.log.line(`compressed with bzip2: ${compressedBytes} bytes`);
  return { sha256: kernel.sha256, size: kernel.size, compressed, compressedBytes };
}
