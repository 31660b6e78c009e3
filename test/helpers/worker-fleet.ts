// Several real worker processes (workers/main.ts) on one database, given a batch of builds and deployments, and
// what they did counted from their own records, not from the job table: each worker's JSON log lines ("build
// started" / "deployment started", with its worker id) and the deployment.started audit events it wrote.
// Used by test/worker.three-workers.test.ts (small) and bench/workers.ts (npm run bench:workers, full size).
// Builds fetch from a git daemon, build on a real dockerd and push to a real registry; deployments update real
// swarm services. The caller starts dockerd (swarm), the registry and the git daemon, and stops them.
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { ChildProcess } from "node:child_process";
import type Dockerode from "dockerode";
import { getDb } from "@/lib/db";
import { ensureCommit, createBuild } from "@/lib/services/builds/schedule";
import { enqueueDeployment } from "@/lib/services/deployments/schedule";
import { saveBuildRule, saveContext, saveDeploymentRule, saveRegistry, saveRepository, saveTarget } from "@/lib/services/inventory/entities";
import { ensureDeployerKey } from "@/lib/services/deployer-key";
import { actorFor, createUser } from "@/test/helpers/fixtures";
import type { TestDockerd } from "@/test/helpers/dockerd";
import type { TestRegistry } from "@/test/helpers/registry";
import type { BareRepo } from "@/test/helpers/git-server";
import { importBusybox } from "@/test/helpers/busybox";
import { buildAppImage, type AppImage } from "@/test/helpers/app-images";
import { startScript, waitForExit, type ScriptResult } from "@/test/helpers/spawn";
import { eventually } from "@/test/helpers/eventually";
import { runningImages } from "@/test/helpers/swarm";

const SECOND = 1_000_000_000;

export interface Fleet {
  /** unique per run: service names, branches and worker ids carry it */
  tag: string;
  buildRuleId: string;
  repositoryId: string;
  /** the rule whose branches the builds publish: one deployment rule per build, its branch */
  registryId: string;
  targets: { id: string; serviceId: string; name: string }[];
  /** two releases whose images differ, alternated so every deployment changes what the service runs */
  releases: [string, string];
  /** which of `releases` each target runs (or was last sent) */
  next: Map<string, number>;
  round: number;
}

