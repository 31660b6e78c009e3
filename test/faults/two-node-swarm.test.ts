// A swarm of two nodes (test/helpers/swarm-node.ts: the manager on the host, a worker node's dockerd in its
// own network namespace), a service with one replica on each node (MaxReplicas 1), and a real Slipway worker
// process (workers/main.ts) that deploys to it through the pinned SSH docker context. Checked on the manager
// with the Engine API's `docker service ps` (test/helpers/swarm.ts servicePs), independently of the code
// under test: a release converges on both nodes and Slipway's rollback command puts the previous one back on
// both; a node cut off in the middle of an update ends the deployment in words that name the node, within
// its timeout, and nothing stays deploying or verifying.
import type Dockerode from "dockerode";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { getDb } from "@/lib/db";
import { resetEnvCache } from "@/lib/env";
import { readDeploymentLog } from "@/lib/build/log-store";
import { ensureDeployerKey } from "@/lib/services/deployer-key";
import { createDeploymentsForRelease } from "@/lib/services/deployments/schedule";
import { rollbackTarget } from "@/lib/services/deployments/commands";
import { pinHostKeys } from "@/lib/services/inventory/hosts";
import { saveBuildRule, saveContext, saveDeploymentRule, saveHost, saveRegistry, saveRepository, saveTarget } from "@/lib/services/inventory/entities";
import { actorFor, createUser, type TestUser } from "@/test/helpers/fixtures";
import { startSwarmWithWorkerNode, type SwarmWithWorker } from "@/test/helpers/swarm-node";
import { startSshd, type Sshd } from "@/test/helpers/sshd";
import { importBusybox } from "@/test/helpers/busybox";
import { buildAppImage, type AppImage } from "@/test/helpers/app-images";
import { startScript, waitForExit, type ScriptResult } from "@/test/helpers/spawn";
import { eventually } from "@/test/helpers/eventually";
import { servicePs, type ServicePsRow } from "@/test/helpers/swarm";
import { faultTrials, recordFault } from "@/test/helpers/faults";

const SECOND = 1_000_000_000;
const ENDED = ["succeeded", "failed", "rolled_back"];

let s: SwarmWithWorker;
let sshd: Sshd;
let admin: TestUser;
let op: TestUser;
let worker: ReturnType<typeof startScript> | undefined;
let workerExit: Promise<ScriptResult> | undefined;
const img = {} as Record<"v1" | "v2" | "v3", AppImage>;
let n = 0;

beforeAll(async () => {
  process.env.SLIPWAY_URL = "https://slipway.example.org";
  // the worker process started below must open the deployer key this process seals
  process.env.SLIPWAY_SECRET_KEY = "7".repeat(64);
  resetEnvCache();
  s = await startSwarmWithWorkerNode();
  const base = await importBusybox(s.manager.docker, `${s.registry.url}/busybox:latest`);
  for (const v of ["v1", "v2", "v3"] as const) img[v] = await buildAppImage(s.manager.docker, { base, repo: `${s.registry.url}/app`, tag: v, lines: [`CMD ["/bin/busybox", "sleep", "3600"]`] });
  const deployer = await ensureDeployerKey();
  sshd = await startSshd({ authorizedKeys: [deployer.publicKey], env: { DOCKER_HOST: s.manager.endpoint } });
  [admin, op] = await Promise.all([createUser("admin"), createUser("operator")]);
  const a = actorFor(admin);
  const host = await saveHost(a, { name: "manager", address: "127.0.0.1", port: sshd.port, user: sshd.user });
  await pinHostKeys(a, { host_id: host.id, keys: sshd.hostKeys.map((k) => `${k.algorithm} ${k.publicKey}`) });
  await saveContext(a, { name: "two-nodes", endpoint: `ssh://${sshd.user}@127.0.0.1:${sshd.port}`, role: "swarm_manager" });
  await saveRegistry(a, { name: "local", url: s.registry.url });
  // a real Slipway worker takes the deploy jobs the releases and the rollback command enqueue
  worker = startScript("workers/main.ts", [], {
    DATABASE_URL: process.env.DATABASE_URL,
    SLIPWAY_WORKER_ID: `two-node-${process.pid}`,
    SLIPWAY_URL: process.env.SLIPWAY_URL,
    SLIPWAY_SECRET_KEY: process.env.SLIPWAY_SECRET_KEY,
    LOG_LEVEL: "info",
  });
  workerExit = waitForExit(worker, 60 * 60_000);
  // started: it beats its heart in the database (so the test's figures leave its start-up out)
  const id = `two-node-${process.pid}`;
  await eventually("the Slipway worker process to start", async () => {
    if (worker?.exitCode !== null) throw new Error(`the worker process exited (${worker?.exitCode}): ${JSON.stringify(await workerExit)}`);
    return (await getDb().workerHeartbeat.count({ where: { id } })) > 0;
  }, 120_000, 250);
}, 300_000);

