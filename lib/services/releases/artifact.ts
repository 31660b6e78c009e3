// A release's unikernel file for the console's Download: fetched from the registry that keeps the release's
// image (with its deployment rule's registry credentials) into a directory the caller owns, and checked
// against the sha256 the build recorded before anyone gets a byte. A read: viewers may do it, and it writes
// no audit event. The registry is asked from the web process, bounded in time.
import "server-only";
import path from "node:path";
import { getDb } from "@/lib/db";
import type { Actor } from "@/lib/auth/actor";
import { authorize } from "@/lib/services/authorize";
import { CommandError, NotFoundError } from "@/lib/errors";
import { parseInput } from "@/lib/validation/parse";
import { artifactDownloadName, releaseIdInput } from "@/lib/validation/releases";
import { fetchImageFile, ImageFileError } from "@/lib/registry/artifact";
import { RegistryError } from "@/lib/registry/client";
import { registryAuth, releaseImage } from "@/lib/services/releases/pull";

/** How long the registry may take to hand the file over before the download is refused. */
export const ARTIFACT_FETCH_TIMEOUT_MS = 120_000;
/** When the release does not record its size: what build rules accept at most. */
const MAX_ARTIFACT_BYTES = 4 * 2 ** 30;

/** The registry could not give the file, or gave other bytes (502). */
export class ArtifactUnavailableError extends CommandError {
  override readonly status = 502;
  override readonly code = "artifact_unavailable";
}

/** The registry did not hand the file over in time (504). */
export class ArtifactTimeoutError extends CommandError {
  override readonly status = 504;
  override readonly code = "artifact_timeout";
}

export interface ReleaseArtifactFile {
  /** the local file, inside the directory the caller gave */
  path: string;
  size: number;
  /** hex; equal to the release's */
  sha256: string;
  /** what the browser saves it as, e.g. www-0123456789ab.hvt */
  fileName: string;
}

export async function fetchReleaseArtifact(
  actor: Actor,
  raw: unknown,
  opts: { directory: string; signal: AbortSignal; timeoutMs?: number },
): Promise<ReleaseArtifactFile> {
  authorize(actor, "console.view");
  const { releaseId } = parseInput(releaseIdInput, raw);
  const r = await getDb().release.findUnique({
    where: { id: releaseId },
    include: {
      build: { select: { commit: { select: { sha: true } } } },
      deploymentRule: {
        select: {
          registry: { select: { url: true, username: true, passwordSecretId: true } },
          targets: { where: { kind: "unikernel" }, select: { service: true } },
          buildRule: { select: { repository: { select: { name: true } } } },
        },
      },
    },
  });
  if (!r) throw new NotFoundError(`There is no release with id ${releaseId}; it may have been removed with its repository.`);
  if (!r.artifactPath || !r.artifactSha256 || !r.artifactTarget) {
    throw new NotFoundError("This release has no unikernel file: it was built by a docker build rule. Pull its image by digest instead.");
  }
  const image = releaseImage(r);
  if (!image) throw new NotFoundError("This release records no image digest, so there is no image to read its unikernel file from; rebuild the commit.");

  const rule = r.deploymentRule;
  const fileName = artifactDownloadName({ services: rule.targets.map((t) => t.service), repository: rule.buildRule.repository.name, commitSha: r.build.commit.sha, target: r.artifactTarget });
  const auth = await registryAuth(r, rule.registry);
  const timeoutMs = opts.timeoutMs ?? ARTIFACT_FETCH_TIMEOUT_MS;
  const deadline = AbortSignal.timeout(timeoutMs);
  const where = `${r.artifactPath} in ${image}`;
  try {
    const got = await fetchImageFile({
      image,
      registryUrl: auth?.serveraddress ?? rule.registry?.url ?? undefined,
      credentials: { username: auth?.username ?? null, password: auth?.password ?? null },
      path: r.artifactPath,
      destination: path.join(opts.directory, fileName),
      maxBytes: r.artifactSize !== null ? Number(r.artifactSize) : MAX_ARTIFACT_BYTES,
      signal: AbortSignal.any([opts.signal, deadline]),
    });
    got.verifySha256(r.artifactSha256);
    return { path: got.path, size: got.size, sha256: got.sha256, fileName };
  } catch (err) {
    if (opts.signal.aborted) throw err; // the browser went away: nobody reads the answer
    if (deadline.aborted) {
      throw new ArtifactTimeoutError(`The registry did not hand over ${where} within ${Math.round(timeoutMs / 1000)} s. Check that the registry is up and reachable from the console, then try again.`);
    }
    if (err instanceof ImageFileError) {
      throw new ArtifactUnavailableError(
        err.problem === "sha256_mismatch" ? `Nothing was sent: ${err.message}.` : `Reading ${where} from the registry failed: ${err.message}.`,
      );
    }
    if (err instanceof RegistryError) {
      throw new ArtifactUnavailableError(`Reading ${where} from the registry failed: ${err.message} (under Settings → Registries).`);
    }
    throw err;
  }
}
