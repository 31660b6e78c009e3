// A release as the deployment engine puts it on a target: its image by digest (a unikernel's artifact is kept
// in an image too), and the credentials of the registry it is pulled from.
import type { RegistryAuth } from "@/lib/docker/registry-auth";
import { splitImageRef } from "@/lib/build/image-ref";
import { revealSecret } from "@/lib/services/inventory/secret-values";

/** `repo:tag@sha256:…`: what a target is set to, so every node runs exactly the release. */
export function releaseImage(r: { imageRepo: string | null; tag: string | null; digest: string | null }): string | null {
  if (!r.imageRepo || !r.digest) return null;
  return `${r.imageRepo}${r.tag ? `:${r.tag}` : ""}@${r.digest}`;
}

/** Registry credentials for pulling the release's image on the target (none: anonymous). */
export async function registryAuth(
  release: { imageRepo: string | null; tag: string | null },
  registry: { url: string | null; username: string | null; passwordSecretId: string | null } | null,
): Promise<RegistryAuth | undefined> {
  if (!registry?.username || !registry.passwordSecretId) return undefined;
  const password = await revealSecret(registry.passwordSecretId);
  if (!password) return undefined;
  return { username: registry.username, password, serveraddress: registry.url || splitImageRef(`${release.imageRepo}:${release.tag ?? "latest"}`).registryHost };
}
