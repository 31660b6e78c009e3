// npm run bench:deploy — figures for the deploy engine (printed; this is a benchmark, not a test). Slipway and
// the docker CLI deploy to the same swarm service, alternating (ABBA), N rounds each after one warm-up each;
// every round puts a digest on the service that it does not run yet (four image variants, cycled), and the
// next round starts only once the swarm has settled (update completed, every replica running):
//   1. release recorded → converged: from just before the transaction that records a release and creates its
//      deployments (lib/services/deployments/schedule.ts createDeploymentsForRelease, as the build runner does)
//      to the deployment row reading succeeded (polled every 20 ms); the deploy_run job runs in an in-process
//      worker (workers/runtime.ts startWorker, LISTEN/NOTIFY pickup) through the target's unix:// docker
//      context. Against `docker service update --image repo:tag@digest --detach=false` (Debian's
//      /usr/bin/docker, DOCKER_HOST=unix://… of the same private dockerd). Medians, max, the ratio of the
//      medians (goal ≤ 1.05), and where Slipway's time goes: the deployment row (queued, started, finished),
//      the state changes seen by the poll, the swarm's own timestamps (UpdateStatus.StartedAt/CompletedAt,
//      the new tasks' running time) and the deployment log's step headings.
//   2. rollback click → converged: lib/services/deployments/commands.ts rollbackTarget to an earlier release
//      (rollback moves the pin, so every round rolls back to another release; the target is unpinned after).
//   3. as 1 through an ssh:// context (a private sshd whose sessions reach the same dockerd, the deployer
//      key, pinned host keys). The CLI is not run over SSH (that needs a docker context or an ssh setup of
//      its own): the comparison is Slipway-over-ssh against the CLI on the local socket, alternating as in 1.
//      Also the cost of one convergence poll (two engine calls) through each context.
//   4. as 1 with the service scaled to BENCH_DEPLOY_REPLICAS (3) replicas.
//   6. release recorded → converged with default settings: as 1, but through a target saved with nothing but
//      its context and service (no monitor window, default timeouts, no health URL), on the same service with
//      swarm's default UpdateConfig (Parallelism 1, FailureAction pause, no Monitor: swarm watches 5 s, and the
//      CLI's --detach=false waits its 5 s default too). Goal ≤ 1.10. Runs before 4 (1 replica); the service's
//      UpdateConfig is put back afterwards.
//   5. unikernel: artifact ready (its release recorded) → restarted and running, to a unikernel host (a private
//      sshd whose sessions find stand-in `systemctl` that boots the file in QEMU, test/helpers/unikernel.ts) with
//      monitor 1 s: Slipway (fetch from the registry, upload, sha256 on the host, switch `current`, `latest`,
//      `systemctl restart`, `is-active` for 1 s) against the same done by hand in the same run: `scp` of the
//      file (already on disk: the hand does not fetch it), then `ssh host ln -sfn … current && systemctl
//      restart …`, then `ssh host systemctl is-active …` until it has answered active for 1 s. Alternating.
// The service: busybox whose CMD traps TERM (so a stop does not wait for the grace period), StopGracePeriod
// 1 s, no networks, UpdateConfig { Parallelism 1, Delay 0, Monitor 1 s, FailureAction rollback, stop-first };
// the targets have monitor 1 s (Slipway's stability window equals the CLI's verify wait) and
// converge_timeout 120 s.
//
// Where Slipway's time went, and what was changed after the first runs of this benchmark (ratios then 1.47
// release, 1.43 rollback): the swarm marks an update `completed` only after its own monitoring period
// (UpdateConfig.Monitor) since the last new task reached running, and Slipway then waited its own stability
// window again; waitForConvergence (lib/deploy/targets/swarm/convergence.ts) now credits the time the swarm
// already watched the new tasks (engine timestamps: UpdateStatus.CompletedAt minus the tasks' running time)
// to the target's window.
// It polls every POLL_INTERVAL_MS (was 500 ms; the CLI polls every 200 ms). The worker's pickup sometimes
// waited for graphile-worker's 2 s poll: the NOTIFY of a new job wakes all three runners of a worker
// (workers/runtime.ts) at once, and the others' get_job locks every available named queue (FOR UPDATE SKIP
// LOCKED), so the deploy runner could skip the target's queue, find nothing and sleep; the deploy runner now
// polls every 100 ms. Over ssh:// every engine call still opens its own SSH connection (a poll is two calls:
// a few ms on the socket, about half a second over SSH), which measurement 3 shows. Each measurement also
// prints a projection (from the swarm's timestamps, not a measurement) of a run that ends at the first
// 200 ms poll after the swarm's `completed`, and one with every pickup at 10 ms besides. Drift warnings in the
// worker's log are expected (the CLI changes the service behind Slipway's back; the drift check runs every
// 5 minutes).
//
// Real services: a private dockerd in swarm mode (needs root), a private docker-registry and, for 3, a private
// sshd. Uses DATABASE_URL when set (a scratch database!), else an embedded PostgreSQL in a temp directory.
// Options: --quick (3 rounds instead of 7), --only=1,2,3,4,5,6, BENCH_DEPLOY_ROUNDS, BENCH_DEPLOY_REPLICAS.
// Everything started is stopped and every temp directory removed, also on failure and on Ctrl-C.
import { execFile, execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { promisify } from "node:util";
import type Dockerode from "dockerode";
import pino from "pino";
import { argv, benchDatabase, loadNow, median, ms, num, onCleanup, onlyMeasurements, printTable, quick, runBench, secs, sleep, until, type Row } from "@/bench/lib";

const execFileP = promisify(execFile);
/** Debian's docker CLI (the one on PATH may be another build) */
const DOCKER_CLI = "/usr/bin/docker";
const SECOND_NS = 1_000_000_000;
const SERVICE = "bench-app";
const VARIANTS = 4;
/** a fixed key, so the deployer key and anything else sealed here opens in every process of the run */
const BENCH_SECRET_KEY = "b7".repeat(32);
/** the deployment row is polled this often */
const POLL_MS = 20;
/** after the swarm settled, before the next round */
const SETTLE_PAUSE_MS = 500;

// ─── options ──────────────────────────────────────────────────────────────────────────────────────

const only = onlyMeasurements("1,2,3,4,5,6");
const options = {
  /** measured rounds per side, per measurement (after one warm-up round each) */
  rounds: num("BENCH_DEPLOY_ROUNDS", 7, 3, { integer: true }),
  /** replicas for measurement 4 */
  replicas: num("BENCH_DEPLOY_REPLICAS", 3, 3, { integer: true }),
};

// ─── small helpers ────────────────────────────────────────────────────────────────────────────────

const max = (samples: number[]) => (samples.length ? Math.max(...samples) : NaN);

// ─── the engine's JSON, the parts read here ──────────────────────────────────────────────────────

interface ServiceJson {
  ID: string;
  Version: { Index: number };
  Spec: { TaskTemplate: { ContainerSpec: { Image: string } }; Mode: { Replicated?: { Replicas?: number } } } & Record<string, unknown>;
  UpdateStatus?: { State?: string; StartedAt?: string; CompletedAt?: string; Message?: string };
}

interface TaskJson {
  DesiredState?: string;
  Status?: { State?: string; Timestamp?: string };
  Spec?: { ContainerSpec?: { Image?: string } };
}

/** What the swarm itself recorded about the last update (its clock is this machine's: same as Date.now()). */
interface SwarmFacts {
  image: string;
  updateStarted: number;
  updateCompleted: number;
  /** when the last of the current replicas reached running */
  running: number;
}

// ─── the benchmark ───────────────────────────────────────────────────────────────────────────────


interface SlipRound {
  total: number;
  t0: number;
  /** the transaction that recorded the release (or the rollback) committed */
  committed: number;
  queuedAt: number;
  startedAt: number;
  /** the poll first saw the row in state verifying: the swarm took the new spec */
  verifyingSeen: number;
  /** graphile-worker's locked_at of the deploy_run job, if a poll saw it before the claim (else NaN) */
  jobLocked: number;
  finishedAt: number;
  /** the poll saw the row succeeded */
  seenEnd: number;
  swarm: SwarmFacts;
  /** the deployment log's step headings: heading → seconds since the log was opened */
  steps: Array<{ text: string; s: number }>;
}

interface CliRound {
  total: number;
  t0: number;
  end: number;
  swarm: SwarmFacts;
}

async function main() {
  if (argv.includes("--help")) {
    console.log("npm run bench:deploy [-- --quick] [-- --only=1,2,3,4,5,6]   (BENCH_DEPLOY_ROUNDS, BENCH_DEPLOY_REPLICAS; see the top of bench/deploy.ts)");
    return;
  }
  if (process.getuid?.() !== 0) throw new Error("bench:deploy starts a private dockerd in swarm mode, which needs root (run it as root, e.g. in the dev container)");
  for (const bin of ["/usr/sbin/dockerd", "/usr/bin/docker-registry", DOCKER_CLI, "/usr/sbin/sshd", "/bin/busybox"]) {
    if (!existsSync(bin)) throw new Error(`${bin} is missing; run scripts/setup.sh`);
  }
  // the application logger (runner, services) stays quiet; the worker gets its own logger below
  process.env.LOG_LEVEL ??= "warn";
  process.env.SLIPWAY_LOG_FORMAT ??= "json";
  // before anything seals a secret (the deployer key)
  process.env.SLIPWAY_SECRET_KEY = BENCH_SECRET_KEY;
  const { resetEnvCache } = await import("@/lib/env");
  resetEnvCache();

  const work = mkdtempSync("/tmp/sw-bd-");
  onCleanup("temp directory", () => rmSync(work, { recursive: true, force: true }));
  const rows: Row[] = [];
  const summary: string[] = [];

  // the database
  const { url, embedded, q } = await benchDatabase("SELECT (SELECT count(*) FROM deployments) + (SELECT count(*) FROM targets) AS n");
  const { getDb } = await import("@/lib/db");

  const { logOptions } = await import("@/lib/log");
  const { recordAudit } = await import("@/lib/audit/record");
  const { readDeploymentLog } = await import("@/lib/build/log-store");
  const { ensureDeployerKey } = await import("@/lib/services/deployer-key");
  const { createDeploymentsForRelease } = await import("@/lib/services/deployments/schedule");
  const { rollbackTarget, unpinTarget } = await import("@/lib/services/deployments/commands");
  const { pinHostKeys } = await import("@/lib/services/inventory/hosts");
  const { contextAccess } = await import("@/lib/services/inventory/access");
  const { saveBuildRule, saveContext, saveDeploymentRule, saveHost, saveRegistry, saveRepository, saveTarget } = await import("@/lib/services/inventory/entities");
  const { dockerClient } = await import("@/lib/docker/engine");
  const { POLL_INTERVAL_MS } = await import("@/lib/deploy/targets/swarm/convergence");
  const { startWorker } = await import("@/workers/runtime");
  const { actorFor, createUser } = await import("@/test/helpers/fixtures");
  const { startDockerd } = await import("@/test/helpers/dockerd");
  const { startRegistry } = await import("@/test/helpers/registry");
  const { startSshd } = await import("@/test/helpers/sshd");
  const { importBusybox } = await import("@/test/helpers/busybox");
  const { buildAppImage } = await import("@/test/helpers/app-images");

  // the worker's log: production's format and redaction; warnings and errors counted and kept
  const seen = { warnings: 0, errors: 0, problems: new Map<string, number>() };
  const workerLog = pino(
    { ...logOptions, level: "warn" },
    {
      write(line: string) {
        let rec: { level?: number; msg?: string; err?: unknown; error?: unknown; reason?: unknown };
        try {
          rec = JSON.parse(line) as typeof rec;
        } catch {
          return;
        }
        if ((rec.level ?? 0) < 40) return;
        if ((rec.level ?? 0) >= 50) seen.errors++;
        else seen.warnings++;
        const key = `${(rec.msg ?? "").split("\n")[0]!.slice(0, 200)} ${JSON.stringify(rec.err ?? rec.error ?? rec.reason ?? "").slice(0, 160)}`.replace(/\s+/g, " ");
        seen.problems.set(key, (seen.problems.get(key) ?? 0) + 1);
      },
    },
  );

  // machine facts
  const pgVersion = (await q<{ server_version: string }>("SHOW server_version"))[0]!.server_version;
  const cpu = os.cpus();
  console.log("Slipway deploy engine benchmark");
  console.log(`machine: ${cpu.length} CPUs (${cpu[0]?.model.trim() ?? "?"}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, load ${os.loadavg().map((l) => l.toFixed(2)).join(" ")}`);
  console.log(`software: node ${process.version}, PostgreSQL ${pgVersion} (${embedded ? "embedded, fsync on" : "DATABASE_URL"})`);
  console.log(`worker: in-process startWorker (deploy runner concurrency 4), graphile-worker LISTEN/NOTIFY; Slipway polls the swarm every ${POLL_INTERVAL_MS} ms${quick ? "   [--quick]" : ""}`);

  // services
  const started = <T extends { stop(): Promise<void> }>(what: string) => (s: T): T => {
    onCleanup(what, () => s.stop());
    return s;
  };
  const [dockerd, registry] = await Promise.all([startDockerd({ swarmInit: true }).then(started("dockerd")), startRegistry().then(started("registry"))]);
  const cliConfig = path.join(work, "docker-config");
  mkdirSync(cliConfig);
  const cliEnv: NodeJS.ProcessEnv = { NODE_ENV: process.env.NODE_ENV, PATH: "/usr/bin:/bin", HOME: work, DOCKER_CONFIG: cliConfig, DOCKER_HOST: dockerd.endpoint };
  const dockerVersion = execFileSync(DOCKER_CLI, ["version", "--format", "{{.Client.Version}} (client, /usr/bin/docker) / {{.Server.Version}} (daemon, swarm, one node)"], { env: cliEnv, encoding: "utf8" }).trim();
  console.log(`docker: ${dockerVersion}; registry: docker-registry on ${registry.url}`);
  const docker = dockerd.docker;

  // the images: the same busybox app, four digests
  const base = await importBusybox(docker, `${registry.url}/busybox:latest`);
  const cmd = [`CMD ["/bin/busybox", "sh", "-c", "trap 'exit 0' TERM; /bin/busybox sleep 3600 & wait"]`];
  const images: Awaited<ReturnType<typeof buildAppImage>>[] = [];
  for (let v = 0; v < VARIANTS; v++) images.push(await buildAppImage(docker, { base, repo: `${registry.url}/bench/app`, tag: `v${v}`, lines: cmd }));

  // inventory: a unix:// context on the private dockerd; with 3, a host with pinned keys and an ssh:// context
  process.stdout.write("setting up: inventory, sshd, swarm service, worker …\n");
  const admin = actorFor(await createUser("admin"));
  const operator = actorFor(await createUser("operator"));
  await saveRegistry(admin, { name: "local", url: registry.url });
  await saveContext(admin, { name: "swarm-local", endpoint: dockerd.endpoint, role: "swarm_manager" });
  const deployer = await ensureDeployerKey();
  let sshContextId: string | null = null;
  if (only.has("3")) {
    const sshd = await startSshd({ authorizedKeys: [deployer.publicKey], env: { DOCKER_HOST: dockerd.endpoint } });
    onCleanup("sshd", () => sshd.stop());
    const host = await saveHost(admin, { name: "manager", address: "127.0.0.1", port: sshd.port, user: sshd.user });
    await pinHostKeys(admin, { host_id: host.id, keys: sshd.hostKeys.map((k) => `${k.algorithm} ${k.publicKey}`) });
    sshContextId = (await saveContext(admin, { name: "swarm-ssh", endpoint: `ssh://${sshd.user}@127.0.0.1:${sshd.port}`, role: "swarm_manager" })).id;
  }
  const localContextId = (await getDb().dockerContext.findFirstOrThrow({ where: { name: "swarm-local" } })).id;

  interface Route {
    label: string;
    repositoryId: string;
    buildRuleId: string;
    ruleId: string;
    targetId: string;
    /** the newest release of each variant on this rule */
    releases: Map<number, string>;
  }
  /** `defaults`: a target with nothing but its context and service (no monitor window, default timeouts) */
  async function route(label: string, context: string, opts: { defaults?: boolean } = {}): Promise<Route> {
    const repositoryId = (await saveRepository(admin, { repo: `bench/${label}`, url: `https://git.example.org/bench-${label}.git`, poll_interval: 86400 })).id;
    // nothing to fetch from: the poller leaves it alone for the day (a poll would be a git job amid the rounds)
    await getDb().repository.update({ where: { id: repositoryId }, data: { lastPolledAt: new Date() } });
    const buildRuleId = (await saveBuildRule(admin, { repository_id: repositoryId, name: "Dockerfile" })).id;
    const ruleId = (await saveDeploymentRule(admin, { build_rule_id: buildRuleId, branch: "live", image: `${registry.url}/bench/app:live` })).id;
    const settings = opts.defaults ? {} : { monitor: 1, converge_timeout: 120 };
    const targetId = (await saveTarget(admin, { deployment_rule_id: ruleId, name: `bench-${label}`, context, service: SERVICE, ...settings })).id;
    return { label, repositoryId, buildRuleId, ruleId, targetId, releases: new Map() };
  }
  const local = await route("local", "swarm-local");
  const overSsh = sshContextId ? await route("ssh", "swarm-ssh") : null;
  const withDefaults = only.has("6") ? await route("defaults", "swarm-local", { defaults: true }) : null;

  let shaN = 0;
  /** a succeeded build of a new commit: what exists before the runner records the release */
  async function newBuild(r: Route, v: number) {
    shaN++;
    const sha = (0xbe0000 + shaN).toString(16).padStart(40, "0");
    const commit = await getDb().commit.create({ data: { repositoryId: r.repositoryId, sha, message: `bench ${images[v]!.tag}` } });
    return getDb().build.create({ data: { buildRuleId: r.buildRuleId, commitId: commit.id, state: "succeeded", trigger: "webhook" } });
  }
  // releases of every variant on the local rule, for the rollbacks of 2 (rows only: nothing deploys them)
  for (let v = 0; v < VARIANTS; v++) {
    const b = await newBuild(local, v);
    const rel = await getDb().release.create({ data: { recordedBeforeSigning: true, buildId: b.id, deploymentRuleId: local.ruleId, imageRepo: images[v]!.repo, tag: images[v]!.tag, digest: images[v]!.digest } });
    local.releases.set(v, rel.id);
  }

  // the swarm service, running variant 0
  const created = await docker.createService({
    Name: SERVICE,
    TaskTemplate: { ContainerSpec: { Image: images[0]!.ref, StopGracePeriod: SECOND_NS }, RestartPolicy: { Condition: "any", Delay: SECOND_NS / 5 }, Networks: [] },
    Mode: { Replicated: { Replicas: 1 } },
    UpdateConfig: { Parallelism: 1, Delay: 0, Monitor: SECOND_NS, FailureAction: "rollback", MaxFailureRatio: 0, Order: "stop-first" },
    RollbackConfig: { Parallelism: 1, Delay: 0, Monitor: SECOND_NS, FailureAction: "pause", MaxFailureRatio: 0, Order: "stop-first" },
  } as Dockerode.CreateServiceOptions);
  const serviceId = created.id;
  /** the variant the service runs now */
  let running = 0;
  const nextVariant = () => (running + 1) % VARIANTS;

  const inspect = async () => (await docker.getService(serviceId).inspect()) as ServiceJson;
  const tasks = async () => (await docker.listTasks({ filters: { service: [serviceId] } })) as TaskJson[];
  /** the update (if any) completed and every replica runs the spec's image */
  async function settled(): Promise<SwarmFacts | null> {
    const s = await inspect();
    const image = s.Spec.TaskTemplate.ContainerSpec.Image;
    const want = s.Spec.Mode.Replicated?.Replicas ?? 1;
    const state = s.UpdateStatus?.State;
    if (state !== undefined && state !== "completed") {
      if (state !== "updating") throw new Error(`the swarm's update of ${SERVICE} is ${state}: ${s.UpdateStatus?.Message ?? ""}`);
      return null;
    }
    const current = (await tasks()).filter((t) => t.DesiredState === "running");
    const up = current.filter((t) => t.Status?.State === "running" && t.Spec?.ContainerSpec?.Image === image);
    if (current.length !== want || up.length !== want) return null;
    const at = (x: string | undefined) => (x ? Date.parse(x) : NaN);
    return { image, updateStarted: at(s.UpdateStatus?.StartedAt), updateCompleted: at(s.UpdateStatus?.CompletedAt), running: Math.max(...up.map((t) => at(t.Status?.Timestamp))) };
  }
  const settle = async (what: string) => {
    const f = await until(`${SERVICE} to settle (${what})`, settled, 120_000, 50);
    await sleep(SETTLE_PAUSE_MS);
    return f;
  };
  await settle("created");

  // the worker
  let worker: Awaited<ReturnType<typeof startWorker>> | undefined;
  onCleanup("worker", () => worker?.stop());
  worker = await startWorker({ connectionString: url, concurrency: 4, buildConcurrency: 2, deployConcurrency: 4, id: "bench-deployer", log: workerLog });

  // the CLI: killed on Ctrl-C or failure
  const cliAbort = new AbortController();
  onCleanup("docker CLI", () => cliAbort.abort());

  // ─── one round of each kind ──────────────────────────────────────────────────────────────────

  type DeploymentRow = { state: string; reason: string | null; queued_at: Date | null; started_at: Date | null; finished_at: Date | null };
  /** polls the deployment row until it ends; it must end succeeded */
  async function watch(deploymentId: string, t0: number, p0: number, committed: number, v: number): Promise<SlipRound> {
    const firstSeen: Record<string, number> = {};
    let row: DeploymentRow | undefined;
    /** when graphile-worker locked the deploy_run job (its row goes when the job completes) */
    let jobLocked = NaN;
    const deadline = Date.now() + 200_000;
    for (;;) {
      row = (await q<DeploymentRow>("SELECT state::text, reason, queued_at, started_at, finished_at FROM deployments WHERE id = $1", [deploymentId]))[0];
      if (row) firstSeen[row.state] ??= Date.now();
      if (Number.isNaN(jobLocked) && row?.state === "queued") {
        const job = (
          await q<{ locked_at: Date | null }>(
            `SELECT j.locked_at FROM graphile_worker._private_jobs j JOIN graphile_worker._private_tasks t ON t.id = j.task_id
             WHERE t.identifier = 'deploy_run' AND j.payload->>'deploymentId' = $1`,
            [deploymentId],
          )
        )[0];
        if (job?.locked_at) jobLocked = job.locked_at.getTime();
      }
      if (row && !["queued", "deploying", "verifying", "pending_approval"].includes(row.state)) break;
      if (Date.now() > deadline) throw new Error(`deployment ${deploymentId} did not end within 200 s (state ${row?.state ?? "missing"})`);
      await sleep(POLL_MS);
    }
    const total = performance.now() - p0;
    const seenEnd = Date.now();
    const logText = async () => (await readDeploymentLog(deploymentId, -1, 10_000)).map((c) => c.text).join("");
    if (row.state !== "succeeded") throw new Error(`deployment ${deploymentId} ended ${row.state}: ${row.reason ?? ""}\n${(await logText()).slice(-3000)}`);
    running = v;
    const swarm = await until("the swarm's facts", settled, 10_000, 20);
    // the log is stored once the runner closes it, just after the row ends
    const text = await until("the deployment log", async () => {
      const t = await logText();
      return /==> succeeded/.test(t) ? t : null;
    }, 10_000, 50);
    const steps = [...text.matchAll(/^==> (.*) \((\d+(?:\.\d+)?) s\)$/gm)].map((m) => ({ text: m[1]!, s: Number(m[2]) }));
    await sleep(SETTLE_PAUSE_MS);
    return {
      total,
      t0,
      committed,
      queuedAt: row.queued_at?.getTime() ?? NaN,
      startedAt: row.started_at?.getTime() ?? NaN,
      verifyingSeen: firstSeen.verifying ?? NaN,
      jobLocked,
      finishedAt: row.finished_at?.getTime() ?? NaN,
      seenEnd,
      swarm,
      steps,
    };
  }

  /** a release recorded as the build runner records it: release, audit, deployments and jobs in one transaction */
  async function slipwayRelease(r: Route, v: number): Promise<SlipRound> {
    const img = images[v]!;
    const b = await newBuild(r, v);
    const t0 = Date.now();
    const p0 = performance.now();
    const out = await getDb().$transaction(async (tx) => {
      const rel = await tx.release.create({ data: { recordedBeforeSigning: true, buildId: b.id, deploymentRuleId: r.ruleId, imageRepo: img.repo, tag: img.tag, digest: img.digest } });
      await recordAudit(tx, {
        actor: { type: "worker", workerId: "bench-build-runner" },
        action: "release.recorded",
        subjectType: "release",
        subjectId: rel.id,
        summary: `${img.repo}:${img.tag}@${img.digest} (bench)`,
        after: { image: `${img.repo}:${img.tag}`, digest: img.digest, buildId: b.id },
      });
      const d = await createDeploymentsForRelease(tx, rel.id, { type: "worker", workerId: "bench-build-runner" });
      return { releaseId: rel.id, deploymentId: d.created[0]?.id, pinned: d.pinned };
    });
    const committed = Date.now();
    if (!out.deploymentId) throw new Error(`the release created no deployment for ${r.label}${out.pinned.length ? ` (pinned: ${out.pinned.join(", ")})` : ""}`);
    r.releases.set(v, out.releaseId);
    return watch(out.deploymentId, t0, p0, committed, v);
  }

  /** "Roll back to this" on an earlier release of variant v */
  async function slipwayRollback(r: Route, v: number): Promise<SlipRound> {
    const releaseId = r.releases.get(v);
    if (!releaseId) throw new Error(`no release of variant ${v} to roll back to`);
    const t0 = Date.now();
    const p0 = performance.now();
    const rb = await rollbackTarget(operator, { targetId: r.targetId, releaseId });
    const committed = Date.now();
    return watch(rb.deploymentId, t0, p0, committed, v);
  }

  async function cliUpdate(v: number): Promise<CliRound> {
    const ref = images[v]!.ref;
    const t0 = Date.now();
    const p0 = performance.now();
    try {
      await execFileP(DOCKER_CLI, ["service", "update", "--image", ref, "--detach=false", SERVICE], { env: cliEnv, maxBuffer: 16 << 20, signal: cliAbort.signal });
    } catch (err) {
      const e = err as Error & { stdout?: string; stderr?: string };
      throw new Error(`docker service update failed: ${e.message}\n${e.stdout ?? ""}${e.stderr ?? ""}`);
    }
    const total = performance.now() - p0;
    const end = Date.now();
    running = v;
    const swarm = await settle("after the CLI");
    if (!swarm.image.endsWith(`@${images[v]!.digest}`)) throw new Error(`after the CLI the service names ${swarm.image}, not ${ref}`);
    return { total, t0, end, swarm };
  }

  // ─── a measurement: alternate, then print ────────────────────────────────────────────────────

  async function compare(label: string, slipway: (v: number) => Promise<SlipRound>): Promise<{ slip: SlipRound[]; cli: CliRound[] }> {
    // warm-up: one of each, not counted
    await slipway(nextVariant());
    await cliUpdate(nextVariant());
    const slip: SlipRound[] = [];
    const cli: CliRound[] = [];
    for (let i = 0; i < options.rounds; i++) {
      // ABBA: each side goes first half the time
      if (i % 2 === 0) {
        slip.push(await slipway(nextVariant()));
        cli.push(await cliUpdate(nextVariant()));
      } else {
        cli.push(await cliUpdate(nextVariant()));
        slip.push(await slipway(nextVariant()));
      }
      const s = slip.at(-1)!;
      process.stdout.write(
        `  ${label} round ${i + 1}/${options.rounds}: Slipway ${secs(s.total)} (pickup ${ms(s.startedAt - s.committed)}${Number.isNaN(s.jobLocked) ? "" : `, job locked at ${s.jobLocked >= s.committed ? "+" : ""}${ms(s.jobLocked - s.committed)}`}, swarm completed → finished_at ${ms(s.finishedAt - s.swarm.updateCompleted)}), CLI ${secs(cli.at(-1)!.total)}\n`,
      );
    }
    return { slip, cli };
  }

  /** monitor: the swarm's Monitor and the target's window, in words; goalRatio: the ratio to meet (when goal) */
  function report(n: string, what: string, res: { slip: SlipRound[]; cli: CliRound[] }, goal: boolean, cliNote = "", project = true, monitor = { swarm: "1 s", target: "1 s" }, goalRatio = 1.05) {
    const { slip, cli } = res;
    const sMed = median(slip.map((s) => s.total));
    const cMed = median(cli.map((c) => c.total));
    const ratio = sMed / cMed;
    const m = (f: (r: SlipRound) => number) => ms(median(slip.map(f)));
    const mc = (f: (r: CliRound) => number) => ms(median(cli.map(f)));
    console.log(`  Slipway median ${secs(sMed)}, max ${secs(max(slip.map((s) => s.total)))}`);
    console.log(`  CLI     median ${secs(cMed)}, max ${secs(max(cli.map((c) => c.total)))}${cliNote}`);
    console.log(`  ratio of the medians Slipway/CLI ${ratio.toFixed(3)}`);
    console.log("  where Slipway's time goes (medians; the row's times, the poll's first sight of a state, the swarm's own timestamps):");
    console.log(`    transaction (record + deployment + job)   ${m((r) => r.committed - r.t0)}`);
    const pickups = slip.map((r) => r.startedAt - r.committed);
    console.log(`    committed → started_at (worker pickup)    ${ms(median(pickups))}   (max ${ms(max(pickups))}; ${pickups.filter((p) => p > 100).length} of ${pickups.length} over 100 ms)`);
    console.log(`    started → swarm update started            ${m((r) => r.swarm.updateStarted - r.startedAt)}   (log, context, inspect, update; row verifying seen after ${m((r) => r.verifyingSeen - r.startedAt)})`);
    console.log(`    swarm update started → replicas running   ${m((r) => r.swarm.running - r.swarm.updateStarted)}   (the swarm stops the old task, starts the new)`);
    console.log(`    replicas running → swarm update completed ${m((r) => r.swarm.updateCompleted - r.swarm.running)}   (the swarm's own Monitor, ${monitor.swarm})`);
    console.log(`    swarm completed → finished_at             ${m((r) => r.finishedAt - r.swarm.updateCompleted)}   (Slipway sees it settled, then its monitor window, ${monitor.target}, less what the swarm already watched)`);
    console.log(`    finished_at → row seen succeeded          ${m((r) => r.seenEnd - r.finishedAt)}   (commit + the ${POLL_MS} ms poll)`);
    console.log("  the CLI's time (medians):");
    console.log(`    start → swarm update started              ${mc((r) => r.swarm.updateStarted - r.t0)}   (CLI start, resolving the digest at the registry, update)`);
    console.log(`    swarm update started → replicas running   ${mc((r) => r.swarm.running - r.swarm.updateStarted)}`);
    console.log(`    replicas running → CLI returned           ${mc((r) => r.end - r.swarm.running)}   (its verify wait: monitor ${monitor.swarm} from when it saw every replica running, 200 ms polls; the swarm completed after ${mc((r) => r.swarm.updateCompleted - r.swarm.running)})`);
    const heads = new Map<string, number[]>();
    for (const r of slip) {
      for (const s of r.steps) {
        const key = s.text.replace(/^deployment \S+: .*/, "deployment … (opened)").replace(/ bench-app\b.*/, " …");
        heads.set(key, [...(heads.get(key) ?? []), s.s]);
      }
    }
    console.log(`  the deployment log's step headings (median seconds after the log opened): ${[...heads].map(([k, v]) => `"${k}" ${median(v).toFixed(1)}`).join(", ")}`);
    // what the change described at the top would give: done at the first 200 ms poll after the swarm's
    // `completed` (the replicas have run for the swarm's Monitor by then), recorded as now; and with the
    // worker's pickup at its usual few milliseconds as well (not over ssh://, where one poll alone takes longer)
    const projected = slip.map((r) => r.swarm.updateCompleted - r.t0 + 100 + (r.seenEnd - r.finishedAt));
    const projectedBoth = slip.map((r, i) => projected[i]! - Math.max(0, r.startedAt - r.committed - 10));
    const pRatio = median(projected) / cMed;
    const pRatioBoth = median(projectedBoth) / cMed;
    if (project) {
      console.log(
        `  projection (not a measurement, from these rounds' timestamps): finishing at the first 200 ms poll after the swarm's completed: median ${secs(median(projected))}, ratio ${pRatio.toFixed(3)}; and with every pickup at 10 ms: median ${secs(median(projectedBoth))}, ratio ${pRatioBoth.toFixed(3)}`,
      );
    }
    const flag = ratio <= goalRatio ? "met" : "missed";
    rows.push({ figure: `${n} ${what} median Slipway / CLI (n=${slip.length})`, value: `${secs(sMed)} / ${secs(cMed)}`, goal: "" });
    rows.push({ figure: `${n} ${what} max Slipway / CLI`, value: `${secs(max(slip.map((s) => s.total)))} / ${secs(max(cli.map((c) => c.total)))}`, goal: "" });
    rows.push({ figure: `${n} ${what} ratio Slipway/CLI`, value: ratio.toFixed(3), goal: goal ? `≤ ${goalRatio.toFixed(2)}` : "" });
    rows.push({ figure: `${n} Slipway: worker pickup median / max`, value: `${ms(median(pickups))} / ${ms(max(pickups))}`, goal: "" });
    rows.push({ figure: `${n} Slipway: swarm completed → finished_at`, value: ms(median(slip.map((r) => r.finishedAt - r.swarm.updateCompleted))), goal: "" });
    if (project) rows.push({ figure: `${n} projected ratio: converge change / + pickup`, value: `${pRatio.toFixed(3)} / ${pRatioBoth.toFixed(3)}`, goal: "(not measured)" });
    summary.push(`${what} ratio ${ratio.toFixed(2)} (${goal ? `goal ≤ ${goalRatio.toFixed(2)}: ${flag}` : "no goal"})`);
  }

  // ─── 1. release recorded → converged ───────────────────────────────────────────────────────────
  if (only.has("1")) {
    console.log(`\n1. release recorded → converged, 1 replica, unix:// context: Slipway vs docker CLI, alternating, ${options.rounds} each (+1 warm-up each)${loadNow()}`);
    report("1", "release→converged", await compare("1", (v) => slipwayRelease(local, v)), true);
  }

  // ─── 2. rollback click → converged ─────────────────────────────────────────────────────────────
  if (only.has("2")) {
    console.log(`\n2. rollback click → converged (rollbackTarget to an earlier release, 1 replica, unix://): Slipway vs docker CLI, ${options.rounds} each (+1 warm-up each)${loadNow()}`);
    const res = await compare("2", (v) => slipwayRollback(local, v));
    await unpinTarget(operator, { targetId: local.targetId });
    report("2", "rollback→converged", res, true);
  }

  // ─── 3. over ssh:// ────────────────────────────────────────────────────────────────────────
  if (only.has("3") && overSsh && sshContextId) {
    console.log(`\n3. release recorded → converged through the ssh:// context (Slipway) vs docker CLI on the local socket, alternating, ${options.rounds} each (+1 warm-up each)${loadNow()}`);
    report("3", "release→converged over ssh (vs CLI local)", await compare("3", (v) => slipwayRelease(overSsh, v)), false, "   (local socket: the CLI is not run over SSH)", false);
    // one convergence poll of waitForConvergence is two engine calls (services?filters=id, tasks?filters=service)
    const pollCost = async (contextId: string) => {
      const client = dockerClient((await contextAccess(contextId)).access, { timeoutMs: 15_000 });
      const out: number[] = [];
      for (let i = 0; i < 11; i++) {
        const t = performance.now();
        await client.docker.listServices({ filters: { id: [serviceId] }, status: true } as Dockerode.ServiceListOptions);
        await client.docker.listTasks({ filters: { service: [serviceId] } });
        if (i > 0) out.push(performance.now() - t);
      }
      return out;
    };
    const pollLocal = await pollCost(localContextId);
    const pollSsh = await pollCost(sshContextId);
    console.log(`  one convergence poll (2 engine calls), median of 10 (max): unix:// ${ms(median(pollLocal))} (${ms(max(pollLocal))}), ssh:// ${ms(median(pollSsh))} (${ms(max(pollSsh))}); over ssh:// every engine call opens its own SSH connection`);
    rows.push({ figure: "3 one convergence poll unix:// / ssh://", value: `${ms(median(pollLocal))} / ${ms(median(pollSsh))}`, goal: "" });
  }

  // ─── 6. default settings ───────────────────────────────────────────────────────────────────
  if (only.has("6") && withDefaults) {
    // swarm's defaults as `docker service create` leaves them, but with no Monitor at all: swarm then watches 5 s
    const setUpdateConfig = async (updateConfig: Record<string, unknown>, what: string) => {
      const s = await inspect();
      const spec = structuredClone(s.Spec);
      spec.UpdateConfig = updateConfig;
      await docker.getService(serviceId).update({ ...spec, version: s.Version.Index });
      await settle(what);
    };
    const before = structuredClone((await inspect()).Spec.UpdateConfig) as Record<string, unknown> | undefined;
    await setUpdateConfig({ Parallelism: 1, Delay: 0, FailureAction: "pause", MaxFailureRatio: 0, Order: "stop-first" }, "swarm's default UpdateConfig");
    const monitorNs = ((await inspect()).Spec.UpdateConfig as { Monitor?: number } | undefined)?.Monitor;
    const target = await getDb().target.findUniqueOrThrow({ where: { id: withDefaults.targetId } });
    console.log(
      `\n6. release recorded → converged with default settings (target: monitor ${target.monitorSeconds ?? "none"}, converge ${target.convergeTimeoutSeconds} s, no health URL; service: UpdateConfig.Monitor ${monitorNs ? `${monitorNs / 1e9} s` : "unset (swarm's 5 s)"}), 1 replica, unix://: Slipway vs docker CLI, alternating, ${options.rounds} each (+1 warm-up each)${loadNow()}`,
    );
    report("6", "release→converged, default settings", await compare("6", (v) => slipwayRelease(withDefaults, v)), true, "", true, { swarm: "5 s (swarm's default)", target: "none: the service's UpdateConfig.Monitor" }, 1.1);
    await setUpdateConfig(before ?? {}, "UpdateConfig put back");
  }

  // ─── 4. more replicas ──────────────────────────────────────────────────────────────────────
  if (only.has("4")) {
    const s = await inspect();
    const spec = structuredClone(s.Spec);
    spec.Mode = { Replicated: { Replicas: options.replicas } };
    await docker.getService(serviceId).update({ ...spec, version: s.Version.Index });
    await settle(`scaled to ${options.replicas}`);
    console.log(`\n4. release recorded → converged, ${options.replicas} replicas (stop-first, parallelism 1), unix://: Slipway vs docker CLI, ${options.rounds} each (+1 warm-up each)${loadNow()}`);
    report("4", `release→converged (${options.replicas} replicas)`, await compare("4", (v) => slipwayRelease(local, v)), true);
  }

  // ─── 5. unikernel hosts ────────────────────────────────────────────────────────────────────
  if (only.has("5")) {
    const { createUnikernelHost, buildTestKernel } = await import("@/test/helpers/unikernel");
    const { pushUnikernelImage } = await import("@/test/helpers/unikernel-images");
    const ukhost = await createUnikernelHost();
    onCleanup("unikernel host", () => ukhost.cleanup());
    // the hand's own key, beside the deployer's in authorized_keys; known_hosts from the pinned keys
    const handKey = path.join(work, "hand_ed25519");
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "bench-hand", "-f", handKey]);
    const { readFileSync, writeFileSync } = await import("node:fs");
    const uksshd = await startSshd({ authorizedKeys: [deployer.publicKey, readFileSync(`${handKey}.pub`, "utf8").trim()], env: { PATH: ukhost.path } });
    onCleanup("unikernel sshd", () => uksshd.stop());
    const knownHosts = path.join(work, "known_hosts");
    writeFileSync(knownHosts, uksshd.hostKeys.map((k) => `[127.0.0.1]:${uksshd.port} ${k.algorithm} ${k.publicKey}`).join("\n") + "\n");
    const sshArgs = ["-i", handKey, "-o", `UserKnownHostsFile=${knownHosts}`, "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes", "-o", "LogLevel=ERROR"];
    const ukHost = await saveHost(admin, { name: "ukhost", address: "127.0.0.1", port: uksshd.port, user: uksshd.user });
    await pinHostKeys(admin, { host_id: ukHost.id, keys: uksshd.hostKeys.map((k) => `${k.algorithm} ${k.publicKey}`) });
    const kernels: string[] = [];
    const ukImages: Awaited<ReturnType<typeof pushUnikernelImage>>[] = [];
    for (let v = 0; v < VARIANTS; v++) {
      kernels.push(await buildTestKernel({ version: `bench-${v}`, variant: "service" }));
      ukImages.push(await pushUnikernelImage(docker, { repo: `${registry.url}/bench/www`, tag: `hvt-${v}`, kernel: kernels[v]! }));
    }
    const ukRepo = (await saveRepository(admin, { repo: "bench/www", url: "https://git.example.org/bench-www.git", poll_interval: 86400 })).id;
    await getDb().repository.update({ where: { id: ukRepo }, data: { lastPolledAt: new Date() } });
    const ukBuild = (await saveBuildRule(admin, { repository_id: ukRepo, kind: "unikernel", target: "hvt" })).id;
    const ukRule = (await saveDeploymentRule(admin, { build_rule_id: ukBuild, branch: "master", image: `${registry.url}/bench/www:live-mirage-hvt`, registry: "local" })).id;
    const SLIP = "slipway";
    const HAND = "hand";
    await saveTarget(admin, { deployment_rule_id: ukRule, name: "bench-unikernel", host: "ukhost", service: SLIP, dir: ukhost.unikernelDir, monitor: 1, converge_timeout: 60, restart: { method: "systemd" } });
    let ukN = 0;
    const ukSteps = new Map<string, number[]>();

    const slipUnikernel = async (v: number): Promise<number> => {
      const img = ukImages[v]!;
      ukN++;
      const sha = (0xfe0000 + ukN).toString(16).padStart(40, "0");
      const commit = await getDb().commit.create({ data: { repositoryId: ukRepo, sha, message: `bench ${img.tag}` } });
      const b = await getDb().build.create({ data: { buildRuleId: ukBuild, commitId: commit.id, state: "succeeded", trigger: "webhook" } });
      const p0 = performance.now();
      const d = await getDb().$transaction(async (tx) => {
        const rel = await tx.release.create({
          data: { recordedBeforeSigning: true, buildId: b.id, deploymentRuleId: ukRule, imageRepo: img.repo, tag: img.tag, digest: img.digest, artifactPath: img.path, artifactSha256: img.sha256, artifactSize: BigInt(img.size), artifactTarget: "hvt" },
        });
        return (await createDeploymentsForRelease(tx, rel.id, { type: "worker", workerId: "bench-build-runner" })).created[0]?.id;
      });
      if (!d) throw new Error("the unikernel release created no deployment");
      const row = await until("the unikernel deployment to end", async () => {
        const r = (await q<{ state: string; reason: string | null }>("SELECT state::text, reason FROM deployments WHERE id = $1", [d]))[0];
        return r && !["queued", "deploying", "verifying"].includes(r.state) ? r : null;
      }, 120_000, POLL_MS);
      const total = performance.now() - p0;
      if (row.state !== "succeeded") throw new Error(`unikernel deployment ended ${row.state}: ${row.reason ?? ""}`);
      if (!ukhost.unitLog(SLIP).includes(`slipway-test-kernel bench-${v}`)) throw new Error(`the host did not boot bench-${v} for Slipway`);
      const text = await until("the deployment log", async () => {
        const t = (await readDeploymentLog(d, -1, 10_000)).map((c) => c.text).join("");
        return /==> succeeded/.test(t) ? t : null;
      }, 10_000, 50);
      for (const m of text.matchAll(/^==> (.*) \((\d+(?:\.\d+)?) s\)$/gm)) {
        const key = m[1]!.replace(/^deployment \S+: .*/, "deployment … (opened)").replace(/[0-9a-f]{64}/g, "<sha256>").replace(/\(was .*\)/, "").trim();
        ukSteps.set(key, [...(ukSteps.get(key) ?? []), Number(m[2])]);
      }
      await sleep(SETTLE_PAUSE_MS);
      return total;
    };
    const ssh = (args: string[]) => execFileP("ssh", [...sshArgs, "-p", String(uksshd.port), `${uksshd.user}@127.0.0.1`, ...args], { signal: cliAbort.signal });
    const handUnikernel = async (v: number): Promise<number> => {
      const img = ukImages[v]!;
      const dir = `${ukhost.unikernelDir}/${HAND}`;
      const p0 = performance.now();
      await execFileP("scp", [...sshArgs, "-q", "-P", String(uksshd.port), kernels[v]!, `${uksshd.user}@127.0.0.1:${dir}/${img.sha256}.hvt`], { signal: cliAbort.signal });
      await ssh([`ln -sfn ${img.sha256}.hvt ${dir}/current && systemctl restart unikernel@${HAND}`]);
      let upSince: number | null = null;
      for (;;) {
        const active = await ssh([`systemctl is-active unikernel@${HAND}`]).then(() => true, () => false);
        const now = performance.now();
        if (active) {
          upSince ??= now;
          if (now - upSince >= 1000) break;
        } else upSince = null;
        if (now - p0 > 60_000) throw new Error("by hand: the unit did not stay up");
        await sleep(200);
      }
      const total = performance.now() - p0;
      if (!ukhost.unitLog(HAND).includes(`slipway-test-kernel bench-${v}`)) throw new Error(`the host did not boot bench-${v} by hand`);
      await sleep(SETTLE_PAUSE_MS);
      return total;
    };
    execFileSync("mkdir", ["-p", `${ukhost.unikernelDir}/${HAND}`]);

    console.log(`\n5. unikernel: artifact ready → restarted and running 1 s (systemd stand-in booting QEMU over ssh): Slipway vs by hand (scp + ssh), alternating, ${options.rounds} each (+1 warm-up each)${loadNow()}`);
    let uv = 0;
    const next = () => (uv = (uv + 1) % VARIANTS);
    await slipUnikernel(next());
    await handUnikernel(uv);
    const slipTimes: number[] = [];
    const handTimes: number[] = [];
    for (let i = 0; i < options.rounds; i++) {
      const v = next();
      if (i % 2 === 0) {
        slipTimes.push(await slipUnikernel(v));
        handTimes.push(await handUnikernel(v));
      } else {
        handTimes.push(await handUnikernel(v));
        slipTimes.push(await slipUnikernel(v));
      }
      process.stdout.write(`  5 round ${i + 1}/${options.rounds}: Slipway ${secs(slipTimes.at(-1)!)}, by hand ${secs(handTimes.at(-1)!)}\n`);
    }
    const ratio = median(slipTimes) / median(handTimes);
    console.log(`  Slipway median ${secs(median(slipTimes))}, max ${secs(max(slipTimes))}; by hand median ${secs(median(handTimes))}, max ${secs(max(handTimes))}; ratio ${ratio.toFixed(3)}`);
    console.log(`  the deployment log's step headings (median seconds after the log opened): ${[...ukSteps].map(([k, v]) => `"${k}" ${median(v).toFixed(2)}`).join(", ")}`);
    rows.push({ figure: `5 unikernel ready→running median Slipway / by hand (n=${slipTimes.length})`, value: `${secs(median(slipTimes))} / ${secs(median(handTimes))}`, goal: "" });
    rows.push({ figure: "5 unikernel ratio Slipway/by hand", value: ratio.toFixed(3), goal: "≤ 1.10" });
    summary.push(`unikernel ready→running ratio ${ratio.toFixed(2)} (goal ≤ 1.10: ${ratio <= 1.1 ? "met" : "missed"})`);
  }

  await worker.stop();
  worker = undefined;
  const ended = await q<{ state: string; n: string }>("SELECT state::text, count(*) AS n FROM deployments GROUP BY 1 ORDER BY 1");
  console.log(`\ndeployments: ${ended.map((e) => `${e.n} ${e.state}`).join(", ")}`);
  if (seen.warnings || seen.errors) {
    console.log(`worker log: ${seen.warnings} warnings, ${seen.errors} errors (drift warnings are expected: the CLI changes the service behind Slipway's back)`);
    for (const [k, c] of [...seen.problems].sort((a, b) => b[1] - a[1]).slice(0, 8)) console.log(`  ${c}× ${k}`);
  }
  console.log(`machine load at the end: ${os.loadavg().map((l) => l.toFixed(2)).join(" ")}`);

  // the table
  printTable(rows);
  console.log("");
  for (const s of summary) console.log(s);
}

const began = performance.now();
runBench(main, { onDone: () => console.log(`runtime ${secs(performance.now() - began)}`) });
