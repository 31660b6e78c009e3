// Faults of the SSH host a deployment goes through: sshd stopped mid-deploy (every sshd process killed, the
// established connection with it), and a host's SSH key changed between two deployments (the host was
// reinstalled, or someone is in the middle). Real parts, as in test/deploy.transient-retry.test.ts: a private dockerd in swarm mode reached over a
// private sshd (an ssh:// docker context through a registered host with pinned keys) and a registry.
// sshd killed mid-deploy (after the service was changed): the deployment is not failed on the spot (the swarm goes
// on with the update by itself); it stays verifying with a re-verification planned and a reason naming the host and
// what to check, and the check once sshd is back ends it by what the service runs. While sshd stays away the check
// plans another, until the retry window ends.
// Host key changed: the first
// deployment succeeds; after the key changes the second is refused at once with the host-key message, is not
// retried, and nothing is deployed (the service keeps the first release). Once an admin accepts the new key (as
// test/security.host-key-rotation.test.ts does through the same service), the same release deploys.
import type Dockerode from "dockerode";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { getDb } from "@/lib/db";
import { resetEnvCache } from "@/lib/env";
import { log as rootLog } from "@/lib/log";
import { ensureDeployerKey } from "@/lib/services/deployer-key";
import { createDeploymentsForRelease } from "@/lib/services/deployments/schedule";
import { runDeployment } from "@/lib/deploy/runner";
import { reverifyDeployment } from "@/lib/deploy/recovery";
import { pinHostKeys } from "@/lib/services/inventory/hosts";
import { saveBuildRule, saveContext, saveDeploymentRule, saveHost, saveRegistry, saveRepository, saveTarget } from "@/lib/services/inventory/entities";
import { actorFor, createUser, type TestUser } from "@/test/helpers/fixtures";
import { startDockerd, type TestDockerd } from "@/test/helpers/dockerd";
import { startRegistry, type TestRegistry } from "@/test/helpers/registry";
import { startSshd, type Sshd } from "@/test/helpers/sshd";
import { importBusybox } from "@/test/helpers/busybox";
import { buildAppImage, type AppImage } from "@/test/helpers/app-images";
import { eventually } from "@/test/helpers/eventually";
import { runningImages } from "@/test/helpers/swarm";
import { faultTimeout, faultTrials, recordFault } from "@/test/helpers/faults";
import { spawnSync } from "node:child_process";

const SECOND = 1_000_000_000;
let swarm: TestDockerd;
let registry: TestRegistry;
let sshd: Sshd;
let admin: TestUser;
const img: Record<"v1" | "v2" | "v3", AppImage> = {} as Record<"v1" | "v2" | "v3", AppImage>;
const quiet = rootLog.child({ test: "fault-host-key-change" });

beforeAll(async () => {
  process.env.SLIPWAY_SECRET_KEY = "7".repeat(64);
  resetEnvCache();
  [swarm, registry] = await Promise.all([startDockerd({ swarmInit: true }), startRegistry()]);
  const base = await importBusybox(swarm.docker, `${registry.url}/busybox:latest`);
  for (const v of ["v1", "v2", "v3"] as const) img[v] = await buildAppImage(swarm.docker, { base, repo: `${registry.url}/app`, tag: v, lines: [`CMD ["/bin/busybox", "sleep", "3600"]`] });
  const deployer = await ensureDeployerKey();
  sshd = await startSshd({ authorizedKeys: [deployer.publicKey], env: { DOCKER_HOST: swarm.endpoint } });
  admin = await createUser("admin");
  const a = actorFor(admin);
  await saveHost(a, { name: "manager", address: "127.0.0.1", port: sshd.port, user: sshd.user });
  await pinCurrentKeys();
  await saveContext(a, { name: "swarm", endpoint: `ssh://${sshd.user}@127.0.0.1:${sshd.port}`, role: "swarm_manager" });
  await saveRegistry(a, { name: "local", url: registry.url });
}, 180_000);

