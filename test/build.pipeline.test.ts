// The build engine end to end, with real parts: a signed GitHub push delivery goes through the receiver,
// a worker (graphile-worker, in-process or a separate process) applies it, schedules the build, builds it on a
// private dockerd, pushes it to a private registry, and reports the "deployability" check run to a loopback
// stand-in of GitHub's REST API. A worker killed mid-build leaves nothing running once the reaper has run.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { getDb } from "@/lib/db";
import { resetEnvCache } from "@/lib/env";
import { readBuildLog } from "@/lib/build/log-store";
import { receiveGithubWebhook } from "@/lib/services/webhooks";
import { saveApp, saveBuildRule, saveContext, saveDeploymentRule, saveRegistry, saveRepository, saveTarget } from "@/lib/services/inventory/entities";
import { clearGithubClientCache } from "@/lib/github/app-client";
import { startWorker, type WorkerHandle } from "@/workers/runtime";
import { actorFor, createUser } from "@/test/helpers/fixtures";
import { createBareRepo, startGitDaemon, type BareRepo, type GitDaemon } from "@/test/helpers/git-server";
import { startDockerd, type TestDockerd } from "@/test/helpers/dockerd";
import { startRegistry, type TestRegistry } from "@/test/helpers/registry";
import { generateAppKeyPair, startGithubApi, type GithubApi } from "@/test/helpers/github-api";
import { deliveryHeaders, examplePayload, forRepository, sign } from "@/test/helpers/webhook-payloads";
import { importBusybox } from "@/test/helpers/busybox";
import { startScript, waitForExit } from "@/test/helpers/spawn";
import { eventually } from "@/test/helpers/eventually";

const APP_ID = 5151;
const INSTALLATION = 880001;
const REPO = "tarides-test/www";
const SECRET = "whsec-pipeline-0123456789";
const keys = generateAppKeyPair();

let dockerd: TestDockerd;
let registry: TestRegistry;
let daemon: GitDaemon;
let bare: BareRepo;
let api: GithubApi;
let repositoryId: string;
let buildRuleId: string;
let busybox: string;
let worker: WorkerHandle | undefined;

beforeAll(async () => {
  process.env.SLIPWAY_URL = "https://slipway.example.org";
  resetEnvCache();
  clearGithubClientCache();
  [dockerd, registry, api] = await Promise.all([startDockerd(), startRegistry(), startGithubApi({ appId: APP_ID, publicKey: keys.publicKey, installations: { [REPO]: INSTALLATION } })]);
  busybox = await importBusybox(dockerd.docker, `${registry.url}/busybox:latest`);
  bare = createBareRepo({ Dockerfile: "FROM scratch\nCOPY index.html /\n", "index.html": "<h1>v1</h1>\n" }, { name: "www.git" });
  daemon = await startGitDaemon(bare.root);
  const admin = actorFor(await createUser("admin"));
  await saveApp(admin, { name: "tarides", app_id: APP_ID, api_url: api.url, private_key: keys.privateKey, webhook_secret: SECRET });
  repositoryId = (await saveRepository(admin, { repo: REPO, app: "tarides", url: daemon.url("www.git") })).id;
  await getDb().repository.update({ where: { id: repositoryId }, data: { installationId: BigInt(INSTALLATION) } });
  await saveContext(admin, { name: "builder", endpoint: dockerd.endpoint, role: "build" });
  await saveRegistry(admin, { name: "local", url: registry.url });
  buildRuleId = (await saveBuildRule(admin, { repository_id: repositoryId, dockerfile: "Dockerfile" })).id;
  const rule = await saveDeploymentRule(admin, { build_rule_id: buildRuleId, branch: "live", image: `${registry.url}/tarides/www:live` });
  // a target, so the release's deployment is created with it (this dockerd is no swarm: deploying it fails, which is not what is tested here)
  await saveContext(admin, { name: "manager", endpoint: dockerd.endpoint, role: "swarm_manager" });
  await saveTarget(admin, { deployment_rule_id: rule.id, name: "www-live", context: "manager", service: "www" });
}, 120_000);

