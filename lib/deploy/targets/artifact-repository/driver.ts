// The artifact repository driver (the MirageOS deployment flow of ocurrent-deployer): a bare git repository on a
// registered host, which the unikernel hosts pull by themselves. A release is committed as
// `<target>/<commit>/<service>.<target>.bz2` with its sha256 beside it, and `<target>/latest` is rewritten to name
// the release's commit; every change is a new commit by Slipway, pushed without force. What the target runs is
// what `latest` names on the branch; a rollback is a new commit that names the previous release again.
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { openSshSession, type SshSession } from "@/lib/ssh/session";
import { branchNameProblem, hostPathProblem } from "@/lib/validation/inventory-fields";
import { DEFAULT_ARTIFACT_BRANCH } from "@/lib/validation/inventory";
import type { Applied, DeployIo, DeployRelease, DeployTarget, Live, Outcome, TargetDriver, TargetSession } from "@/lib/deploy/targets/driver";
import { ArtifactRepositoryError, RemoteGit } from "@/lib/deploy/targets/artifact-repository/remote-git";
import { fetchCompressedKernel } from "@/lib/deploy/targets/artifact-repository/release-kernel";
import { publish } from "@/lib/deploy/targets/artifact-repository/publish";
import {
  kernelPath,
  latestPath,
  parseLatest,
  parseReference,
  parseSidecar,
  releaseReference,
  repoRelease,
  sidecarPath,
  type RepoRelease,
} from "@/lib/deploy/targets/artifact-repository/layout";

/** What apply() committed, for converge() and restore(); re-verification hands converge() only `reference`. */
interface RepoApplied extends Applied {
  /** the repository's commit that made the change */
  repoCommit?: string;
}

interface RepoPlace {
  hostName: string;
  /** as configured: absolute or ~/relative */
  path: string;
  branch: string;
}

const EXAMPLE_PATH = "/srv/git/mirage-deployments.git";

function repoPlace(t: DeployTarget): RepoPlace {
  if (!t.hostId || !t.host) throw new Error(`${t.name} names no host: an artifact repository is a git repository on a registered host; set the target's host`);
  if (!t.artifactRepoPath) throw new Error(`${t.name} names no repository path: set the path of the artifact repository on ${t.host.name} (e.g. ${EXAMPLE_PATH})`);
  const pathProblem = hostPathProblem(t.artifactRepoPath, { home: true, example: EXAMPLE_PATH });
  if (pathProblem) throw new Error(`${t.name}'s repository path ${pathProblem}`);
  const branch = t.artifactRepoBranch || DEFAULT_ARTIFACT_BRANCH;
  const branchProblem = branchNameProblem(branch);
  if (branchProblem) throw new Error(`${t.name}'s branch name ${branchProblem}`);
  return { hostName: t.host.name, path: t.artifactRepoPath, branch };
}

/** The repository's absolute path on the host: a ~/relative one under the SSH user's home. */
async function absoluteRepoPath(ssh: SshSession, configured: string, io: DeployIo): Promise<string> {
  if (!configured.startsWith("~/")) return configured;
  const r = await ssh.exec(["printenv", "HOME"], { signal: io.signal });
  const home = r.stdout.trim();
  if (r.code !== 0 || !home.startsWith("/")) throw new Error(`cannot tell the home directory of ${ssh.target} (HOME is "${home}"): give the repository's absolute path`);
  return path.posix.join(home, configured.slice(2));
}

