// Fault suite: a worker process killed with SIGKILL in each phase of a build and of a swarm deployment. Every
// part is real: the worker is `workers/main.ts` in its own process, builds run on a private dockerd from a git
// daemon and push to a private registry, deployments reach a swarm manager over a pinned SSH link. A phase is
// hit for real, never by a hook in the product: a RUN step that sleeps (build), a stalled link in front of the
// git daemon (fetch), the registry (push) or sshd (service update), a service whose update is monitored for
// seconds (convergence wait), a health URL that keeps answering 503 (health monitor).
// After the kill a new worker starts; within a bound nothing is left running, the build or deployment ends
// (a build is re-queued and finished), an interrupted deployment is re-verified, and what is recorded is what
// `docker service inspect` and the service's tasks say, with the audit chain intact.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { ChildProcess } from "node:child_process";
import type Dockerode from "dockerode";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { getDb } from "@/lib/db";
import { resetEnvCache } from "@/lib/env";
import { readBuildLog, readDeploymentLog } from "@/lib/build/log-store";
import { ensureDeployerKey } from "@/lib/services/deployer-key";
import { createDeploymentsForRelease } from "@/lib/services/deployments/schedule";
import { buildNow } from "@/lib/services/builds/commands";
import { verifyAuditChain } from "@/lib/audit/verify";
import { pinHostKeys } from "@/lib/services/inventory/hosts";
import { saveBuildRule, saveContext, saveDeploymentRule, saveHost, saveRegistry, saveRepository, saveTarget } from "@/lib/services/inventory/entities";
import { startWorker, type WorkerHandle } from "@/workers/runtime";
import { actorFor, createUser, type TestUser } from "@/test/helpers/fixtures";
import { startDockerd, type TestDockerd } from "@/test/helpers/dockerd";
import { startRegistry, type TestRegistry } from "@/test/helpers/registry";
import { startSshd, type Sshd } from "@/test/helpers/sshd";
import { importBusybox } from "@/test/helpers/busybox";
import { buildAppImage, type AppImage } from "@/test/helpers/app-images";
import { createBareRepo, startGitDaemon, type BareRepo, type GitDaemon } from "@/test/helpers/git-server";
import { startScript, waitForExit, type ScriptResult } from "@/test/helpers/spawn";
import { startStallProxy, type StallProxy } from "@/test/helpers/stall-proxy";
import { eventually } from "@/test/helpers/eventually";
import { runningImages } from "@/test/helpers/swarm";
import { faultTimeout, faultTrials, recordFault } from "@/test/helpers/faults";

const SUITE = "worker killed (kill -9)";
const SECOND = 1_000_000_000;
/** from the kill to the build or deployment ended by the next worker, at most (the machine is loaded) */
const RECOVERY_BOUND_MS = 150_000;

let docker: TestDockerd;
let registry: TestRegistry;
let sshd: Sshd;
let daemon: GitDaemon;
let bare: BareRepo;
let gitLink: StallProxy;
let registryLink: StallProxy;
let sshLink: StallProxy;
let admin: TestUser;
let busybox: string;
let buildRuleId: string;
let refId: string;
const img: Record<"v1" | "v2", AppImage> = {} as Record<"v1" | "v2", AppImage>;
let worker: WorkerHandle | undefined;
let n = 0;

