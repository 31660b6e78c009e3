// How long a swarm deployment watches the new replicas before it is done: a target saved without a monitor
// window waits as long as the swarm itself watches the update (the service's UpdateConfig.Monitor, read from
// the service at deploy time; swarm's default 5 s when the service sets none), and a target with a window of
// its own still waits that long; re-verification after a worker crash reads the window from the service as
// well. Real parts: a private dockerd in swarm mode, a private registry, deployments
// run through lib/deploy/runner.ts on a unix:// docker context; the new task's start time is the engine's own.
import type Dockerode from "dockerode";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { getDb } from "@/lib/db";
import { log as rootLog } from "@/lib/log";
import { readDeploymentLog } from "@/lib/build/log-store";
import { createDeploymentsForRelease } from "@/lib/services/deployments/schedule";
import { runDeployment } from "@/lib/deploy/runner";
import { reverifyDeployment } from "@/lib/deploy/recovery";
import { saveBuildRule, saveContext, saveDeploymentRule, saveRegistry, saveRepository, saveTarget } from "@/lib/services/inventory/entities";
import { actorFor, createUser, type TestUser } from "@/test/helpers/fixtures";
import { startDockerd, type TestDockerd } from "@/test/helpers/dockerd";
import { startRegistry, type TestRegistry } from "@/test/helpers/registry";
import { importBusybox } from "@/test/helpers/busybox";
import { buildAppImage, type AppImage } from "@/test/helpers/app-images";
import { eventually } from "@/test/helpers/eventually";
import { runningImages } from "@/test/helpers/swarm";

const SECOND = 1_000_000_000;
let swarm: TestDockerd;
let registry: TestRegistry;
let admin: TestUser;
const img: Record<"v1" | "v2", AppImage> = {} as Record<"v1" | "v2", AppImage>;
let n = 0;
const quiet = rootLog.child({ test: "deploy.monitor-window" });

beforeAll(async () => {
  [swarm, registry] = await Promise.all([startDockerd({ swarmInit: true }), startRegistry()]);
  const base = await importBusybox(swarm.docker, `${registry.url}/busybox:latest`);
  for (const v of ["v1", "v2"] as const) img[v] = await buildAppImage(swarm.docker, { base, repo: `${registry.url}/app`, tag: v, lines: [`CMD ["/bin/busybox", "sleep", "3600"]`] });
  admin = await createUser("admin");
  const a = actorFor(admin);
  await saveContext(a, { name: "swarm", endpoint: swarm.endpoint, role: "swarm_manager" });
  await saveRegistry(a, { name: "local", url: registry.url });
}, 180_000);

afterAll(async () => {
  await Promise.all([swarm?.stop(), registry?.stop()]);
});

/**
 * A target (with `monitor` when given) on a swarm service running v1 whose UpdateConfig has `updateMonitor`
 * (ns; undefined: none set), and a release of v2 recorded with its deployment (queued).
 */
async function releaseV2(opts: { monitor?: number; updateMonitor?: number }) {
  n++;
  const a = actorFor(admin);
  const repo = await saveRepository(a, { repo: `mw${n}`, url: `https://git.example.org/mw${n}.git` });
  const build = await saveBuildRule(a, { repository_id: repo.id, name: "Dockerfile" });
  const rule = await saveDeploymentRule(a, { build_rule_id: build.id, branch: "live", image: `${registry.url}/app:live` });
  const service = `mw${n}`;
  const target = await saveTarget(a, { deployment_rule_id: rule.id, name: `mw-${n}`, context: "swarm", service, converge_timeout: 60, ...(opts.monitor === undefined ? {} : { monitor: opts.monitor }) });
  const created = await swarm.docker.createService({
    Name: service,
    TaskTemplate: { ContainerSpec: { Image: img.v1.ref, StopGracePeriod: SECOND }, RestartPolicy: { Condition: "any", Delay: SECOND / 5 }, Networks: [] },
    Mode: { Replicated: { Replicas: 1 } },
    UpdateConfig: { Parallelism: 1, Delay: 0, FailureAction: "rollback", MaxFailureRatio: 0, Order: "stop-first", ...(opts.updateMonitor === undefined ? {} : { Monitor: opts.updateMonitor }) },
  } as Dockerode.CreateServiceOptions);
  await eventually(`${service} running v1`, async () => (await runningImages(swarm.docker, created.id)).length === 1, 60_000);

  const db = getDb();
  const commit = await db.commit.create({ data: { repositoryId: repo.id, sha: (0xa0000 + n).toString(16).padStart(40, "0"), message: "v2" } });
  const b = await db.build.create({ data: { buildRuleId: build.id, commitId: commit.id, state: "succeeded", trigger: "webhook" } });
  const rel = await db.release.create({ data: { recordedBeforeSigning: true, buildId: b.id, deploymentRuleId: rule.id, imageRepo: img.v2.repo, tag: img.v2.tag, digest: img.v2.digest } });
  const out = await db.$transaction((tx) => createDeploymentsForRelease(tx, rel.id, { type: "worker", workerId: "test" }));
  return { deploymentId: out.created[0]!.id, serviceId: created.id, targetId: target.id };
}