afterAll(async () => {
  await sshd?.stop();
  await Promise.all([swarm?.stop(), registry?.stop()]);
  delete process.env.SLIPWAY_SECRET_KEY;
  resetEnvCache();
});

/** What an admin does after checking the new key out of band: accept the host's current keys. */
async function pinCurrentKeys(): Promise<void> {
  const host = await getDb().host.findFirstOrThrow({ where: { name: "manager" } });
  await getDb().hostKey.deleteMany({ where: { hostId: host.id } });
  await pinHostKeys(actorFor(admin), { host_id: host.id, keys: sshd.hostKeys.map((k) => `${k.algorithm} ${k.publicKey}`) });
}

interface Scenario {
  ruleId: string;
  buildRuleId: string;
  repositoryId: string;
  serviceId: string;
}

let n = 0;
async function scenario(): Promise<Scenario> {
  n++;
  const a = actorFor(admin);
  const repo = await saveRepository(a, { repo: `hk${n}`, url: `https://git.example.org/hk${n}.git` });
  const build = await saveBuildRule(a, { repository_id: repo.id, name: "Dockerfile" });
  const rule = await saveDeploymentRule(a, { build_rule_id: build.id, branch: "live", image: `${registry.url}/app:live` });
  const service = `hostkey${n}`;
  await saveTarget(a, { deployment_rule_id: rule.id, name: `hostkey-${n}`, context: "swarm", service, monitor: 1, converge_timeout: 60 });
  const created = await swarm.docker.createService({
    Name: service,
    TaskTemplate: { ContainerSpec: { Image: img.v1.ref, StopGracePeriod: SECOND }, RestartPolicy: { Condition: "any", Delay: SECOND / 5 }, Networks: [] },
    Mode: { Replicated: { Replicas: 1 } },
    UpdateConfig: { Parallelism: 1, Delay: 0, Monitor: 2 * SECOND, FailureAction: "rollback", MaxFailureRatio: 0, Order: "stop-first" },
  } as Dockerode.CreateServiceOptions);
  await eventually(`${service} running v1`, async () => (await runningImages(swarm.docker, created.id)).length === 1, 60_000);
  return { ruleId: rule.id, buildRuleId: build.id, repositoryId: repo.id, serviceId: created.id };
}

let shaN = 0;
async function release(s: Scenario, image: AppImage): Promise<string> {
  shaN++;
  const sha = (0xf0000 + shaN).toString(16).padStart(40, "0");
  const db = getDb();
  const commit = await db.commit.create({ data: { repositoryId: s.repositoryId, sha, message: `release ${image.tag}` } });
  const build = await db.build.create({ data: { buildRuleId: s.buildRuleId, commitId: commit.id, state: "succeeded", trigger: "webhook" } });
  const rel = await db.release.create({ data: { recordedBeforeSigning: true, buildId: build.id, deploymentRuleId: s.ruleId, imageRepo: image.repo, tag: image.tag, digest: image.digest } });
  const out = await db.$transaction((tx) => createDeploymentsForRelease(tx, rel.id, { type: "worker", workerId: "test" }));
  const id = out.created[0]!.id;
  // the test runs the deployment itself (as the worker's job would): take its queued job off the queue
  await db.$executeRaw`DELETE FROM graphile_worker._private_jobs j USING graphile_worker._private_tasks t WHERE t.id = j.task_id AND t.identifier = 'deploy_run' AND j.payload->>'deploymentId' = ${id}`;
  return id;
}

const run = (id: string) => runDeployment(id, { workerId: "fault-worker", log: quiet });
const deployment = (id: string) => getDb().deployment.findUniqueOrThrow({ where: { id } });
const specImage = async (serviceId: string) =>
  ((await swarm.docker.getService(serviceId).inspect()) as { Spec: { TaskTemplate: { ContainerSpec: { Image: string } } } }).Spec.TaskTemplate.ContainerSpec.Image;