beforeAll(async () => {
  process.env.SLIPWAY_URL = "https://slipway.example.org";
  // the worker processes open the deployer key this process seals
  process.env.SLIPWAY_SECRET_KEY = "7".repeat(64);
  resetEnvCache();
  // one dockerd builds and is the swarm manager the deployments go to
  [docker, registry] = await Promise.all([startDockerd({ swarmInit: true }), startRegistry()]);
  busybox = await importBusybox(docker.docker, `${registry.url}/busybox:latest`);
  const sleep = [`CMD ["/bin/busybox", "sh", "-c", "trap 'exit 0' TERM; /bin/busybox sleep 3600 & wait"]`];
  for (const v of ["v1", "v2"] as const) img[v] = await buildAppImage(docker.docker, { base: busybox, repo: `${registry.url}/app`, tag: v, lines: sleep });
  const deployer = await ensureDeployerKey();
  sshd = await startSshd({ authorizedKeys: [deployer.publicKey], env: { DOCKER_HOST: docker.endpoint } });
  bare = createBareRepo({ Dockerfile: "FROM scratch\nCOPY index.html /\n", "index.html": "<h1>v1</h1>\n" }, { name: "www.git" });
  daemon = await startGitDaemon(bare.root);
  [gitLink, registryLink, sshLink] = await Promise.all([startStallProxy(daemon.port), startStallProxy(Number(registry.url.split(":")[1])), startStallProxy(sshd.port)]);

  admin = await createUser("admin");
  const a = actorFor(admin);
  // the build side: a plain git repository fetched through the stallable link, pushed through another
  const repo = await saveRepository(a, { repo: "faults/www", url: daemon.url("www.git").replace(`:${daemon.port}/`, `:${gitLink.port}/`) });
  await saveContext(a, { name: "builder", endpoint: docker.endpoint, role: "build" });
  await saveRegistry(a, { name: "linked", url: registryLink.address });
  buildRuleId = (await saveBuildRule(a, { repository_id: repo.id, dockerfile: "Dockerfile" })).id;
  await saveDeploymentRule(a, { build_rule_id: buildRuleId, branch: "live", image: `${registryLink.address}/faults/www:live` });
  refId = (await getDb().ref.create({ data: { repositoryId: repo.id, kind: "branch", name: "live", headSha: bare.commit("live", { "index.html": "<h1>v1</h1>\n" }) } })).id;

  // the deploy side: the swarm manager over SSH through the stallable link, its host keys pinned
  await saveHost(a, { name: "manager", address: "127.0.0.1", port: sshLink.port, user: sshd.user });
  const host = await getDb().host.findFirstOrThrow({ where: { name: "manager" } });
  await pinHostKeys(a, { host_id: host.id, keys: sshd.hostKeys.map((k) => `${k.algorithm} ${k.publicKey}`) });
  await saveContext(a, { name: "swarm", endpoint: `ssh://${sshd.user}@127.0.0.1:${sshLink.port}`, role: "swarm_manager" });
  await saveRegistry(a, { name: "local", url: registry.url });
}, 240_000);

afterAll(async () => {
  await worker?.stop();
  await Promise.all([gitLink?.stop(), registryLink?.stop(), sshLink?.stop()]);
  await daemon?.stop();
  await sshd?.stop();
  await Promise.all([docker?.stop(), registry?.stop()]);
  bare?.remove();
  delete process.env.SLIPWAY_URL;
  delete process.env.SLIPWAY_SECRET_KEY;
  resetEnvCache();
});

/** A worker process (`npm run worker`), to be killed; its heartbeat is in the database when this returns. */
async function doomedWorker(what: string): Promise<{ id: string; child: ChildProcess; exited: Promise<ScriptResult> }> {
  const id = `doomed-${what}-${process.pid}-${++n}`;
  const child = startScript("workers/main.ts", [], {
    DATABASE_URL: process.env.DATABASE_URL,
    SLIPWAY_WORKER_ID: id,
    SLIPWAY_URL: process.env.SLIPWAY_URL,
    SLIPWAY_SECRET_KEY: process.env.SLIPWAY_SECRET_KEY,
    LOG_LEVEL: "info",
  });
  const exited = waitForExit(child, 300_000);
  try {
    await eventually("the worker process's heartbeat", () => getDb().workerHeartbeat.findUnique({ where: { id } }), 90_000);
  } catch (err) {
    child.kill("SIGKILL");
    const out = await exited;
    throw new Error(`${(err as Error).message}\nworker stderr:\n${out.stderr.slice(-3000)}`);
  }
  return { id, child, exited };
}

