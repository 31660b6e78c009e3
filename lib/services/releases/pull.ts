// How a release's image is pulled: its reference by digest (a unikernel's file is kept in an image too), and
// the credentials of its deployment rule's registry. Shared by the deployment engine (lib/deploy) and the
// console's artifact download (lib/services/releases/artifact.ts).
import type { RegistryAuth } from "@/lib/docker/registry-auth";
import { parseImageReference } from "@/lib/validation/inventory-fields";
import { revealSecret } from "@/lib/services/inventory/secret-values";

/** `repo:tag@sha256:…`: what a target is set to, so every node runs exactly the release. */
export function releaseImage(r: { imageRepo: string | null; tag: string | null; digest: string | null }): string | null {
  if (!r.imageRepo || !r.digest) return null;
  return `${r.imageRepo}${r.tag ? `:${r.tag}` : ""}@${r.digest}`;
}

/** Registry credentials for pulling the release's image (none: anonymous). */
export async function registryAuth(
  release: { imageRepo: string | null; tag: string | null },
  registry: { url: string | null; username: string | null; passwordSecretId: string | null } | null,
): Promise<RegistryAuth | undefined> {
  if (!registry?.username || !registry.passwordSecretId) return undefined;
  const password = await revealSecret(registry.passwordSecretId);
  if (!password) return undefined;
  if (registry.url) return { username: registry.username, password, serveraddress: registry.url };
  const parsed = parseImageReference(`${release.imageRepo}:${release.tag ?? "latest"}`);
  return { username: registry.username, password, serveraddress: "problem" in parsed ? "docker.io" : parsed.domain };
}
