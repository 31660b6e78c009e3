// Unikernel hosts end to end with real parts: releases kept in a private registry (images built from real
// multiboot kernels), a private sshd as the host (pinned host keys, the deployer key) whose sessions find
// stand-in `systemctl` and `albatross-client` programs that boot the deployed file in QEMU. Deployments run
// through lib/deploy/runner.ts; what runs is checked on the host itself: the `current` link, `latest`, and
// what the booted kernel printed on its serial port.
import { readFileSync, readlinkSync, readdirSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { getDb } from "@/lib/db";
import { resetEnvCache } from "@/lib/env";
import { log as rootLog } from "@/lib/log";
import { readDeploymentLog } from "@/lib/build/log-store";
import { ensureDeployerKey } from "@/lib/services/deployer-key";
import { createDeploymentsForRelease } from "@/lib/services/deployments/schedule";
import { rollbackTarget } from "@/lib/services/deployments/commands";
import { runDeployment } from "@/lib/deploy/runner";
import { reapDeployments, reverifyDeployment } from "@/lib/deploy/recovery";
import { checkDrift } from "@/lib/deploy/drift";
import { pinHostKeys } from "@/lib/services/inventory/hosts";
import { saveBuildRule, saveDeploymentRule, saveHost, saveRegistry, saveRepository, saveTarget } from "@/lib/services/inventory/entities";
import { actorFor, createUser, type TestUser } from "@/test/helpers/fixtures";
import { startDockerd, type TestDockerd } from "@/test/helpers/dockerd";
import { startRegistry, type TestRegistry } from "@/test/helpers/registry";
import { startSshd, type Sshd } from "@/test/helpers/sshd";
import { buildTestKernel, createUnikernelHost, type UnikernelHost } from "@/test/helpers/unikernel";
import { pushUnikernelImage, type UnikernelImage } from "@/test/helpers/unikernel-images";
import { eventually } from "@/test/helpers/eventually";
import { startScript, waitForExit } from "@/test/helpers/spawn";

let dockerd: TestDockerd;
let registry: TestRegistry;
let sshd: Sshd;
let host: UnikernelHost;
let admin: TestUser;
let operator: TestUser;
const img: Record<"v1" | "v2" | "v3" | "crash" | "big", UnikernelImage> = {} as Record<"v1" | "v2" | "v3" | "crash" | "big", UnikernelImage>;
const quiet = rootLog.child({ test: "deploy.unikernel" });
let n = 0;

beforeAll(async () => {
  process.env.SLIPWAY_SECRET_KEY = "6".repeat(64);
  resetEnvCache();
  [dockerd, registry, host] = await Promise.all([startDockerd(), startRegistry(), createUnikernelHost()]);
  for (const v of ["v1", "v2", "v3"] as const) {
    img[v] = await pushUnikernelImage(dockerd.docker, { repo: `${registry.url}/mirage/www`, tag: `hvt-${v}`, kernel: await buildTestKernel({ version: `www-${v}`, variant: "service" }) });
  }
  // a kernel that prints its version and exits at once: it never stays up
  img.crash = await pushUnikernelImage(dockerd.docker, { repo: `${registry.url}/mirage/www`, tag: "hvt-crash", kernel: await buildTestKernel({ version: "www-crash", variant: "exit", exitCode: 3 }) });
  // a large kernel (the test kernel and 96 MiB of padding): its upload takes long enough to be interrupted
  const { readFileSync: read, writeFileSync: write } = await import("node:fs");
  const bigFile = path.join(host.runDir, "big.elf");
  write(bigFile, Buffer.concat([read(await buildTestKernel({ version: "www-big", variant: "service" })), Buffer.alloc(96 * 2 ** 20)]));
  img.big = await pushUnikernelImage(dockerd.docker, { repo: `${registry.url}/mirage/www`, tag: "hvt-big", kernel: bigFile });
  // a restart that is slow the first time it runs (it marks that it started): a worker can be killed during it
  writeFileSync(path.join(host.binDir, "slow-redeploy"), `#!/bin/bash\nset -eu\nif [ ! -e ${host.runDir}/slow-started ]; then touch ${host.runDir}/slow-started; sleep 20; fi\nexec systemctl restart "unikernel@$1"\n`, { mode: 0o755 });
  // a sha256sum that lies about files while LIE_SHA exists (as a disk that corrupted the upload would make it)
  writeFileSync(path.join(host.binDir, "sha256sum"), `#!/bin/bash\nif [ -e ${host.runDir}/LIE_SHA ]; then for f in "\${@: -1}"; do echo "${"0".repeat(64)}  $f"; done; exit 0; fi\nexec /usr/bin/sha256sum "$@"\n`, { mode: 0o755 });
  // the restart method of the `command` targets: fails for the sha256 written in BAD_SHA, else restarts the unit
  writeFileSync(path.join(host.binDir, "test-redeploy"), `#!/bin/bash\nset -eu\n[ "$(cat ${host.runDir}/BAD_SHA 2>/dev/null || true)" != "$2" ] || { echo "refusing $2" >&2; exit 4; }\nexec systemctl restart "unikernel@$1"\n`, { mode: 0o755 });
  const deployer = await ensureDeployerKey();
  sshd = await startSshd({ authorizedKeys: [deployer.publicKey], env: { PATH: host.path } });
  [admin, operator] = await Promise.all([createUser("admin"), createUser("operator")]);
  const a = actorFor(admin);
  await saveHost(a, { name: "ukhost", address: "127.0.0.1", port: sshd.port, user: sshd.user });
  await pinCurrentKeys();
  await saveRegistry(a, { name: "local", url: registry.url });
}, 240_000);

afterAll(async () => {
  await host?.cleanup();
  await sshd?.stop();
  await Promise.all([dockerd?.stop(), registry?.stop()]);
  delete process.env.SLIPWAY_SECRET_KEY;
  resetEnvCache();
});

async function pinCurrentKeys(): Promise<void> {
  const h = await getDb().host.findFirstOrThrow({ where: { name: "ukhost" } });
  await getDb().hostKey.deleteMany({ where: { hostId: h.id } });
  await pinHostKeys(actorFor(admin), { host_id: h.id, keys: sshd.hostKeys.map((k) => `${k.algorithm} ${k.publicKey}`) });
}

interface Scenario {
  service: string;
  ruleId: string;
  buildRuleId: string;
  repositoryId: string;
  targetId: string;
}

/** mirage/www-like: a unikernel build rule for hvt, branch master deploying to a service on the host. */
async function scenario(restart: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): Promise<Scenario> {
  n++;
  const a = actorFor(admin);
  const service = `www${n}`;
  const repo = await saveRepository(a, { repo: `mirage/www${n}`, url: `https://git.example.org/mirage/www${n}.git` });
  const build = await saveBuildRule(a, { repository_id: repo.id, kind: "unikernel", target: "hvt" });
  const rule = await saveDeploymentRule(a, { build_rule_id: build.id, branch: "master", image: `${registry.url}/mirage/www:live-mirage-hvt`, registry: "local" });
  const target = await saveTarget(a, { deployment_rule_id: rule.id, host: "ukhost", service, dir: host.unikernelDir, monitor: 1, converge_timeout: 15, health_timeout: 5, restart: { method: "systemd", ...restart }, ...extra });
  return { service, ruleId: rule.id, buildRuleId: build.id, repositoryId: repo.id, targetId: target.id };
}

let shaN = 0;
/** A succeeded build of a new commit and its release of `image`, recorded with its deployments as the build runner does. */
async function release(s: Scenario, image: UnikernelImage, opts: { sha256?: string } = {}) {
  shaN++;
  const sha = (0xe0000 + shaN).toString(16).padStart(40, "0");
  const db = getDb();
  const commit = await db.commit.create({ data: { repositoryId: s.repositoryId, sha, message: `release ${image.tag}` } });
  const build = await db.build.create({ data: { buildRuleId: s.buildRuleId, commitId: commit.id, state: "succeeded", trigger: "webhook" } });
  const rel = await db.release.create({
    data: {
      recordedBeforeSigning: true, buildId: build.id, deploymentRuleId: s.ruleId, imageRepo: image.repo, tag: image.tag, digest: image.digest,
      artifactPath: image.path, artifactSha256: opts.sha256 ?? image.sha256, artifactSize: BigInt(image.size), artifactTarget: "hvt",
    },
  });
  const out = await db.$transaction((tx) => createDeploymentsForRelease(tx, rel.id, { type: "worker", workerId: "test" }));
  return { releaseId: rel.id, sha, deploymentId: out.created[0]?.id ?? null };
}

const run = (id: string) => runDeployment(id, { workerId: "test-worker", log: quiet });
const deployment = (id: string) => getDb().deployment.findUniqueOrThrow({ where: { id } });
const logText = async (id: string) => (await readDeploymentLog(id, -1, 10_000)).map((c) => c.text).join("");
const dirOf = (s: Scenario) => path.join(host.unikernelDir, s.service);
const current = (s: Scenario) => {
  try {
    return readlinkSync(path.join(dirOf(s), "current"));
  } catch {
    return null;
  }
};
const files = (s: Scenario) => readdirSync(dirOf(s)).filter((f) => /^[0-9a-f]{64}\.hvt$/.test(f)).sort();
/** what the unit's QEMU printed since its last start: the version of the kernel that booted */
const booted = async (s: Scenario, version: string) => eventually(`${s.service} to boot ${version}`, () => host.unitLog(s.service).includes(`slipway-test-kernel www-${version}`), 20_000);

async function deployed(s: Scenario, image: UnikernelImage) {
  const r = await release(s, image);
  const out = await run(r.deploymentId!);
  const d = await deployment(r.deploymentId!);
  expect(out.state, `${d.reason}\n${await logText(d.id)}`).toBe("succeeded");
  return r;
}

describe("a unikernel host restarted by systemd", () => {
  test("a release is uploaded, checked, switched to and booted; latest names it; the target records it", async () => {
    const s = await scenario();
    const r = await deployed(s, img.v1);
    expect(current(s)).toBe(`${img.v1.sha256}.hvt`);
    expect(readFileSync(path.join(dirOf(s), `${img.v1.sha256}.hvt`)).length).toBe(img.v1.size);
    expect(readFileSync(path.join(dirOf(s), "latest"), "utf8")).toBe(`commit ${r.sha}\nsha256 ${img.v1.sha256}\nrelease ${r.releaseId}\nfile ${img.v1.sha256}.hvt\n`);
    await booted(s, "v1");
    expect(host.unitPid(s.service)).not.toBeNull();
    const t = await getDb().target.findUniqueOrThrow({ where: { id: s.targetId } });
    expect(t).toMatchObject({ currentReleaseId: r.releaseId, liveImage: `${dirOf(s)}/${img.v1.sha256}.hvt` });
    const text = await logText(r.deploymentId!);
    expect(text).toContain(`==> putting ${img.v1.sha256}.hvt on`);
    expect(text).toContain(`sha256 on the host: ${img.v1.sha256}`);
    expect(text).toContain(`==> restarting: systemctl restart unikernel@${s.service}`);
    const audit = await getDb().auditEvent.findMany({ where: { subjectId: r.deploymentId! }, orderBy: { id: "asc" } });
    expect(audit.map((e) => e.action)).toContain("deployment.succeeded");
  }, 120_000);

  test("a newer release boots; rolling back in one command boots the old one again and pins the target", async () => {
    const s = await scenario();
    const r1 = await deployed(s, img.v1);
    await deployed(s, img.v2);
    expect(current(s)).toBe(`${img.v2.sha256}.hvt`);
    await booted(s, "v2");
    const rb = await rollbackTarget(actorFor(operator), { targetId: s.targetId, releaseId: r1.releaseId });
    expect((await run(rb.deploymentId)).state).toBe("succeeded");
    expect(current(s)).toBe(`${img.v1.sha256}.hvt`);
    await booted(s, "v1");
    expect(readFileSync(path.join(dirOf(s), "latest"), "utf8")).toContain(`commit ${r1.sha}`);
    const t = await getDb().target.findUniqueOrThrow({ where: { id: s.targetId } });
    expect(t).toMatchObject({ currentReleaseId: r1.releaseId, pinnedReleaseId: r1.releaseId });
    // the uploaded file was already there: not fetched again
    expect(await logText(rb.deploymentId)).toContain("is already on the host with the release's sha256");
  }, 120_000);

  test("a kernel that does not stay up is rolled back by Slipway: current goes back and the old one runs again", async () => {
    const s = await scenario();
    await deployed(s, img.v1);
    await booted(s, "v1");
    const r = await release(s, img.crash);
    const out = await run(r.deploymentId!);
    expect(out.state).toBe("rolled_back");
    expect(out.reason).toMatch(/Slipway rolled the update back: systemd unit unikernel@www\d+ (was not running|stopped)/);
    expect(out.reason).toContain(`switched back to ${img.v1.sha256}.hvt and restarted it`);
    expect(current(s)).toBe(`${img.v1.sha256}.hvt`);
    await booted(s, "v1");
    const t = await getDb().target.findUniqueOrThrow({ where: { id: s.targetId } });
    expect(t.liveImage).toBe(`${dirOf(s)}/${img.v1.sha256}.hvt`);
  }, 120_000);

  test("files beyond `keep` are removed; the current and the pinned ones never are", async () => {
    const s = await scenario({}, { keep: 1 });
    const r1 = await deployed(s, img.v1);
    await deployed(s, img.v2);
    // pin v1 (a rollback), then deploy v3 by hand over the pin (a deploy of a chosen release)
    const rb = await rollbackTarget(actorFor(operator), { targetId: s.targetId, releaseId: r1.releaseId });
    expect((await run(rb.deploymentId)).state).toBe("succeeded");
    const r3 = await release(s, img.v3);
    expect(r3.deploymentId).toBeNull(); // pinned: the branch does not deploy
    await getDb().target.update({ where: { id: s.targetId }, data: { pinnedReleaseId: r1.releaseId } });
    const d3 = await getDb().$transaction(async (tx) => tx.deployment.create({ data: { targetId: s.targetId, releaseId: r3.releaseId, previousReleaseId: r1.releaseId, state: "queued", trigger: "manual" } }));
    expect((await run(d3.id)).state).toBe("succeeded");
    // keep 1: v3 (current, newest) and v1 (pinned) stay; v2 is gone
    expect(files(s)).toEqual([img.v1.sha256, img.v3.sha256].sort().map((h) => `${h}.hvt`));
  }, 180_000);
});

describe("other restart methods", () => {
  test("albatross: albatross-client create --force with memory, networks and boot arguments; info says it runs", async () => {
    const s = await scenario({ method: "albatross", memory: 96, networks: ["service", "tap0:br0"], args: ["--ipv4=10.0.0.2/24"] });
    await deployed(s, img.v1);
    await eventually("the VM to print v1", () => host.vmLog(s.service).includes("slipway-test-kernel www-v1"), 20_000);
    const info = readFileSync(path.join(host.runDir, `vm-${s.service}.info`), "utf8");
    expect(info).toContain("mem=96\nnet=service\nnet=tap0:br0\narg=--ipv4=10.0.0.2/24\n");
    expect(info).toContain(`image-sha256=${img.v1.sha256}`);
    await deployed(s, img.v2);
    await eventually("the VM to print v2", () => host.vmLog(s.service).includes("slipway-test-kernel www-v2"), 20_000);
  }, 120_000);

  test("command: the target's argv with {service} and {sha256} as whole arguments; a failing restart puts the previous file back", async () => {
    const s = await scenario({ method: "command", argv: ["test-redeploy", "{service}", "{sha256}"] });
    await deployed(s, img.v1);
    await booted(s, "v1");
    writeFileSync(path.join(host.runDir, "BAD_SHA"), img.v2.sha256);
    const r = await release(s, img.v2);
    const out = await run(r.deploymentId!);
    expect(out.state).toBe("rolled_back");
    expect(out.reason).toContain("refusing");
    expect(out.reason).toContain(`switched back to ${img.v1.sha256}.hvt and restarted it`);
    expect(current(s)).toBe(`${img.v1.sha256}.hvt`);
    await booted(s, "v1");
    unlinkSync(path.join(host.runDir, "BAD_SHA"));
  }, 120_000);
});

describe("refusals leave the previous version current and running", () => {
  async function previousStays(s: Scenario, deploymentId: string, reason: RegExp) {
    const out = await run(deploymentId);
    expect(out.state).toBe("failed");
    expect(out.reason).toMatch(reason);
    expect(current(s)).toBe(`${img.v1.sha256}.hvt`);
    expect(host.unitLog(s.service)).toContain("slipway-test-kernel www-v1");
    expect(host.unitPid(s.service)).not.toBeNull();
  }

  test("a release whose file does not have its recorded sha256 is refused before anything is switched", async () => {
    const s = await scenario();
    await deployed(s, img.v1);
    await booted(s, "v1");
    const r = await release(s, img.v2, { sha256: "0".repeat(64) });
    await previousStays(s, r.deploymentId!, /sha256/);
    expect(files(s)).toEqual([`${img.v1.sha256}.hvt`]);
  }, 120_000);

  test("a file whose sha256 on the host is not the release's after the upload is removed, and nothing is switched", async () => {
    const s = await scenario();
    await deployed(s, img.v1);
    await booted(s, "v1");
    const r = await release(s, img.v2);
    writeFileSync(path.join(host.runDir, "LIE_SHA"), "");
    try {
      await previousStays(s, r.deploymentId!, new RegExp(`has sha256 0{64}, not the release's ${img.v2.sha256}: it was removed and nothing was switched`));
    } finally {
      unlinkSync(path.join(host.runDir, "LIE_SHA"));
    }
    expect(files(s)).toEqual([`${img.v1.sha256}.hvt`]);
  }, 120_000);

  test("a service name with shell characters is refused in words (the row bypassing validation), nothing runs", async () => {
    const s = await scenario();
    await deployed(s, img.v1);
    await booted(s, "v1");
    await getDb().target.update({ where: { id: s.targetId }, data: { service: `${s.service};touch /tmp/pwned-${n}` } });
    const r = await release(s, img.v2);
    const out = await run(r.deploymentId!);
    expect(out.state).toBe("failed");
    expect(out.reason).toMatch(/service name .* is not allowed: use letters, digits/);
    await getDb().target.update({ where: { id: s.targetId }, data: { service: s.service } });
    expect(current(s)).toBe(`${img.v1.sha256}.hvt`);
  }, 120_000);

  test("a host key that changed is refused before any file is written, naming both fingerprints", async () => {
    const s = await scenario();
    await deployed(s, img.v1);
    await booted(s, "v1");
    const before = files(s);
    await sshd.replaceHostKey();
    try {
      const r = await release(s, img.v2);
      await previousStays(s, r.deploymentId!, /host key/i);
      expect(files(s)).toEqual(before);
    } finally {
      await pinCurrentKeys();
    }
  }, 120_000);

  test("a dir the user cannot create is an error that says what to do", async () => {
    const s = await scenario({}, { dir: "/proc/slipway-cannot-write" });
    const r = await release(s, img.v1);
    const out = await run(r.deploymentId!);
    expect(out.state).toBe("failed");
    expect(out.reason).toMatch(/creating \/proc\/slipway-cannot-write\/www\d+ exited with status 1.*give .* write access to \/proc\/slipway-cannot-write/);
  }, 60_000);
});

describe("after a worker died, and drift", () => {
  test("an interrupted deployment is re-verified against the file on the host", async () => {
    const s = await scenario();
    await deployed(s, img.v1);
    await booted(s, "v1");
    // a deployment of v2 whose worker died before it switched: the host still runs v1
    const r2 = await release(s, img.v2);
    await getDb().deployment.update({ where: { id: r2.deploymentId! }, data: { state: "deploying", workerId: "dead-worker", startedAt: new Date() } });
    const v = await reverifyDeployment(r2.deploymentId!, { workerId: "test-worker" });
    expect(v?.state).toBe("failed");
    expect(v?.reason).toContain(`runs ${dirOf(s)}/${img.v1.sha256}.hvt, not ${img.v2.sha256}`);
    // one whose worker died after it switched and restarted: the host runs what it was deploying
    const r3 = await release(s, img.v2);
    await deployed(s, img.v2).catch(() => undefined);
    await getDb().deployment.update({ where: { id: r3.deploymentId! }, data: { state: "verifying", workerId: "dead-worker", startedAt: new Date() } });
    const w = await reverifyDeployment(r3.deploymentId!, { workerId: "test-worker" });
    expect(w).toEqual({ state: "succeeded", reason: null });
  }, 180_000);

  /** Runs the deployment in a real worker process and SIGKILLs it once `when()` holds; then the reaper hands it to re-verification. */
  async function killWorkerWhen(deploymentId: string, what: string, when: () => boolean | Promise<boolean>) {
    const id = `doomed-${n}-${process.pid}`;
    const child = startScript("workers/main.ts", [], { DATABASE_URL: process.env.DATABASE_URL, SLIPWAY_WORKER_ID: id, SLIPWAY_SECRET_KEY: process.env.SLIPWAY_SECRET_KEY, LOG_LEVEL: "info" });
    const exited = waitForExit(child, 120_000);
    try {
      await eventually(what, async () => {
        const d = await deployment(deploymentId);
        if (["succeeded", "failed", "rolled_back"].includes(d.state)) throw new Error(`the deployment ended before the kill: ${d.state} ${d.reason}`);
        return d.workerId === id && (await when());
      }, 60_000, 10);
    } catch (err) {
      child.kill("SIGKILL");
      const out = await exited;
      throw new Error(`${(err as Error).message}\nworker stderr:\n${out.stderr.slice(-3000)}`);
    } finally {
      child.kill("SIGKILL");
      await exited;
    }
    expect(["deploying", "verifying"]).toContain((await deployment(deploymentId)).state);
    await getDb().workerHeartbeat.update({ where: { id }, data: { lastSeenAt: new Date(Date.now() - 60_000) } });
    expect((await reapDeployments()).verify).toContain(deploymentId);
    return reverifyDeployment(deploymentId, { workerId: "test-worker-2" });
  }

  test("a worker killed mid-upload: re-verified failed, the host still runs the recorded file, and the next deploy tidies up", async () => {
    const s = await scenario();
    const r1 = await deployed(s, img.v1);
    await booted(s, "v1");
    const r = await release(s, img.big);
    const uploading = () => readdirSync(dirOf(s)).some((f) => f.startsWith(`.${img.big.sha256}.hvt.tmp-`));
    const v = await killWorkerWhen(r.deploymentId!, "the upload to be under way", uploading);
    expect(v?.state).toBe("failed");
    expect(v?.reason).toContain(`runs ${dirOf(s)}/${img.v1.sha256}.hvt, not ${img.big.sha256}`);
    // what is recorded is what runs
    expect((await getDb().target.findUniqueOrThrow({ where: { id: s.targetId } })).currentReleaseId).toBe(r1.releaseId);
    expect(current(s)).toBe(`${img.v1.sha256}.hvt`);
    expect(host.unitLog(s.service)).toContain("slipway-test-kernel www-v1");
    expect(await getDb().deployment.count({ where: { targetId: s.targetId, state: { in: ["queued", "deploying", "verifying"] } } })).toBe(0);
    // the next deployment removes what the cut-off upload left
    await deployed(s, img.v2);
    expect(readdirSync(dirOf(s)).filter((f) => f.includes(".tmp-"))).toEqual([]);
  }, 240_000);

  test("a worker killed mid-restart: re-verification finishes the restart, and the host runs the release it records", async () => {
    const s = await scenario({ method: "command", argv: ["slow-redeploy", "{service}"] });
    try {
      unlinkSync(path.join(host.runDir, "slow-started"));
    } catch {
      // not there yet
    }
    writeFileSync(path.join(host.runDir, "slow-started"), "");
    await deployed(s, img.v1);
    await booted(s, "v1");
    unlinkSync(path.join(host.runDir, "slow-started"));
    const r = await release(s, img.v2);
    const restarting = () => {
      try {
        readFileSync(path.join(host.runDir, "slow-started"));
        return true;
      } catch {
        return false;
      }
    };
    const v = await killWorkerWhen(r.deploymentId!, "the restart to be under way", restarting);
    expect(v, await logText(r.deploymentId!)).toEqual({ state: "succeeded", reason: null });
    expect(current(s)).toBe(`${img.v2.sha256}.hvt`);
    await booted(s, "v2");
    expect(readFileSync(path.join(dirOf(s), "latest"), "utf8")).toContain(`sha256 ${img.v2.sha256}`);
    expect(readdirSync(dirOf(s))).not.toContain("latest.next");
    expect((await getDb().target.findUniqueOrThrow({ where: { id: s.targetId } })).currentReleaseId).toBe(r.releaseId);
    expect(await logText(r.deploymentId!)).toMatch(/restart was not confirmed: restarting/);
  }, 240_000);

  test("a file switched by hand is drift; switched back, the drift clears", async () => {
    const s = await scenario();
    await deployed(s, img.v1);
    await deployed(s, img.v2);
    const link = path.join(dirOf(s), "current");
    unlinkSync(link);
    symlinkSync(`${img.v1.sha256}.hvt`, link);
    const drifted = await checkDrift();
    expect(drifted.changes.find((c) => c.targetId === s.targetId)).toMatchObject({ drifted: true });
    unlinkSync(link);
    symlinkSync(`${img.v2.sha256}.hvt`, link);
    const cleared = await checkDrift();
    expect(cleared.changes.find((c) => c.targetId === s.targetId)).toMatchObject({ drifted: false });
  }, 180_000);
});