/** Waits for `phase`, then SIGKILLs the worker; the kill's time. Fails (killing it anyway) if the phase never comes. */
async function killDuring(w: { child: ChildProcess; exited: Promise<ScriptResult> }, phase: string, reached: () => Promise<boolean>): Promise<number> {
  try {
    await eventually(phase, reached, 120_000, 50);
  } catch (err) {
    w.child.kill("SIGKILL");
    const out = await w.exited;
    throw new Error(`${(err as Error).message}\nworker stderr:\n${out.stderr.slice(-3000)}\nstdout:\n${out.stdout.slice(-3000)}`);
  }
  w.child.kill("SIGKILL");
  const out = await w.exited;
  expect(out.signal).toBe("SIGKILL");
  return Date.now();
}

/** The next worker: the dead one's heartbeat made stale first (as 45 s of silence would), so its start-up reaper sees it gone. */
async function nextWorker(deadId: string): Promise<WorkerHandle> {
  await getDb().workerHeartbeat.update({ where: { id: deadId }, data: { lastSeenAt: new Date(Date.now() - 60_000) } });
  worker = await startWorker({ connectionString: process.env.DATABASE_URL!, concurrency: 2, id: `next-worker-${process.pid}-${++n}` });
  return worker;
}

async function stopWorker(): Promise<void> {
  await worker?.stop();
  worker = undefined;
}

/** Nothing is left running anywhere: no build or deployment in a running state, no build container on the daemon. */
async function nothingRunning(): Promise<void> {
  expect(await getDb().build.count({ where: { state: { in: ["fetching", "building", "pushing"] } } })).toBe(0);
  expect(await getDb().deployment.count({ where: { state: { in: ["deploying", "verifying"] } } })).toBe(0);
  const containers = (await docker.docker.listContainers()) as { Labels?: Record<string, string> }[];
  // the swarm's own task containers carry com.docker.swarm labels; anything else is a build step left running
  expect(containers.filter((c) => !c.Labels?.["com.docker.swarm.service.id"])).toEqual([]);
  const chain = await verifyAuditChain();
  expect(chain, JSON.stringify(chain.firstBroken, (_k, v: unknown) => (typeof v === "bigint" ? String(v) : v))).toMatchObject({ ok: true });
}

/** Runs `trial` faultTrials() times; one row for the fault, with the median seconds from the kill to recovery. */
async function trials(fault: string, trial: (i: number) => Promise<number>): Promise<void> {
  const total = faultTrials();
  const seconds: number[] = [];
  let firstError: unknown;
  for (let i = 0; i < total; i++) {
    try {
      seconds.push(await trial(i));
    } catch (err) {
      firstError ??= err;
    } finally {
      await stopWorker();
      gitLink.cut();
      registryLink.cut();
      sshLink.cut();
    }
  }
  seconds.sort((x, y) => x - y);
  const figures = seconds.length ? { recoverySecondsMedian: Number(seconds[Math.floor(seconds.length / 2)]!.toFixed(1)), recoverySecondsMax: Number(seconds.at(-1)!.toFixed(1)) } : undefined;
  recordFault({ suite: SUITE, fault, trials: total, passed: seconds.length, figures });
  console.log(`[faults] ${SUITE}: ${fault}: ${seconds.length}/${total} passed; seconds from the kill to recovery: ${seconds.map((s) => s.toFixed(1)).join(", ")}`);
  if (firstError) throw firstError;
}

// ---------------------------------------------------------------- builds

const buildLogText = async (id: string) => (await readBuildLog(id, -1, 10_000)).map((c) => c.text).join("");

/** A new commit on `live`, built now by the doomed worker; its build id. */
async function newBuild(files: Record<string, string>): Promise<string> {
  const sha = bare.commit("live", files);
  await getDb().ref.update({ where: { id: refId }, data: { headSha: sha } });
  const r = await buildNow(actorFor(admin), { refId });
  expect(r.buildIds).toHaveLength(1);
  return r.buildIds[0]!;
}