const pendingJobs = async (task: "deploy_run" | "deploy_verify", id: string) =>
  Number(
    (
      await getDb().$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM graphile_worker._private_jobs j JOIN graphile_worker._private_tasks t ON t.id = j.task_id
        WHERE t.identifier = ${task} AND j.payload->>'deploymentId' = ${id}`
    )[0]!.n,
  );

/** Kills every process of the test's sshd with SIGKILL: the listener and each connection's process (the ones
 * holding a TCP socket on its port), as when the host's sshd dies or the host goes away mid-deploy. */
function killSshd(): number {
  const out = spawnSync("ss", ["-Htanp", "sport", "=", `:${sshd.port}`], { encoding: "utf8" }).stdout;
  const pids = new Set([...out.matchAll(/pid=(\d+)/g)].map((m) => Number(m[1])).filter((p) => p !== process.pid));
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  return pids.size;
}

describe("fault: sshd stopped mid-deploy", () => {
  test("the deployment is not failed on the spot: it is checked again once sshd is back and ends by what the service runs", async () => {
    const trials = faultTrials();
    let passed = 0;
    const recoverSeconds: number[] = [];
    try {
      for (let trial = 0; trial < trials; trial++) {
        const s = await scenario();
        const id = await release(s, img.v2);
        const deploying = run(id);
        // the update reached the swarm: the deployment is now watching it converge, over the SSH connection
        await eventually("the service update to start", async () => (await specImage(s.serviceId)).includes(img.v2.digest), 60_000, 100);
        let resumed = false;
        try {
          expect(killSshd()).toBeGreaterThan(0);
          const out = await deploying;
          const d = await deployment(id);
          // the service was already changed when the host went away, and the swarm goes on with the update by
          // itself: the deployment stays verifying, held by no worker, with a re-verification planned
          // (lib/deploy/retry.ts scheduleReverify) and the reason in words naming the host and what to check
          expect(out.state, `${out.state}: ${out.reason ?? ""}`).toBe("interrupted");
          expect(d.state).toBe("verifying");
          expect(d.workerId).toBeNull();
          expect(d.retryAt).not.toBeNull();
          expect(d.reason).toMatch(new RegExp(`127\\.0\\.0\\.1:${sshd.port}`));
          // (the connection's end is seen as sshd refusing, or as the engine not answering, by timing)
          expect(d.reason).toMatch(/sshd|did not answer/);
          expect(d.reason).not.toMatch(/\bat \S+ \(/);
          expect(await pendingJobs("deploy_run", id)).toBe(0);
          expect(await pendingJobs("deploy_verify", id)).toBe(1);
          const audit = await getDb().auditEvent.findFirst({ where: { subjectId: id, action: "deployment.reverify_scheduled" } });
          expect(audit?.summary).toMatch(/checked again/);
          await sshd.resume();
          resumed = true;
          const back = Date.now();
          // the planned check, run as the deploy_verify job runs it: the service converged on v2 meanwhile
          const verified = await reverifyDeployment(id, { workerId: "fault-worker" });
          expect(verified?.state, verified?.reason ?? "").toBe("succeeded");
          recoverSeconds.push((Date.now() - back) / 1000);
          // the recorded state is the real one
          expect(await specImage(s.serviceId)).toBe(`${img.v2.repo}:v2@${img.v2.digest}`);
          expect((await deployment(id)).state).toBe("succeeded");
          expect(await runningImages(swarm.docker, s.serviceId)).toEqual([`${img.v2.repo}:v2@${img.v2.digest}`]);
        } finally {
          if (!resumed) await sshd.resume();
        }
        passed++;
      }
    } finally {
      const avg = recoverSeconds.length ? (recoverSeconds.reduce((a, b) => a + b, 0) / recoverSeconds.length).toFixed(1) : "-";
      console.log(`sshd down mid-deploy: ${passed}/${trials} trials passed; re-verified ${avg} s after sshd was back on average`);
      recordFault({ suite: "SSH host", fault: "sshd killed mid-deploy (connection included)", trials, passed, figures: { "re-verified after sshd back (s)": avg } });
    }
    expect(passed).toBe(trials);
  }, faultTimeout(900_000));

  test("while sshd is still away the planned check plans another, and fails in words once the retry window has ended", async () => {
    const s = await scenario();
    const id = await release(s, img.v3);
    const deploying = run(id);
    await eventually("the service update to start", async () => (await specImage(s.serviceId)).includes(img.v3.digest), 60_000, 100);
    try {
      expect(killSshd()).toBeGreaterThan(0);
      expect((await deploying).state).toBe("interrupted");
      // still away: another check is planned, nothing is ended
      expect(await reverifyDeployment(id, { workerId: "fault-worker" })).toBeNull();
      expect((await deployment(id)).state).toBe("verifying");
      expect(await pendingJobs("deploy_verify", id)).toBe(1);
      // the window is over: it ends failed, saying what could not be checked
      await getDb().deployment.update({ where: { id }, data: { retryUntil: new Date(Date.now() - 1000) } });
      const failed = await reverifyDeployment(id, { workerId: "fault-worker" });
      expect(failed?.state).toBe("failed");
      expect(failed?.reason).toMatch(/the connection to .* was lost while the update was watched, and the service could not be checked/);
    } finally {
      await sshd.resume();
    }
  }, 300_000);
});

describe("fault: host key changed between two deployments", () => {
  test("the second deployment is refused with the host-key message, not retried, nothing deployed; after accepting the new key it deploys", async () => {
    const trials = faultTrials();
    let passed = 0;
    const refusedSeconds: number[] = [];
    try {
      for (let trial = 0; trial < trials; trial++) {
        const s = await scenario();
        const first = await release(s, img.v2);
        const ok = await run(first);
        expect(ok.state, ok.reason ?? "").toBe("succeeded");
        const deployedV2 = await specImage(s.serviceId);
        expect(deployedV2).toBe(`${img.v2.repo}:v2@${img.v2.digest}`);

        await sshd.replaceHostKey();
        const second = await release(s, img.v3);
        const started = Date.now();
        const refused = await run(second);
        refusedSeconds.push((Date.now() - started) / 1000);
        expect(refused.state).toBe("failed");
        const d = await deployment(second);
        expect(d).toMatchObject({ state: "failed", retryAt: null, retryWaitingFor: null });
        // words that name the cause and what to do, not a library's error text alone
        expect(d.reason).toMatch(/host key/i);
        expect(d.reason).toMatch(/manager|127\.0\.0\.1/);
        expect(d.reason).not.toMatch(/\bat \S+ \(|Host denied \(verification failed\)$/);
        expect(await pendingJobs("deploy_run", second)).toBe(0);
        expect(await getDb().auditEvent.count({ where: { subjectId: second, action: "deployment.retry_scheduled" } })).toBe(0);
        // nothing deployed: the service still runs the first release, and no release is marked live for v3
        expect(await specImage(s.serviceId)).toBe(deployedV2);
        expect(await getDb().deployment.count({ where: { id: second, state: "succeeded" } })).toBe(0);

        // the admin checks the new key and accepts it: the next deployment of the same release goes through
        await pinCurrentKeys();
        const again = await release(s, img.v3);
        const ok2 = await run(again);
        expect(ok2.state, ok2.reason ?? "").toBe("succeeded");
        expect(await specImage(s.serviceId)).toBe(`${img.v3.repo}:v3@${img.v3.digest}`);
        passed++;
      }
    } finally {
      const avg = refusedSeconds.length ? (refusedSeconds.reduce((a, b) => a + b, 0) / refusedSeconds.length).toFixed(1) : "-";
      console.log(`host key change: ${passed}/${trials} trials passed; refused in ${avg} s on average`);
      recordFault({ suite: "SSH host", fault: "sshd host key replaced between two deployments", trials, passed, figures: { "refused after (s)": avg } });
    }
    expect(passed).toBe(trials);
  }, faultTimeout(900_000));
});
