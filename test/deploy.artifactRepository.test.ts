// The artifact repository driver (lib/deploy/targets/artifact-repository) through the deployment runner, with real
// parts: unikernel images (real multiboot kernels, FROM scratch as mirage-www builds them) pushed to a private
// registry that wants a login; a private sshd on which a non-root user logs in with the deployer key against pinned
// host keys; a bare git repository owned by that user. What the repository holds is checked with the test's own
// git: the committed .bz2 decompresses to the very kernel, which boots in QEMU.
//
// Someone else's push between Slipway's clone and its push is made deterministic by a stand-in `git` first on the
// SSH user's PATH: it runs /usr/bin/git, except that when the test has armed it (a file naming the repository, a
// path and its new content), its first `push` is preceded, once, by another clone's commit and push of that change.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import type { Readable } from "node:stream";
import { promisify } from "node:util";
import tar from "tar-fs";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { getDb } from "@/lib/db";
import { log as rootLog } from "@/lib/log";
import { readDeploymentLog } from "@/lib/build/log-store";
import { buildImage, pushImage } from "@/lib/build/docker";
import { ensureDeployerKey } from "@/lib/services/deployer-key";
import { createDeploymentsForRelease } from "@/lib/services/deployments/schedule";
import { rollbackTarget } from "@/lib/services/deployments/commands";
import { pinHostKeys } from "@/lib/services/inventory/hosts";
import { saveBuildRule, saveDeploymentRule, saveHost, saveRegistry, saveRepository, saveTarget } from "@/lib/services/inventory/entities";
import { runDeployment } from "@/lib/deploy/runner";
import { checkDrift } from "@/lib/deploy/drift";
import { inventoryAccess } from "@/lib/deploy/access";
import { driverFor } from "@/lib/deploy/targets";
import { targetInclude, type DeployIo } from "@/lib/deploy/targets/driver";
import { actorFor, createUser, type TestUser } from "@/test/helpers/fixtures";
import { startDockerd, type TestDockerd } from "@/test/helpers/dockerd";
import { startRegistry, type TestRegistry } from "@/test/helpers/registry";
import { ensureTestUser, startSshd, type Sshd } from "@/test/helpers/sshd";
import { bootKernel, buildTestKernel } from "@/test/helpers/unikernel";

const execFileAsync = promisify(execFile);
const CREDENTIALS = { username: "keeper", password: "registry-pass-artifacts" };
const DOCKERFILE = "FROM scratch\nARG TARGET\nCOPY unikernel.${TARGET} /unikernel.${TARGET}\n";

let dockerd: TestDockerd;
let registry: TestRegistry;
let sshd: Sshd;
let admin: TestUser;
let user: { name: string; uid: number; gid: number };
/** the stand-in git and someone else's push script, first on the SSH user's PATH */
let hostDir: string;
const scratch = mkdtempSync(path.join(os.tmpdir(), "slipway-artrepo-test-"));
const quiet = rootLog.child({ test: "deploy.artifactRepository" });

interface Kernel {
  version: string;
  bytes: Buffer;
  sha256: string;
  repo: string;
  tag: string;
  digest: string;
}
const kernels: Record<"v1" | "v2" | "v3", Kernel> = {} as Record<"v1" | "v2" | "v3", Kernel>;

const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

/** The kernel in a FROM scratch image, built with --build-arg TARGET=hvt and pushed with the registry's login. */
async function pushKernel(version: string, tag: string): Promise<Kernel> {
  const bytes = readFileSync(await buildTestKernel({ version }));
  const dir = mkdtempSync(path.join(scratch, "ctx-"));
  writeFileSync(path.join(dir, "Dockerfile"), DOCKERFILE);
  writeFileSync(path.join(dir, "unikernel.hvt"), bytes);
  const repo = `${registry.url}/mirage/www`;
  const signal = AbortSignal.timeout(120_000);
  await buildImage(dockerd.docker, { context: tar.pack(dir) as unknown as Readable, dockerfile: "Dockerfile", tag: `${repo}:${tag}`, buildArgs: { TARGET: "hvt" }, labels: {}, signal, onOutput: () => undefined });
  const { digest } = await pushImage(dockerd.docker, { repo, tag, auth: { ...CREDENTIALS, serveraddress: registry.url }, signal, onOutput: () => undefined });
  return { version, bytes, sha256: sha256(bytes), repo, tag, digest };
}