async function buildPhase(phase: "fetching" | "building" | "pushing", files: () => Record<string, string>, reached: (buildId: string, workerId: string) => Promise<boolean>, link?: StallProxy): Promise<number> {
  const w = await doomedWorker(phase);
  if (link) link.stall();
  const buildId = await newBuild(files());
  const killedAt = await killDuring(w, `the build to be ${phase} on ${w.id}`, () => reached(buildId, w.id));
  // the dead worker said nothing: the row still says it runs
  expect((await getDb().build.findUniqueOrThrow({ where: { id: buildId } })).state).toBe(phase);
  // the network comes back (the dead worker's stalled connections are dropped)
  for (const l of [gitLink, registryLink, sshLink]) l.cut();
  // a build step's container goes with the dead worker's connection to the daemon
  await eventually("the daemon to stop the dead worker's build step", async () => {
    const c = (await docker.docker.listContainers()) as { Labels?: Record<string, string> }[];
    return c.filter((x) => !x.Labels?.["com.docker.swarm.service.id"]).length === 0;
  }, 30_000);
  await nextWorker(w.id);
  const done = await eventually("the next worker to finish the re-queued build", async () => {
    const b = await getDb().build.findUniqueOrThrow({ where: { id: buildId }, include: { releases: true } });
    if (["failed", "cancelled", "superseded"].includes(b.state)) throw new Error(`the build ended ${b.state}: ${b.reason}\n${await buildLogText(buildId)}`);
    return b.state === "succeeded" ? b : null;
  }, RECOVERY_BOUND_MS, 200);
  const seconds = (Date.now() - killedAt) / 1000;
  expect(done.workerId).toBe(worker!.id);
  expect(done.releases).toHaveLength(1);
  expect(await buildLogText(buildId)).toContain(`==> re-queued: worker ${w.id} stopped while the build was ${phase}`);
  // the release is what the registry serves under its tag, read past the (now open) link
  const res = await fetch(`http://${registry.url}/v2/faults/www/manifests/live`, { method: "HEAD", headers: { accept: "application/vnd.docker.distribution.manifest.v2+json" } });
  expect(done.releases[0]!.digest).toBe(res.headers.get("docker-content-digest"));
  await stopWorker();
  await nothingRunning();
  return seconds;
}

describe("a worker killed during a build", () => {
  test("kill -9 during fetch: the build is re-queued and the next worker builds it", async () => {
    await trials("kill -9 during fetch", (i) => {
      const before = gitLink.accepted();
      return buildPhase("fetching", () => ({ Dockerfile: "FROM scratch\nCOPY index.html /\n", "index.html": `<h1>fetch ${i} ${Date.now()}</h1>\n` }), async (id, wid) => {
        const b = await getDb().build.findUnique({ where: { id } });
        // the fetch is under way once the worker connected through the stalled link
        return b?.state === "fetching" && b.workerId === wid && gitLink.accepted() > before;
      }, gitLink);
    });
  }, faultTimeout(600_000));

  test("kill -9 during build (a RUN step): the build is re-queued and the next worker builds it", async () => {
    await trials("kill -9 during build", (i) =>
      buildPhase("building", () => ({ Dockerfile: `FROM ${busybox}\nRUN ["/bin/sleep", "8"]\nLABEL trial="${i}-${Date.now()}"\n` }), async (id, wid) => {
        const b = await getDb().build.findUnique({ where: { id } });
        return b?.state === "building" && b.workerId === wid && (await buildLogText(id)).includes("---> Running in");
      }),
    );
  }, faultTimeout(600_000));

  test("kill -9 during push: the build is re-queued and the next worker pushes it", async () => {
    await trials("kill -9 during push", (i) => {
      let stalled = false;
      // a short RUN step holds the build in "building"; the registry link is stalled then, so the push that
      // follows waits on it (nothing else reaches the registry through that link)
      return buildPhase("pushing", () => ({ Dockerfile: `FROM ${busybox}\nRUN ["/bin/sleep", "2"]\nLABEL trial="${i}-${Date.now()}"\n` }), async (id, wid) => {
        const b = await getDb().build.findUnique({ where: { id } });
        if (b?.state === "building" && !stalled) {
          registryLink.stall();
          stalled = true;
        }
        if (b && ["succeeded", "failed"].includes(b.state)) throw new Error(`the build ended ${b.state} before the push could be stalled`);
        return stalled && b?.state === "pushing" && b.workerId === wid;
      });
    });
  }, faultTimeout(600_000));
});

// ---------------------------------------------------------------- deployments

