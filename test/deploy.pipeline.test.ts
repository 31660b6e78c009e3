// The deploy engine end to end with real parts: a private dockerd in swarm mode, a private registry, and a
// private sshd whose sessions reach that dockerd (SetEnv DOCKER_HOST), registered as a host with pinned
// keys and an ssh:// docker context. Deployments run through lib/deploy/runner.ts (and, for the crash
// case, a real worker process killed with SIGKILL). What the service runs is checked independently with
// the test's own client (`docker service inspect`).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type Dockerode from "dockerode";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { getDb } from "@/lib/db";
import { resetEnvCache } from "@/lib/env";
import { log as rootLog } from "@/lib/log";
import { readDeploymentLog } from "@/lib/build/log-store";
import { ensureDeployerKey } from "@/lib/services/deployer-key";
import { createDeploymentsForRelease } from "@/lib/services/deployments/schedule";
import { approveDeployment, cancelDeployment, rollbackTarget } from "@/lib/services/deployments/commands";
import { notifyDeployment, notifyDrift } from "@/lib/services/deployments/notify";
import { runDeployment } from "@/lib/deploy/runner";
import { reapDeployments, reverifyDeployment } from "@/lib/deploy/recovery";
import { checkDrift } from "@/lib/deploy/drift";
import { clearGithubClientCache } from "@/lib/github/app-client";
import { pinHostKeys } from "@/lib/services/inventory/hosts";
import { saveApp, saveBuildRule, saveChannel, saveContext, saveDeploymentRule, saveHost, saveRegistry, saveRepository, saveTarget } from "@/lib/services/inventory/entities";
import { actorFor, createUser, type TestUser } from "@/test/helpers/fixtures";
import { startDockerd, type TestDockerd } from "@/test/helpers/dockerd";
import { startRegistry, type TestRegistry } from "@/test/helpers/registry";
import { startSshd, type Sshd } from "@/test/helpers/sshd";
import { importBusybox } from "@/test/helpers/busybox";
import { buildAppImage, type AppImage } from "@/test/helpers/app-images";
import { generateAppKeyPair, startGithubApi, type GithubApi } from "@/test/helpers/github-api";
import { startSlackStandIn, type SlackStandIn } from "@/test/helpers/slack";
import { startScript, waitForExit } from "@/test/helpers/spawn";
import { eventually } from "@/test/helpers/eventually";
import { runningImages } from "@/test/helpers/swarm";

const SECOND = 1_000_000_000;
const APP_ID = 6161;
const INSTALLATION = 990001;
const keys = generateAppKeyPair();

let swarm: TestDockerd;
let registry: TestRegistry;
let sshd: Sshd;
let api: GithubApi;
let slack: SlackStandIn;
let admin: TestUser;
let op1: TestUser;
let op2: TestUser;
const img: Record<"v1" | "v2" | "v3" | "bad", AppImage> = {} as Record<"v1" | "v2" | "v3" | "bad", AppImage>;
let n = 0;
const quiet = rootLog.child({ test: "deploy.pipeline" });