const STAND_IN_GIT = (dir: string) => `#!/bin/sh
# git stand-in (tests only): runs /usr/bin/git. Armed (${dir}/race-armed: repository, path, content on three
# lines), its first push is preceded, once, by someone else's commit of that change.
for a in "$@"; do
  if [ "$a" = push ] && mv "${dir}/race-armed" "${dir}/race-fired" 2>/dev/null; then
    { read -r repo; read -r file; read -r content; } < "${dir}/race-fired"
    "${dir}/someone-else-pushes" "$repo" "$file" "$content" >&2 || exit 99
    break
  fi
done
exec /usr/bin/git "$@"
`;

/** Someone else's change on the branch main: CONTENT written to FILE, or FILE removed when CONTENT is "-". */
const SOMEONE_ELSE = `#!/bin/sh
set -eu
repo=$1 file=$2 content=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
/usr/bin/git clone --quiet --branch main "$repo" "$work/w"
if [ "$content" = - ]; then
  /usr/bin/git -C "$work/w" rm --quiet -r -- "$file"
else
  mkdir -p "$(dirname "$work/w/$file")"
  printf '%s\\n' "$content" > "$work/w/$file"
  /usr/bin/git -C "$work/w" add -- "$file"
fi
/usr/bin/git -C "$work/w" -c user.name=Someone -c user.email=someone@example.org commit --quiet -m "someone else's change to $file"
/usr/bin/git -C "$work/w" push --quiet origin HEAD:main
`;

beforeAll(async () => {
  [dockerd, registry] = await Promise.all([startDockerd(), startRegistry({ htpasswd: CREDENTIALS })]);
  kernels.v1 = await pushKernel("www-v1", "live-mirage-hvt-c1");
  kernels.v2 = await pushKernel("www-v2", "live-mirage-hvt-c2");
  kernels.v3 = await pushKernel("www-v3", "live-mirage-hvt-c3");
  user = await ensureTestUser();
  hostDir = mkdtempSync(path.join(os.tmpdir(), "slipway-artrepo-host-"));
  writeFileSync(path.join(hostDir, "git"), STAND_IN_GIT(hostDir), { mode: 0o755 });
  writeFileSync(path.join(hostDir, "someone-else-pushes"), SOMEONE_ELSE, { mode: 0o755 });
  await execFileAsync("chown", ["-R", `${user.name}:${user.name}`, hostDir]);
  chmodSync(hostDir, 0o755);
  const deployer = await ensureDeployerKey();
  sshd = await startSshd({ authorizedKeys: [deployer.publicKey], loginUser: user.name, env: { PATH: `${hostDir}:/usr/bin:/bin` } });
  admin = await createUser("admin");
  const a = actorFor(admin);
  await saveHost(a, { name: "git-host", address: "127.0.0.1", port: sshd.port, user: sshd.user });
  await pinCurrentKeys();
  await saveRegistry(a, { name: "keep", url: registry.url, username: CREDENTIALS.username, password: CREDENTIALS.password });
}, 240_000);

afterAll(async () => {
  await sshd?.stop();
  await Promise.all([dockerd?.stop(), registry?.stop()]);
  if (hostDir) rmSync(hostDir, { recursive: true, force: true });
  rmSync(scratch, { recursive: true, force: true });
});