afterAll(async () => {
  if (worker && worker.exitCode === null) {
    worker.kill("SIGTERM");
    const killer = setTimeout(() => worker?.kill("SIGKILL"), 20_000);
    await workerExit?.catch(() => undefined);
    clearTimeout(killer);
  }
  await sshd?.stop();
  await s?.cleanup();
  delete process.env.SLIPWAY_URL;
  delete process.env.SLIPWAY_SECRET_KEY;
  resetEnvCache();
}, 120_000);

interface Scenario {
  ruleId: string;
  buildRuleId: string;
  repositoryId: string;
  targetId: string;
  service: string;
  serviceId: string;
}

/** A target on a fresh service of two replicas, one per node, both running v1 (checked with `docker service ps`). */
async function scenario(opts: { convergeTimeout: number; updateDelaySeconds: number }): Promise<Scenario> {
  n++;
  const a = actorFor(admin);
  const repo = await saveRepository(a, { repo: `two${n}`, url: `https://git.example.org/two${n}.git` });
  const build = await saveBuildRule(a, { repository_id: repo.id, name: "Dockerfile" });
  const rule = await saveDeploymentRule(a, { build_rule_id: build.id, branch: "live", image: `${s.registry.url}/app:live`, approval: "automatic" });
  const service = `two${n}`;
  const target = await saveTarget(a, { deployment_rule_id: rule.id, name: `spread-${n}`, context: "two-nodes", service, monitor: 1, converge_timeout: opts.convergeTimeout, health_timeout: 5 });
  const created = await s.manager.docker.createService({
    Name: service,
    TaskTemplate: {
      ContainerSpec: { Image: img.v1.ref, StopGracePeriod: SECOND },
      RestartPolicy: { Condition: "any", Delay: SECOND / 5 },
      // one replica per node: two replicas land on both nodes
      Placement: { MaxReplicas: 1 },
      Networks: [],
    },
    Mode: { Replicated: { Replicas: 2 } },
    // one task at a time; the fault case pauses between them, so that the fault lands between the two nodes
    UpdateConfig: { Parallelism: 1, Delay: opts.updateDelaySeconds * SECOND, Monitor: 2 * SECOND, FailureAction: "rollback", MaxFailureRatio: 0, Order: "stop-first" },
    RollbackConfig: { Parallelism: 1, Delay: 0, Monitor: SECOND, FailureAction: "pause", MaxFailureRatio: 0, Order: "stop-first" },
  } as Dockerode.CreateServiceOptions);
  await eventually(`${service}: v1 running on both nodes`, async () => onBothNodes(await servicePs(s.manager.docker, created.id), img.v1), 90_000, 250);
  return { ruleId: rule.id, buildRuleId: build.id, repositoryId: repo.id, targetId: target.id, service, serviceId: created.id };
}

/** Two tasks wanted running, both running `image`, one on the manager and one on the worker node. */
function onBothNodes(rows: ServicePsRow[], image: AppImage): boolean {
  return rows.length === 2 && rows.every((r) => r.state === "running" && r.image === image.ref) && new Set(rows.map((r) => r.nodeId)).size === 2 && rows.some((r) => r.nodeId === s.nodes.worker) && rows.some((r) => r.nodeId === s.nodes.manager);
}