afterAll(async () => {
  await worker?.stop();
  await daemon?.stop();
  await Promise.all([dockerd?.stop(), registry?.stop(), api?.stop()]);
  bare?.remove();
  delete process.env.SLIPWAY_URL;
  resetEnvCache();
});


/** A real push example, pointed at the repository, branch and commit, signed with the app's secret. */
async function push(branch: string, sha: string, before = "0".repeat(40)) {
  const p = forRepository(examplePayload("push", undefined, (e) => String(e.ref).startsWith("refs/heads/") && e.deleted === false), REPO);
  Object.assign(p, { ref: `refs/heads/${branch}`, after: sha, before, deleted: false, installation: { id: INSTALLATION } });
  const raw = JSON.stringify(p);
  const r = await receiveGithubWebhook({ appName: "tarides", headers: deliveryHeaders("push", randomUUID(), sign(SECRET, raw)), body: new TextEncoder().encode(raw) });
  expect(r.status).toBe(202);
  return (p as { pusher?: { name?: string } }).pusher?.name ?? null;
}

const buildOf = (sha: string) => getDb().build.findFirst({ where: { buildRuleId, commit: { sha } }, orderBy: { attempt: "desc" }, include: { releases: true } });
const logText = async (id: string) => (await readBuildLog(id, -1, 10_000)).map((c) => c.text).join("");

describe("push → build → push → check run", () => {
  test("a push delivery ends as a release whose digest the registry serves, with the check run completed in order", async () => {
    worker = await startWorker({ connectionString: process.env.DATABASE_URL!, concurrency: 4, id: "pipeline-worker-1" });
    const sha = bare.commit("live", { Dockerfile: "FROM scratch\nCOPY index.html /\n", "index.html": "<h1>v2</h1>\n" });
    const pusher = await push("live", sha);
    const b = await eventually("the build to succeed", async () => {
      const row = await buildOf(sha);
      if (row && ["failed", "cancelled", "superseded"].includes(row.state)) throw new Error(`build ${row.state}: ${row.reason}\n${await logText(row.id)}`);
      return row?.state === "succeeded" ? row : null;
    });
    expect(b.trigger).toBe("webhook");
    // who pushed it is kept: they may not approve its deployment
    expect(pusher).toBeTruthy();
    expect((await getDb().commit.findFirstOrThrow({ where: { sha } })).pushedBy).toBe(pusher);
    const rel = b.releases[0]!;
    const res = await fetch(`http://${registry.url}/v2/tarides/www/manifests/live`, { method: "HEAD", headers: { accept: "application/vnd.docker.distribution.manifest.v2+json" } });
    expect(rel.digest).toBe(res.headers.get("docker-content-digest"));
    // the release's deployment was created in the transaction that recorded it
    const dep = await getDb().deployment.findFirstOrThrow({ where: { releaseId: rel.id }, include: { target: true } });
    expect(dep).toMatchObject({ trigger: "release", target: { name: "www-live" } });
    expect(await logText(b.id)).toMatch(/deployment to www-live: queued/);

    // the check run: created, then updated, ending completed/success, never going back
    const run = await eventually("the check run to complete", async () => [...api.runs.values()].find((r) => r.head_sha === sha && r.status === "completed"));
    expect(run.name).toBe("deployability");
    expect(run.conclusion).toBe("success");
    expect(run.details_url).toBe(`https://slipway.example.org/builds/${b.id}`);
    const calls = api.checkRuns.filter((c) => c.id === run.id);
    expect(calls[0]?.method).toBe("POST");
    const order = ["queued", "in_progress", "completed"];
    const statuses = calls.map((c) => c.body.status as string);
    expect(statuses.at(-1)).toBe("completed");
    for (let i = 1; i < statuses.length; i++) expect(order.indexOf(statuses[i]!)).toBeGreaterThanOrEqual(order.indexOf(statuses[i - 1]!));
    expect((await getDb().build.findUniqueOrThrow({ where: { id: b.id } })).checkRunId).toBe(BigInt(run.id));
  }, 180_000);
});