/** Pins the keys the test sshd presents now, as an admin accepting a scan would. */
async function pinCurrentKeys(): Promise<void> {
  const host = await getDb().host.findFirstOrThrow({ where: { name: "git-host" } });
  await getDb().hostKey.deleteMany({ where: { hostId: host.id } });
  await pinHostKeys(actorFor(admin), { host_id: host.id, keys: sshd.hostKeys.map((k) => `${k.algorithm} ${k.publicKey}`) });
}

// ─── the repository as the test sees it ─────────────────────────────────────────────────────────

async function gitBytes(repo: string, args: string[]): Promise<Buffer> {
  return (await execFileAsync("git", ["-c", "safe.directory=*", "--git-dir", repo, ...args], { encoding: "buffer", maxBuffer: 64 * 2 ** 20 })).stdout;
}
const git = async (repo: string, args: string[]) => (await gitBytes(repo, args)).toString("utf8");
const latest = (repo: string) => git(repo, ["show", "main:hvt/latest"]);
const commitCount = async (repo: string) => Number((await git(repo, ["rev-list", "--count", "main"])).trim());
const head = async (repo: string) => (await git(repo, ["rev-parse", "main"])).trim();
async function isAncestor(repo: string, older: string, newer: string): Promise<boolean> {
  return execFileAsync("git", ["-c", "safe.directory=*", "--git-dir", repo, "merge-base", "--is-ancestor", older, newer]).then(
    () => true,
    () => false,
  );
}

/** `bzip2 -dc` of a file of the branch. */
async function decompressed(repo: string, file: string): Promise<Buffer> {
  const compressed = path.join(scratch, `c-${Math.random().toString(36).slice(2)}.bz2`);
  writeFileSync(compressed, await gitBytes(repo, ["show", `main:${file}`]));
  return (await execFileAsync("bzip2", ["-dc", compressed], { encoding: "buffer", maxBuffer: 64 * 2 ** 20 })).stdout;
}

/** Someone else's push, as the SSH user (the repository is theirs). */
async function someoneElse(repo: string, file: string, content: string): Promise<void> {
  await execFileAsync("runuser", ["-u", user.name, "--", path.join(hostDir, "someone-else-pushes"), repo, file, content], { cwd: "/" });
}

/** Arms the stand-in git: the next push by Slipway finds someone else's commit of this change on main first. */
function armRace(repo: string, file: string, content: string): void {
  rmSync(path.join(hostDir, "race-fired"), { force: true });
  writeFileSync(path.join(hostDir, "race-armed"), `${repo}\n${file}\n${content}\n`, { mode: 0o644 });
}
const raceFired = () => existsSync(path.join(hostDir, "race-fired"));

/** Slipway's temporary directories left on the host (there must be none after a deployment). */
const leftovers = () => readdirSync(os.tmpdir()).filter((n) => n.startsWith("slipway-artifacts."));

// ─── inventory, releases, deployments ───────────────────────────────────────────────────────────

interface Scenario {
  repo: string;
  targetId: string;
  ruleId: string;
  buildRuleId: string;
  repositoryId: string;
}

let n = 0;
/** An empty bare repository owned by the SSH user, and a unikernel build (hvt) deploying master to it. */
async function scenario(opts: { healthUrl?: string; repoPath?: string; ownedByRoot?: boolean } = {}): Promise<Scenario> {
  n++;
  const repo = path.join(sshd.dir, `deployments-${n}.git`);
  await execFileAsync("git", ["init", "--quiet", "--bare", "--initial-branch=main", repo]);
  if (!opts.ownedByRoot) await execFileAsync("chown", ["-R", `${user.name}:${user.name}`, repo]);
  const a = actorFor(admin);
  const repository = await saveRepository(a, { repo: `mirage/www${n}`, url: `https://git.example.org/www${n}.git` });
  const build = await saveBuildRule(a, { repository_id: repository.id, name: "hvt", kind: "unikernel", target: "hvt" });
  const rule = await saveDeploymentRule(a, { build_rule_id: build.id, branch: "master", image: `${registry.url}/mirage/www:live-mirage-hvt`, registry: "keep", approval: "automatic" });
  const target = await saveTarget(a, {
    deployment_rule_id: rule.id,
    name: `www-repo-${n}`,
    host: "git-host",
    service: "www",
    artifact_repo: opts.repoPath ?? repo,
    branch: "main",
    health_timeout: 5,
    ...(opts.healthUrl ? { health_url: opts.healthUrl } : {}),
  });
  return { repo, targetId: target.id, ruleId: rule.id, buildRuleId: build.id, repositoryId: repository.id };
}

