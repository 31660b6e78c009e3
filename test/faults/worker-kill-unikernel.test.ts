// Fault suite: a worker process killed with SIGKILL while it deploys a unikernel to a host over SSH: during the
// upload of the kernel file (a large kernel, so the upload takes a while) and during the restart (a restart
// command that is slow the first time it runs). The host is real (sshd, the unikernel directory, systemctl and
// albatross stand-ins that boot the kernels in QEMU: test/helpers/unikernel.ts). A new worker starts after the
// kill; its start-up reaper hands the deployment to re-verification, which reads the file the host's `current`
// link names. What is recorded must be what the host runs.
import { readFileSync, readlinkSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { getDb } from "@/lib/db";
import { resetEnvCache } from "@/lib/env";
import { log as rootLog } from "@/lib/log";
import { readDeploymentLog } from "@/lib/build/log-store";
import { ensureDeployerKey } from "@/lib/services/deployer-key";
import { createDeploymentsForRelease } from "@/lib/services/deployments/schedule";
import { runDeployment } from "@/lib/deploy/runner";
import { verifyAuditChain } from "@/lib/audit/verify";
import { pinHostKeys } from "@/lib/services/inventory/hosts";
import { saveBuildRule, saveDeploymentRule, saveHost, saveRegistry, saveRepository, saveTarget } from "@/lib/services/inventory/entities";
import { startWorker, type WorkerHandle } from "@/workers/runtime";
import { actorFor, createUser, type TestUser } from "@/test/helpers/fixtures";
import { startDockerd, type TestDockerd } from "@/test/helpers/dockerd";
import { startRegistry, type TestRegistry } from "@/test/helpers/registry";
import { startSshd, type Sshd } from "@/test/helpers/sshd";
import { buildTestKernel, createUnikernelHost, type UnikernelHost } from "@/test/helpers/unikernel";
import { pushUnikernelImage, type UnikernelImage } from "@/test/helpers/unikernel-images";
import { startScript, waitForExit } from "@/test/helpers/spawn";
import { eventually } from "@/test/helpers/eventually";
import { faultTimeout, faultTrials, recordFault } from "@/test/helpers/faults";

const SUITE = "worker killed (kill -9)";
const RECOVERY_BOUND_MS = 150_000;

let dockerd: TestDockerd;
let registry: TestRegistry;
let sshd: Sshd;
let host: UnikernelHost;
let admin: TestUser;
let worker: WorkerHandle | undefined;
const img: Record<"v1" | "v2" | "big", UnikernelImage> = {} as Record<"v1" | "v2" | "big", UnikernelImage>;
const quiet = rootLog.child({ test: "faults.worker-kill-unikernel" });
let n = 0;

beforeAll(async () => {
  process.env.SLIPWAY_SECRET_KEY = "8".repeat(64);
  resetEnvCache();
  [dockerd, registry, host] = await Promise.all([startDockerd(), startRegistry(), createUnikernelHost()]);
  for (const v of ["v1", "v2"] as const) {
    img[v] = await pushUnikernelImage(dockerd.docker, { repo: `${registry.url}/mirage/www`, tag: `hvt-${v}`, kernel: await buildTestKernel({ version: `www-${v}`, variant: "service" }) });
  }
  // a large kernel (the test kernel and 96 MiB of padding): its upload takes long enough to be interrupted
  const bigFile = path.join(host.runDir, "big.elf");
  writeFileSync(bigFile, Buffer.concat([readFileSync(await buildTestKernel({ version: "www-big", variant: "service" })), Buffer.alloc(96 * 2 ** 20)]));
  img.big = await pushUnikernelImage(dockerd.docker, { repo: `${registry.url}/mirage/www`, tag: "hvt-big", kernel: bigFile });
  // a restart that is slow when the SLOW marker exists (it then removes it and says it started): a worker can be killed during it
  writeFileSync(
    path.join(host.binDir, "slow-redeploy"),
    `#!/bin/bash\nset -eu\nif [ -e ${host.runDir}/SLOW ]; then rm -f ${host.runDir}/SLOW; touch ${host.runDir}/slow-started; sleep 20; fi\nexec systemctl restart "unikernel@$1"\n`,
    { mode: 0o755 },
  );
  const deployer = await ensureDeployerKey();
  sshd = await startSshd({ authorizedKeys: [deployer.publicKey], env: { PATH: host.path } });
  admin = await createUser("admin");
  const a = actorFor(admin);
  await saveHost(a, { name: "ukhost", address: "127.0.0.1", port: sshd.port, user: sshd.user });
  const h = await getDb().host.findFirstOrThrow({ where: { name: "ukhost" } });
  await pinHostKeys(a, { host_id: h.id, keys: sshd.hostKeys.map((k) => `${k.algorithm} ${k.publicKey}`) });
  await saveRegistry(a, { name: "local", url: registry.url });
}, 240_000);

afterAll(async () => {
  await worker?.stop();
  await host?.cleanup();
  await sshd?.stop();
  await Promise.all([dockerd?.stop(), registry?.stop()]);
  delete process.env.SLIPWAY_SECRET_KEY;
  resetEnvCache();
});

async function scenario(restart: Record<string, unknown>) {
  const k = ++n;
  const a = actorFor(admin);
  const service = `fk${k}`;
  const repo = await saveRepository(a, { repo: `mirage/fk${k}`, url: `https://git.example.org/mirage/fk${k}.git` });
  const build = await saveBuildRule(a, { repository_id: repo.id, kind: "unikernel", target: "hvt" });
  const rule = await saveDeploymentRule(a, { build_rule_id: build.id, branch: "master", image: `${registry.url}/mirage/www:live-mirage-hvt`, registry: "local" });
  const target = await saveTarget(a, { deployment_rule_id: rule.id, host: "ukhost", service, dir: host.unikernelDir, monitor: 1, converge_timeout: 30, health_timeout: 5, restart });
  return { service, ruleId: rule.id, buildRuleId: build.id, repositoryId: repo.id, targetId: target.id };
}
type Scenario = Awaited<ReturnType<typeof scenario>>;

async function release(s: Scenario, image: UnikernelImage) {
  const db = getDb();
  const sha = (0xfb000 + ++n).toString(16).padStart(40, "0");
  const commit = await db.commit.create({ data: { repositoryId: s.repositoryId, sha, message: `release ${image.tag}` } });
  const build = await db.build.create({ data: { buildRuleId: s.buildRuleId, commitId: commit.id, state: "succeeded", trigger: "webhook" } });
  const rel = await db.release.create({
    data: { recordedBeforeSigning: true, buildId: build.id, deploymentRuleId: s.ruleId, imageRepo: image.repo, tag: image.tag, digest: image.digest, artifactPath: image.path, artifactSha256: image.sha256, artifactSize: BigInt(image.size), artifactTarget: "hvt" },
  });
  const out = await db.$transaction((tx) => createDeploymentsForRelease(tx, rel.id, { type: "worker", workerId: "test" }));
  expect(out.created).toHaveLength(1);
  return { releaseId: rel.id, deploymentId: out.created[0]!.id };
}

const logText = async (id: string) => (await readDeploymentLog(id, -1, 10_000)).map((c) => c.text).join("");
const dirOf = (s: Scenario) => path.join(host.unikernelDir, s.service);
const current = (s: Scenario) => readlinkSync(path.join(dirOf(s), "current"));

/** v1 deployed and booted (in this process), then v2 or the big kernel queued, taken by a worker process killed once `when()` holds. */
async function killDuring(s: Scenario, next: UnikernelImage, what: string, when: () => boolean, arm?: () => void) {
  const first = await release(s, img.v1);
  const out = await runDeployment(first.deploymentId, { workerId: "test-worker", log: quiet });
  expect(out.state, await logText(first.deploymentId)).toBe("succeeded");
  await eventually(`${s.service} to boot v1`, () => host.unitLog(s.service).includes("slipway-test-kernel www-v1"), 30_000);
  arm?.();
  const r = await release(s, next);
  const id = `doomed-uk-${process.pid}-${++n}`;
  const child = startScript("workers/main.ts", [], { DATABASE_URL: process.env.DATABASE_URL, SLIPWAY_WORKER_ID: id, SLIPWAY_SECRET_KEY: process.env.SLIPWAY_SECRET_KEY, LOG_LEVEL: "info" });
  const exited = waitForExit(child, 300_000);
  try {
    await eventually(what, async () => {
      const d = await getDb().deployment.findUniqueOrThrow({ where: { id: r.deploymentId } });
      if (["succeeded", "failed", "rolled_back"].includes(d.state)) throw new Error(`the deployment ended before the kill: ${d.state} ${d.reason}`);
      return d.workerId === id && when();
    }, 120_000, 10);
  } catch (err) {
    child.kill("SIGKILL");
    const o = await exited;
    throw new Error(`${(err as Error).message}\nworker stderr:\n${o.stderr.slice(-3000)}`);
  }
  child.kill("SIGKILL");
  await exited;
  const killedAt = Date.now();
  expect(["deploying", "verifying"]).toContain((await getDb().deployment.findUniqueOrThrow({ where: { id: r.deploymentId } })).state);
  // the next worker: the dead one's heartbeat made stale first (as 45 s of silence would)
  await getDb().workerHeartbeat.update({ where: { id }, data: { lastSeenAt: new Date(Date.now() - 60_000) } });
  worker = await startWorker({ connectionString: process.env.DATABASE_URL!, concurrency: 2, id: `next-uk-${process.pid}-${++n}` });
  const d = await eventually("the next worker to re-verify the deployment", async () => {
    const row = await getDb().deployment.findUniqueOrThrow({ where: { id: r.deploymentId } });
    return ["succeeded", "failed", "rolled_back"].includes(row.state) ? row : null;
  }, RECOVERY_BOUND_MS, 200);
  const seconds = (Date.now() - killedAt) / 1000;
  await worker.stop();
  worker = undefined;
  expect(await logText(d.id)).toContain(`re-verifying: worker ${id} stopped`);
  return { first, r, d, seconds };
}

async function settled(): Promise<void> {
  expect(await getDb().deployment.count({ where: { state: { in: ["deploying", "verifying"] } } })).toBe(0);
  const chain = await verifyAuditChain();
  expect(chain.ok).toBe(true);
}

async function trials(fault: string, trial: () => Promise<number>): Promise<void> {
  const total = faultTrials();
  const seconds: number[] = [];
  let firstError: unknown;
  for (let i = 0; i < total; i++) {
    try {
      seconds.push(await trial());
    } catch (err) {
      firstError ??= err;
    } finally {
      await worker?.stop();
      worker = undefined;
    }
  }
  seconds.sort((x, y) => x - y);
  const figures = seconds.length ? { recoverySecondsMedian: Number(seconds[Math.floor(seconds.length / 2)]!.toFixed(1)), recoverySecondsMax: Number(seconds.at(-1)!.toFixed(1)) } : undefined;
  recordFault({ suite: SUITE, fault, trials: total, passed: seconds.length, figures });
  console.log(`[faults] ${SUITE}: ${fault}: ${seconds.length}/${total} passed; seconds from the kill to recovery: ${seconds.map((s) => s.toFixed(1)).join(", ")}`);
  if (firstError) throw firstError;
}

describe("a worker killed during a unikernel deployment", () => {
  test("kill -9 during the upload: re-verified failed, and the host's current file is the recorded release", async () => {
    await trials("kill -9 during unikernel upload", async () => {
      const s = await scenario({ method: "systemd" });
      const uploading = () => readdirSync(dirOf(s)).some((f) => f.startsWith(`.${img.big.sha256}.hvt.tmp-`));
      const { first, d, seconds } = await killDuring(s, img.big, "the upload to be under way", uploading);
      expect(d.state).toBe("failed");
      expect(d.reason).toContain(`not ${img.big.sha256}`);
      // the real file on the host against the record
      expect(current(s)).toBe(`${img.v1.sha256}.hvt`);
      expect((await getDb().target.findUniqueOrThrow({ where: { id: s.targetId } })).currentReleaseId).toBe(first.releaseId);
      expect(host.unitLog(s.service)).toContain("slipway-test-kernel www-v1");
      await settled();
      return seconds;
    });
  }, faultTimeout(600_000));

  test("kill -9 during the restart: re-verification finishes it, and the host runs the release it records", async () => {
    await trials("kill -9 during unikernel restart", async () => {
      const s = await scenario({ method: "command", argv: ["slow-redeploy", "{service}"] });
      rmSync(path.join(host.runDir, "slow-started"), { force: true });
      const { r, d, seconds } = await killDuring(
        s,
        img.v2,
        "the restart to be under way",
        () => readdirSync(host.runDir).includes("slow-started"),
        // once v1 runs: the next restart (v2's) is the slow one
        () => writeFileSync(path.join(host.runDir, "SLOW"), ""),
      );
      expect(d.state, `${d.reason}\n${await logText(d.id)}`).toBe("succeeded");
      expect(current(s)).toBe(`${img.v2.sha256}.hvt`);
      await eventually(`${s.service} to boot v2`, () => host.unitLog(s.service).includes("slipway-test-kernel www-v2"), 30_000);
      expect(readFileSync(path.join(dirOf(s), "latest"), "utf8")).toContain(`sha256 ${img.v2.sha256}`);
      expect((await getDb().target.findUniqueOrThrow({ where: { id: s.targetId } })).currentReleaseId).toBe(r.releaseId);
      await settled();
      return seconds;
    });
  }, faultTimeout(600_000));
});