describe("a worker killed mid-build", () => {
  test("leaves the build re-queued by the reaper, and the next worker finishes it", async () => {
    await worker?.stop();
    worker = undefined;
    const id = `doomed-worker-${process.pid}`;
    const child = startScript("workers/main.ts", [], { DATABASE_URL: process.env.DATABASE_URL, SLIPWAY_WORKER_ID: id, SLIPWAY_WORKER_CONCURRENCY: "2", SLIPWAY_URL: "https://slipway.example.org" });
    const exited = waitForExit(child, 120_000);
    let sha: string;
    try {
      await eventually("the worker process's heartbeat", () => getDb().workerHeartbeat.findUnique({ where: { id } }));
      sha = bare.commit("live", { Dockerfile: `FROM ${busybox}\nRUN ["/bin/sleep", "15"]\n` });
      await push("live", sha);
      const b = await eventually("the build to reach its RUN step on the doomed worker", async () => {
        const row = await buildOf(sha);
        return row?.state === "building" && row.workerId === id && (await logText(row.id)).includes("---> Running in") ? row : null;
      });
      child.kill("SIGKILL");
      await exited;
      // the worker is gone without a word: the build still says building
      expect((await getDb().build.findUniqueOrThrow({ where: { id: b.id } })).state).toBe("building");
    } catch (err) {
      child.kill("SIGKILL");
      throw err;
    }
    // the killed worker's containers go with its connection: the daemon stops the RUN step
    await eventually("the daemon to stop the killed worker's build", async () => (await dockerd.docker.listContainers()).length === 0, 20_000);
    // time passes: the dead worker's heartbeat goes stale (as 45 s of silence would make it)
    await getDb().workerHeartbeat.update({ where: { id }, data: { lastSeenAt: new Date(Date.now() - 60_000) } });
    // the next worker's start-up reaper queues the build again, and that worker finishes it
    worker = await startWorker({ connectionString: process.env.DATABASE_URL!, concurrency: 2, id: "pipeline-worker-2" });
    const done = await eventually("the re-queued build to succeed on the next worker", async () => {
      const row = await buildOf(sha);
      if (row?.state === "failed") throw new Error(`${row.reason}\n${await logText(row.id)}`);
      return row?.state === "succeeded" ? row : null;
    }, 120_000);
    expect(done.workerId).toBe("pipeline-worker-2");
    expect(done.releases).toHaveLength(1);
    const text = await logText(done.id);
    expect(text).toContain(`==> re-queued: worker ${id} stopped while the build was building`);
    expect(await getDb().build.count({ where: { state: { in: ["fetching", "building", "pushing"] } } })).toBe(0);
  }, 240_000);
});

describe("a worker shut down mid-build", () => {
  test("hands the build back (queued again, the daemon-side build stopped) and another worker finishes it", async () => {
    await worker?.stop();
    worker = await startWorker({ connectionString: process.env.DATABASE_URL!, concurrency: 2, id: "pipeline-worker-3" });
    const sha = bare.commit("live", { Dockerfile: `FROM ${busybox}\nRUN ["/bin/sleep", "10"]\nLABEL v=3\n` });
    await push("live", sha);
    const b = await eventually("the build to reach its RUN step", async () => {
      const row = await buildOf(sha);
      return row?.state === "building" && row.workerId === "pipeline-worker-3" && (await logText(row.id)).includes("---> Running in") ? row : null;
    });
    await worker.stop();
    worker = undefined;
    const back = (await buildOf(sha))!;
    expect(back.id).toBe(b.id);
    expect([back.state, back.workerId, back.reason]).toEqual(["queued", null, "queued again: worker pipeline-worker-3 was shut down during the build"]);
    await eventually("the daemon to stop the build", async () => (await dockerd.docker.listContainers()).length === 0, 20_000);

    worker = await startWorker({ connectionString: process.env.DATABASE_URL!, concurrency: 2, id: "pipeline-worker-4" });
    const done = await eventually("the build to succeed on the next worker", async () => {
      const row = await buildOf(sha);
      if (row?.state === "failed") throw new Error(`${row.reason}\n${await logText(row.id)}`);
      return row?.state === "succeeded" ? row : null;
    }, 120_000);
    expect(done.workerId).toBe("pipeline-worker-4");
  }, 240_000);
});
