// A release's kernel on the worker, ready to commit: taken out of the release's registry image by digest
// (lib/registry/artifact.ts), checked against the sha256 the build recorded, and compressed with bzip2.
import path from "node:path";
import { fetchImageFile } from "@/lib/registry/artifact";
import type { DeployIo, DeployRelease } from "@/lib/deploy/targets/driver";
import { bzip2File } from "@/lib/deploy/targets/artifact-repository/bzip2";

/** generous: MirageOS kernels are a few MiB; the build rule's own limit was checked at build time */
const MAX_KERNEL_BYTES = 1024 * 1024 * 1024;

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
  const row = release.row;
  if (!row.imageRepo || !row.digest || !row.artifactPath || !row.artifactSha256) {
    throw new Error(`the release of commit ${release.commit} records no unikernel artifact (its image by digest, the file's path and sha256): only a unikernel build's release can be committed to an artifact repository`);
  }
  const image = `${row.imageRepo}@${row.digest}`;
  io.log.step(`fetching ${row.artifactPath} from ${image}`);
  const name = `${release.commit}-${row.artifactSha256.slice(0, 12)}`;
  const kernel = await fetchImageFile({
    image,
    credentials: { username: release.auth?.username ?? null, password: release.auth?.password ?? null },
    path: row.artifactPath,
    destination: path.join(dir, name),
    maxBytes: MAX_KERNEL_BYTES,
    signal: io.signal,
  });
  kernel.verifySha256(row.artifactSha256);
  io.log.line(`${row.artifactPath}: ${kernel.size} bytes, sha256 ${kernel.sha256}, as the release records`);
  const compressed = path.join(dir, `${name}.bz2`);
  const compressedBytes = await bzip2File(kernel.path, compressed, io.signal);
  io.log.line(`compressed with bzip2: ${compressedBytes} bytes`);
  return { sha256: kernel.sha256, size: kernel.size, compressed, compressedBytes };
}
