// lib/build/runner.ts with real services: a private dockerd builds, a private registry receives pushes,
// git daemon serves the repositories. Builds are scheduled the way polling schedules them
// (lib/services/polling.ts → lib/services/builds/schedule.ts) and run by calling the job's code.
import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { getDb } from "@/lib/db";
import { log as rootLog } from "@/lib/log";
import { runBuild } from "@/lib/build/runner";
import { readBuildLog } from "@/lib/build/log-store";
import { pollRepository } from "@/lib/services/polling";
import { cancelBuild } from "@/lib/services/builds/commands";
import { saveBuildRule, saveContext, saveDeploymentRule, saveRegistry, saveRepository } from "@/lib/services/inventory/entities";
import { actorFor, createUser, type TestUser } from "@/test/helpers/fixtures";
import { createBareRepo, startGitDaemon, type BareRepo, type GitDaemon } from "@/test/helpers/git-server";
import { startDockerd, type TestDockerd } from "@/test/helpers/dockerd";
import { startRegistry, type TestRegistry } from "@/test/helpers/registry";
import { importBusybox } from "@/test/helpers/busybox";
import { eventually } from "@/test/helpers/eventually";

let admin: TestUser;
let dockerd: TestDockerd;
let registry: TestRegistry;
let daemon: GitDaemon;
let root: BareRepo;
let busybox: string;
const log = rootLog.child({ test: "runBuild" });
const repos: BareRepo[] = [];

beforeAll(async () => {
  admin = await createUser("admin");
  [dockerd, registry] = await Promise.all([startDockerd(), startRegistry()]);
  busybox = await importBusybox(dockerd.docker, `${registry.url}/busybox:latest`);
  root = createBareRepo({ README: "repos live next to this one\n" }, { name: "root.git" });
  daemon = await startGitDaemon(root.root);
  await saveContext(actorFor(admin), { name: "builder", endpoint: dockerd.endpoint, role: "build", archs: ["amd64", "arm64"], max_concurrent_builds: 4 });
  await saveRegistry(actorFor(admin), { name: "local", url: registry.url });
}, 120_000);

afterAll(async () => {
  await daemon?.stop();
  await Promise.all([dockerd?.stop(), registry?.stop()]);
  for (const r of repos) r.remove();
  root?.remove();
});


let n = 0;
/** A git repository served by the daemon, registered with one build rule and, optionally, a deployment rule. */
async function project(files: Record<string, string>, rule: Record<string, unknown> = {}, deploy?: { branch: string; tag: string }) {
  n++;
  const bare = createBareRepo(files, { name: `p${n}.git` });
  repos.push(bare);
  // serve it from the daemon's root: a symlink next to root.git
  const { symlinkSync } = await import("node:fs");
  symlinkSync(bare.dir, `${root.root}/p${n}.git`);
  const name = `team/p${n}`;
  const repo = await saveRepository(actorFor(admin), { repo: name, url: daemon.url(`p${n}.git`) });
  const br = await saveBuildRule(actorFor(admin), { repository_id: repo.id, dockerfile: "Dockerfile", ...rule });
  const image = deploy ? `${registry.url}/team/p${n}:${deploy.tag}` : undefined;
  if (deploy) await saveDeploymentRule(actorFor(admin), { build_rule_id: br.id, branch: deploy.branch, image });
  return { bare, repositoryId: repo.id, buildRuleId: br.id, image, imageRepo: image?.replace(/:[^:/]+$/, "") };
}

async function buildsOf(buildRuleId: string) {
  return getDb().build.findMany({ where: { buildRuleId }, include: { commit: true, releases: true, refs: { include: { ref: true } } }, orderBy: { queuedAt: "asc" } });
}

async function logText(buildId: string): Promise<string> {
  return (await readBuildLog(buildId, -1, 10_000)).map((c) => c.text).join("");
}

async function registryDigest(repoPath: string, tag: string, accept: string): Promise<string | null> {
  const res = await fetch(`http://${registry.url}/v2/${repoPath}/manifests/${tag}`, { method: "HEAD", headers: { accept } });
  return res.ok ? res.headers.get("docker-content-digest") : null;
}

