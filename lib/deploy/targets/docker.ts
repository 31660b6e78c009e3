// What the two Docker drivers (swarm service, compose service) share: a client for the target's docker
// context, their failures in words, and the digest in an image reference (what identifies a release there).
import { dockerClient, type DockerClient, type DockerContextAccess } from "@/lib/docker/engine";
import { explainDockerFailure, isConnectionFailure } from "@/lib/docker/failure";
import type { DeployTarget, InventoryAccess } from "@/lib/deploy/targets/driver";

/** Bounds each SSH handshake and login of the client (an ssh:// context opens one per engine request). */
const CLIENT_TIMEOUT_MS = 15_000;

export interface DockerTargetClient {
  client: DockerClient;
  access: DockerContextAccess;
}

/** The name of the target's docker context, for the log; throws when the target names none. */
export function contextName(target: DeployTarget): string {
  if (!target.dockerContextId || !target.dockerContext) throw new Error(`${target.name} names no docker context; set one on its deployment rule`);
  return target.dockerContext.name;
}

/** A client for the target's docker context (its host's pinned keys checked at the first call). */
export async function openDockerContext(target: DeployTarget, inventory: InventoryAccess): Promise<DockerTargetClient> {
  if (!target.dockerContextId) throw new Error("the target names no docker context");
  const access = await inventory.dockerContext(target.dockerContextId);
  return { client: dockerClient(access, { timeoutMs: CLIENT_TIMEOUT_MS }), access };
}

/**
 * A failure of a call through the client, in words. The driver's own errors (`ownError`) are in words
 * already, except those whose cause is a failed connection; those, any other error, and a changed host key
 * whatever layer reported the failed connection, are explained from the client and the context (a changed
 * key with both fingerprints; a refusal by the SSH host and port or by the remote Docker socket).
 */
export function explainDockerError(err: unknown, { client, access }: DockerTargetClient, ownError: (err: unknown) => err is Error): string {
  // a driver's error that wraps a failed connection is said by what refused it (socket, sshd, remote docker socket)
  const cause = ownError(err) && isConnectionFailure(err.cause) ? err.cause : undefined;
  if (ownError(err) && cause === undefined && client.hostKeyVerdict()?.accepted !== false) return err.message;
  const f = explainDockerFailure(client, access, cause ?? err, CLIENT_TIMEOUT_MS);
  return f.presented ? `${f.message} Presented ${f.presented.algorithm} ${f.presented.fingerprintSha256}; pinned ${f.pinned?.join(", ") || "none"}.` : f.message;
}

/** "repo:tag@sha256:x" → "sha256:x" (null if none) — for comparing digests */
export function imageDigest(image: string | null): string | null {
  if (!image) return null;
  const at = image.lastIndexOf("@");
  if (at < 0) return null;
  const digest = image.slice(at + 1);
  return /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/.test(digest) ? digest : null;
}