beforeAll(async () => {
  process.env.SLIPWAY_URL = "https://slipway.example.org";
  // the worker process started below must open the deployer key this process seals
  process.env.SLIPWAY_SECRET_KEY = "5".repeat(64);
  resetEnvCache();
  clearGithubClientCache();
  [swarm, registry, api, slack] = await Promise.all([
    startDockerd({ swarmInit: true, debug: true }),
    startRegistry(),
    startGithubApi({ appId: APP_ID, publicKey: keys.publicKey, installations: { "org/notify": INSTALLATION } }),
    startSlackStandIn(),
  ]);
  const base = await importBusybox(swarm.docker, `${registry.url}/busybox:latest`);
  const sleep = [`CMD ["/bin/busybox", "sleep", "3600"]`];
  for (const v of ["v1", "v2", "v3"] as const) img[v] = await buildAppImage(swarm.docker, { base, repo: `${registry.url}/app`, tag: v, lines: sleep });
  img.bad = await buildAppImage(swarm.docker, { base, repo: `${registry.url}/app`, tag: "bad", lines: [`CMD ["/bin/busybox", "false"]`] });
  const deployer = await ensureDeployerKey();
  sshd = await startSshd({ authorizedKeys: [deployer.publicKey], env: { DOCKER_HOST: swarm.endpoint } });
  [admin, op1, op2] = await Promise.all([createUser("admin"), createUser("operator"), createUser("operator")]);
  const a = actorFor(admin);
  await saveHost(a, { name: "manager", address: "127.0.0.1", port: sshd.port, user: sshd.user });
  await pinCurrentKeys();
  await saveContext(a, { name: "swarm", endpoint: `ssh://${sshd.user}@127.0.0.1:${sshd.port}`, role: "swarm_manager" });
  await saveRegistry(a, { name: "local", url: registry.url });
  await saveApp(a, { name: "gh", app_id: APP_ID, api_url: api.url, private_key: keys.privateKey, webhook_secret: "whsec-deploy-0123456789" });
}, 180_000);

/** Pins the keys the test sshd presents now (and only those), as an admin accepting a scan would. */
async function pinCurrentKeys(): Promise<void> {
  const host = await getDb().host.findFirstOrThrow({ where: { name: "manager" } });
  await getDb().hostKey.deleteMany({ where: { hostId: host.id } });
  await pinHostKeys(actorFor(admin), { host_id: host.id, keys: sshd.hostKeys.map((k) => `${k.algorithm} ${k.publicKey}`) });
}

afterAll(async () => {
  await sshd?.stop();
  await Promise.all([swarm?.stop(), registry?.stop(), api?.stop(), slack?.close()]);
  delete process.env.SLIPWAY_URL;
  delete process.env.SLIPWAY_SECRET_KEY;
  resetEnvCache();
});

interface Scenario {
  ruleId: string;
  buildRuleId: string;
  repositoryId: string;
  targetId: string;
  service: string;
  serviceId: string;
}

/** A repository → build rule → deployment rule → target on the ssh context, and its swarm service running v1. */
async function scenario(opts: { approval?: unknown; healthUrl?: string; failureAction?: "rollback" | "pause"; app?: boolean; start?: AppImage } = {}): Promise<Scenario> {
  n++;
  const a = actorFor(admin);
  const repo = await saveRepository(a, opts.app ? { repo: "org/notify", app: "gh" } : { repo: `p${n}`, url: `https://git.example.org/p${n}.git` });
  if (opts.app) await getDb().repository.update({ where: { id: repo.id }, data: { installationId: BigInt(INSTALLATION) } });
  const build = await saveBuildRule(a, { repository_id: repo.id, name: "Dockerfile" });
  const rule = await saveDeploymentRule(a, { build_rule_id: build.id, branch: "live", image: `${registry.url}/app:live`, approval: opts.approval ?? "automatic" });
  const service = `app${n}`;
  const target = await saveTarget(a, { deployment_rule_id: rule.id, name: `prod-${n}`, context: "swarm", service, monitor: 1, converge_timeout: 60, health_timeout: 5, ...(opts.healthUrl ? { health_url: opts.healthUrl } : {}) });
  const start = opts.start ?? img.v1;
  const created = await swarm.docker.createService({
    Name: service,
    TaskTemplate: { ContainerSpec: { Image: start.ref, StopGracePeriod: SECOND }, RestartPolicy: { Condition: "any", Delay: SECOND / 5 }, Networks: [] },
    Mode: { Replicated: { Replicas: 1 } },
    UpdateConfig: { Parallelism: 1, Delay: 0, Monitor: 2 * SECOND, FailureAction: opts.failureAction ?? "rollback", MaxFailureRatio: 0, Order: "stop-first" },
    RollbackConfig: { Parallelism: 1, Delay: 0, Monitor: SECOND, FailureAction: "pause", MaxFailureRatio: 0, Order: "stop-first" },
  } as Dockerode.CreateServiceOptions);
  await eventually(`${service} running v1`, async () => (await runningImages(swarm.docker, created.id)).length === 1, 60_000);
  return { ruleId: rule.id, buildRuleId: build.id, repositoryId: repo.id, targetId: target.id, service, serviceId: created.id };
}

