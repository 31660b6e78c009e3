// transient-retry (issue 13, item 2), with real parts: a private dockerd in swarm mode reached over a private
// sshd (an ssh:// docker context through a registered host with pinned keys), and a registry. A deployment whose
// host is briefly down (sshd stopped) goes back to queued with its next attempt in the database (the row's
// retry_at and a deploy_run job with that run_at), is audited and logged, and a worker process started after the
// host came back deploys it. A changed host key fails at once, never retried; Cancel and a newer release stop a
// waiting retry as they stop any queued deployment; past the retry window the deployment fails.
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import type Dockerode from "dockerode";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { getDb } from "@/lib/db";
import { resetEnvCache } from "@/lib/env";
import { log as rootLog } from "@/lib/log";
import { readDeploymentLog } from "@/lib/build/log-store";
import { ensureDeployerKey } from "@/lib/services/deployer-key";
import { createDeploymentsForRelease } from "@/lib/services/deployments/schedule";
import { cancelDeployment } from "@/lib/services/deployments/commands";
import { runDeployment } from "@/lib/deploy/runner";
import { getDeploymentDetail, getTargetDetail } from "@/lib/queries/deployment-detail";
import { pinHostKeys } from "@/lib/services/inventory/hosts";
import { saveBuildRule, saveContext, saveDeploymentRule, saveHost, saveRegistry, saveRepository, saveTarget } from "@/lib/services/inventory/entities";
import { actorFor, createUser, type TestUser } from "@/test/helpers/fixtures";
import { startDockerd, type TestDockerd } from "@/test/helpers/dockerd";
import { startRegistry, type TestRegistry } from "@/test/helpers/registry";
import { startSshd, type Sshd } from "@/test/helpers/sshd";
import { importBusybox } from "@/test/helpers/busybox";
import { buildAppImage, type AppImage } from "@/test/helpers/app-images";
import { startScript, waitForExit } from "@/test/helpers/spawn";
import { eventually } from "@/test/helpers/eventually";
import { runningImages } from "@/test/helpers/swarm";

const SECOND = 1_000_000_000;
let swarm: TestDockerd;
let registry: TestRegistry;
let sshd: Sshd;
let admin: TestUser;
let op: TestUser;
const img: Record<"v1" | "v2" | "v3", AppImage> = {} as Record<"v1" | "v2" | "v3", AppImage>;
let n = 0;
const quiet = rootLog.child({ test: "transient-retry" });

beforeAll(async () => {
  process.env.SLIPWAY_SECRET_KEY = "6".repeat(64);
  process.env.SLIPWAY_DEPLOY_RETRY_SECONDS = "600";
  resetEnvCache();
  [swarm, registry] = await Promise.all([startDockerd({ swarmInit: true }), startRegistry()]);
  const base = await importBusybox(swarm.docker, `${registry.url}/busybox:latest`);
  for (const v of ["v1", "v2", "v3"] as const) img[v] = await buildAppImage(swarm.docker, { base, repo: `${registry.url}/app`, tag: v, lines: [`CMD ["/bin/busybox", "sleep", "3600"]`] });
  const deployer = await ensureDeployerKey();
  sshd = await startSshd({ authorizedKeys: [deployer.publicKey], env: { DOCKER_HOST: swarm.endpoint } });
  [admin, op] = await Promise.all([createUser("admin"), createUser("operator")]);
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
  delete process.env.SLIPWAY_DEPLOY_RETRY_SECONDS;
  resetEnvCache();
});

async function pinCurrentKeys(): Promise<void> {
  const host = await getDb().host.findFirstOrThrow({ where: { name: "manager" } });
  await getDb().hostKey.deleteMany({ where: { hostId: host.id } });
  await pinHostKeys(actorFor(admin), { host_id: host.id, keys: sshd.hostKeys.map((k) => `${k.algorithm} ${k.publicKey}`) });
}

interface Scenario {
  ruleId: string;
  buildRuleId: string;
  repositoryId: string;
  targetId: string;
  serviceId: string;
}

