// npm run bench:workers -- --builds 300 --deployments 300 --targets 30 [--workers 3]
// Worker processes (workers/main.ts, real processes) on one database take a batch of builds and deployments,
// first one worker alone, then --workers of them on a fresh batch of the same size, and the figures are printed:
// jobs, runs (counted from the workers' own records: their JSON log lines "build started" / "deployment started"
// with their worker id, and for deployments also the deployment.started audit events they wrote; never from the
// job table), runs twice (goal 0), lost (goal 0), overlapping deployments of a target (their own start and end
// times; goal 0), wall time and throughput (builds/min, deployments/min, each from its first start to its last end)
// with 1 worker and with N, and the ratio. Exit status 1 when any of twice, lost or overlaps is not 0.
// Real parts: a private dockerd in swarm mode (the build host and the swarm manager: --targets services of
// busybox, stop grace 1 s, monitor 1 s), a private registry the builds push to, a git daemon they fetch from.
// Each build is a commit on a branch of its own with a deployment rule, so it pushes its image; each target gets
// --deployments / --targets deployments, queued together and run one at a time on the target's queue.
// Uses DATABASE_URL when set (a scratch database!), else an embedded PostgreSQL in a temp directory. Everything
// started is stopped and every temp directory removed, also on failure and on Ctrl-C.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { benchDatabase, intArg, onCleanup, runBench } from "@/bench/lib";

const options = {
  builds: intArg("builds", 300),
  deployments: intArg("deployments", 300),
  targets: intArg("targets", 30),
  workers: intArg("workers", 3),
  /** give up waiting for a batch after this long */
  timeoutMinutes: intArg("timeout-minutes", 120),
};

async function main() {
  process.env.SLIPWAY_SECRET_KEY ??= "8".repeat(64);
  process.env.SLIPWAY_URL ??= "https://slipway.example.org";
  const gitCache = mkdtempSync(path.join(os.tmpdir(), "slipway-bench-git-cache-"));
  onCleanup("git mirror cache", () => rmSync(gitCache, { recursive: true, force: true }));
  process.env.SLIPWAY_GIT_CACHE_DIR = gitCache;
  const { resetEnvCache } = await import("@/lib/env");
  resetEnvCache();
  const { embedded } = await benchDatabase("SELECT (SELECT count(*) FROM builds) + (SELECT count(*) FROM deployments) AS n");
  const { startDockerd } = await import("@/test/helpers/dockerd");
  const { startRegistry } = await import("@/test/helpers/registry");
  const { createBareRepo, startGitDaemon } = await import("@/test/helpers/git-server");
  const fleetLib = await import("@/test/helpers/worker-fleet");

  const cpu = os.cpus();
  console.log("Slipway workers benchmark: N worker processes, one database, no double work");
  console.log(`machine: ${cpu.length} CPUs, load ${os.loadavg().map((l) => l.toFixed(2)).join(" ")}; PostgreSQL ${embedded ? "embedded" : "DATABASE_URL"}`);
  console.log(`batch: ${options.builds} builds, ${options.deployments} deployments over ${options.targets} targets; 1 worker, then ${options.workers}`);

  const [dockerd, registry] = await Promise.all([startDockerd({ swarmInit: true }), startRegistry()]);
  onCleanup("dockerd", () => dockerd.stop());
  onCleanup("registry", () => registry.stop());
  const bare = createBareRepo({ Dockerfile: "FROM scratch\nCOPY index.html /\n", "index.html": "<h1>v0</h1>\n" }, { name: "app.git" });
  onCleanup("git repository", () => bare.remove());
  const daemon = await startGitDaemon(bare.root);
  onCleanup("git daemon", () => daemon.stop());

  const t0 = Date.now();
  const fleet = await fleetLib.prepareFleet({ dockerd, registry, gitUrl: daemon.url("app.git"), targets: options.targets });
  console.log(`inventory and ${options.targets} services ready in ${((Date.now() - t0) / 1000).toFixed(0)} s`);

  const results = [];
  for (const n of [1, options.workers]) {
    const { workers, dir } = await fleetLib.startWorkers(n, fleet.tag);
    onCleanup(`worker logs (${n})`, () => fleetLib.removeLogs(dir));
    onCleanup(`workers (${n})`, () => fleetLib.stopWorkers(workers));
    const batch = await fleetLib.enqueueBatch(fleet, { bare, registry, builds: options.builds, deployments: options.deployments });
    console.log(`${n} worker${n > 1 ? "s" : ""}: ${batch.buildIds.length + batch.deploymentIds.length} jobs enqueued; waiting`);
    await fleetLib.waitForBatch(batch, options.timeoutMinutes * 60_000);
    await fleetLib.stopWorkers(workers);
    const r = await fleetLib.countBatch(batch, workers);
    results.push(r);
    console.log(`${n} worker${n > 1 ? "s" : ""}: done in ${(r.wallMs / 1000).toFixed(0)} s   [load ${os.loadavg()[0]!.toFixed(2)}]`);
    for (const [what, list] of [["run twice", [...r.builds.twice, ...r.deployments.twice]], ["lost", [...r.builds.lost, ...r.deployments.lost]], ["overlapping", r.deployments.overlaps], ["did not succeed", [...r.builds.notSucceeded, ...r.deployments.notSucceeded]]] as const) {
      if (list.length) console.log(`  ${what}: ${list.slice(0, 10).join("; ")}${list.length > 10 ? ` … (${list.length})` : ""}`);
    }
  }
  console.log(`\n${fleetLib.fleetTable(results)}\n`);
  const bad = results.some((r) => r.builds.twice.length || r.builds.lost.length || r.deployments.twice.length || r.deployments.lost.length || r.deployments.overlaps.length);
  if (bad) throw new Error("some job ran twice, was lost, or two deployments of a target overlapped: see above");
}

runBench(main);