let shaN = 0;
/** A succeeded build of a new commit and its release of `image`, recorded with its deployments as the build runner does. */
async function release(s: Scenario, image: AppImage, opts: { pushedBy?: string } = {}) {
  shaN++;
  const sha = (0xd0000 + shaN).toString(16).padStart(40, "0");
  const db = getDb();
  const commit = await db.commit.create({ data: { repositoryId: s.repositoryId, sha, message: `release ${image.tag}`, pushedBy: opts.pushedBy ?? null } });
  const build = await db.build.create({ data: { buildRuleId: s.buildRuleId, commitId: commit.id, state: "succeeded", trigger: "webhook" } });
  const rel = await db.release.create({ data: { recordedBeforeSigning: true, buildId: build.id, deploymentRuleId: s.ruleId, imageRepo: image.repo, tag: image.tag, digest: image.digest } });
  const out = await db.$transaction((tx) => createDeploymentsForRelease(tx, rel.id, { type: "worker", workerId: "test" }));
  return { releaseId: rel.id, sha, deploymentId: out.created[0]?.id ?? null, pinned: out.pinned };
}

/** `docker service inspect`, from the test's own client. */
async function specImage(serviceId: string): Promise<string> {
  const s = (await swarm.docker.getService(serviceId).inspect()) as { Spec: { TaskTemplate: { ContainerSpec: { Image: string } } } };
  return s.Spec.TaskTemplate.ContainerSpec.Image;
}

const run = (id: string) => runDeployment(id, { workerId: "test-worker", log: quiet });
const deployment = (id: string) => getDb().deployment.findUniqueOrThrow({ where: { id } });
const logText = async (id: string) => (await readDeploymentLog(id, -1, 10_000)).map((c) => c.text).join("");
const actions = async (id: string) => (await getDb().auditEvent.findMany({ where: { subjectId: id }, orderBy: { id: "asc" } })).map((e) => e.action);