async function scenario(context = "swarm"): Promise<Scenario> {
  n++;
  const a = actorFor(admin);
  const repo = await saveRepository(a, { repo: `tr${n}`, url: `https://git.example.org/tr${n}.git` });
  const build = await saveBuildRule(a, { repository_id: repo.id, name: "Dockerfile" });
  const rule = await saveDeploymentRule(a, { build_rule_id: build.id, branch: "live", image: `${registry.url}/app:live` });
  const service = `retry${n}`;
  const target = await saveTarget(a, { deployment_rule_id: rule.id, name: `retry-${n}`, context, service, monitor: 1, converge_timeout: 60 });
  const created = await swarm.docker.createService({
    Name: service,
    TaskTemplate: { ContainerSpec: { Image: img.v1.ref, StopGracePeriod: SECOND }, RestartPolicy: { Condition: "any", Delay: SECOND / 5 }, Networks: [] },
    Mode: { Replicated: { Replicas: 1 } },
    UpdateConfig: { Parallelism: 1, Delay: 0, Monitor: 2 * SECOND, FailureAction: "rollback", MaxFailureRatio: 0, Order: "stop-first" },
  } as Dockerode.CreateServiceOptions);
  await eventually(`${service} running v1`, async () => (await runningImages(swarm.docker, created.id)).length === 1, 60_000);
  return { ruleId: rule.id, buildRuleId: build.id, repositoryId: repo.id, targetId: target.id, serviceId: created.id };
}

let shaN = 0;
async function release(s: Scenario, image: AppImage): Promise<{ releaseId: string; deploymentId: string }> {
  shaN++;
  const sha = (0xe0000 + shaN).toString(16).padStart(40, "0");
  const db = getDb();
  const commit = await db.commit.create({ data: { repositoryId: s.repositoryId, sha, message: `release ${image.tag}` } });
  const build = await db.build.create({ data: { buildRuleId: s.buildRuleId, commitId: commit.id, state: "succeeded", trigger: "webhook" } });
  const rel = await db.release.create({ data: { recordedBeforeSigning: true, buildId: build.id, deploymentRuleId: s.ruleId, imageRepo: image.repo, tag: image.tag, digest: image.digest } });
  const out = await db.$transaction((tx) => createDeploymentsForRelease(tx, rel.id, { type: "worker", workerId: "test" }));
  return { releaseId: rel.id, deploymentId: out.created[0]!.id };
}

const run = (id: string) => runDeployment(id, { workerId: "test-worker", log: quiet });
const deployment = (id: string) => getDb().deployment.findUniqueOrThrow({ where: { id } });
const logText = async (id: string) => (await readDeploymentLog(id, -1, 10_000)).map((c) => c.text).join("");
const specImage = async (serviceId: string) =>
  ((await swarm.docker.getService(serviceId).inspect()) as { Spec: { TaskTemplate: { ContainerSpec: { Image: string } } } }).Spec.TaskTemplate.ContainerSpec.Image;

/** The deployment's jobs still to run, with their run_at and queue. */
const jobsFor = (task: string, id: string) =>
  getDb().$queryRaw<{ run_at: Date; queue_name: string | null; payload: { deploymentId: string; event?: string } }[]>`
    SELECT j.run_at, q.queue_name, j.payload FROM graphile_worker._private_jobs j
    JOIN graphile_worker._private_tasks t ON t.id = j.task_id
    LEFT JOIN graphile_worker._private_job_queues q ON q.id = j.job_queue_id
    WHERE t.identifier = ${task} AND j.payload->>'deploymentId' = ${id}`;

/** Takes the deployment's pending deploy_run jobs off the queue (as a worker that ran them would). */
const dropRunJobs = (id: string) =>
  getDb().$executeRaw`DELETE FROM graphile_worker._private_jobs j USING graphile_worker._private_tasks t WHERE t.id = j.task_id AND t.identifier = 'deploy_run' AND j.payload->>'deploymentId' = ${id}`;

