// An image reference as a deployment rule names it (registry/path:tag, validated on the way in by
// lib/validation/inventory-fields.ts), split into what pushing and the registry API need.

export interface ImageRefParts {
  /** registry/path, without the tag: what `docker push` is given */
  repo: string;
  tag: string;
  /** host[:port] of the registry (docker.io when the name has none) */
  registryHost: string;
  /** the repository path inside the registry (library/x for official Docker Hub images) */
  path: string;
}

export function splitImageRef(image: string): ImageRefParts {
  const at = image.indexOf("@");
  const noDigest = at >= 0 ? image.slice(0, at) : image;
  const slash = noDigest.lastIndexOf("/");
  const colon = noDigest.lastIndexOf(":");
  const hasTag = colon > slash;
  const repo = hasTag ? noDigest.slice(0, colon) : noDigest;
  const tag = hasTag ? noDigest.slice(colon + 1) : "latest";
  const first = repo.split("/")[0] ?? "";
  const hasRegistry = repo.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost");
  const registryHost = hasRegistry ? first : "docker.io";
  let path = hasRegistry ? repo.slice(first.length + 1) : repo;
  if (!hasRegistry && !path.includes("/")) path = `library/${path}`;
  return { repo, tag, registryHost, path };
}