/** The inventory: a repository built on `dockerd`, `targets` swarm services on it running v1, two releases. */
export async function prepareFleet(o: { dockerd: TestDockerd; registry: TestRegistry; gitUrl: string; targets: number; tag?: string }): Promise<Fleet> {
  const tag = o.tag ?? `f${process.pid}${Math.random().toString(36).slice(2, 6)}`;
  await ensureDeployerKey();
  const admin = actorFor(await createUser("admin"));
  await saveContext(admin, { name: `${tag}-builder`, endpoint: o.dockerd.endpoint, role: "build" });
  await saveContext(admin, { name: `${tag}-manager`, endpoint: o.dockerd.endpoint, role: "swarm_manager" });
  const registry = await saveRegistry(admin, { name: `${tag}-local`, url: o.registry.url });
  const repo = await saveRepository(admin, { repo: `${tag}/app`, url: o.gitUrl });
  // the batches record their refs and builds themselves: a poll of the repository while a batch commits its
  // branches would record the same refs (and build the same commits) under it, so this one is not polled
  await getDb().repository.update({ where: { id: repo.id }, data: { lastPolledAt: new Date(Date.now() + 365 * 86_400_000) } });
  const buildRule = await saveBuildRule(admin, { repository_id: repo.id, dockerfile: "Dockerfile" });
  // the deployments' releases come from a build rule of their own, so the builds' rule publishes nothing to a target
  const deployRule = await saveBuildRule(admin, { repository_id: repo.id, name: "deploy", dockerfile: "Dockerfile.deploy" });
  const live = await saveDeploymentRule(admin, { build_rule_id: deployRule.id, branch: "live", image: `${o.registry.url}/${tag}/svc:live` });
  const base = await importBusybox(o.dockerd.docker, `${o.registry.url}/busybox:latest`);
  const sleep = [`CMD ["/bin/busybox", "sleep", "3600"]`];
  const images: AppImage[] = [];
  for (const v of ["v1", "v2"]) images.push(await buildAppImage(o.dockerd.docker, { base, repo: `${o.registry.url}/${tag}/svc`, tag: v, lines: sleep }));
  const db = getDb();
  const releases = [] as unknown as [string, string];
  for (const [i, img] of images.entries()) {
    // one release per build and rule: a succeeded build of its own commit for each image
    const commit = await db.commit.create({ data: { repositoryId: repo.id, sha: String(i + 1).repeat(40), message: `the services' image ${img.tag}` } });
    const build = await db.build.create({ data: { buildRuleId: deployRule.id, commitId: commit.id, state: "succeeded", trigger: "manual" } });
    releases.push((await db.release.create({ data: { recordedBeforeSigning: true, buildId: build.id, deploymentRuleId: live.id, imageRepo: img.repo, tag: img.tag, digest: img.digest } })).id);
  }

  const targets: Fleet["targets"] = [];
  const next = new Map<string, number>();
  for (let i = 0; i < o.targets; i++) {
    const service = `${tag}-svc${i}`;
    const created = await o.dockerd.docker.createService({
      Name: service,
      TaskTemplate: { ContainerSpec: { Image: images[0]!.ref, StopGracePeriod: SECOND }, RestartPolicy: { Condition: "any", Delay: SECOND / 5 }, Networks: [] },
      Mode: { Replicated: { Replicas: 1 } },
      UpdateConfig: { Parallelism: 1, Delay: 0, Monitor: SECOND, FailureAction: "rollback", MaxFailureRatio: 0, Order: "stop-first" },
      RollbackConfig: { Parallelism: 1, Delay: 0, Monitor: SECOND, FailureAction: "pause", MaxFailureRatio: 0, Order: "stop-first" },
    } as Dockerode.CreateServiceOptions);
    const t = await saveTarget(admin, { deployment_rule_id: live.id, name: service, context: `${tag}-manager`, service, monitor: 1, converge_timeout: 120, health_timeout: 5 });
    targets.push({ id: t.id, serviceId: created.id, name: service });
    next.set(t.id, 1);
  }
  for (const t of targets) await eventually(`${t.name} running v1`, async () => (await runningImages(o.dockerd.docker, t.serviceId)).length === 1, 180_000, 500);
  return { tag, buildRuleId: buildRule.id, repositoryId: repo.id, registryId: registry.id, targets, releases, next, round: 0 };
}

export interface Batch {
  buildIds: string[];
  deploymentIds: string[];
  /** when the jobs were enqueued (all of them, in a few transactions) */
  enqueuedAt: number;
}

/**
 * Commits one change per build on a branch of its own (each with a deployment rule, so the build pushes its image),
 * then enqueues the builds and `deployments` deployments spread over the targets as the product does (a build and
 * its build_run job, a queued deployment and its deploy_run job on the target's queue, each in one transaction).
 * Deployments are queued directly rather than through createDeployment, which supersedes a target's waiting
 * deployments by the newest (the product's rule): here every one of them must run, one after the other.
 */
export async function enqueueBatch(f: Fleet, o: { bare: BareRepo; registry: TestRegistry; builds: number; deployments: number }): Promise<Batch> {
  f.round++;
  const db = getDb();
  const branches: { branch: string; sha: string }[] = [];
  for (let i = 0; i < o.builds; i++) {
    const branch = `r${f.round}-b${i}`;
    const sha = o.bare.commit(branch, { Dockerfile: "FROM scratch\nCOPY index.html /\n", "index.html": `<h1>${f.tag} ${branch}</h1>\n` });
    branches.push({ branch, sha });
  }
  await db.deploymentRule.createMany({ data: branches.map((b) => ({ buildRuleId: f.buildRuleId, branch: b.branch, image: `${o.registry.url}/${f.tag}/app:${b.branch}`, registryId: f.registryId })) });
  // the refs as a push would have recorded them (lib/services/refs), then each build and its job in one transaction
  const refs = new Map<string, string>();
  for (const b of branches) refs.set(b.branch, (await db.ref.create({ data: { repositoryId: f.repositoryId, kind: "branch", name: b.branch, headSha: b.sha }, select: { id: true } })).id);
  const enqueuedAt = Date.now();
  const buildIds: string[] = [];
  for (const b of branches) {
    buildIds.push(
      await db.$transaction(async (tx) => {
        const commitId = await ensureCommit(tx, f.repositoryId, b.sha);
        return createBuild(tx, { buildRuleId: f.buildRuleId, commitId, refIds: [refs.get(b.branch)!], trigger: "webhook", repositoryHasApp: false });
      }),
    );
  }
  const deploymentIds: string[] = [];
  for (let i = 0; i < o.deployments; i++) {
    const t = f.targets[i % f.targets.length]!;
    const which = f.next.get(t.id)!;
    f.next.set(t.id, 1 - which);
    deploymentIds.push(
      await db.$transaction(async (tx) => {
        const d = await tx.deployment.create({ data: { targetId: t.id, releaseId: f.releases[which]!, state: "queued", trigger: "manual", queuedAt: new Date() }, select: { id: true } });
        await enqueueDeployment(tx, d.id, t.id);
        return d.id;
      }),
    );
  }
  return { buildIds, deploymentIds, enqueuedAt };
}

