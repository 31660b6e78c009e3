// Where an artifact repository keeps a release, as the hosts' own scripts read it (ocurrent-deployer's MirageOS
// layout): `<target>/<commit>/<service>.<target>.bz2` is the kernel compressed with bzip2, and `<target>/latest`
// holds the deployed commit and a newline. Slipway adds `<target>/<commit>/<service>.<target>.sha256`, the
// uncompressed kernel's sha256, so that what is deployed can be compared without decompressing anything.

/** One release's place in the repository. */
export interface RepoRelease {
  /** the unikernel target: hvt, xen, … (the top directory) */
  target: string;
  /** the commit the release was built from (a directory under the target) */
  commit: string;
  /** the unikernel's service name, e.g. www */
  service: string;
}

const COMMIT = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;
const NAME = /^[A-Za-z][A-Za-z0-9_-]{0,62}$/;
const SHA256 = /^[0-9a-f]{64}$/;

/** Checks the parts that become paths in the repository (and in commands on the host); throws in words. */
export function repoRelease(target: string | null | undefined, commit: string, service: string): RepoRelease {
  if (!target) throw new Error("the release names no unikernel target (hvt, xen, …): only a unikernel build's release can be committed to an artifact repository");
  if (!NAME.test(target)) throw new Error(`the unikernel target "${target}" cannot name a directory in the artifact repository`);
  if (!COMMIT.test(commit)) throw new Error(`the release's commit "${commit}" is not a full git commit id (40 or 64 lowercase hex digits)`);
  if (!NAME.test(service)) throw new Error(`the service name "${service}" cannot name a file in the artifact repository: it starts with a letter and has only letters, digits, '-' and '_'`);
  return { target, commit, service };
}

export function latestPath(target: string): string {
  return `${target}/latest`;
}

export function releaseDir(r: RepoRelease): string {
  return `${r.target}/${r.commit}`;
}

/** the compressed kernel */
export function kernelPath(r: RepoRelease): string {
  return `${releaseDir(r)}/${r.service}.${r.target}.bz2`;
}

/** the uncompressed kernel's sha256 */
export function sidecarPath(r: RepoRelease): string {
  return `${releaseDir(r)}/${r.service}.${r.target}.sha256`;
}

export function latestContent(commit: string): string {
  return `${commit}\n`;
}

export function sidecarContent(sha256: string): string {
  return `${sha256}\n`;
}

/** The commit a `latest` file names; throws in words when it holds something else. */
export function parseLatest(text: string, where: string): string {
  const commit = text.trim();
  if (!COMMIT.test(commit)) {
    const shown = commit.length > 80 ? `${commit.slice(0, 77)}...` : commit;
    throw new Error(`${where} holds "${shown}", not a commit id: the hosts cannot use it either; write the deployed commit id and a newline there, or deploy again`);
  }
  return commit;
}

/** The sha256 a sidecar holds (its first word), or null when it holds none. */
export function parseSidecar(text: string): string | null {
  const first = text.trim().split(/\s+/)[0]?.toLowerCase() ?? "";
  return SHA256.test(first) ? first : null;
}

/** What a target runs, as Applied.reference and Live.reference name it: `<target>/<commit>`. */
export function releaseReference(target: string, commit: string): string {
  return `${target}/${commit}`;
}

export function parseReference(reference: string): { target: string; commit: string } | null {
  const [target, commit, ...rest] = reference.split("/");
  if (rest.length > 0 || !target || !commit || !NAME.test(target) || !COMMIT.test(commit)) return null;
  return { target, commit };
}