async function httpServer(status: () => number): Promise<{ url: string; hits: () => number; close: () => Promise<void> }> {
  let hits = 0;
  const server: Server = createServer((_req, res) => {
    hits++;
    res.writeHead(status()).end("health\n");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/healthz`, hits: () => hits, close: () => new Promise((r) => server.close(() => r())) };
}

describe("deploying to a swarm service over the pinned SSH context", () => {
  test("a release converges: the service runs the recorded digest, the target's current release moves, every step is logged and audited", async () => {
    const s = await scenario();
    const r = await release(s, img.v2);
    expect((await deployment(r.deploymentId!)).state).toBe("queued");
    const out = await run(r.deploymentId!);
    const d = await deployment(r.deploymentId!);
    expect(out.state, `${d.reason}\n${await logText(d.id)}`).toBe("succeeded");
    expect(d).toMatchObject({ state: "succeeded", reason: null, workerId: "test-worker" });
    expect(d.serviceVersion).not.toBeNull();
    expect(await specImage(s.serviceId)).toBe(`${img.v2.repo}:v2@${img.v2.digest}`);
    expect(await runningImages(swarm.docker, s.serviceId)).toEqual([img.v2.ref]);
    const t = await getDb().target.findUniqueOrThrow({ where: { id: s.targetId } });
    expect(t).toMatchObject({ currentReleaseId: r.releaseId, liveImage: img.v2.ref, driftDetectedAt: null });
    expect(t.lastDeployedAt).not.toBeNull();
    const text = await logText(d.id);
    expect(text).toMatch(/==> updating the service app\d+/);
    expect(text).toMatch(/waiting for app\d+ to converge/);
    expect(text).toMatch(/==> succeeded/);
    expect(await actions(d.id)).toEqual(["deployment.created", "deployment.started", "deployment.succeeded"]);
  }, 120_000);

  test("an image that exits at once: the swarm rolls the update back, recorded as rolled_back, never succeeded", async () => {
    const s = await scenario();
    const r = await release(s, img.bad);
    const out = await run(r.deploymentId!);
    expect(out.state, await logText(r.deploymentId!)).toBe("rolled_back");
    const d = await deployment(r.deploymentId!);
    expect(d.reason).toMatch(/the swarm rolled the update back/);
    expect(await specImage(s.serviceId)).toBe(img.v1.ref);
    await eventually("v1 running again", async () => (await runningImages(swarm.docker, s.serviceId)).join() === img.v1.ref, 60_000);
    expect((await getDb().target.findUniqueOrThrow({ where: { id: s.targetId } })).currentReleaseId).toBeNull();
    expect(await actions(d.id)).toContain("deployment.rolled_back");
  }, 120_000);

  test("a paused update (failure action pause) fails, and Slipway rolls the service back itself", async () => {
    const s = await scenario({ failureAction: "pause" });
    const r = await release(s, img.bad);
    const out = await run(r.deploymentId!);
    expect(out.state).toBe("failed");
    expect((await deployment(r.deploymentId!)).reason).toMatch(/rolled back to .*v1/);
    expect(await specImage(s.serviceId)).toBe(img.v1.ref);
  }, 150_000);

  test("a failing health URL after convergence: Slipway rolls the target back and fails the deployment with the reason", async () => {
    const health = await httpServer(() => 503);
    try {
      const s = await scenario({ healthUrl: health.url });
      const r = await release(s, img.v2);
      const out = await run(r.deploymentId!);
      const d = await deployment(r.deploymentId!);
      expect(out.state, await logText(d.id)).toBe("failed");
      expect(d.reason).toMatch(/health check failed: .*did not answer 2xx within 5 s \(last: HTTP 503\); rolled back to/);
      expect(health.hits()).toBeGreaterThan(1);
      expect(await specImage(s.serviceId)).toBe(img.v1.ref);
      await eventually("v1 running again", async () => (await runningImages(swarm.docker, s.serviceId)).join() === img.v1.ref, 60_000);
    } finally {
      await health.close();
    }
  }, 150_000);

  test("approval required: the deployment waits, then an approver's approval deploys it; its pusher could not approve", async () => {
    const health = await httpServer(() => 200);
    try {
      const s = await scenario({ approval: "manual", healthUrl: health.url });
      const r = await release(s, img.v2, { pushedBy: op1.login });
      expect((await deployment(r.deploymentId!)).state).toBe("pending_approval");
      // nothing runs while it waits
      expect((await run(r.deploymentId!)).state).toBe("skipped");
      expect(await specImage(s.serviceId)).toBe(img.v1.ref);
      await expect(approveDeployment(actorFor(op1), { deploymentId: r.deploymentId })).rejects.toThrow(/your own change/);
      await approveDeployment(actorFor(op2), { deploymentId: r.deploymentId, comment: "ship it" });
      expect((await run(r.deploymentId!)).state).toBe("succeeded");
      expect(await specImage(s.serviceId)).toBe(img.v2.ref);
    } finally {
      await health.close();
    }
  }, 120_000);

  test("roll back to the release before last: the service runs that digest without a rebuild, and the target is pinned; a release while pinned does not deploy", async () => {
    const s = await scenario();
    const r2 = await release(s, img.v2);
    expect((await run(r2.deploymentId!)).state).toBe("succeeded");
    const r3 = await release(s, img.v3);
    expect((await run(r3.deploymentId!)).state).toBe("succeeded");
    expect(await specImage(s.serviceId)).toBe(img.v3.ref);

    const rb = await rollbackTarget(actorFor(op1), { targetId: s.targetId, releaseId: r2.releaseId });
    expect((await run(rb.deploymentId)).state).toBe("succeeded");
    expect(await specImage(s.serviceId)).toBe(img.v2.ref);
    const t = await getDb().target.findUniqueOrThrow({ where: { id: s.targetId } });
    expect(t).toMatchObject({ currentReleaseId: r2.releaseId, pinnedReleaseId: r2.releaseId, pinnedById: op1.id });
    expect((await deployment(rb.deploymentId)).trigger).toBe("rollback");

    const r4 = await release(s, img.v1);
    expect(r4.deploymentId).toBeNull();
    expect(r4.pinned).toEqual([`prod-${n}`]);
    expect(await specImage(s.serviceId)).toBe(img.v2.ref);
  }, 180_000);

  test("a changed host key: the deployment fails with both fingerprints before any Docker call", async () => {
    const s = await scenario();
    const r = await release(s, img.v2);
    const pinned = sshd.hostKeys.map((k) => k.fingerprintSha256);
    const callsBefore = swarm.apiCalls().length;
    await sshd.replaceHostKey();
    try {
      const out = await run(r.deploymentId!);
      expect(out.state).toBe("failed");
      const reason = (await deployment(r.deploymentId!)).reason!;
      expect(reason).toMatch(/host key/i);
      for (const f of pinned) expect(reason).toContain(f);
      expect(reason).toContain(sshd.hostKeys[0]!.fingerprintSha256);
      expect(swarm.apiCalls().length).toBe(callsBefore);
      expect(await specImage(s.serviceId)).toBe(img.v1.ref);
    } finally {
      // pin the new keys, so later cases reach the host again
      await pinCurrentKeys();
    }
  }, 120_000);

  test("a missing service fails with the reason in words", async () => {
    const s = await scenario();
    await swarm.docker.getService(s.serviceId).remove();
    const r = await release(s, img.v2);
    expect((await run(r.deploymentId!)).state).toBe("failed");
    expect((await deployment(r.deploymentId!)).reason).toMatch(new RegExp(`${s.service}`));
  }, 120_000);

  test("drift: a service changed behind Slipway's back is flagged, and cleared when it matches again", async () => {
    const s = await scenario();
    const r = await release(s, img.v2);
    expect((await run(r.deploymentId!)).state).toBe("succeeded");
    expect((await checkDrift()).changes.filter((c) => c.targetId === s.targetId)).toEqual([]);
    const svc = swarm.docker.getService(s.serviceId);
    const cur = (await svc.inspect()) as { Version: { Index: number }; Spec: Record<string, unknown> & { TaskTemplate: { ContainerSpec: { Image: string } } } };
    cur.Spec.TaskTemplate.ContainerSpec.Image = img.v3.ref;
    await svc.update({ ...cur.Spec, version: cur.Version.Index });
    const drift = await checkDrift();
    expect(drift.changes.find((c) => c.targetId === s.targetId)).toMatchObject({ drifted: true, liveImage: img.v3.ref });
    expect((await getDb().target.findUniqueOrThrow({ where: { id: s.targetId } })).driftDetectedAt).not.toBeNull();
    expect(await getDb().auditEvent.count({ where: { subjectId: s.targetId, action: "target.drift_detected" } })).toBe(1);
  }, 120_000);

  test("sshd stopped: the deployment waits to retry with the reason in words (test/deploy.transient-retry.test.ts), and nothing is left running", async () => {
    const s = await scenario();
    const r = await release(s, img.v2);
    await sshd.stop();
    try {
      expect((await run(r.deploymentId!)).state).toBe("retrying");
      expect(await deployment(r.deploymentId!)).toMatchObject({ state: "queued", workerId: null });
      expect((await deployment(r.deploymentId!)).reason).toMatch(/127\.0\.0\.1|refused|reach/i);
      expect(await specImage(s.serviceId)).toBe(img.v1.ref);
      // no retry left behind for the worker process of a later case
      await cancelDeployment(actorFor(op1), { deploymentId: r.deploymentId });
    } finally {
      const deployer = await ensureDeployerKey();
      sshd = await startSshd({ authorizedKeys: [deployer.publicKey], env: { DOCKER_HOST: swarm.endpoint } });
      const host = await getDb().host.findFirstOrThrow({ where: { name: "manager" } });
      await saveHost(actorFor(admin), { id: host.id, name: "manager", address: "127.0.0.1", port: sshd.port, user: sshd.user });
      await pinCurrentKeys();
      await saveContext(actorFor(admin), { id: (await getDb().dockerContext.findFirstOrThrow({ where: { name: "swarm" } })).id, name: "swarm", endpoint: `ssh://${sshd.user}@127.0.0.1:${sshd.port}`, role: "swarm_manager" });
    }
  }, 120_000);
});

