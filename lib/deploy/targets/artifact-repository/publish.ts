// One change to an artifact repository, made on its host: a work clone in a temporary directory (shared objects,
// sparse: only `<target>/latest` and the release's directory are checked out), the release's files and `latest`
// written there over SFTP, one commit by Slipway, and a push that never forces. When someone else pushed to the
// branch after the clone, Slipway's commit is rebased onto theirs once and pushed once more; a second refusal or
// a conflict fails, naming both commits. The temporary directory is removed in every case.
import { createReadStream } from "node:fs";
import type { SshSession } from "@/lib/ssh/session";
import type { DeployIo } from "@/lib/deploy/targets/driver";
import { ArtifactRepositoryError, type RemoteGit } from "@/lib/deploy/targets/artifact-repository/remote-git";
import { kernelPath, latestContent, latestPath, releaseDir, sidecarContent, sidecarPath, type RepoRelease } from "@/lib/deploy/targets/artifact-repository/layout";

export interface RepoChange {
  release: RepoRelease;
  /** the uncompressed kernel's, for the sidecar */
  sha256: string;
  /** the compressed kernel on the worker; or how to make it, called only when the branch lacks it */
  kernel: { file: string } | { whenMissing: () => Promise<string> };
  message: string;
}

export interface Published {
  /** the branch's head afterwards */
  head: string;
  /** false: the branch had all of it already, and nothing was committed */
  committed: boolean;
  /** false: the branch had the compressed kernel already */
  kernelWritten: boolean;
}

const CLEANUP_MS = 15_000;
const TEMPORARY = /^\/[^\0\n]*\/slipway-artifacts\.[A-Za-z0-9]+$/;

const short = (commit: string) => commit.slice(0, 12);

export async function publish(ssh: SshSession, git: RemoteGit, branch: string, change: RepoChange, io: DeployIo): Promise<Published> {
  const base = await git.branchHead(branch, io);
  io.log.line(base ? `${branch} of ${git.repo} is at ${base}` : `${git.repo} has no branch ${branch} yet: it starts with this commit`);

  const made = await ssh.exec(["mktemp", "-d", "-t", "slipway-artifacts.XXXXXXXXXX"], { signal: io.signal });
  const tmp = made.stdout.trim();
  if (made.code !== 0 || !TEMPORARY.test(tmp)) {
    throw new ArtifactRepositoryError("failed", `could not make a temporary directory on ${ssh.target} (mktemp -d: ${made.stderr.trim() || `exit status ${made.code}`}); check its /tmp (or TMPDIR) and disk space`);
  }
  io.log.line(`temporary directory on the host: ${tmp}`);
  try {
    return await commitAndPush(ssh, git, branch, base, `${tmp}/work`, change, io);
  } finally {
    // even after the deployment was stopped: its own deadline, not the deployment's signal
    const removed = await ssh.exec(["rm", "-rf", "--", tmp], { timeoutMs: CLEANUP_MS }).catch((err: unknown) => ({ code: -1, stderr: err instanceof Error ? err.message : String(err) }));
    io.log.line(removed.code === 0 ? `removed ${tmp}` : `could not remove ${tmp} on ${ssh.target} (${removed.stderr.trim()}); remove it by hand`);
  }
}