let shaN = 0;
/** A succeeded build of a new commit and its release of `kernel`, with its deployment, as the build runner records them. */
async function release(s: Scenario, kernel: Kernel, opts: { artifactSha256?: string } = {}) {
  shaN++;
  const sha = createHash("sha1").update(`commit ${shaN}`).digest("hex");
  const db = getDb();
  const commit = await db.commit.create({ data: { repositoryId: s.repositoryId, sha, message: `www ${kernel.version}` } });
  const build = await db.build.create({ data: { buildRuleId: s.buildRuleId, commitId: commit.id, state: "succeeded", trigger: "webhook" } });
  const rel = await db.release.create({
    data: {
      recordedBeforeSigning: true,
      buildId: build.id,
      deploymentRuleId: s.ruleId,
      imageRepo: kernel.repo,
      tag: kernel.tag,
      digest: kernel.digest,
      artifactPath: "/unikernel.hvt",
      artifactSha256: opts.artifactSha256 ?? kernel.sha256,
      artifactSize: BigInt(kernel.bytes.length),
      artifactTarget: "hvt",
    },
  });
  const out = await db.$transaction((tx) => createDeploymentsForRelease(tx, rel.id, { type: "worker", workerId: "test" }));
  return { releaseId: rel.id, sha, deploymentId: out.created[0]!.id };
}

const run = (id: string) => runDeployment(id, { workerId: "test-worker", log: quiet });
const deployment = (id: string) => getDb().deployment.findUniqueOrThrow({ where: { id } });
const logText = async (id: string) => (await readDeploymentLog(id, -1, 10_000)).map((c) => c.text).join("");

/** Runs the deployment and expects `state`, showing the log when it ends otherwise. */
async function deploy(id: string, state: "succeeded" | "failed"): Promise<{ reason: string | null; log: string }> {
  const out = await run(id);
  const log = await logText(id);
  expect(out.state, `${out.reason}\n${log}`).toBe(state);
  return { reason: (await deployment(id)).reason, log };
}

/** A scenario whose repository has v1 deployed by Slipway. */
async function withV1Deployed(): Promise<{ s: Scenario; r1: Awaited<ReturnType<typeof release>> }> {
  const s = await scenario();
  const r1 = await release(s, kernels.v1);
  await deploy(r1.deploymentId, "succeeded");
  return { s, r1 };
}

/** live() of the target, through its kind's driver, as the drift check asks it. */
async function live(targetId: string) {
  const t = await getDb().target.findUniqueOrThrow({ where: { id: targetId }, include: targetInclude });
  const io: DeployIo = { log: { step: () => undefined, line: () => undefined }, signal: AbortSignal.timeout(30_000), deadline: Date.now() + 30_000 };
  const session = await driverFor(t.kind).open(t, inventoryAccess, io);
  try {
    return await session.live(io);
  } finally {
    await session.close();
  }
}

async function expectRelease(repo: string, sha: string, kernel: Kernel): Promise<void> {
  expect(await latest(repo)).toBe(`${sha}\n`);
  const bytes = await decompressed(repo, `hvt/${sha}/www.hvt.bz2`);
  expect(bytes.equals(kernel.bytes)).toBe(true);
  expect(await git(repo, ["show", `main:hvt/${sha}/www.hvt.sha256`])).toBe(`${kernel.sha256}\n`);
}