let shaN = 0;
/** A succeeded build of a new commit and its release of `image`, with its deployment (and job) as the build runner records them. */
async function release(sc: Scenario, image: AppImage) {
  shaN++;
  const sha = (0xe0000 + shaN).toString(16).padStart(40, "0");
  const db = getDb();
  const commit = await db.commit.create({ data: { repositoryId: sc.repositoryId, sha, message: `release ${image.tag}` } });
  const build = await db.build.create({ data: { buildRuleId: sc.buildRuleId, commitId: commit.id, state: "succeeded", trigger: "webhook" } });
  const rel = await db.release.create({ data: { recordedBeforeSigning: true, buildId: build.id, deploymentRuleId: sc.ruleId, imageRepo: image.repo, tag: image.tag, digest: image.digest } });
  const out = await db.$transaction((tx) => createDeploymentsForRelease(tx, rel.id, { type: "worker", workerId: "test" }));
  const deploymentId = out.created[0]?.id;
  if (!deploymentId) throw new Error(`release ${image.tag} made no deployment (pinned: ${out.pinned.join(", ")})`);
  return { releaseId: rel.id, deploymentId };
}

const deployment = (id: string) => getDb().deployment.findUniqueOrThrow({ where: { id } });
const logText = async (id: string) => (await readDeploymentLog(id, -1, 10_000)).map((c) => c.text).join("");
const specImage = async (serviceId: string) =>
  ((await s.manager.docker.getService(serviceId).inspect()) as { Spec: { TaskTemplate: { ContainerSpec: { Image: string } } } }).Spec.TaskTemplate.ContainerSpec.Image;

/** Waits until the worker process ended the deployment; fails with its log (and the worker's output) when it does not. */
async function ended(id: string, timeoutMs: number) {
  try {
    return await eventually(`deployment ${id} to end`, async () => {
      const d = await deployment(id);
      return ENDED.includes(d.state) ? d : null;
    }, timeoutMs, 250);
  } catch (err) {
    const d = await deployment(id);
    throw new Error(`${(err as Error).message}: it is ${d.state} (${d.reason ?? "no reason"})\n${await logText(id)}\nworker exited: ${worker?.exitCode}`);
  }
}

describe("a service with a replica on each of two nodes", () => {
  test("a release converges on both nodes; Slipway's rollback command puts the previous release back on both", async () => {
    const sc = await scenario({ convergeTimeout: 90, updateDelaySeconds: 0 });
    const r1 = await release(sc, img.v1);
    expect((await ended(r1.deploymentId, 150_000)).state).toBe("succeeded");

    const r2 = await release(sc, img.v2);
    const d2 = await ended(r2.deploymentId, 150_000);
    const secs = (d: { startedAt: Date | null; finishedAt: Date | null }) => ((d.finishedAt!.getTime() - d.startedAt!.getTime()) / 1000).toFixed(1);
    expect(d2.state, `${d2.reason}\n${await logText(d2.id)}`).toBe("succeeded");
    const after2 = await servicePs(s.manager.docker, sc.serviceId);
    expect(onBothNodes(after2, img.v2), JSON.stringify(after2)).toBe(true);
    expect(await specImage(sc.serviceId)).toBe(img.v2.ref);
    expect(await logText(d2.id)).toMatch(/all 2 replicas of service two\d+ run .*app:v2@sha256:.*; making sure they stay up/);
    expect(await getDb().target.findUniqueOrThrow({ where: { id: sc.targetId } })).toMatchObject({ currentReleaseId: r2.releaseId, liveImage: img.v2.ref });

    const rb = await rollbackTarget(actorFor(op), { targetId: sc.targetId, releaseId: r1.releaseId });
    const d3 = await ended(rb.deploymentId, 150_000);
    expect(d3.state, `${d3.reason}\n${await logText(d3.id)}`).toBe("succeeded");
    expect(d3.trigger).toBe("rollback");
    console.log(`two-node swarm: deployment converged on both nodes in ${secs(d2)} s, rollback in ${secs(d3)} s`);
    const after3 = await servicePs(s.manager.docker, sc.serviceId);
    expect(onBothNodes(after3, img.v1), JSON.stringify(after3)).toBe(true);
    expect(await specImage(sc.serviceId)).toBe(img.v1.ref);
    expect(await getDb().target.findUniqueOrThrow({ where: { id: sc.targetId } })).toMatchObject({ currentReleaseId: r1.releaseId, pinnedReleaseId: r1.releaseId, liveImage: img.v1.ref });
  }, 480_000);
});