describe("deploying to a compose project's service", () => {
  test("its containers are recreated on the release one at a time; a release that crashes is failed with the previous containers restored", async () => {
    n++;
    const a = actorFor(admin);
    const repo = await saveRepository(a, { repo: `c${n}`, url: `https://git.example.org/c${n}.git` });
    const build = await saveBuildRule(a, { repository_id: repo.id, name: "Dockerfile" });
    const rule = await saveDeploymentRule(a, { build_rule_id: build.id, branch: "live", image: `${registry.url}/app:live` });
    const project = `shop${n}`;
    const target = await saveTarget(a, { deployment_rule_id: rule.id, name: `compose-${n}`, context: "swarm", compose_project: project, service: "web", monitor: 1, health_timeout: 10 });
    const labels = (i: number) => ({ "com.docker.compose.project": project, "com.docker.compose.service": "web", "com.docker.compose.container-number": String(i), "com.docker.compose.oneoff": "False" });
    for (const i of [1, 2]) {
      const c = await swarm.docker.createContainer({ name: `${project}-web-${i}`, Image: img.v1.ref, Labels: labels(i), Env: [`SLOT=${i}`], HostConfig: { NetworkMode: "none", RestartPolicy: { Name: "unless-stopped" } } });
      await c.start();
    }
    const s: Scenario = { ruleId: rule.id, buildRuleId: build.id, repositoryId: repo.id, targetId: target.id, service: "web", serviceId: "" };
    const containers = async () =>
      (await swarm.docker.listContainers({ all: true, filters: { label: [`com.docker.compose.project=${project}`] } }))
        .map((c) => ({ name: c.Names[0]!.slice(1), image: c.Labels["dev.slipway.image"] ?? c.Image, state: c.State }))
        .sort((x, y) => x.name.localeCompare(y.name));

    const r = await release(s, img.v2);
    const out = await run(r.deploymentId!);
    expect(out.state, await logText(r.deploymentId!)).toBe("succeeded");
    expect(await containers()).toEqual([
      { name: `${project}-web-1`, image: img.v2.ref, state: "running" },
      { name: `${project}-web-2`, image: img.v2.ref, state: "running" },
    ]);
    const env = (await swarm.docker.getContainer(`${project}-web-2`).inspect()).Config.Env;
    expect(env).toContain("SLOT=2");
    const text = await logText(r.deploymentId!);
    expect(text.indexOf(`${project}-web-1`)).toBeLessThan(text.indexOf(`${project}-web-2`));

    const bad = await release(s, img.bad);
    expect((await run(bad.deploymentId!)).state).toBe("failed");
    expect((await deployment(bad.deploymentId!)).reason).toMatch(/restored/);
    expect(await containers()).toEqual([
      { name: `${project}-web-1`, image: img.v2.ref, state: "running" },
      { name: `${project}-web-2`, image: img.v2.ref, state: "running" },
    ]);
    expect((await getDb().target.findUniqueOrThrow({ where: { id: target.id } })).currentReleaseId).toBe(r.releaseId);
  }, 180_000);
});

