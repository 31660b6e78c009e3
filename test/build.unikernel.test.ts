// Unikernel builds (lib/build/runner.ts, kind unikernel) with real services: a private dockerd builds the rule's
// Dockerfile with --build-arg TARGET=<target>, the kernel (a real multiboot ELF made by the test kit) is taken
// out of the image through the Engine API and checked, the image is pushed per commit with the rule's tag moved
// to it, and the release records the artifact; the registry then serves the same file to anyone who asks.
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { getDb } from "@/lib/db";
import { log as rootLog } from "@/lib/log";
import { runBuild, commitTag } from "@/lib/build/runner";
import { readBuildLog } from "@/lib/build/log-store";
import { pollRepository } from "@/lib/services/polling";
import { saveBuildRule, saveContext, saveRegistry, saveRepository } from "@/lib/services/inventory/entities";
import { fetchImageFile } from "@/lib/registry/artifact";
import { actorFor, createUser, type TestUser } from "@/test/helpers/fixtures";
import { createBareRepo, startGitDaemon, type BareRepo, type GitDaemon } from "@/test/helpers/git-server";
import { startDockerd, type TestDockerd } from "@/test/helpers/dockerd";
import { startRegistry, type TestRegistry } from "@/test/helpers/registry";
import { importBusybox } from "@/test/helpers/busybox";
import { buildTestKernel, bootKernel } from "@/test/helpers/unikernel";

let admin: TestUser;
let dockerd: TestDockerd;
let registry: TestRegistry;
let daemon: GitDaemon;
let root: BareRepo;
let busybox: string;
let hvt: Buffer;
let xen: Buffer;
const log = rootLog.child({ test: "build.unikernel" });
const repos: BareRepo[] = [];
const scratch = mkdtempSync(path.join(os.tmpdir(), "slipway-uni-build-"));

beforeAll(async () => {
  admin = await createUser("admin");
  [dockerd, registry] = await Promise.all([startDockerd(), startRegistry()]);
  busybox = await importBusybox(dockerd.docker, `${registry.url}/busybox:latest`);
  hvt = readFileSync(await buildTestKernel({ version: "www-hvt-1" }));
  xen = readFileSync(await buildTestKernel({ version: "www-xen-1" }));
  root = createBareRepo({ README: "repos live next to this one\n" }, { name: "root.git" });
  daemon = await startGitDaemon(root.root);
  await saveContext(actorFor(admin), { name: "builder", endpoint: dockerd.endpoint, role: "build", archs: ["amd64"], max_concurrent_builds: 4 });
  await saveRegistry(actorFor(admin), { name: "local", url: registry.url });
}, 180_000);

afterAll(async () => {
  await daemon?.stop();
  await Promise.all([dockerd?.stop(), registry?.stop()]);
  for (const r of repos) r.remove();
  root?.remove();
  rmSync(scratch, { recursive: true, force: true });
});

const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");
/** The Dockerfile shape of mirage-www: the kernel chosen by the TARGET build argument. */
const DOCKERFILE = "FROM scratch\nARG TARGET\nCOPY unikernel.${TARGET} /unikernel.${TARGET}\n";

let n = 0;
/** A repository served by git daemon with unikernel build rules (one per target) deploying `main` to the registry. */
async function project(files: Record<string, string | Buffer>, targets: Array<{ target: string; deploy?: boolean; maxMib?: number }>) {
  n++;
  const bare = createBareRepo(files, { name: `u${n}.git` });
  repos.push(bare);
  const { symlinkSync } = await import("node:fs");
  symlinkSync(bare.dir, `${root.root}/u${n}.git`);
  const repo = await saveRepository(actorFor(admin), { repo: `mirage/u${n}`, url: daemon.url(`u${n}.git`) });
  const rules: Record<string, { id: string; image: string | null }> = {};
  const registryRow = await getDb().registry.findUniqueOrThrow({ where: { name: "local" } });
  for (const t of targets) {
    const br = await saveBuildRule(actorFor(admin), { repository_id: repo.id, kind: "unikernel", target: t.target, dockerfile: "Dockerfile", build_args: ["EXTRA_FLAGS=--tls=true"] });
    if (t.maxMib) await getDb().buildRule.update({ where: { id: br.id }, data: { maxArtifactMib: t.maxMib } });
    const image = t.deploy === false ? null : `${registry.url}/mirage/u${n}:live-mirage-${t.target}`;
    // the registry repository that keeps the artifacts (ocurrent-deployer's live-mirage-<target>)
    if (image) await getDb().deploymentRule.create({ data: { buildRuleId: br.id, branch: "main", image, registryId: registryRow.id } });
    rules[t.target] = { id: br.id, image };
  }
  return { bare, repositoryId: repo.id, rules };
}