async function commitAndPush(ssh: SshSession, git: RemoteGit, branch: string, base: string | null, work: string, change: RepoChange, io: DeployIo): Promise<Published> {
  const r = change.release;
  const wg = (args: string[]) => ["-C", work, ...args];
  if (base) {
    await git.must(["clone", "--quiet", "--shared", "--sparse", "--single-branch", "--branch", branch, "--", git.repo, work], io, `cloning ${branch} of ${git.repo}`, { long: true });
    await git.must(wg(["sparse-checkout", "set", "--no-cone", "--", `/${latestPath(r.target)}`, `/${releaseDir(r)}/`]), io, "choosing the files to check out");
  } else {
    await git.must(["init", "--quiet", `--initial-branch=${branch}`, "--", work], io, "making a work repository");
    await git.must(wg(["remote", "add", "origin", git.repo]), io, `naming ${git.repo} as the work repository's origin`);
  }
  // the clone's head: someone may have pushed since base was read
  const cloned = base ? (await git.must(wg(["rev-parse", "HEAD"]), io, "reading the cloned commit")).trim() : null;

  const mkdir = await ssh.exec(["mkdir", "-p", "--", `${work}/${releaseDir(r)}`], { signal: io.signal });
  if (mkdir.code !== 0) throw new ArtifactRepositoryError("failed", `could not make ${work}/${releaseDir(r)} on ${ssh.target}: ${mkdir.stderr.trim()}`);

  let kernelFile: string | null;
  if ("file" in change.kernel) kernelFile = change.kernel.file;
  else if (cloned && (await git.has(cloned, kernelPath(r), io))) kernelFile = null;
  else kernelFile = await change.kernel.whenMissing();
  const files = [kernelPath(r), sidecarPath(r), latestPath(r.target)];
  if (kernelFile) {
    const up = await ssh.upload(createReadStream(kernelFile), `${work}/${kernelPath(r)}`, { signal: io.signal });
    io.log.line(`uploaded ${kernelPath(r)} (${up.bytes} bytes)`);
  } else {
    io.log.line(`${branch} has ${kernelPath(r)} already: kept as it is`);
  }
  await ssh.upload(Buffer.from(sidecarContent(change.sha256)), `${work}/${sidecarPath(r)}`, { signal: io.signal });
  await ssh.upload(Buffer.from(latestContent(r.commit)), `${work}/${latestPath(r.target)}`, { signal: io.signal });
  io.log.line(`wrote ${sidecarPath(r)} (sha256 ${change.sha256}) and ${latestPath(r.target)} (${r.commit})`);

  await git.must(wg(["add", "--", ...files]), io, "adding the files");
  const staged = await git.run(wg(["diff", "--cached", "--quiet"]), io);
  if (staged.code === 0 && cloned) {
    io.log.line(`${branch} at ${cloned} has these files already: nothing to commit`);
    return { head: cloned, committed: false, kernelWritten: false };
  }
  if (staged.code !== 0 && staged.code !== 1) throw git.failure("comparing the files with the branch", staged);
  await git.must(wg(["commit", "--quiet", "--no-verify", "-m", change.message]), io, "committing");
  let ours = (await git.must(wg(["rev-parse", "HEAD"]), io, "reading the new commit")).trim();
  io.log.line(`committed ${ours}`);

  const push = () => git.run(wg(["push", "--quiet", "origin", `HEAD:refs/heads/${branch}`]), io, { long: true });
  const first = await push();
  if (first.code === 0) return pushed(ours, branch, git, io, kernelFile !== null);

  // refused: did someone else push meanwhile? (any other refusal is failed as it is)
  const fetched = await git.run(wg(["fetch", "--quiet", "origin", `+refs/heads/${branch}:refs/remotes/origin/${branch}`]), io, { long: true });
  const theirs = fetched.code === 0 ? (await git.run(wg(["rev-parse", "--verify", "--quiet", `refs/remotes/origin/${branch}`]), io)).stdout.trim() : "";
  if (!theirs || theirs === cloned) throw git.failure(`pushing ${ours} to ${branch} of ${git.repo}`, first);
  io.log.step(`someone else pushed ${short(theirs)} to ${branch} after the clone: rebasing ${short(ours)} onto it (once)`);
  const rebased = await git.run(wg(["rebase", "--quiet", `refs/remotes/origin/${branch}`]), io, { long: true });
  if (rebased.code !== 0) {
    await git.run(wg(["rebase", "--abort"]), io);
    const said = rebased.stdout.trim().split("\n").concat(rebased.stderr.trim().split("\n")).filter((l) => /CONFLICT|error|fatal/.test(l)).slice(0, 3).join(" / ");
    throw new ArtifactRepositoryError(
      "conflict",
      `${branch} of ${git.repo} moved to ${theirs} (someone else's commit) while Slipway committed ${ours}, and ${ours} does not rebase onto it${said ? ` (${said})` : ""}; nothing was pushed. Look at ${latestPath(r.target)} in ${theirs}, then deploy again`,
    );
  }
  const before = ours;
  ours = (await git.must(wg(["rev-parse", "HEAD"]), io, "reading the rebased commit")).trim();
  io.log.line(`rebased ${before} onto ${theirs}: now ${ours}`);
  const second = await push();
  if (second.code === 0) return pushed(ours, branch, git, io, kernelFile !== null);
  throw new ArtifactRepositoryError(
    "conflict",
    `${branch} of ${git.repo} refused Slipway's commit ${ours} again after rebasing it onto ${theirs} (${second.stderr.trim().split("\n").slice(-2).join(" / ")}): someone keeps pushing to it; nothing was forced. Deploy again once it is quiet`,
  );
}

function pushed(head: string, branch: string, git: RemoteGit, io: DeployIo, kernelWritten: boolean): Published {
  io.log.line(`pushed ${head} to ${branch} of ${git.repo}`);
  return { head, committed: true, kernelWritten };
}