export interface WorkerProcess {
  id: string;
  logFile: string;
  child: ChildProcess;
  exit: Promise<ScriptResult>;
}

/** Starts `n` worker processes (npm run worker) and waits for each one's heartbeat. Their stdout goes to a file each. */
export async function startWorkers(n: number, tag: string, env: Record<string, string | undefined> = {}): Promise<{ workers: WorkerProcess[]; dir: string }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `slipway-fleet-${tag}-`));
  const workers: WorkerProcess[] = [];
  for (let i = 0; i < n; i++) {
    const id = `${tag}-w${i + 1}of${n}-${Math.random().toString(36).slice(2, 6)}`;
    const logFile = path.join(dir, `${id}.jsonl`);
    const child = startScript("workers/main.ts", [], { DATABASE_URL: process.env.DATABASE_URL, SLIPWAY_WORKER_ID: id, SLIPWAY_LOG_FORMAT: "json", LOG_LEVEL: "info", ...env });
    const out = createWriteStream(logFile);
    child.stdout?.pipe(out);
    workers.push({ id, logFile, child, exit: waitForExit(child, 24 * 3600_000) });
  }
  try {
    for (const w of workers) await eventually(`worker ${w.id}'s heartbeat`, () => getDb().workerHeartbeat.findUnique({ where: { id: w.id } }), 120_000, 250);
  } catch (err) {
    await stopWorkers(workers);
    throw err;
  }
  return { workers, dir };
}

/** SIGTERM (graceful stop), SIGKILL after 60 s; resolves when all exited. */
export async function stopWorkers(workers: WorkerProcess[]): Promise<void> {
  await Promise.all(
    workers.map(async (w) => {
      if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill("SIGTERM");
      const timer = setTimeout(() => w.child.kill("SIGKILL"), 60_000);
      await w.exit.catch(() => undefined);
      clearTimeout(timer);
    }),
  );
}