async function buildOf(buildRuleId: string) {
  return getDb().build.findFirstOrThrow({ where: { buildRuleId }, include: { commit: true, releases: true }, orderBy: { queuedAt: "desc" } });
}
async function logText(buildId: string): Promise<string> {
  return (await readBuildLog(buildId, -1, 10_000)).map((c) => c.text).join("");
}
async function tagDigest(repoPath: string, tag: string): Promise<string | null> {
  const res = await fetch(`http://${registry.url}/v2/${repoPath}/manifests/${tag}`, { method: "HEAD", headers: { accept: "application/vnd.docker.distribution.manifest.v2+json" } });
  return res.ok ? res.headers.get("docker-content-digest") : null;
}

describe("unikernel builds", () => {
  test("one push builds every unikernel rule (hvt and xen); each release keeps its artifact, tagged per commit with the rule's tag moved to it", async () => {
    const p = await project({ Dockerfile: DOCKERFILE, "unikernel.hvt": hvt, "unikernel.xen": xen }, [{ target: "hvt" }, { target: "xen" }]);
    await pollRepository(p.repositoryId);
    for (const [target, kernel] of [["hvt", hvt], ["xen", xen]] as const) {
      const b = await buildOf(p.rules[target]!.id);
      expect(b.state).toBe("queued");
      const out = await runBuild(b.id, { workerId: "test-worker", log });
      if (out.state !== "succeeded") console.log(await logText(b.id));
      expect(out).toEqual({ state: "succeeded", reason: null });
      const done = await buildOf(p.rules[target]!.id);
      const rel = done.releases[0]!;
      expect(rel).toMatchObject({ artifactPath: `/unikernel.${target}`, artifactSha256: sha256(kernel), artifactSize: BigInt(kernel.length), artifactTarget: target });
      expect(rel.tag).toBe(commitTag(`live-mirage-${target}`, done.commit.sha));
      expect(rel.imageRepo).toBe(`${registry.url}/mirage/u${n}`);
      // per-commit tag and the moved "latest" pointer are the same image
      expect(await tagDigest(`mirage/u${n}`, rel.tag!)).toBe(rel.digest);
      expect(await tagDigest(`mirage/u${n}`, `live-mirage-${target}`)).toBe(rel.digest);
      const text = await logText(b.id);
      expect(text).toContain(`--build-arg TARGET=${target}`);
      expect(text).toContain(`/unikernel.${target}: ${kernel.length} bytes, sha256 ${sha256(kernel)}`);
      const audit = await getDb().auditEvent.findFirstOrThrow({ where: { action: "release.recorded", subjectId: rel.id } });
      expect(audit.summary).toContain(`${target} unikernel ${sha256(kernel).slice(0, 12)}`);

      // any worker, later, without the build host's images: the registry serves the same file, and it boots
      await dockerd.docker.getImage(`${rel.imageRepo}:${rel.tag}`).remove({ force: true }).catch(() => undefined);
      const fetched = await fetchImageFile({
        image: `${rel.imageRepo}@${rel.digest}`, credentials: { username: null, password: null }, path: rel.artifactPath!,
        destination: path.join(scratch, `${target}-${n}`), maxBytes: 256 * 2 ** 20, signal: AbortSignal.timeout(60_000),
      });
      fetched.verifySha256(rel.artifactSha256!);
      expect((await bootKernel(fetched.path, { timeoutMs: 20_000 })).output).toContain(`slipway-test-kernel www-${target}-1`);
    }
  }, 240_000);

  test("a second commit gets its own tag, and the rule's tag moves to it; the first commit's image stays", async () => {
    const p = await project({ Dockerfile: DOCKERFILE, "unikernel.hvt": hvt }, [{ target: "hvt" }]);
    await pollRepository(p.repositoryId);
    const first = await buildOf(p.rules.hvt!.id);
    expect((await runBuild(first.id, { workerId: "test-worker", log })).state).toBe("succeeded");
    const v2 = readFileSync(await buildTestKernel({ version: "www-hvt-2" }));
    p.bare.commit("main", { Dockerfile: DOCKERFILE, "unikernel.hvt": v2 });
    await pollRepository(p.repositoryId);
    const second = await buildOf(p.rules.hvt!.id);
    expect(second.id).not.toBe(first.id);
    expect((await runBuild(second.id, { workerId: "test-worker", log })).state).toBe("succeeded");
    const [r1, r2] = [(await getDb().release.findFirstOrThrow({ where: { buildId: first.id } })), (await getDb().release.findFirstOrThrow({ where: { buildId: second.id } }))];
    expect(r2.artifactSha256).toBe(sha256(v2));
    expect(r1.tag).not.toBe(r2.tag);
    expect(await tagDigest(`mirage/u${n}`, r1.tag!)).toBe(r1.digest);
    expect(await tagDigest(`mirage/u${n}`, "live-mirage-hvt")).toBe(r2.digest);
  }, 240_000);

  const refusals: Array<[string, () => Record<string, string | Buffer>, RegExp, number?]> = [
    ["the image has no /unikernel.hvt", () => ({ Dockerfile: "FROM scratch\nARG TARGET\nCOPY other /other\n", other: hvt }), /^the built image has no \/unikernel\.hvt: a unikernel build's Dockerfile must leave the kernel there \(it is built with --build-arg TARGET=hvt\)$/],
    ["the file is not an ELF", () => ({ Dockerfile: DOCKERFILE, "unikernel.hvt": "#!/bin/sh\necho not a kernel\n" }), /not an ELF|ELF/],
    ["the path is a directory", () => ({ Dockerfile: `FROM ${"BUSYBOX"}\nARG TARGET\nRUN ["/bin/busybox", "mkdir", "/unikernel.hvt"]\n` }), /directory/],
    ["the path is a symlink", () => ({ Dockerfile: `FROM ${"BUSYBOX"}\nARG TARGET\nRUN ["/bin/busybox", "ln", "-s", "/bin/busybox", "/unikernel.hvt"]\n` }), /link/],
    ["the file is over the rule's size limit", () => ({ Dockerfile: DOCKERFILE, "unikernel.hvt": Buffer.concat([hvt, Buffer.alloc(2 * 2 ** 20)]) }), /1(\.0)? MiB/, 1],
  ];

  test.each(refusals)("a build fails, saying what is wrong, when %s (a pull request or branch that deploys nowhere too)", async (_what, files, message, maxMib) => {
    const resolved = Object.fromEntries(Object.entries(files()).map(([k, v]) => [k, typeof v === "string" ? v.replace("BUSYBOX", busybox) : v]));
    const p = await project(resolved, [{ target: "hvt", deploy: false, maxMib }]);
    await pollRepository(p.repositoryId);
    const b = await buildOf(p.rules.hvt!.id);
    const out = await runBuild(b.id, { workerId: "test-worker", log });
    expect(out.state).toBe("failed");
    expect(out.reason).toMatch(message);
    const done = await buildOf(p.rules.hvt!.id);
    expect(done.releases).toEqual([]);
    expect(await logText(b.id)).toContain("==> failed:");
    // no container is left behind by the extraction
    expect((await dockerd.docker.listContainers({ all: true })).filter((c) => c.Labels?.["org.slipway.purpose"] === "extract-file")).toEqual([]);
  }, 180_000);
});