describe("fault: the worker node goes down in the middle of an update", () => {
  test("the deployment ends failed or rolled back within its timeout, with a reason that names the node; nothing stays deploying or verifying", async () => {
    const trials = faultTrials();
    let passed = 0;
    const endSeconds: number[] = [];
    let firstError: unknown = null;
    for (let trial = 1; trial <= trials; trial++) {
      try {
        const sc = await scenario({ convergeTimeout: 20, updateDelaySeconds: 2 });
        const r = await release(sc, img.v3);
        // mid-update: the swarm has started a task of the new image, and has not finished
        await eventually("the update to start", async () => {
          const rows = await servicePs(s.manager.docker, sc.serviceId, { all: true });
          return rows.some((row) => row.image === img.v3.ref);
        }, 90_000, 100);
        const cut = Date.now();
        s.linkDown();
        let d;
        try {
          d = await ended(r.deploymentId, 240_000);
        } finally {
          s.linkUp();
        }
        const took = (Date.now() - cut) / 1000;
        endSeconds.push(took);
        console.log(`node cut off mid-update, trial ${trial}: ${d.state} ${took.toFixed(1)} s after the cut: ${d.reason}`);
        const why = `${d.state}: ${d.reason}\n${await logText(d.id)}\n${JSON.stringify(await servicePs(s.manager.docker, sc.serviceId, { all: true }))}`;
        expect(["failed", "rolled_back"], why).toContain(d.state);
        expect(d.workerId).toBe(`two-node-${process.pid}`);
        // the reason names the node that went away, by its ID and address, and says it is not there
        expect(d.reason, why).toMatch(new RegExp(`node ${s.nodes.worker.slice(0, 12)} \\([^)]*${s.link.nodeAddress.replace(/\./g, "\\.")}\\) is (down|disconnected|unknown)`));
        // ... and the task the swarm could not place
        expect(d.reason, why).toMatch(/did not converge within 20 s: .*(pending|no suitable node)/);
        // ended by its own watch, not by the deployment's overall deadline: converge 20 s, the rollback's 20 s,
        // health 5 s, the window twice and 60 s to spare
        expect(d.reason, why).not.toMatch(/took longer than/);
        expect((d.finishedAt!.getTime() - d.startedAt!.getTime()) / 1000, why).toBeLessThan(20 * 2 + 5 + 1 * 2 + 60);
        // nothing of this target is left deploying or verifying
        expect(await getDb().deployment.count({ where: { targetId: sc.targetId, state: { in: ["deploying", "verifying"] } } })).toBe(0);
        // the worker node comes back for the next trial; the service goes
        await eventually("the worker node to be ready again", async () => ((await s.manager.docker.getNode(s.nodes.worker).inspect()) as { Status?: { State?: string } }).Status?.State === "ready", 90_000, 500);
        await s.manager.docker.getService(sc.serviceId).remove();
        passed++;
      } catch (err) {
        firstError ??= err;
      }
    }
    recordFault({ suite: "two-node swarm", fault: "worker node cut off mid-update", trials, passed, figures: { maxEndSeconds: Math.max(...endSeconds, 0).toFixed(1) } });
    if (firstError) throw firstError;
    expect(passed).toBe(trials);
  }, 60_000 + faultTrials() * 150_000);
});