const deployLogText = async (id: string) => (await readDeploymentLog(id, -1, 10_000)).map((c) => c.text).join("");

/** `docker service inspect`'s image, from the test's own client. */
async function specImage(serviceId: string): Promise<string> {
  const s = (await docker.docker.getService(serviceId).inspect()) as { Spec: { TaskTemplate: { ContainerSpec: { Image: string } } } };
  return s.Spec.TaskTemplate.ContainerSpec.Image;
}

/** A target on the swarm context, its service running v1, and a release of v2 queued for it (taken by the doomed worker). */
async function deployScenario(opts: { monitorSeconds: number; healthUrl?: string }) {
  const k = ++n;
  const a = actorFor(admin);
  const repo = await saveRepository(a, { repo: `d${k}`, url: `https://git.example.org/d${k}.git` });
  const build = await saveBuildRule(a, { repository_id: repo.id, name: "Dockerfile" });
  const rule = await saveDeploymentRule(a, { build_rule_id: build.id, branch: "live", image: `${registry.url}/app:live` });
  const service = `fault${k}`;
  const target = await saveTarget(a, {
    deployment_rule_id: rule.id,
    name: `prod-${k}`,
    context: "swarm",
    service,
    monitor: opts.monitorSeconds,
    converge_timeout: 90,
    health_timeout: 60,
    ...(opts.healthUrl ? { health_url: opts.healthUrl } : {}),
  });
  const created = await docker.docker.createService({
    Name: service,
    TaskTemplate: { ContainerSpec: { Image: img.v1.ref, StopGracePeriod: SECOND }, RestartPolicy: { Condition: "any", Delay: SECOND / 5 }, Networks: [] },
    Mode: { Replicated: { Replicas: 1 } },
    UpdateConfig: { Parallelism: 1, Delay: 0, Monitor: SECOND, FailureAction: "rollback", MaxFailureRatio: 0, Order: "stop-first" },
    RollbackConfig: { Parallelism: 1, Delay: 0, Monitor: SECOND, FailureAction: "pause", MaxFailureRatio: 0, Order: "stop-first" },
  } as Dockerode.CreateServiceOptions);
  const serviceId = created.id as string;
  await eventually(`${service} running v1`, async () => (await runningImages(docker.docker, serviceId)).join() === img.v1.ref, 90_000);
  return { targetId: target.id, serviceId, service, ruleId: rule.id, buildRuleId: build.id, repositoryId: repo.id };
}

async function queueRelease(s: { ruleId: string; buildRuleId: string; repositoryId: string }) {
  const db = getDb();
  const sha = (0xfa000 + ++n).toString(16).padStart(40, "0");
  const commit = await db.commit.create({ data: { repositoryId: s.repositoryId, sha, message: "release v2" } });
  const build = await db.build.create({ data: { buildRuleId: s.buildRuleId, commitId: commit.id, state: "succeeded", trigger: "webhook" } });
  const rel = await db.release.create({ data: { recordedBeforeSigning: true, buildId: build.id, deploymentRuleId: s.ruleId, imageRepo: img.v2.repo, tag: img.v2.tag, digest: img.v2.digest } });
  const out = await db.$transaction((tx) => createDeploymentsForRelease(tx, rel.id, { type: "worker", workerId: "test" }));
  expect(out.created).toHaveLength(1);
  return { releaseId: rel.id, deploymentId: out.created[0]!.id };
}