function say(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A directory on the worker for one release's kernel, removed after `work`. */
async function withScratch<T>(work: (dir: string) => Promise<T>): Promise<T> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "slipway-artifact-"));
  try {
    return await work(dir);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

function repoSession(t: DeployTarget, place: RepoPlace, ssh: SshSession, git: RemoteGit): TargetSession {
  const { branch } = place;
  const where = `${branch} of ${git.repo} on ${place.hostName}`;
  /** the unikernel target the build rule names now: the directory live() looks at */
  const ruleTarget = t.deploymentRule.buildRule.unikernelTarget;

  const releaseOf = (release: DeployRelease): RepoRelease => repoRelease(release.row.artifactTarget ?? ruleTarget, release.commit, t.service);

  /** The commit `<target>/latest` names on the branch's head, with the head; null when there is none. */
  async function latestOn(target: string, io: DeployIo): Promise<{ head: string; commit: string } | null> {
    const head = await git.branchHead(branch, io);
    if (!head) return null;
    const text = await git.readBlob(head, latestPath(target), io);
    return text === null ? null : { head, commit: parseLatest(text, `${latestPath(target)} on ${where}`) };
  }

  return {
    async live(io): Promise<Live> {
      try {
        if (!ruleTarget) return { state: "not_found", reason: `${t.name}'s build rule is not a unikernel build: it names no target (hvt, xen, …) whose latest to read` };
        const head = await git.branchHead(branch, io);
        if (!head) return { state: "not_found", reason: `${git.repo} on ${place.hostName} has no branch ${branch}: nothing was deployed there yet` };
        const text = await git.readBlob(head, latestPath(ruleTarget), io);
        if (text === null) return { state: "not_found", reason: `${where} has no ${latestPath(ruleTarget)}: nothing was deployed there yet` };
        const commit = parseLatest(text, `${latestPath(ruleTarget)} on ${where}`);
        const r = repoRelease(ruleTarget, commit, t.service);
        const sidecar = await git.readBlob(head, sidecarPath(r), io);
        const sha256 = sidecar === null ? null : parseSidecar(sidecar);
        const kernel = await git.has(head, kernelPath(r), io);
        const description = !kernel
          ? `${latestPath(ruleTarget)} on ${where} names ${commit}, but ${kernelPath(r)} is missing: the hosts cannot pull it`
          : sha256
            ? `${latestPath(ruleTarget)} on ${where} (at ${head.slice(0, 12)}) names ${commit}: ${kernelPath(r)}, sha256 ${sha256}`
            : `${latestPath(ruleTarget)} on ${where} names ${commit}, whose ${sidecarPath(r)} ${sidecar === null ? "is missing" : "holds no sha256"}: not committed by Slipway`;
        return { state: "found", identity: kernel ? sha256 : null, reference: releaseReference(ruleTarget, commit), converged: true, settling: null, description };
      } catch (err) {
        if (err instanceof ArtifactRepositoryError && err.problem === "not_found") return { state: "not_found", reason: err.message };
        return { state: "unreachable", reason: say(err) };
      }
    },

    async apply(release, io): Promise<RepoApplied> {
      const r = releaseOf(release);
      const kernel = await withScratch(async (dir) => {
        const k = await fetchCompressedKernel(release, dir, io);
        io.log.step(`committing ${kernelPath(r)} and ${latestPath(r.target)} → ${r.commit} to ${where}`);
        const message = `Deploy ${r.service}.${r.target} of ${r.commit}\n\n${latestPath(r.target)} now names ${r.commit}.\nsha256 of the kernel (uncompressed): ${k.sha256}\n`;
        const done = await publish(ssh, git, branch, { release: r, sha256: k.sha256, kernel: { file: k.compressed }, message }, io);
        return { ...k, ...done };
      });
      io.log.line(kernel.committed ? `${where} is at ${kernel.head}: ${latestPath(r.target)} names ${r.commit}` : `${where} named ${r.commit} already: no new commit`);
      return { reference: releaseReference(r.target, r.commit), version: null, waiting: `checking that ${latestPath(r.target)} on ${where} still names ${r.commit}`, repoCommit: kernel.head };
    },

    async converge(applied: RepoApplied, io): Promise<Outcome> {
      const want = parseReference(applied.reference);
      if (!want) return { outcome: "failed", message: `"${applied.reference}" does not name a target directory and a commit`, restored: false };
      const now = await latestOn(want.target, io);
      if (now?.commit === want.commit) {
        io.log.line(`${latestPath(want.target)} on ${where} (at ${now.head.slice(0, 12)}) names ${want.commit}`);
        return { outcome: "converged" };
      }
      return {
        outcome: "failed",
        message: now
          ? `${latestPath(want.target)} on ${where} names ${now.commit}, not ${want.commit} that Slipway committed${applied.repoCommit ? ` in ${applied.repoCommit}` : ""}: another deployment or someone else moved it since`
          : `${where} has no ${latestPath(want.target)} any more, though Slipway committed ${want.commit} there: someone removed it`,
        restored: false,
      };
    },

    async restore(applied: RepoApplied, previous, cause, io) {
      const mine = parseReference(applied.reference);
      if (!mine) return { live: null, summary: `nothing was restored: "${applied.reference}" does not name a target directory and a commit` };
      const now = await latestOn(mine.target, io);
      if (now && now.commit !== mine.commit) {
        io.log.step(`${latestPath(mine.target)} names ${now.commit}, not ${mine.commit}: left as it is`);
        return { live: releaseReference(mine.target, now.commit), summary: `${latestPath(mine.target)} was left naming ${now.commit} (someone else's change after Slipway's ${mine.commit}); nothing was restored` };
      }
      if (!previous) {
        return { live: now ? applied.reference : null, summary: `there is no earlier release to go back to: ${latestPath(mine.target)} still names ${mine.commit}` };
      }
      const r = releaseOf(previous);
      const sha256 = previous.row.artifactSha256;
      if (!sha256) return { live: applied.reference, summary: `the previous release of ${previous.commit} records no artifact sha256: ${latestPath(mine.target)} still names ${mine.commit}` };
      io.log.step(`${cause === "unhealthy" ? "health check failed" : "not converged"}: rewriting ${latestPath(r.target)} to the previous release's ${r.commit} in ${where}`);
      const why = cause === "unhealthy" ? "failed its health check" : "did not converge";
      const message = `Roll ${r.service}.${r.target} back to ${r.commit}\n\n${mine.commit} ${why}; ${latestPath(r.target)} names ${r.commit} again.\nsha256 of the kernel (uncompressed): ${sha256}\n`;
      const done = await withScratch((dir) =>
        publish(ssh, git, branch, { release: r, sha256, kernel: { whenMissing: async () => (await fetchCompressedKernel(previous, dir, io)).compressed }, message }, io),
      );
      const readded = done.kernelWritten ? ` (its ${kernelPath(r)} was missing and was committed again from the registry)` : "";
      return {
        live: releaseReference(r.target, r.commit),
        summary: done.committed
          ? `rolled back to ${r.commit}: ${latestPath(r.target)} names it again in the new commit ${done.head} on ${branch}${readded}`
          : `${latestPath(r.target)} on ${branch} named ${r.commit} already`,
      };
    },

    explain: say,

    async close() {
      ssh.close();
    },
  };
}

export const artifactRepositoryDriver: TargetDriver = {
  place(t) {
    const p = repoPlace(t);
    return `artifact repository ${p.path} (branch ${p.branch}) on host ${p.hostName}, service ${t.service}`;
  },
  identity: (release) => release.artifactSha256,
  async open(t, access, io) {
    const place = repoPlace(t);
    const host = await access.host(t.hostId!);
    const ssh = await openSshSession({ ...host, signal: io.signal });
    try {
      const repo = await absoluteRepoPath(ssh, place.path, io);
      return repoSession(t, place, ssh, new RemoteGit(ssh, repo, host.user));
    } catch (err) {
      ssh.close();
      throw err;
    }
  },
};
