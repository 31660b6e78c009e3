// Three worker processes (workers/main.ts) on one database take a batch of builds and deployments: every job runs
// exactly once, counted from the workers' own records (their JSON log lines with their worker id, and the
// deployment.started audit events they wrote), never from the job table; no two deployments of a target overlap
// (their own start and end times); nothing is lost. Real parts: a private dockerd in swarm mode that builds and
// runs the services, a private registry the builds push to, a git daemon the builds fetch from.
// The full size (300 builds, 300 deployments, 30 targets, 1 worker against 3) is `npm run bench:workers`.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { resetEnvCache } from "@/lib/env";
import { startDockerd, type TestDockerd } from "@/test/helpers/dockerd";
import { startRegistry, type TestRegistry } from "@/test/helpers/registry";
import { createBareRepo, startGitDaemon, type BareRepo, type GitDaemon } from "@/test/helpers/git-server";
import { countBatch, enqueueBatch, fleetTable, prepareFleet, removeLogs, startWorkers, stopWorkers, waitForBatch, type Fleet, type WorkerProcess } from "@/test/helpers/worker-fleet";

const BUILDS = 15;
const DEPLOYMENTS = 15;
const TARGETS = 5;
const WORKERS = 3;

let dockerd: TestDockerd;
let registry: TestRegistry;
let daemon: GitDaemon;
let bare: BareRepo;
let fleet: Fleet;
let workers: WorkerProcess[] = [];
let logDir: string | undefined;

beforeAll(async () => {
  process.env.SLIPWAY_URL = "https://slipway.example.org";
  // the worker processes open the deployer key this process seals
  process.env.SLIPWAY_SECRET_KEY = "7".repeat(64);
  resetEnvCache();
  [dockerd, registry] = await Promise.all([startDockerd({ swarmInit: true }), startRegistry()]);
  bare = createBareRepo({ Dockerfile: "FROM scratch\nCOPY index.html /\n", "index.html": "<h1>v0</h1>\n" }, { name: "app.git" });
  daemon = await startGitDaemon(bare.root);
  fleet = await prepareFleet({ dockerd, registry, gitUrl: daemon.url("app.git"), targets: TARGETS });
}, 300_000);

afterAll(async () => {
  await stopWorkers(workers);
  if (logDir) removeLogs(logDir);
  await daemon?.stop();
  await Promise.all([dockerd?.stop(), registry?.stop()]);
  bare?.remove();
  delete process.env.SLIPWAY_URL;
  delete process.env.SLIPWAY_SECRET_KEY;
  resetEnvCache();
}, 120_000);

describe("three worker processes on one database", () => {
  test(`${BUILDS} builds and ${DEPLOYMENTS} deployments over ${TARGETS} targets: each runs exactly once, one deployment per target at a time, none lost`, async () => {
    const started = await startWorkers(WORKERS, fleet.tag);
    workers = started.workers;
    logDir = started.dir;
    const batch = await enqueueBatch(fleet, { bare, registry, builds: BUILDS, deployments: DEPLOYMENTS });
    await waitForBatch(batch, 600_000);
    // stopped before counting, so every log line is written
    await stopWorkers(workers);
    const r = await countBatch(batch, workers);
    console.log(`\n${fleetTable([r])}\n`);
    for (const line of [...r.builds.notSucceeded, ...r.deployments.notSucceeded, ...r.deployments.overlaps]) console.log(line);

    expect(r.builds.notSucceeded).toEqual([]);
    expect(r.deployments.notSucceeded).toEqual([]);
    // exactly once: each build and deployment started by one worker, once
    expect(r.builds.twice).toEqual([]);
    expect(r.builds.lost).toEqual([]);
    expect(r.builds.runs).toBe(BUILDS);
    expect(r.deployments.twice).toEqual([]);
    expect(r.deployments.lost).toEqual([]);
    expect(r.deployments.runs).toBe(DEPLOYMENTS);
    expect(r.deployments.auditRuns).toBe(DEPLOYMENTS);
    expect(r.deployments.overlaps).toEqual([]);
    // the records are the three workers' own: every run is one of theirs, and the work was shared
    expect(Object.values(r.perWorker).reduce((a, b) => a + b, 0)).toBe(BUILDS + DEPLOYMENTS);
    expect(Object.values(r.perWorker).filter((n) => n > 0).length).toBeGreaterThanOrEqual(2);
  }, 900_000);
});