export function removeLogs(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

const ENDED_BUILD = ["succeeded", "failed", "cancelled", "superseded"];
const ENDED_DEPLOYMENT = ["succeeded", "failed", "rolled_back", "cancelled", "superseded"];

/** Waits until every build and deployment of the batch has ended (any end: the counts say which). */
export async function waitForBatch(b: Batch, timeoutMs: number): Promise<void> {
  const db = getDb();
  await eventually(
    "every build and deployment of the batch to end",
    async () => {
      const builds = await db.build.count({ where: { id: { in: b.buildIds }, state: { notIn: ENDED_BUILD as never[] } } });
      const deps = await db.deployment.count({ where: { id: { in: b.deploymentIds }, state: { notIn: ENDED_DEPLOYMENT as never[] } } });
      return builds === 0 && deps === 0;
    },
    timeoutMs,
    1_000,
  );
}

interface LogLine {
  msg?: string;
  worker?: string;
  buildId?: string;
  deploymentId?: string;
  state?: string;
  time?: number;
}

export interface BatchResult {
  workers: number;
  builds: { jobs: number; runs: number; twice: string[]; lost: string[]; notSucceeded: string[] };
  deployments: { jobs: number; runs: number; auditRuns: number; twice: string[]; lost: string[]; notSucceeded: string[]; overlaps: string[] };
  /** jobs that found their row already taken (a second delivery of a job): worth knowing, harmless */
  skipped: number;
  /** runs per worker id (builds + deployments) */
  perWorker: Record<string, number>;
  /** from the enqueue to the last end (ms); and from the first start to the last end of each kind */
  wallMs: number;
  buildsWallMs: number;
  deploymentsWallMs: number;
  buildsPerMin: number;
  deploymentsPerMin: number;
}

function countBy(ids: string[], seen: string[]): Map<string, number> {
  const m = new Map<string, number>(ids.map((id) => [id, 0]));
  for (const s of seen) if (m.has(s)) m.set(s, m.get(s)! + 1);
  return m;
}

/** Counts what the workers ran, from their logs and audit events; checks the batch's rows ended and overlaps. */
export async function countBatch(b: Batch, workers: WorkerProcess[]): Promise<BatchResult> {
  const db = getDb();
  const lines: LogLine[] = [];
  for (const w of workers) {
    for (const raw of readFileSync(w.logFile, "utf8").split("\n")) {
      if (!raw.startsWith("{")) continue;
      try {
        const l = JSON.parse(raw) as LogLine;
        // a line is this worker's own only if it carries its id (its logger's binding)
        if (l.worker === w.id) lines.push(l);
      } catch {
        // a torn last line of a killed worker: not a record
      }
    }
  }
  const buildStarts = lines.filter((l) => l.msg === "build started" && l.buildId).map((l) => l.buildId!);
  const depStarts = lines.filter((l) => l.msg === "deployment started" && l.deploymentId).map((l) => l.deploymentId!);
  const skipped = lines.filter((l) => (l.msg === "build job done" || l.msg === "deployment job done") && l.state === "skipped").length;
  const perWorker: Record<string, number> = Object.fromEntries(workers.map((w) => [w.id, 0]));
  // the batch's runs only (the fleet's repository is not polled, but a run may share the workers with other jobs)
  const inBatch = new Set([...b.buildIds, ...b.deploymentIds]);
  for (const l of lines) if (l.worker && (l.msg === "build started" || l.msg === "deployment started") && inBatch.has(l.buildId ?? l.deploymentId ?? "")) perWorker[l.worker] = (perWorker[l.worker] ?? 0) + 1;

  const workerIds = workers.map((w) => w.id);
  const audits = await db.auditEvent.findMany({ where: { action: "deployment.started", subjectId: { in: b.deploymentIds }, actorType: "worker", actorId: { in: workerIds } }, select: { subjectId: true } });
  const bRuns = countBy(b.buildIds, buildStarts);
  const dRuns = countBy(b.deploymentIds, depStarts);
  const dAudit = countBy(b.deploymentIds, audits.map((a) => a.subjectId!));
  // a deployment counts once only if its log line and its audit event agree
  const dTwice = b.deploymentIds.filter((id) => dRuns.get(id)! > 1 || dAudit.get(id)! > 1);
  const dLost = b.deploymentIds.filter((id) => dRuns.get(id)! === 0 || dAudit.get(id)! === 0);

  const builds = await db.build.findMany({ where: { id: { in: b.buildIds } }, select: { id: true, state: true, reason: true, startedAt: true, finishedAt: true } });
  const deps = await db.deployment.findMany({ where: { id: { in: b.deploymentIds } }, select: { id: true, targetId: true, state: true, reason: true, startedAt: true, finishedAt: true } });

  // one deployment per target at a time: the deployments' own start and end, sorted by start, never interleave
  const overlaps: string[] = [];
  const byTarget = new Map<string, typeof deps>();
  for (const d of deps) byTarget.set(d.targetId, [...(byTarget.get(d.targetId) ?? []), d]);
  for (const list of byTarget.values()) {
    const ran = list.filter((d) => d.startedAt).sort((x, y) => x.startedAt!.getTime() - y.startedAt!.getTime());
    for (let i = 1; i < ran.length; i++) {
      const prev = ran[i - 1]!;
      const cur = ran[i]!;
      if (!prev.finishedAt || prev.finishedAt.getTime() > cur.startedAt!.getTime()) overlaps.push(`${cur.id} started at ${cur.startedAt!.toISOString()} while ${prev.id} ran (until ${prev.finishedAt?.toISOString() ?? "never ended"})`);
    }
  }
  const times = (rows: { startedAt: Date | null; finishedAt: Date | null }[]) => {
    const s = rows.flatMap((r) => (r.startedAt ? [r.startedAt.getTime()] : []));
    const e = rows.flatMap((r) => (r.finishedAt ? [r.finishedAt.getTime()] : []));
    return s.length && e.length ? { first: Math.min(...s), last: Math.max(...e) } : null;
  };
  const bt = times(builds);
  const dt = times(deps);
  const buildsWallMs = bt ? bt.last - bt.first : NaN;
  const deploymentsWallMs = dt ? dt.last - dt.first : NaN;
  const wallMs = Math.max(bt?.last ?? 0, dt?.last ?? 0) - b.enqueuedAt;
  return {
    workers: workers.length,
    builds: {
      jobs: b.buildIds.length,
      runs: buildStarts.filter((id) => bRuns.has(id)).length,
      twice: b.buildIds.filter((id) => bRuns.get(id)! > 1),
      lost: b.buildIds.filter((id) => bRuns.get(id)! === 0),
      notSucceeded: builds.filter((r) => r.state !== "succeeded").map((r) => `${r.id} ${r.state}: ${r.reason ?? ""}`),
    },
    deployments: {
      jobs: b.deploymentIds.length,
      runs: depStarts.filter((id) => dRuns.has(id)).length,
      auditRuns: audits.length,
      twice: dTwice,
      lost: dLost,
      notSucceeded: deps.filter((r) => r.state !== "succeeded").map((r) => `${r.id} ${r.state}: ${r.reason ?? ""}`),
      overlaps,
    },
    skipped,
    perWorker,
    wallMs,
    buildsWallMs,
    deploymentsWallMs,
    buildsPerMin: b.buildIds.length / (buildsWallMs / 60_000),
    deploymentsPerMin: b.deploymentIds.length / (deploymentsWallMs / 60_000),
  };
}

/** The figures of one or two runs as a table (the ratio when both a 1-worker and an n-worker run are given). */
export function fleetTable(results: BatchResult[]): string {
  const rows: [string, ...string[]][] = [
    ["workers", ...results.map((r) => String(r.workers))],
    ["builds: jobs / runs", ...results.map((r) => `${r.builds.jobs} / ${r.builds.runs}`)],
    ["builds: twice / lost / not succeeded", ...results.map((r) => `${r.builds.twice.length} / ${r.builds.lost.length} / ${r.builds.notSucceeded.length}`)],
    ["deployments: jobs / runs (log) / runs (audit)", ...results.map((r) => `${r.deployments.jobs} / ${r.deployments.runs} / ${r.deployments.auditRuns}`)],
    ["deployments: twice / lost / not succeeded", ...results.map((r) => `${r.deployments.twice.length} / ${r.deployments.lost.length} / ${r.deployments.notSucceeded.length}`)],
    ["overlaps on a target", ...results.map((r) => String(r.deployments.overlaps.length))],
    ["jobs skipped (row already taken)", ...results.map((r) => String(r.skipped))],
    ["runs per worker", ...results.map((r) => Object.values(r.perWorker).join(" / "))],
    ["wall time (enqueue → last end)", ...results.map((r) => `${(r.wallMs / 1000).toFixed(1)} s`)],
    ["builds/min (first start → last end)", ...results.map((r) => r.buildsPerMin.toFixed(1))],
    ["deployments/min (first start → last end)", ...results.map((r) => r.deploymentsPerMin.toFixed(1))],
  ];
  if (results.length === 2) {
    const [one, many] = results as [BatchResult, BatchResult];
    rows.push([`throughput ratio ${many.workers} workers / ${one.workers}`, `builds ×${(many.buildsPerMin / one.buildsPerMin).toFixed(2)}`, `deployments ×${(many.deploymentsPerMin / one.deploymentsPerMin).toFixed(2)}`]);
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
  return rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c]!)).join("  ")).join("\n");
}