const V2 = "application/vnd.docker.distribution.manifest.v2+json";
const LIST = "application/vnd.docker.distribution.manifest.list.v2+json";

describe("runBuild", () => {
  test("a push to a deployment branch builds, pushes, and records the digest the registry serves", async () => {
    const p = await project({ Dockerfile: "FROM scratch\nCOPY hello.txt /\n", "hello.txt": "hello\n" }, {}, { branch: "main", tag: "live" });
    const polled = await pollRepository(p.repositoryId);
    expect(polled.ok).toBe(true);
    const [b] = await buildsOf(p.buildRuleId);
    expect(b?.state).toBe("queued");
    expect(b?.trigger).toBe("poll");

    const out = await runBuild(b!.id, { workerId: "test-worker", log });
    expect(out).toEqual({ state: "succeeded", reason: null });
    const [done] = await buildsOf(p.buildRuleId);
    expect(done?.state).toBe("succeeded");
    expect(done?.dockerContextId).not.toBeNull();
    expect(done?.commit.message).toBe("initial commit");
    const rel = done!.releases[0]!;
    expect(rel.imageRepo).toBe(p.imageRepo);
    expect(rel.tag).toBe("live");
    expect(rel.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(rel.digest).toBe(await registryDigest(`team/p${n}`, "live", V2));
    expect(rel.platformDigests).toEqual({ amd64: rel.digest });
    const text = await logText(b!.id);
    expect(text).toContain("==> fetching");
    expect(text).toMatch(/^Step 2\/\d+ : COPY hello.txt \/$/m);
    expect(text).toContain(`release: ${p.image}@${rel.digest}`);
    const audit = await getDb().auditEvent.findFirst({ where: { action: "release.recorded", subjectId: rel.id } });
    expect(audit?.summary).toContain(rel.digest!);
    // a release is immutable: the database refuses to change it
    await expect(getDb().release.update({ where: { id: rel.id }, data: { tag: "other" } })).rejects.toThrow(/releases are immutable/);
  }, 120_000);

  test("two builds of one repository at once share its git mirror; a build of a commit already there fetches nothing", async () => {
    const p = await project({ Dockerfile: "FROM scratch\nCOPY a /\n", a: "main\n" });
    p.bare.commit("other", { Dockerfile: "FROM scratch\nCOPY a /\n", a: "other\n" });
    await pollRepository(p.repositoryId);
    const builds = await buildsOf(p.buildRuleId);
    expect(builds.length).toBe(2);
    const outs = await Promise.all(builds.map((b) => runBuild(b.id, { workerId: "test-worker", log })));
    expect(outs.map((o) => o.state)).toEqual(["succeeded", "succeeded"]);
    for (const b of builds) expect(await logText(b.id)).toMatch(new RegExp(`fetched ${b.commit.sha.slice(0, 12)} into this machine's git mirror`));
    // one mirror for the repository, in this test file's cache, with both commits
    const { readdirSync } = await import("node:fs");
    const root = process.env.SLIPWAY_GIT_CACHE_DIR!;
    const mirrors = readdirSync(root).filter((n) => n.startsWith(`${p.repositoryId}-`));
    expect(mirrors).toEqual([expect.stringMatching(/\.git$/)]);
    const { git } = await import("@/test/helpers/git-server");
    for (const b of builds) expect(git(`${root}/${mirrors[0]}`, ["cat-file", "-t", b.commit.sha])).toBe("commit");

    // a rebuild of the same commit comes from the mirror without fetching
    const operator = await createUser("operator");
    const { rebuild } = await import("@/lib/services/builds/commands");
    await rebuild(actorFor(operator), { buildId: builds[0]!.id });
    const again = (await buildsOf(p.buildRuleId)).find((b) => b.state === "queued")!;
    expect((await runBuild(again.id, { workerId: "test-worker", log })).state).toBe("succeeded");
    expect(await logText(again.id)).toContain(`${builds[0]!.commit.sha.slice(0, 12)} was already in this machine's git mirror: read from it without fetching`);
  }, 120_000);

  test("a pull request builds without pushing and records no release", async () => {
    const p = await project({ Dockerfile: "FROM scratch\nCOPY a /\n", a: "a\n" }, {}, { branch: "main", tag: "live" });
    const pr = p.bare.commit("feature", { Dockerfile: "FROM scratch\nCOPY a /\n", a: "changed\n" });
    p.bare.setRef("refs/pull/9/head", pr);
    await pollRepository(p.repositoryId);
    const builds = await buildsOf(p.buildRuleId);
    // main, and the PR and its branch share one commit: built once
    expect(builds.length).toBe(2);
    const prBuild = builds.find((b) => b.commit.sha === pr)!;
    expect(prBuild.refs.map((r) => r.ref.name).sort()).toEqual(["feature", "pull/9/head"]);
    const out = await runBuild(prBuild.id, { workerId: "test-worker", log });
    expect(out.state).toBe("succeeded");
    const after = await getDb().build.findUniqueOrThrow({ where: { id: prBuild.id }, include: { releases: true } });
    expect(after.releases).toEqual([]);
    expect(await logText(prBuild.id)).toContain("nothing is pushed");
  }, 120_000);

  test("several architectures: one image per architecture and a manifest list, all by digest", async () => {
    const p = await project({ Dockerfile: "FROM scratch\nCOPY a /\n", a: "multi\n" }, { archs: ["amd64", "arm64"] }, { branch: "main", tag: "multi" });
    await pollRepository(p.repositoryId);
    const [b] = await buildsOf(p.buildRuleId);
    const mo = await runBuild(b!.id, { workerId: "test-worker", log });
    if (mo.state !== "succeeded") console.log(await logText(b!.id));
    expect(mo.state).toBe("succeeded");
    const rel = (await getDb().release.findFirstOrThrow({ where: { buildId: b!.id } }));
    const platforms = rel.platformDigests as Record<string, string>;
    expect(Object.keys(platforms).sort()).toEqual(["amd64", "arm64"]);
    expect(rel.digest).toBe(await registryDigest(`team/p${n}`, "multi", LIST));
    const list = (await (await fetch(`http://${registry.url}/v2/team/p${n}/manifests/multi`, { headers: { accept: LIST } })).json()) as {
      manifests: Array<{ digest: string; platform: { architecture: string } }>;
    };
    expect(Object.fromEntries(list.manifests.map((m) => [m.platform.architecture, m.digest]))).toEqual(platforms);
  }, 120_000);

  test.each([
    [false, /^ctx: \.dockerignore Dockerfile keep\.txt$/m],
    [true, /^ctx: \.dockerignore \.git Dockerfile keep\.txt$/m],
  ])("the context honours .dockerignore, and has .git only when the rule includes it (include_git %s)", async (includeGit, listing) => {
    const p = await project(
      {
        Dockerfile: `FROM ${busybox}\nCOPY . /ctx/\nRUN ["/bin/sh", "-c", "echo ctx: $(ls -A /ctx | sort | tr '\\\\n' ' ' | sed 's/ $//')"]\n`,
        ".dockerignore": "ignored-*.txt\n*.key\n",
        "keep.txt": "kept\n",
        "ignored-1.txt": "no\n",
        "deploy.key": "-----BEGIN NOT A KEY-----\n",
      },
      { include_git: includeGit },
    );
    await pollRepository(p.repositoryId);
    const [b] = await buildsOf(p.buildRuleId);
    const out = await runBuild(b!.id, { workerId: "test-worker", log });
    const text = await logText(b!.id);
    expect(out.state, text).toBe("succeeded");
    expect(text).toMatch(listing);
  }, 120_000);

  test("a failing Dockerfile fails with the daemon's error in the log", async () => {
    const p = await project({ Dockerfile: "FROM scratch\nCOPY missing.txt /\n" });
    await pollRepository(p.repositoryId);
    const [b] = await buildsOf(p.buildRuleId);
    const out = await runBuild(b!.id, { workerId: "test-worker", log });
    expect(out.state).toBe("failed");
    expect(out.reason).toMatch(/missing\.txt/);
    expect(await logText(b!.id)).toMatch(/ERROR: .*missing\.txt/);
  }, 120_000);

  test.each([
    ["a missing Dockerfile", { dockerfile: "docker/Dockerfile.prod" }, /there is no docker\/Dockerfile\.prod in this commit/],
    ["a Dockerfile that is a link out of the repository", { dockerfile: "Evil" }, /leads outside the repository/],
    ["a Dockerfile path that escapes the repository", { dockerfile: "../../etc/passwd" }, /the Dockerfile path \.\.\/\.\.\/etc\/passwd escapes the repository/],
    ["a context directory that escapes the repository", { contextDir: "../.." }, /the context directory \.\.\/\.\. is outside the repository/],
  ])("%s fails with that reason in its log", async (_what, rule, reason) => {
    // paths the forms refuse (no "..") are written straight to the rule: the runner checks them again
    const unsafe = rule as { dockerfile?: string; contextDir?: string };
    const p = await project({ Dockerfile: "FROM scratch\n" }, unsafe.dockerfile === "Evil" || unsafe.dockerfile === "docker/Dockerfile.prod" ? rule : {});
    if (unsafe.dockerfile?.startsWith("..") || unsafe.contextDir) await getDb().buildRule.update({ where: { id: p.buildRuleId }, data: rule });
    if (unsafe.dockerfile === "Evil") {
      // a symbolic link committed into the repository, pointing at a file outside it
      const { git } = await import("@/test/helpers/git-server");
      const blob = git(p.bare.dir, ["hash-object", "-w", "--stdin"], "/etc/passwd");
      const df = git(p.bare.dir, ["hash-object", "-w", "--stdin"], "FROM scratch\n");
      const tree = git(p.bare.dir, ["mktree"], `120000 blob ${blob}\tEvil\n100644 blob ${df}\tDockerfile\n`);
      const sha = git(p.bare.dir, ["commit-tree", tree, "-m", "link", "-p", p.bare.initial]);
      p.bare.setRef("refs/heads/main", sha);
    }
    await pollRepository(p.repositoryId);
    const [b] = await buildsOf(p.buildRuleId);
    const out = await runBuild(b!.id, { workerId: "test-worker", log });
    expect(out.state).toBe("failed");
    expect(out.reason).toMatch(reason);
    expect(await logText(b!.id)).toMatch(reason);
  }, 120_000);

  test("a build arg with a line break fails the build with that reason", async () => {
    const p = await project({ Dockerfile: "FROM scratch\nARG X\n" });
    // the forms refuse it; a row written before that rule existed still must not reach the daemon
    await getDb().buildRule.update({ where: { id: p.buildRuleId }, data: { buildArgs: ["X=one\ntwo"] } });
    await pollRepository(p.repositoryId);
    const [b] = await buildsOf(p.buildRuleId);
    const out = await runBuild(b!.id, { workerId: "test-worker", log });
    expect(out.state).toBe("failed");
    expect(out.reason).toMatch(/build arg X contains a line break/);
    expect(await logText(b!.id)).toMatch(/==> failed: the build arg X contains a line break/);
  }, 60_000);

  test("branch names with shell metacharacters build as data; names with a leading dash are never taken in", async () => {
    const p = await project({ Dockerfile: "FROM scratch\nCOPY a /\n", a: "x\n" });
    const marker = `/tmp/slipway-pwned-${process.pid}`;
    const data = [`$(touch${"${IFS}"}${marker})`, "a;b"];
    // git's ref-name rules refuse a branch name that starts with '-' (see security.control-characters)
    const dashed = ["-x", `--upload-pack=touch${"${IFS}"}${marker}`];
    const names = [...data, ...dashed];
    for (const [i, name] of names.entries()) p.bare.setRef(`refs/heads/${name}`, p.bare.commit(`tmp${i}`, { Dockerfile: "FROM scratch\nCOPY a /\n", a: `${i}\n` }));
    await pollRepository(p.repositoryId);
    const builds = (await buildsOf(p.buildRuleId)).filter((b) => b.refs.some((r) => names.includes(r.ref.name)));
    expect(builds.flatMap((b) => b.refs.map((r) => r.ref.name)).filter((n) => names.includes(n)).sort()).toEqual([...data].sort());
    expect(await getDb().ref.count({ where: { repositoryId: p.repositoryId, name: { in: dashed } } })).toBe(0);
    for (const b of builds) expect((await runBuild(b.id, { workerId: "test-worker", log })).state).toBe("succeeded");
    expect(existsSync(marker)).toBe(false);
  }, 180_000);
});

describe("stopping builds", () => {
  const slow = () => ({ Dockerfile: `FROM ${busybox}\nRUN ["/bin/sleep", "60"]\n` });

  async function runningBuild(p: Awaited<ReturnType<typeof project>>) {
    await pollRepository(p.repositoryId);
    const [b] = await buildsOf(p.buildRuleId);
    const run = runBuild(b!.id, { workerId: "test-worker", log });
    // the RUN step's container exists on the daemon (the step line alone comes before it)
    await eventually("the RUN step's container", async () => (await logText(b!.id)).includes("---> Running in") && (await daemonBusy()) > 0);
    return { b: b!, run };
  }

  async function daemonBusy(): Promise<number> {
    const cs = await dockerd.docker.listContainers({ all: false });
    return cs.length;
  }

  test("a queued build is superseded by a newer commit on the same branch", async () => {
    const p = await project({ Dockerfile: "FROM scratch\n" });
    await pollRepository(p.repositoryId);
    const second = p.bare.commit("main", { Dockerfile: "FROM scratch\nLABEL v=2\n" });
    await pollRepository(p.repositoryId);
    const [first, newer] = await buildsOf(p.buildRuleId);
    expect(first?.state).toBe("superseded");
    expect(first?.supersededById).toBe(newer?.id);
    expect(first?.reason).toContain(second.slice(0, 12));
    expect(newer?.state).toBe("queued");
    expect((await runBuild(first!.id, { workerId: "test-worker", log })).state).toBe("skipped");
  }, 60_000);

  test("a running build is superseded: the daemon-side build stops", async () => {
    const p = await project(slow());
    const { b, run } = await runningBuild(p);
    p.bare.commit("main", { Dockerfile: "FROM scratch\n" });
    await pollRepository(p.repositoryId);
    const out = await run;
    expect(out.state).toBe("superseded");
    await eventually("the daemon to stop the build", async () => (await daemonBusy()) === 0, 20_000);
    const row = await getDb().build.findUniqueOrThrow({ where: { id: b.id } });
    expect(row.state).toBe("superseded");
    expect(row.finishedAt).not.toBeNull();
  }, 120_000);

  test("Cancel stops a running build on the daemon and is audited", async () => {
    const p = await project(slow());
    const { b, run } = await runningBuild(p);
    const operator = await createUser("operator");
    const r = await cancelBuild(actorFor(operator), { buildId: b.id });
    expect(r.message).toMatch(/Cancelling/);
    const out = await run;
    expect(out.state).toBe("cancelled");
    expect(out.reason).toBe(`cancelled by ${operator.login}`);
    await eventually("the daemon to stop the build", async () => (await daemonBusy()) === 0, 20_000);
    expect(await getDb().auditEvent.count({ where: { action: "build.cancelled", subjectId: b.id } })).toBe(1);
    const viewer = await createUser("viewer");
    await expect(cancelBuild(actorFor(viewer), { buildId: b.id })).rejects.toThrow(/Operator role/);
  }, 120_000);

  test("a build past its timeout fails and the daemon-side build stops", async () => {
    const p = await project(slow(), { timeout: "60s" });
    await getDb().buildRule.update({ where: { id: p.buildRuleId }, data: { timeoutSeconds: 3 } });
    await pollRepository(p.repositoryId);
    const [b] = await buildsOf(p.buildRuleId);
    const out = await runBuild(b!.id, { workerId: "test-worker", log });
    expect(out.state).toBe("failed");
    expect(out.reason).toMatch(/timed out after 3 s/);
    // it timed out inside the RUN step, with a container running on the daemon
    expect(await logText(b!.id)).toContain("---> Running in");
    await eventually("the daemon to stop the build", async () => (await daemonBusy()) === 0, 20_000);
  }, 120_000);
});