/** releaseV2, deployed by the runner. Returns the deployment, its log and when the v2 task started running by the engine's clock. */
async function deployV2(opts: { monitor?: number; updateMonitor?: number }) {
  const { deploymentId, serviceId, targetId } = await releaseV2(opts);
  await runDeployment(deploymentId, { workerId: "test-worker", log: quiet });
  const db = getDb();

  const d = await db.deployment.findUniqueOrThrow({ where: { id: deploymentId } });
  const text = (await readDeploymentLog(deploymentId, -1, 10_000)).map((c) => c.text).join("");
  const tasks = (await swarm.docker.listTasks({ filters: { service: [serviceId] } })) as Array<{ DesiredState?: string; Status?: { State?: string; Timestamp?: string }; Spec?: { ContainerSpec?: { Image?: string } } }>;
  const v2 = tasks.filter((t) => t.DesiredState === "running" && t.Status?.State === "running" && t.Spec?.ContainerSpec?.Image === img.v2.ref);
  expect(v2, text).toHaveLength(1);
  return { d, text, targetMonitor: (await db.target.findUniqueOrThrow({ where: { id: targetId } })).monitorSeconds, v2RunningAt: Date.parse(v2[0]!.Status!.Timestamp!) };
}

/** engine timestamps have nanoseconds, the row milliseconds */
const CLOCK_SLACK_MS = 5;

describe("the monitor window of a swarm deployment", () => {
  test("a target without a window waits as long as the service's UpdateConfig.Monitor, read from the service", async () => {
    const r = await deployV2({ updateMonitor: 3 * SECOND });
    expect(r.targetMonitor).toBeNull();
    expect(r.d.state, `${r.d.reason}\n${r.text}`).toBe("succeeded");
    expect(r.text).toMatch(/waiting for mw\d+ to converge \(every replica on the new image, then 3 s without a failure\)/);
    expect(r.text).toMatch(/making sure they stay up for 3 s \(the service's UpdateConfig\.Monitor\)/);
    // the new replica stayed up for the whole window before the deployment was done
    expect(r.d.finishedAt!.getTime()).toBeGreaterThanOrEqual(r.v2RunningAt + 3000 - CLOCK_SLACK_MS);
  }, 120_000);

  test("a target without a window on a service whose UpdateConfig sets no Monitor waits swarm's default 5 s", async () => {
    const r = await deployV2({});
    expect(r.d.state, `${r.d.reason}\n${r.text}`).toBe("succeeded");
    expect(r.text).toMatch(/making sure they stay up for 5 s \(the service's UpdateConfig\.Monitor\)/);
    expect(r.d.finishedAt!.getTime()).toBeGreaterThanOrEqual(r.v2RunningAt + 5000 - CLOCK_SLACK_MS);
  }, 120_000);

  test("a target's own window still holds when it is longer than the swarm's watch", async () => {
    const r = await deployV2({ monitor: 4, updateMonitor: SECOND });
    expect(r.targetMonitor).toBe(4);
    expect(r.d.state, `${r.d.reason}\n${r.text}`).toBe("succeeded");
    expect(r.text).toMatch(/making sure they stay up for 4 s(?! \(the service)/);
    expect(r.text).not.toMatch(/UpdateConfig\.Monitor/);
    expect(r.d.finishedAt!.getTime()).toBeGreaterThanOrEqual(r.v2RunningAt + 4000 - CLOCK_SLACK_MS);
  }, 120_000);

  test("re-verification after a worker crash reads the window from the service too", async () => {
    const { deploymentId, serviceId } = await releaseV2({ updateMonitor: 3 * SECOND });
    // the stopped worker had set the image and the row to deploying: the swarm is still updating (3 s watch)
    const svc = swarm.docker.getService(serviceId);
    const spec = (await svc.inspect()) as { Version: { Index: number }; Spec: { TaskTemplate: { ContainerSpec: { Image: string } } } };
    spec.Spec.TaskTemplate.ContainerSpec.Image = img.v2.ref;
    await svc.update({ ...spec.Spec, version: spec.Version.Index });
    await getDb().deployment.update({ where: { id: deploymentId }, data: { state: "deploying", startedAt: new Date(), workerId: "gone-worker" } });
    const out = await reverifyDeployment(deploymentId, { workerId: "test-worker-2" });
    const text = (await readDeploymentLog(deploymentId, -1, 10_000)).map((c) => c.text).join("");
    expect(out, text).toEqual({ state: "succeeded", reason: null });
    expect(text).toMatch(/waiting for it to converge/);
    expect(text).toMatch(/making sure they stay up for 3 s \(the service's UpdateConfig\.Monitor\)/);
  }, 120_000);
});
