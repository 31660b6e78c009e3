// A deployment rule's image (registry/path:tag), split into what pushing and the registry API need. The
// grammar is the one the inventory validates with (lib/validation/inventory-fields.ts).
import { parseImageReference } from "@/lib/validation/inventory-fields";
import { BuildInputError } from "@/lib/build/context";

export interface ImageRefParts {
  /** registry/path as written, without the tag: what `docker push` is given */
  repo: string;
  tag: string;
  /** host[:port] of the registry (docker.io when the name has none) */
  registryHost: string;
  /** the repository path inside the registry (library/x for official Docker Hub images) */
  path: string;
}

export function splitImageRef(image: string): ImageRefParts {
  const r = parseImageReference(image);
  if ("problem" in r) throw new BuildInputError(`the deployment rule's image ${r.problem}; fix it on the deployment rule`);
  return { repo: image.slice(0, image.lastIndexOf(":")), tag: r.tag, registryHost: r.domain, path: r.path };
}

/** An architecture as a tag suffix: arm/v7 → armv7 (a tag cannot hold a slash). */
export function archTag(arch: string): string {
  return arch.replace(/\//g, "");
}

/** An architecture as a manifest list names its platform: arm/v7 → architecture arm, variant v7. */
export function archPlatform(arch: string): { architecture: string; variant?: string } {
  const [architecture = arch, variant] = arch.split("/");
  return variant ? { architecture, variant } : { architecture };
}
