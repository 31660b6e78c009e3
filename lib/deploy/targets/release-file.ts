// A unikernel release's file on the worker, for the drivers that put it somewhere (a unikernel host, an artifact
// repository): taken out of the release's registry image by digest over the registry's HTTP API
// (lib/registry/artifact.ts), from the registry the deployment rule names (its address and credentials), and
// checked against the sha256 the build recorded. Any worker can do it, long after the build host pruned its images.
import path from "node:path";
import { fetchImageFile, type ImageFile } from "@/lib/registry/artifact";
import { RegistryError } from "@/lib/registry/client";
import type { DeployIo, DeployRelease } from "@/lib/deploy/targets/driver";

/** generous: MirageOS kernels are a few MiB; the build rule's own limit (at most 4 GiB) was checked at build time */
const MAX_ARTIFACT_BYTES = 4 * 2 ** 30;

/** Fetches the release's artifact into `dir/<name>` and checks its sha256; throws in words when it cannot. */
export async function fetchReleaseFile(release: DeployRelease, dir: string, name: string, io: DeployIo): Promise<ImageFile> {
  const row = release.row;
  if (!row.imageRepo || !row.digest || !row.artifactPath || !row.artifactSha256) {
    throw new Error(`the release of commit ${release.commit} records no unikernel artifact (its image by digest, the file's path and sha256); it was not built by a unikernel build rule`);
  }
  const image = `${row.imageRepo}@${row.digest}`;
  io.log.line(`fetching ${row.artifactPath} from ${image}`);
  const file = await fetchImageFile({
    image,
    // the deployment rule's registry: its address (its scheme, for a plain-HTTP registry) and its credentials
    registryUrl: release.registryUrl ?? release.auth?.serveraddress,
    credentials: { username: release.auth?.username ?? null, password: release.auth?.password ?? null },
    path: row.artifactPath,
    destination: path.join(dir, name),
    maxBytes: MAX_ARTIFACT_BYTES,
    signal: io.signal,
  }).catch((err: unknown) => {
    if (err instanceof RegistryError || io.signal.aborted) throw err;
    // a registry that does not answer: said so, its cause kept (a refused connection is worth a retry)
    throw new RegistryError(`could not fetch ${row.artifactPath} from ${image}: ${err instanceof Error ? err.message : String(err)}`, undefined, err);
  });
  file.verifySha256(row.artifactSha256);
  io.log.line(`${row.artifactPath}: ${file.size} bytes, sha256 ${file.sha256}, as the release records`);
  return file;
}