describe("transient-retry", () => {
  test("sshd down: the deployment waits (row + job with run_at, audited, logged, shown), backs off, and a worker started after sshd is back deploys it", async () => {
    const s = await scenario();
    const r = await release(s, img.v2);
    await dropRunJobs(r.deploymentId);
    await sshd.pause();
    let resumed = false;
    try {
      const before = Date.now();
      const out = await run(r.deploymentId);
      expect(out.state, `${out.reason}\n${await logText(r.deploymentId)}`).toBe("retrying");
      const d = await deployment(r.deploymentId);
      expect(d).toMatchObject({ state: "queued", attempts: 1, workerId: null, retryWaitingFor: `manager (127.0.0.1:${sshd.port})` });
      expect(d.reason).toMatch(/refused|reach/i);
      // the first retry 10 s later, within a 10-minute window from the first failure
      expect(d.retryAt!.getTime() - before).toBeGreaterThanOrEqual(10_000);
      expect(d.retryAt!.getTime() - Date.now()).toBeLessThanOrEqual(10_000);
      expect(d.retryUntil!.getTime() - before).toBeGreaterThanOrEqual(600_000);
      const jobs = await jobsFor("deploy_run", r.deploymentId);
      expect(jobs).toHaveLength(1);
      expect(jobs[0]!.run_at.getTime()).toBe(d.retryAt!.getTime());
      expect(jobs[0]!.queue_name).toBe(`target:${s.targetId}`);
      const audit = await getDb().auditEvent.findMany({ where: { subjectId: d.id, action: "deployment.retry_scheduled" } });
      expect(audit).toHaveLength(1);
      expect(audit[0]!.summary).toMatch(new RegExp(`waiting for manager \\(127\\.0\\.0\\.1:${sshd.port}\\): attempt 1, next in (9|10) s`));
      expect(await logText(d.id)).toMatch(new RegExp(`==> waiting for manager \\(127\\.0\\.0\\.1:${sshd.port}\\): attempt 1, next in (9|10) s`));
      // the pages' read models: the deployment and its target say what it waits for
      expect((await getDeploymentDetail(d.id))?.retry).toMatchObject({ waitingFor: `manager (127.0.0.1:${sshd.port})`, attempts: 1 });
      expect((await getTargetDetail(s.targetId))?.active?.retry).toMatchObject({ attempts: 1 });

      // still down at the next attempt: attempt 2, next in 20 s; the window stays where it started
      await dropRunJobs(r.deploymentId);
      expect((await run(r.deploymentId)).state).toBe("retrying");
      const d2 = await deployment(r.deploymentId);
      expect(d2.attempts).toBe(2);
      expect(d2.retryUntil).toEqual(d.retryUntil);
      expect(d2.retryAt!.getTime() - Date.now()).toBeGreaterThan(15_000);
      expect(await logText(d.id)).toMatch(/attempt 2, next in (19|20) s/);
      expect(await specImage(s.serviceId)).toBe(img.v1.ref);

      // the host comes back; the job is due now (as after its run_at passed); a fresh worker process takes it
      await sshd.resume();
      resumed = true;
      await getDb().$executeRaw`UPDATE graphile_worker._private_jobs j SET run_at = now() FROM graphile_worker._private_tasks t WHERE t.id = j.task_id AND t.identifier = 'deploy_run' AND j.payload->>'deploymentId' = ${d.id}`;
      const child = startScript("workers/main.ts", [], { DATABASE_URL: process.env.DATABASE_URL, SLIPWAY_WORKER_ID: `retry-worker-${process.pid}`, SLIPWAY_SECRET_KEY: process.env.SLIPWAY_SECRET_KEY, LOG_LEVEL: "info" });
      const exited = waitForExit(child, 150_000);
      try {
        await eventually("the worker to deploy the waiting deployment", async () => (await deployment(d.id)).state === "succeeded", 120_000);
      } catch (err) {
        child.kill("SIGKILL");
        const o = await exited;
        throw new Error(`${(err as Error).message}: ${(await deployment(d.id)).state} ${(await deployment(d.id)).reason}\n${await logText(d.id)}\nworker stderr:\n${o.stderr.slice(-3000)}`);
      }
      child.kill("SIGTERM");
      await exited;
      const done = await deployment(d.id);
      expect(done).toMatchObject({ state: "succeeded", attempts: 3, retryAt: null });
      expect(await specImage(s.serviceId)).toBe(`${img.v2.repo}:v2@${img.v2.digest}`);
      // Slack and GitHub hear "started" once, not once per attempt
      const started = (await jobsFor("deploy_notify", d.id)).filter((j) => j.payload.event === "started");
      const startedAudits = await getDb().auditEvent.count({ where: { subjectId: d.id, action: "deployment.started" } });
      expect(startedAudits).toBe(3);
      expect(started.length).toBeLessThanOrEqual(1);
    } finally {
      if (!resumed) await sshd.resume();
    }
  }, 300_000);

  test("dockerd restarted while verifying: the deployment is re-verified against the service, so the recorded release is what it runs", async () => {
    // found by the soak (test/faults/soak.test.ts): a failed call mid-convergence ended the deployment failed
    // while the swarm, back up, finished the update: recorded v1, ran v2
    await saveContext(actorFor(admin), { name: "swarm-local", endpoint: swarm.endpoint, role: "swarm_manager" });
    const s = await scenario("swarm-local");
    const r = await release(s, img.v2);
    await dropRunJobs(r.deploymentId);
    const running = run(r.deploymentId);
    await eventually("the deployment to verify", async () => (await deployment(r.deploymentId)).state === "verifying", 60_000, 20);
    await swarm.pause();
    let resumed = false;
    try {
      const out = await running;
      expect(out.state, `${out.reason}\n${await logText(r.deploymentId)}`).toBe("interrupted");
      expect((await deployment(r.deploymentId)).state).toBe("verifying");
      const verify = await jobsFor("deploy_verify", r.deploymentId);
      expect(verify).toHaveLength(1);
      // planned within the retry window (lib/deploy/retry.ts scheduleReverify), audited, held by no worker
      expect(verify[0]!.run_at.getTime()).toBeGreaterThan(Date.now());
      expect(await logText(r.deploymentId)).toMatch(/lost sight of .* while watching the update/);
      expect((await deployment(r.deploymentId)).workerId).toBeNull();
      expect(await getDb().auditEvent.count({ where: { subjectId: r.deploymentId, action: "deployment.reverify_scheduled" } })).toBe(1);
      await swarm.resume();
      resumed = true;
      const { reverifyDeployment } = await import("@/lib/deploy/recovery");
      await eventually("the swarm to answer", async () => (await swarm.docker.ping().then(() => true, () => false)), 120_000);
      const ended = await reverifyDeployment(r.deploymentId, { workerId: "test-verifier" });
      expect(ended?.state).toMatch(/succeeded|failed|rolled_back/);
      // whatever the swarm did, the record says what the service runs
      const d = await deployment(r.deploymentId);
      const target = await getDb().target.findUniqueOrThrow({ where: { id: s.targetId }, include: { currentRelease: true } });
      const spec = await specImage(s.serviceId);
      if (d.state === "succeeded") expect(spec).toBe(`${img.v2.repo}:v2@${img.v2.digest}`);
      else expect(spec.endsWith(`@${img.v2.digest}`)).toBe(false);
      if (target.currentRelease) expect(spec.endsWith(`@${target.currentRelease.digest}`)).toBe(true);
    } finally {
      if (!resumed) await swarm.resume();
    }
  }, 300_000);

  test("an engine that answers \"not a swarm manager\" while a lost deployment is re-verified (a dockerd restarting into its swarm) is looked at again, not failed", async () => {
    // found by the soak: the re-verification saw the update still rolling out, then its watch got "This node is
    // not a swarm manager" from the manager's dockerd, restarted and not yet back in its raft; it failed the
    // deployment, and the swarm then finished the update: recorded v1, ran v2. A proxy in front of the swarm's
    // engine answers as that dockerd did.
    const proxy = await notAManagerProxy(swarm.socketPath);
    await saveContext(actorFor(admin), { name: "swarm-proxied", endpoint: proxy.endpoint, role: "swarm_manager" });
    try {
      const s = await scenario("swarm-proxied");
      const r = await release(s, img.v3);
      await dropRunJobs(r.deploymentId);
      const running = run(r.deploymentId);
      await eventually("the deployment to verify", async () => (await deployment(r.deploymentId)).state === "verifying", 60_000, 20);
      proxy.set("not_a_manager");
      expect((await running).state).toBe("interrupted");
      // the check: the service read, the update still rolling out (no task yet), then "not a swarm manager"
      proxy.set("first_look");
      const { reverifyDeployment } = await import("@/lib/deploy/recovery");
      expect(await reverifyDeployment(r.deploymentId, { workerId: "test-verifier" })).toBeNull();
      const waiting = await deployment(r.deploymentId);
      expect(waiting).toMatchObject({ state: "verifying", workerId: null });
      expect(waiting.reason).toMatch(/not a swarm manager/);
      const verify = await jobsFor("deploy_verify", r.deploymentId);
      expect(verify).toHaveLength(1);
      expect(verify[0]!.run_at.getTime()).toBeGreaterThan(Date.now());
      expect(await logText(r.deploymentId)).toMatch(/waiting for it to converge[\s\S]*still cannot be reached \(.*not a swarm manager/);
      // the manager is back: the next check ends it by what the service runs
      proxy.set("pass");
      const ended = await reverifyDeployment(r.deploymentId, { workerId: "test-verifier" });
      expect(ended?.state, `${ended?.reason}\n${await logText(r.deploymentId)}`).toBe("succeeded");
      expect(await specImage(s.serviceId)).toBe(`${img.v3.repo}:v3@${img.v3.digest}`);
      const target = await getDb().target.findUniqueOrThrow({ where: { id: s.targetId }, include: { currentRelease: true } });
      expect(target.currentRelease?.digest).toBe(img.v3.digest);
    } finally {
      await proxy.stop();
    }
  }, 300_000);

  test("a deployment whose worker died is re-verified while the engine cannot answer: looked at again later, not failed", async () => {
    // found by the soak: a worker killed mid-update, re-verified while the manager's dockerd was down; the check
    // failed the deployment at once and the record fell behind what the service ran (recorded v2, ran v0)
    const proxy = await notAManagerProxy(swarm.socketPath);
    await saveContext(actorFor(admin), { name: "swarm-proxied-2", endpoint: proxy.endpoint, role: "swarm_manager" });
    try {
      const s = await scenario("swarm-proxied-2");
      const r = await release(s, img.v2);
      await dropRunJobs(r.deploymentId);
      expect((await run(r.deploymentId)).state).toBe("succeeded");
      // as its row would be had its worker died mid-deployment
      await getDb().deployment.update({ where: { id: r.deploymentId }, data: { state: "deploying", finishedAt: null, reason: null, workerId: "a-dead-worker" } });
      proxy.set("not_a_manager");
      const { reverifyDeployment } = await import("@/lib/deploy/recovery");
      expect(await reverifyDeployment(r.deploymentId, { workerId: "test-verifier" })).toBeNull();
      const waiting = await deployment(r.deploymentId);
      expect(waiting).toMatchObject({ state: "verifying", workerId: null });
      expect(waiting.reason).toMatch(/the worker stopped mid-deployment, and the service could not be checked: .*not a swarm manager/);
      expect(await jobsFor("deploy_verify", r.deploymentId)).toHaveLength(1);
      const audit = await getDb().auditEvent.findFirstOrThrow({ where: { subjectId: r.deploymentId, action: "deployment.reverify_scheduled" }, orderBy: { id: "desc" } });
      expect(audit.before).toEqual({ state: "deploying" });
      proxy.set("pass");
      const ended = await reverifyDeployment(r.deploymentId, { workerId: "test-verifier" });
      expect(ended?.state, `${ended?.reason}\n${await logText(r.deploymentId)}`).toBe("succeeded");
      expect(await specImage(s.serviceId)).toBe(`${img.v2.repo}:v2@${img.v2.digest}`);
    } finally {
      await proxy.stop();
    }
  }, 300_000);

  test("a changed host key is a refusal: failed at once, no retry", async () => {
    const s = await scenario();
    const r = await release(s, img.v2);
    await dropRunJobs(r.deploymentId);
    await sshd.replaceHostKey();
    try {
      const out = await run(r.deploymentId);
      expect(out.state).toBe("failed");
      const d = await deployment(r.deploymentId);
      expect(d).toMatchObject({ state: "failed", attempts: 1, retryAt: null, retryWaitingFor: null });
      expect(d.reason).toMatch(/host key/i);
      expect(await jobsFor("deploy_run", d.id)).toHaveLength(0);
      expect(await getDb().auditEvent.count({ where: { subjectId: d.id, action: "deployment.retry_scheduled" } })).toBe(0);
    } finally {
      await pinCurrentKeys();
    }
  }, 120_000);

  test("Cancel stops a waiting retry, a newer release supersedes one, and past the window the deployment fails", async () => {
    const s = await scenario();
    const a = await release(s, img.v2);
    await dropRunJobs(a.deploymentId);
    await sshd.pause();
    try {
      expect((await run(a.deploymentId)).state).toBe("retrying");
      await cancelDeployment(actorFor(op), { deploymentId: a.deploymentId });
      expect((await deployment(a.deploymentId)).state).toBe("cancelled");
      // its job comes due and finds nothing to do
      expect((await run(a.deploymentId)).state).toBe("skipped");

      const b = await release(s, img.v2);
      await dropRunJobs(b.deploymentId);
      expect((await run(b.deploymentId)).state).toBe("retrying");
      const c = await release(s, img.v3);
      expect(await deployment(b.deploymentId)).toMatchObject({ state: "superseded", supersededById: c.deploymentId });
      expect((await run(b.deploymentId)).state).toBe("skipped");

      // c's window has ended by its next failure: it fails, saying it gave up
      await dropRunJobs(c.deploymentId);
      expect((await run(c.deploymentId)).state).toBe("retrying");
      await getDb().deployment.update({ where: { id: c.deploymentId }, data: { retryUntil: new Date(Date.now() - 1000) } });
      await dropRunJobs(c.deploymentId);
      expect((await run(c.deploymentId)).state).toBe("failed");
      const dc = await deployment(c.deploymentId);
      expect(dc.reason).toMatch(/gave up after 2 attempts/);
      expect(await jobsFor("deploy_run", dc.id)).toHaveLength(0);
      expect(await specImage(s.serviceId)).toBe(img.v1.ref);
    } finally {
      await sshd.resume();
    }
  }, 180_000);
});

/**
 * An HTTP proxy on a unix socket in front of a real engine's socket. `pass` forwards; `not_a_manager` answers every
 * call but /_ping and /version as a dockerd whose swarm raft is not up yet does (503, its words); `first_look`
 * forwards until the first task list, answers that one empty (an update still rolling out), then behaves as
 * `not_a_manager`.
 */
async function notAManagerProxy(upstream: string) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "slipway-nm-proxy-"));
  const socketPath = path.join(dir, "docker.sock");
  let mode: "pass" | "not_a_manager" | "first_look" = "pass";
  const server = http.createServer((req, res) => {
    const url = req.url ?? "";
    if (mode === "not_a_manager" && !/\/(_ping|version)(\?|$)/.test(url)) {
      res.writeHead(503, { "content-type": "application/json" });
      res.end(JSON.stringify({ message: 'This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again.' }));
      return;
    }
    if (mode === "first_look" && req.method === "GET" && /\/tasks(\?|$)/.test(url)) {
      mode = "not_a_manager";
      res.writeHead(200, { "content-type": "application/json" });
      res.end("[]");
      return;
    }
    const up = http.request({ socketPath: upstream, path: url, method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    up.on("error", () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return {
    endpoint: `unix://${socketPath}`,
    set: (m: typeof mode) => {
      mode = m;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        });
      }),
  };
}