describe("serialization and recovery", () => {
  test("two releases for one target run one after the other; a third supersedes the queued second", async () => {
    const s = await scenario();
    const a = await release(s, img.v2);
    const running = run(a.deploymentId!);
    await eventually("the first deployment to start", async () => ["deploying", "verifying"].includes((await deployment(a.deploymentId!)).state));
    const b = await release(s, img.v3);
    // the running one is not superseded; the new one waits its turn on the target's queue
    expect((await deployment(b.deploymentId!)).state).toBe("queued");
    const c = await release(s, img.v1);
    expect(await deployment(b.deploymentId!)).toMatchObject({ state: "superseded", supersededById: c.deploymentId });
    expect((await running).state).toBe("succeeded");
    expect((await run(b.deploymentId!)).state).toBe("skipped");
    expect((await run(c.deploymentId!)).state).toBe("succeeded");
    const [da, dc] = [await deployment(a.deploymentId!), await deployment(c.deploymentId!)];
    expect(dc.startedAt!.getTime()).toBeGreaterThanOrEqual(da.finishedAt!.getTime());
    expect(await specImage(s.serviceId)).toBe(img.v1.ref);
  }, 180_000);

  test("a worker SIGKILLed while verifying: after the restart the deployment ends succeeded or failed, never stuck", async () => {
    const s = await scenario();
    const r = await release(s, img.v2);
    // the job enqueued with the release would be taken by the worker process below
    const id = `doomed-deployer-${process.pid}`;
    const child = startScript("workers/main.ts", [], { DATABASE_URL: process.env.DATABASE_URL, SLIPWAY_WORKER_ID: id, SLIPWAY_URL: "https://slipway.example.org", SLIPWAY_SECRET_KEY: process.env.SLIPWAY_SECRET_KEY, LOG_LEVEL: "info" });
    const exited = waitForExit(child, 120_000);
    try {
      await eventually("the worker to be verifying the deployment", async () => {
        const d = await deployment(r.deploymentId!);
        if (["succeeded", "failed", "rolled_back"].includes(d.state)) throw new Error(`the deployment ended before the kill: ${d.state} ${d.reason}`);
        return d.state === "verifying" && d.workerId === id;
      }, 60_000);
    } catch (err) {
      child.kill("SIGKILL");
      const out = await exited;
      throw new Error(`${(err as Error).message}\nworker stderr:\n${out.stderr.slice(-3000)}\nstdout:\n${out.stdout.slice(-3000)}`);
    } finally {
      child.kill("SIGKILL");
      await exited;
    }
    expect((await deployment(r.deploymentId!)).state).toBe("verifying");
    // the dead worker's heartbeat goes stale (as 45 s of silence would make it), then the reaper runs
    await getDb().workerHeartbeat.update({ where: { id }, data: { lastSeenAt: new Date(Date.now() - 60_000) } });
    const reaped = await reapDeployments();
    expect(reaped.verify).toContain(r.deploymentId);
    // the swarm finishes the update on its own; re-verification then sees it converged
    await eventually("the swarm to converge on v2", async () => (await runningImages(swarm.docker, s.serviceId)).join() === img.v2.ref, 60_000);
    const v = await reverifyDeployment(r.deploymentId!, { workerId: "test-worker-2" });
    expect(v?.state, `${v?.reason}\n${await logText(r.deploymentId!)}`).toBe("succeeded");
    const d = await deployment(r.deploymentId!);
    expect(d.state).toBe("succeeded");
    expect(await logText(d.id)).toMatch(/re-verifying: worker doomed-deployer/);
    expect(await actions(d.id)).toContain("deployment.reverified");
    expect((await getDb().target.findUniqueOrThrow({ where: { id: s.targetId } })).currentReleaseId).toBe(r.releaseId);
  }, 180_000);
  test("re-verification runs the health check its stopped worker did not get to: unhealthy, the release is taken back and the deployment fails", async () => {
    let status = 200;
    const health = await httpServer(() => status);
    try {
      const s = await scenario({ healthUrl: health.url });
      const r = await release(s, img.v2);
      expect((await run(r.deploymentId!)).state).toBe("succeeded");
      // as its row would be had its worker died after convergence, before the health check: verifying, no worker
      await getDb().deployment.update({ where: { id: r.deploymentId! }, data: { state: "verifying", finishedAt: null, reason: null, workerId: null } });
      status = 503;
      const hitsBefore = health.hits();
      const v = await reverifyDeployment(r.deploymentId!, { workerId: "test-worker-3" });
      const log = await logText(r.deploymentId!);
      expect(v?.state, `${v?.reason}\n${log}`).toBe("failed");
      expect(v?.reason).toMatch(/the worker stopped mid-deployment; the service converged, then health check failed: .*\(last: HTTP 503\); rolled back to/);
      expect(health.hits()).toBeGreaterThan(hitsBefore);
      expect(await specImage(s.serviceId)).toBe(img.v1.ref);
      expect(await actions(r.deploymentId!)).toContain("deployment.failed");
    } finally {
      await health.close();
    }
  }, 150_000);
});