async function httpServer(status: number): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((_req, res) => res.writeHead(status).end("health\n"));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/healthz`, close: () => new Promise((r) => server.close(() => r())) };
}

// ─────────────────────────────────────────────────────────────────────────────────────────────────

describe("deploying to an artifact repository", () => {
  test("v1 then v2 then a rollback to v1: each a commit by Slipway, latest moves, history only grows; the file is the kernel and boots", async () => {
    const s = await scenario();
    const r1 = await release(s, kernels.v1);
    const first = await deploy(r1.deploymentId, "succeeded");
    // the branch did not exist: Slipway's commit starts it
    expect(await commitCount(s.repo)).toBe(1);
    await expectRelease(s.repo, r1.sha, kernels.v1);
    expect((await git(s.repo, ["log", "-1", "--format=%an <%ae>|%cn <%ce>", "main"])).trim()).toBe("Slipway <slipway@localhost>|Slipway <slipway@localhost>");
    const message = await git(s.repo, ["log", "-1", "--format=%B", "main"]);
    expect(message).toContain(r1.sha);
    expect(message).toContain("hvt/latest");
    expect(message).toContain(kernels.v1.sha256);
    // what the hosts get is the kernel itself: it boots
    const booted = path.join(scratch, "v1.hvt");
    writeFileSync(booted, await decompressed(s.repo, `hvt/${r1.sha}/www.hvt.bz2`));
    expect((await bootKernel(booted, { timeoutMs: 20_000 })).output).toContain("slipway-test-kernel www-v1");
    expect(first.log).toMatch(/fetching \/unikernel\.hvt from 127\.0\.0\.1:\d+\/mirage\/www@sha256:/);
    expect(first.log).toContain(`sha256 ${kernels.v1.sha256}, as the release records`);
    expect(first.log).toMatch(/\$ git init --quiet --initial-branch=main/);
    expect(first.log).toMatch(/pushed [0-9a-f]{40} to main/);
    expect(first.log).not.toContain(CREDENTIALS.password);
    const t1 = await getDb().target.findUniqueOrThrow({ where: { id: s.targetId } });
    expect(t1).toMatchObject({ currentReleaseId: r1.releaseId, liveImage: `hvt/${r1.sha}` });
    expect(leftovers()).toEqual([]);

    const r2 = await release(s, kernels.v2);
    const second = await deploy(r2.deploymentId, "succeeded");
    expect(second.log).toMatch(/\$ git clone --quiet --shared --sparse/);
    expect(await commitCount(s.repo)).toBe(2);
    await expectRelease(s.repo, r2.sha, kernels.v2);
    // v1's files stay in the branch for the hosts (and a rollback)
    expect((await decompressed(s.repo, `hvt/${r1.sha}/www.hvt.bz2`)).equals(kernels.v1.bytes)).toBe(true);
    const afterV2 = await head(s.repo);

    const rb = await rollbackTarget(actorFor(admin), { targetId: s.targetId, releaseId: r1.releaseId });
    const back = await deploy(rb.deploymentId, "succeeded");
    expect(await latest(s.repo)).toBe(`${r1.sha}\n`);
    // a new commit on top, never a forced push: every earlier head is an ancestor of the new one
    expect(await commitCount(s.repo)).toBe(3);
    expect(await isAncestor(s.repo, afterV2, await head(s.repo))).toBe(true);
    expect(back.log).not.toMatch(/--force|\+HEAD/);
    expect(await getDb().target.findUniqueOrThrow({ where: { id: s.targetId } })).toMatchObject({ currentReleaseId: r1.releaseId, pinnedReleaseId: r1.releaseId, liveImage: `hvt/${r1.sha}` });
    expect(leftovers()).toEqual([]);
  }, 240_000);

  test("live() reads the sha256 beside latest; the drift check compares it with the current release's", async () => {
    const { s, r1 } = await withV1Deployed();
    expect(await live(s.targetId)).toMatchObject({ state: "found", identity: kernels.v1.sha256, reference: `hvt/${r1.sha}`, converged: true, settling: null });
    expect((await checkDrift()).changes.filter((c) => c.targetId === s.targetId)).toEqual([]);

    const r2 = await release(s, kernels.v2);
    await deploy(r2.deploymentId, "succeeded");
    // someone points latest back at v1 behind Slipway's back
    await someoneElse(s.repo, "hvt/latest", r1.sha);
    expect(await live(s.targetId)).toMatchObject({ state: "found", identity: kernels.v1.sha256, reference: `hvt/${r1.sha}` });
    const drift = await checkDrift();
    expect(drift.changes.find((c) => c.targetId === s.targetId)).toMatchObject({ drifted: true, liveImage: `hvt/${r1.sha}` });
    await someoneElse(s.repo, "hvt/latest", r2.sha);
    expect((await checkDrift()).changes.find((c) => c.targetId === s.targetId)).toMatchObject({ drifted: false });
  }, 240_000);

  test("live() says in words when there is nothing: no repository at the path, or no branch yet", async () => {
    const missing = await scenario({ repoPath: path.join(sshd.dir, "nowhere.git") });
    expect(await live(missing.targetId)).toEqual({ state: "not_found", reason: expect.stringMatching(/^there is no git repository at .*nowhere\.git on slipway-deploy@127\.0\.0\.1:\d+: create it there \(git init --bare /) });
    const empty = await scenario();
    expect(await live(empty.targetId)).toEqual({ state: "not_found", reason: expect.stringMatching(/has no branch main: nothing was deployed there yet/) });
  }, 60_000);

  test("someone else pushes between Slipway's clone and its push: Slipway's commit is rebased onto theirs once and pushed", async () => {
    const { s } = await withV1Deployed();
    const before = await head(s.repo);
    armRace(s.repo, "xen/latest", "f".repeat(40));
    const r2 = await release(s, kernels.v2);
    const out = await deploy(r2.deploymentId, "succeeded");
    expect(raceFired()).toBe(true);
    expect(out.log).toMatch(/==> someone else pushed [0-9a-f]{12} to main after the clone: rebasing [0-9a-f]{12} onto it \(once\)/);
    await expectRelease(s.repo, r2.sha, kernels.v2);
    // theirs is kept, and Slipway's commit sits on top of it
    expect(await commitCount(s.repo)).toBe(3);
    expect(await git(s.repo, ["show", "main:xen/latest"])).toBe(`${"f".repeat(40)}\n`);
    expect((await git(s.repo, ["log", "-1", "--format=%s", "main~1"])).trim()).toBe("someone else's change to xen/latest");
    expect(await isAncestor(s.repo, before, await head(s.repo))).toBe(true);
    expect(leftovers()).toEqual([]);
  }, 240_000);

  test("someone else moves the same latest meanwhile: the deployment fails naming both commits, their latest stays, nothing is forced", async () => {
    const { s } = await withV1Deployed();
    const other = "e".repeat(40);
    armRace(s.repo, "hvt/latest", other);
    const r2 = await release(s, kernels.v2);
    const out = await deploy(r2.deploymentId, "failed");
    expect(raceFired()).toBe(true);
    const theirs = await head(s.repo);
    expect(out.reason).toMatch(new RegExp(`^main of .* moved to ${theirs} \\(someone else's commit\\) while Slipway committed [0-9a-f]{40}, and [0-9a-f]{40} does not rebase onto it .*nothing was pushed`));
    expect(await latest(s.repo)).toBe(`${other}\n`);
    expect(await commitCount(s.repo)).toBe(2);
    expect(leftovers()).toEqual([]);
  }, 240_000);

  test("a release whose kernel is not the recorded one (sha256 mismatch) fails in words before anything is committed", async () => {
    const { s, r1 } = await withV1Deployed();
    const count = await commitCount(s.repo);
    const r2 = await release(s, kernels.v2, { artifactSha256: "0".repeat(64) });
    const out = await deploy(r2.deploymentId, "failed");
    expect(out.reason).toMatch(new RegExp(`/unikernel\\.hvt in .* has sha256 ${kernels.v2.sha256}, but the release says ${"0".repeat(64)}`));
    expect(await latest(s.repo)).toBe(`${r1.sha}\n`);
    expect(await commitCount(s.repo)).toBe(count);
  }, 120_000);

  test("a failed health check: latest names the previous release again in a new commit, its file re-added from the registry when someone removed it", async () => {
    const health = await httpServer(503);
    try {
      const s = await scenario({ healthUrl: health.url });
      const r1 = await release(s, kernels.v1);
      // v1 goes in without the health URL (nothing would answer 2xx), v3 meets it
      await getDb().target.update({ where: { id: s.targetId }, data: { healthUrl: null } });
      await deploy(r1.deploymentId, "succeeded");
      await getDb().target.update({ where: { id: s.targetId }, data: { healthUrl: health.url } });
      // someone cleaned v1's directory up
      await someoneElse(s.repo, `hvt/${r1.sha}`, "-");
      const before = await head(s.repo);

      const r2 = await release(s, kernels.v3);
      const out = await deploy(r2.deploymentId, "failed");
      expect(out.reason).toMatch(new RegExp(`^health check failed: .*; rolled back to ${r1.sha}: hvt/latest names it again in the new commit [0-9a-f]{40} on main \\(its hvt/${r1.sha}/www\\.hvt\\.bz2 was missing and was committed again from the registry\\)$`));
      await expectRelease(s.repo, r1.sha, kernels.v1);
      // v3's commit and the rollback's, on top of everything before
      expect(await commitCount(s.repo)).toBe(4);
      expect(await isAncestor(s.repo, before, await head(s.repo))).toBe(true);
      expect(await getDb().target.findUniqueOrThrow({ where: { id: s.targetId } })).toMatchObject({ currentReleaseId: r1.releaseId, liveImage: `hvt/${r1.sha}` });
    } finally {
      await health.close();
    }
  }, 240_000);

  test("a repository the SSH user does not own: the deployment fails saying whose it must be, and the temporary directory is gone", async () => {
    const s = await scenario({ ownedByRoot: true });
    const r1 = await release(s, kernels.v1);
    const out = await deploy(r1.deploymentId, "failed");
    expect(out.reason).toBe(
      `git refuses ${s.repo} on slipway-deploy@127.0.0.1:${sshd.port}: it belongs to another user than slipway-deploy; make slipway-deploy its owner, or run git config --global --add safe.directory ${s.repo} as slipway-deploy`,
    );
    expect((await git(s.repo, ["for-each-ref"])).trim()).toBe("");
    expect(leftovers()).toEqual([]);
  }, 120_000);

  test("a changed host key: refused before anything is written, with both fingerprints", async () => {
    const { s, r1 } = await withV1Deployed();
    const count = await commitCount(s.repo);
    const pinned = sshd.hostKeys.map((k) => k.fingerprintSha256);
    await sshd.replaceHostKey();
    try {
      const r2 = await release(s, kernels.v2);
      const out = await deploy(r2.deploymentId, "failed");
      expect(out.reason).toMatch(/^Host key for 127\.0\.0\.1:\d+ changed/);
      for (const f of pinned) expect(out.reason).toContain(f);
      expect(out.reason).toContain(sshd.hostKeys[0]!.fingerprintSha256);
      expect(await latest(s.repo)).toBe(`${r1.sha}\n`);
      expect(await commitCount(s.repo)).toBe(count);
      expect(await live(s.targetId).catch((e: unknown) => String(e))).toMatch(/Host key for 127\.0\.0\.1:\d+ changed/);
    } finally {
      await pinCurrentKeys();
    }
  }, 120_000);
});