async function deployPhase(fault: string, opts: { monitorSeconds: number; healthUrl?: string }, reached: (deploymentId: string, workerId: string) => Promise<boolean>): Promise<number> {
  const s = await deployScenario(opts);
  const w = await doomedWorker("deploy");
  const r = await queueRelease(s);
  const killedAt = await killDuring(w, `the deployment to be in its phase (${fault}) on ${w.id}`, () => reached(r.deploymentId, w.id));
  const interrupted = await getDb().deployment.findUniqueOrThrow({ where: { id: r.deploymentId } });
  expect(["deploying", "verifying"]).toContain(interrupted.state);
  sshLink.cut();
  await nextWorker(w.id);
  const d = await eventually("the next worker to re-verify the deployment", async () => {
    const row = await getDb().deployment.findUniqueOrThrow({ where: { id: r.deploymentId } });
    return ["succeeded", "failed", "rolled_back"].includes(row.state) ? row : null;
  }, RECOVERY_BOUND_MS, 200);
  const seconds = (Date.now() - killedAt) / 1000;
  await stopWorker();
  const text = await deployLogText(d.id);
  expect(text).toContain(`re-verifying: worker ${w.id} stopped while the deployment was ${interrupted.state}`);
  const audit = (await getDb().auditEvent.findMany({ where: { subjectId: d.id }, orderBy: { id: "asc" } })).map((e) => e.action);
  expect(audit).toContain(d.state === "succeeded" ? "deployment.reverified" : d.state === "failed" ? "deployment.failed" : "deployment.rolled_back");

  // the recorded state against the real one: the swarm's spec and the tasks it runs, asked independently
  const t = await getDb().target.findUniqueOrThrow({ where: { id: s.targetId } });
  const spec = await specImage(s.serviceId);
  const live = await eventually("the service's tasks to settle", async () => {
    const imgs = await runningImages(docker.docker, s.serviceId);
    return imgs.length === 1 ? imgs[0]! : null;
  }, 60_000);
  if (d.state === "succeeded") {
    expect(spec).toBe(`${img.v2.repo}:v2@${img.v2.digest}`);
    expect(live).toBe(img.v2.ref);
    expect(t.currentReleaseId).toBe(r.releaseId);
    expect(t.liveImage).toBe(img.v2.ref);
  } else {
    // failed: the release is not recorded as running, and what the deployment says runs does run
    expect(t.currentReleaseId, `${d.state}: ${d.reason}\n${text}`).not.toBe(r.releaseId);
    expect(live).toBe(img.v1.ref);
    expect(d.reason).toMatch(/the worker stopped mid-deployment/);
  }
  await nothingRunning();
  return seconds;
}

async function healthServer(): Promise<{ url: string; hits: () => number; close: () => Promise<void> }> {
  let hits = 0;
  // never healthy: the worker stays in its health window until it is killed
  const server: Server = createServer((_req, res) => {
    hits++;
    res.writeHead(503).end("starting\n");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/healthz`, hits: () => hits, close: () => new Promise((r) => server.close(() => r())) };
}

describe("a worker killed during a swarm deployment", () => {
  test("kill -9 during the service update (its SSH link stalled): re-verified against the swarm", async () => {
    await trials("kill -9 during swarm update", () =>
      deployPhase("swarm update", { monitorSeconds: 1 }, async (id, wid) => {
        const d = await getDb().deployment.findUnique({ where: { id } });
        if (d?.state === "deploying" && d.workerId === wid) {
          // the worker talks to the manager from here: hold its link, so the update is in flight when it dies
          sshLink.stall();
          return true;
        }
        if (d && d.state !== "queued") throw new Error(`the deployment went ${d.state} before the link was stalled`);
        return false;
      }),
    );
  }, faultTimeout(600_000));

  test("kill -9 during the convergence wait: re-verified, it ends on the swarm's real state", async () => {
    await trials("kill -9 during convergence wait", () =>
      deployPhase("convergence wait", { monitorSeconds: 8 }, async (id, wid) => {
        const d = await getDb().deployment.findUnique({ where: { id } });
        return d?.state === "verifying" && d.workerId === wid && (await deployLogText(id)).includes("waiting for");
      }),
    );
  }, faultTimeout(600_000));

  test("kill -9 during the health monitor: re-verified against what the swarm runs", async () => {
    const health = await healthServer();
    try {
      await trials("kill -9 during health monitor", () => {
        const start = health.hits();
        return deployPhase("health monitor", { monitorSeconds: 1, healthUrl: health.url }, async (id, wid) => {
          const d = await getDb().deployment.findUnique({ where: { id } });
          return d?.state === "verifying" && d.workerId === wid && health.hits() > start;
        });
      });
    } finally {
      await health.close();
    }
  }, faultTimeout(600_000));
});