describe("notifications", () => {
  test("Slack gets started and succeeded with links; GitHub gets a deployment for the target with in_progress then success", async () => {
    await saveChannel(actorFor(admin), { name: "ops", events: ["deployment.pending_approval", "deployment.started", "deployment.succeeded", "deployment.failed", "drift.detected"], url: slack.url() });
    const s = await scenario({ app: true });
    const r = await release(s, img.v2);
    expect((await run(r.deploymentId!)).state).toBe("succeeded");
    await notifyDeployment(r.deploymentId!, "started", quiet);
    await notifyDeployment(r.deploymentId!, "succeeded", quiet);
    const texts = slack.messages.map((m) => JSON.stringify(m.body));
    expect(texts.some((t) => t.includes(`prod-${n}`) && t.includes("Deploying"))).toBe(true);
    expect(texts.some((t) => t.includes(`prod-${n}`) && t.includes("Deployed"))).toBe(true);
    expect(texts.some((t) => t.includes(`https://slipway.example.org/deployments/${r.deploymentId}`))).toBe(true);
    const gh = api.deployments.filter((c) => c.body.environment === `prod-${n}`);
    expect(gh).toHaveLength(1);
    expect(gh[0]!.body.ref).toBe(r.sha);
    const statuses = api.deploymentStatuses.filter((c) => c.deploymentId === gh[0]!.id).map((c) => c.body.state);
    expect(statuses).toEqual(["in_progress", "success"]);
    expect((await deployment(r.deploymentId!)).githubDeploymentId).toBe(BigInt(gh[0]!.id!));

    // a deployment that waits for approval is announced (to Slack only: GitHub hears once it starts)
    await getDb().deploymentRule.update({ where: { id: s.ruleId }, data: { approvalMode: "manual" } });
    const waiting = await release(s, img.v3);
    await notifyDeployment(waiting.deploymentId!, "pending_approval", quiet);
    expect(slack.messages.at(-1)!.text).toMatch(new RegExp(`to prod-${n} waits for approval`));
    expect(api.deployments.filter((c) => c.body.environment === `prod-${n}`)).toHaveLength(1);
    // drift goes to the channels subscribed to drift.detected
    await notifyDrift({ targetId: s.targetId, name: `prod-${n}`, liveImage: img.v1.ref, expected: img.v2.ref }, quiet);
    expect(slack.messages.at(-1)!.text).toMatch(new RegExp(`^Drift on prod-${n}: it runs ${img.v1.repo.replace(/\./g, "\\.")}`));
  }, 120_000);
});
