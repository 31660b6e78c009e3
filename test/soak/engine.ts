// The soak (issue 14): releases and rollbacks over 20 targets (17 swarm services, 3 unikernels) through the
// product's own commands, run by real worker processes, while workers are killed with SIGKILL, sshd is stopped
// and started and the swarm manager's dockerd is restarted, before and during deployments. Then everything
// settles (bounded) and the recorded state is compared with the real one. Used by scripts/soak.ts
// (`npm run soak -- --deployments 500`) and test/faults/soak.test.ts (the short version).
import type { ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, mkdtempSync, readFileSync, realpathSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import type Dockerode from "dockerode";
import pg from "pg";
import { startSoakSwarm, type SoakSwarm } from "@/test/soak/swarm";
import { spawnDaemon, stopDaemon } from "@/test/helpers/processes";

export interface SoakOptions {
  /** deployments to request in all (the first 20 put a release on every target, before any fault) */
  deployments: number;
  /** deployments in flight at once (one per target at most) */
  concurrency?: number;
  /** worker processes: the first is never killed (its RSS is the one measured), the others are */
  workers?: number;
  /** bound on waiting for everything to end after the last request */
  settleMs?: number;
  /** a seed for the random choices, so a run can be repeated */
  seed?: number;
  /** progress lines */
  say?: (line: string) => void;
}

export interface SoakResult {
  swarm: string;
  deployments: number;
  rollbacks: number;
  byState: Record<string, number>;
  kills: { worker: number; sshd: number; dockerd: number };
  stuck: string[];
  wrong: string[];
  twice: string[];
  lost: string[];
  audit: { intact: boolean; output: string };
  /** for each stuck or wrong target: its last deployments (state, worker, reason) and their logs' last lines */
  evidence: string[];
  deploySeconds: { p50: number; p95: number; n: number };
  rss: { worker: string; bootKiB: number; startKiB: number; endKiB: number; growth: number };
  settleSeconds: number;
  runSeconds: number;
}

const SECOND_NS = 1_000_000_000;
const SWARM_TARGETS = 17;
/** of the swarm targets, these reach the manager through the ssh:// context (the rest through its socket) */
const SSH_SWARM_TARGETS = 5;
const UNIKERNEL_TARGETS = 3;
const VARIANTS = 4;
const ACTIVE = ["pending_approval", "queued", "deploying", "verifying"];
const ENDED_ACTIONS = ["deployment.succeeded", "deployment.failed", "deployment.rolled_back", "deployment.reverified"];
/** RSS may grow this much between the start and the end of the measured worker's run */
export const RSS_GROWTH_LIMIT = 0.2;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A small deterministic generator (mulberry32): the same seed gives the same run of choices. */
function random(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)), pick: <T>(xs: T[]) => xs[Math.floor(next() * xs.length)]! };
}

/** The nearest-rank percentile (the smallest sample with at least p% of samples at or below it). */
export function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return NaN;
  const s = [...samples].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

function vmRssKiB(pid: number | undefined): number {
  if (!pid) return NaN;
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) : NaN;
}

/** The must-be-0 figures that are not 0, in words (empty: the soak passed). */
export function soakFailures(r: SoakResult): string[] {
  const out: string[] = [];
  if (r.stuck.length) out.push(`${r.stuck.length} stuck`);
  if (r.wrong.length) out.push(`${r.wrong.length} wrong final state`);
  if (r.twice.length) out.push(`${r.twice.length} run twice`);
  if (r.lost.length) out.push(`${r.lost.length} lost`);
  if (!r.audit.intact) out.push("audit chain broken");
  if (!(r.rss.growth <= RSS_GROWTH_LIMIT)) out.push(`worker RSS grew ${(r.rss.growth * 100).toFixed(1)}% (limit ${RSS_GROWTH_LIMIT * 100}%)`);
  return out;
}

export function soakTable(r: SoakResult): string {
  const kib = (n: number) => `${(n / 1024).toFixed(1)} MiB`;
  const rows: Array<[string, string, string]> = [
    ["swarm", r.swarm, ""],
    ["deployments (of which rollbacks)", `${r.deployments} (${r.rollbacks})`, ""],
    ["ended", Object.entries(r.byState).map(([s, n]) => `${n} ${s}`).join(", "), ""],
    ["kills: worker kill -9 / sshd stop+start / dockerd restart", `${r.kills.worker} / ${r.kills.sshd} / ${r.kills.dockerd}`, ""],
    ["stuck (not ended after settle)", String(r.stuck.length), "0"],
    ["wrong final state (service inspect, host files)", String(r.wrong.length), "0"],
    ["jobs run twice", String(r.twice.length), "0"],
    ["lost (requested, never ran)", String(r.lost.length), "0"],
    ["audit chain (npm run audit:verify)", r.audit.intact ? "intact" : "BROKEN", "intact"],
    [`deploy time p50 / p95 (request → succeeded, n=${r.deploySeconds.n})`, `${r.deploySeconds.p50.toFixed(1)} s / ${r.deploySeconds.p95.toFixed(1)} s`, ""],
    [`worker RSS (${r.rss.worker}) boot / start / end`, `${kib(r.rss.bootKiB)} / ${kib(r.rss.startKiB)} / ${kib(r.rss.endKiB)} (${r.rss.growth >= 0 ? "+" : ""}${(r.rss.growth * 100).toFixed(1)}%)`, `≤ +${RSS_GROWTH_LIMIT * 100}%`],
    ["settle / whole run", `${r.settleSeconds.toFixed(0)} s / ${r.runSeconds.toFixed(0)} s`, ""],
  ];
  const w1 = Math.max(...rows.map((x) => x[0].length));
  const w2 = Math.max(...rows.map((x) => x[1].length));
  const lines = [`${"figure".padEnd(w1)}  ${"value".padEnd(w2)}  must be`, `${"-".repeat(w1)}  ${"-".repeat(w2)}  -------`];
  for (const [a, b, c] of rows) lines.push(`${a.padEnd(w1)}  ${b.padEnd(w2)}  ${c}`);
  for (const [what, list] of [["stuck", r.stuck], ["wrong", r.wrong], ["twice", r.twice], ["lost", r.lost]] as const) {
    for (const item of list.slice(0, 20)) lines.push(`  ${what}: ${item}`);
  }
  if (!r.audit.intact) lines.push(`  audit: ${r.audit.output.trim()}`);
  for (const e of r.evidence) lines.push(`  evidence: ${e}`);
  return lines.join("\n");
}

interface SoakTarget {
  name: string;
  id: string;
  kind: "swarm" | "unikernel";
  ruleId: string;
  buildRuleId: string;
  repositoryId: string;
  /** swarm: the service's id; unikernel: the service name on the host */
  service: string;
  /** releases recorded for this target, oldest first: id and variant */
  releases: Array<{ id: string; variant: number }>;
  lastVariant: number;
}

interface WorkerProc {
  slot: number;
  generation: number;
  id: string;
  child: ChildProcess;
  logFile: string;
}

/**
 * Runs the soak in a database that DATABASE_URL names (migrated, empty of inventory) and returns its figures.
 * Everything it starts is stopped and removed before it returns or throws.
 */
export async function runSoak(opts: SoakOptions): Promise<SoakResult> {
  const say = opts.say ?? (() => undefined);
  const rnd = random(opts.seed ?? Date.now());
  const concurrency = opts.concurrency ?? 6;
  const workerCount = Math.max(2, opts.workers ?? 3);
  const settleMs = opts.settleMs ?? 300_000;
  const began = performance.now();
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error("the soak needs DATABASE_URL (a scratch database)");
  // one key in this process and in the workers: the deployer key sealed here opens there
  process.env.SLIPWAY_SECRET_KEY ??= "5a".repeat(32);
  const { resetEnvCache } = await import("@/lib/env");
  resetEnvCache();

  const cleanups: Array<() => unknown> = [];
  const work = mkdtempSync(path.join(os.tmpdir(), `slipway-soak-${process.pid}-`));
  cleanups.push(() => rmSync(work, { recursive: true, force: true }));
  const sql = new pg.Client({ connectionString: url });
  await sql.connect();
  cleanups.push(() => sql.end());
  const q = async <T extends pg.QueryResultRow>(text: string, values: unknown[] = []) => (await sql.query<T>(text, values)).rows;

  try {
    const { getDb } = await import("@/lib/db");
    const { recordAudit } = await import("@/lib/audit/record");
    const { ensureDeployerKey } = await import("@/lib/services/deployer-key");
    const { createDeploymentsForRelease } = await import("@/lib/services/deployments/schedule");
    const { rollbackTarget, unpinTarget } = await import("@/lib/services/deployments/commands");
    const { pinHostKeys } = await import("@/lib/services/inventory/hosts");
    const { saveBuildRule, saveContext, saveDeploymentRule, saveHost, saveRegistry, saveRepository, saveTarget } = await import("@/lib/services/inventory/entities");
    const { actorFor, createUser } = await import("@/test/helpers/fixtures");
    const { startSshd } = await import("@/test/helpers/sshd");
    const { importBusybox } = await import("@/test/helpers/busybox");
    const { buildAppImage } = await import("@/test/helpers/app-images");
    const { createUnikernelHost, buildTestKernel } = await import("@/test/helpers/unikernel");
    const { pushUnikernelImage } = await import("@/test/helpers/unikernel-images");

    // ─── the real parts ───────────────────────────────────────────────────────────────────────────
    say("starting: swarm, registry, unikernel host, sshd …");
    const swarm = await startSoakSwarm();
    cleanups.push(() => swarm.stop());
    const registry = swarm.registry;
    const docker: Dockerode = swarm.docker;
    const ukhost = await createUnikernelHost();
    cleanups.push(() => ukhost.cleanup());
    const deployer = await ensureDeployerKey();
    // one host: its sessions reach the manager's engine (docker system dial-stdio) and the unikernel stand-ins
    const sshd = await startSshd({ authorizedKeys: [deployer.publicKey], env: { DOCKER_HOST: swarm.managerEndpoint, PATH: ukhost.path } });
    cleanups.push(() => sshd.stop());

    // releases are real images: built here, pushed to the registry, deployed by digest
    say("building images …");
    const base = await importBusybox(docker, `${registry.url}/busybox:latest`);
    const cmd = [`CMD ["/bin/busybox", "sh", "-c", "trap 'exit 0' TERM; /bin/busybox sleep 36000 & wait"]`];
    const images: Array<Awaited<ReturnType<typeof buildAppImage>>> = [];
    for (let v = 0; v < VARIANTS; v++) images.push(await buildAppImage(docker, { base, repo: `${registry.url}/soak/app`, tag: `v${v}`, lines: cmd }));
    const ukImages: Array<Awaited<ReturnType<typeof pushUnikernelImage>>> = [];
    for (let v = 0; v < VARIANTS; v++) {
      const kernel = await buildTestKernel({ version: `soak-${v}`, variant: "service" });
      ukImages.push(await pushUnikernelImage(docker, { repo: `${registry.url}/soak/www`, tag: `hvt-${v}`, kernel }));
    }

    // ─── the inventory, through the product's commands ────────────────────────────────────────────
    say("inventory: 20 targets …");
    const admin = actorFor(await createUser("admin"));
    const operator = actorFor(await createUser("operator"));
    await saveRegistry(admin, { name: "local", url: registry.url });
    await saveContext(admin, { name: "swarm-local", endpoint: swarm.managerEndpoint, role: "swarm_manager" });
    const host = await saveHost(admin, { name: "manager", address: "127.0.0.1", port: sshd.port, user: sshd.user });
    await pinHostKeys(admin, { host_id: host.id, keys: sshd.hostKeys.map((k) => `${k.algorithm} ${k.publicKey}`) });
    await saveContext(admin, { name: "swarm-ssh", endpoint: `ssh://${sshd.user}@127.0.0.1:${sshd.port}`, role: "swarm_manager" });

    const targets: SoakTarget[] = [];
    const total = SWARM_TARGETS + UNIKERNEL_TARGETS;
    for (let i = 0; i < total; i++) {
      const kind = i < SWARM_TARGETS ? "swarm" : "unikernel";
      const name = kind === "swarm" ? `soak-s${String(i).padStart(2, "0")}` : `soak-u${i - SWARM_TARGETS}`;
      const repositoryId = (await saveRepository(admin, { repo: `soak/${name}`, url: `https://git.example.org/${name}.git`, poll_interval: 86400 })).id;
      // nothing to fetch from: the poller leaves it alone for the day
      await getDb().repository.update({ where: { id: repositoryId }, data: { lastPolledAt: new Date() } });
      let service: string;
      let buildRuleId: string;
      let ruleId: string;
      let targetId: string;
      if (kind === "swarm") {
        const created = await docker.createService({
          Name: name,
          TaskTemplate: {
            ContainerSpec: { Image: images[0]!.ref, StopGracePeriod: SECOND_NS },
            RestartPolicy: { Condition: "any", Delay: SECOND_NS / 5 },
            Placement: swarm.placement,
            Networks: [],
          },
          Mode: { Replicated: { Replicas: swarm.replicas } },
          // every replica at once: one per node
          UpdateConfig: { Parallelism: swarm.replicas, Delay: 0, Monitor: SECOND_NS, FailureAction: "rollback", MaxFailureRatio: 0, Order: "stop-first" },
          RollbackConfig: { Parallelism: swarm.replicas, Delay: 0, Monitor: SECOND_NS, FailureAction: "pause", MaxFailureRatio: 0, Order: "stop-first" },
        } as Dockerode.CreateServiceOptions);
        service = created.id;
        buildRuleId = (await saveBuildRule(admin, { repository_id: repositoryId, name: "Dockerfile" })).id;
        ruleId = (await saveDeploymentRule(admin, { build_rule_id: buildRuleId, branch: "live", image: `${registry.url}/soak/app:live`, registry: "local" })).id;
        const context = i < SWARM_TARGETS - SSH_SWARM_TARGETS ? "swarm-local" : "swarm-ssh";
        targetId = (await saveTarget(admin, { deployment_rule_id: ruleId, name, context, service: name, monitor: 1, converge_timeout: 120 })).id;
      } else {
        service = name;
        buildRuleId = (await saveBuildRule(admin, { repository_id: repositoryId, kind: "unikernel", target: "hvt" })).id;
        ruleId = (await saveDeploymentRule(admin, { build_rule_id: buildRuleId, branch: "master", image: `${registry.url}/soak/www:live`, registry: "local" })).id;
        targetId = (await saveTarget(admin, { deployment_rule_id: ruleId, name, host: "manager", service: name, dir: ukhost.unikernelDir, monitor: 1, converge_timeout: 60, restart: { method: "systemd" } })).id;
      }
      targets.push({ name, id: targetId, kind, ruleId, buildRuleId, repositoryId, service, releases: [], lastVariant: 0 });
    }

    // ─── the workers: real processes ──────────────────────────────────────────────────────────────
    const workers: WorkerProc[] = [];
    const allLogs: string[] = [];
    const startWorkerProc = (slot: number, generation: number): WorkerProc => {
      const id = `soak-w${slot}-g${generation}`;
      const logFile = path.join(work, `${id}.log`);
      allLogs.push(logFile);
      // env(1) sets the worker's own environment; setpriv (spawnDaemon) makes it die with this process
      const env = [
        `DATABASE_URL=${url}`,
        `SLIPWAY_SECRET_KEY=${process.env.SLIPWAY_SECRET_KEY}`,
        `SLIPWAY_WORKER_ID=${id}`,
        "SLIPWAY_URL=https://slipway.example.org",
        "LOG_LEVEL=info",
        "SLIPWAY_LOG_FORMAT=json",
      ];
      const child = spawnDaemon("/usr/bin/env", [...env, process.execPath, "--import", "tsx", path.join(process.cwd(), "workers/main.ts")], { logFile, deathSignal: "SIGKILL" });
      return { slot, generation, id, child, logFile };
    };
    const waitReady = async (w: WorkerProc) => {
      const end = Date.now() + 120_000;
      while (!(await q("SELECT 1 FROM worker_heartbeats WHERE id = $1 AND stopped_at IS NULL", [w.id])).length) {
        if (w.child.exitCode !== null || w.child.signalCode !== null) throw new Error(`worker ${w.id} exited before it started:\n${readFileSync(w.logFile, "utf8").slice(-3000)}`);
        if (Date.now() > end) throw new Error(`worker ${w.id} did not start within 120 s:\n${readFileSync(w.logFile, "utf8").slice(-3000)}`);
        await sleep(200);
      }
    };
    for (let s = 1; s <= workerCount; s++) workers.push(startWorkerProc(s, 1));
    cleanups.push(async () => {
      for (const w of workers) await stopDaemon(w.child, 10_000);
    });
    say(`starting ${workerCount} workers …`);
    for (const w of workers) await waitReady(w);
    const measured = workers[0]!;
    const bootKiB = vmRssKiB(measured.child.pid);

    // ─── requests ─────────────────────────────────────────────────────────────────────────────────
    const requested: Array<{ deploymentId: string; target: SoakTarget; rollback: boolean }> = [];
    let rollbacks = 0;
    let commitN = 0;
    const inFlight = new Map<string, { deploymentId: string; rollback: boolean }>();

    const newRelease = async (t: SoakTarget): Promise<string> => {
      let v = rnd.int(0, VARIANTS - 1);
      if (v === t.lastVariant) v = (v + 1) % VARIANTS;
      commitN++;
      const sha = createHash("sha1").update(`soak ${process.pid} ${commitN}`).digest("hex");
      const commit = await getDb().commit.create({ data: { repositoryId: t.repositoryId, sha, message: `soak ${t.name} v${v}` } });
      const build = await getDb().build.create({ data: { buildRuleId: t.buildRuleId, commitId: commit.id, state: "succeeded", trigger: "webhook" } });
      const actor = { type: "worker" as const, workerId: "soak-build-runner" };
      // as the build runner records a release: the release, its audit event, its deployments and jobs in one transaction
      const out = await getDb().$transaction(async (tx) => {
        const rel =
          t.kind === "swarm"
            ? await tx.release.create({ data: { recordedBeforeSigning: true, buildId: build.id, deploymentRuleId: t.ruleId, imageRepo: images[v]!.repo, tag: images[v]!.tag, digest: images[v]!.digest } })
            : await tx.release.create({
                data: {
                  recordedBeforeSigning: true, buildId: build.id, deploymentRuleId: t.ruleId, imageRepo: ukImages[v]!.repo, tag: ukImages[v]!.tag, digest: ukImages[v]!.digest,
                  artifactPath: ukImages[v]!.path, artifactSha256: ukImages[v]!.sha256, artifactSize: BigInt(ukImages[v]!.size), artifactTarget: "hvt",
                },
              });
        await recordAudit(tx, { actor, action: "release.recorded", subjectType: "release", subjectId: rel.id, summary: `${rel.imageRepo}:${rel.tag}@${rel.digest} (soak)`, after: { digest: rel.digest, buildId: build.id } });
        const d = await createDeploymentsForRelease(tx, rel.id, actor);
        return { releaseId: rel.id, deploymentId: d.created[0]?.id, pinned: d.pinned };
      });
      if (!out.deploymentId) throw new Error(`the release for ${t.name} created no deployment${out.pinned.length ? ` (pinned: ${out.pinned.join(", ")})` : ""}`);
      t.releases.push({ id: out.releaseId, variant: v });
      t.lastVariant = v;
      return out.deploymentId;
    };

    const request = async (t: SoakTarget, allowRollback: boolean) => {
      const row = await getDb().target.findUniqueOrThrow({ where: { id: t.id }, select: { currentReleaseId: true } });
      const earlier = t.releases.filter((r) => r.id !== row.currentReleaseId);
      let deploymentId: string;
      let rollback = false;
      if (allowRollback && row.currentReleaseId && earlier.length > 0 && rnd.next() < 0.2) {
        const to = rnd.pick(earlier);
        deploymentId = (await rollbackTarget(operator, { targetId: t.id, releaseId: to.id })).deploymentId;
        t.lastVariant = to.variant;
        rollback = true;
        rollbacks++;
      } else {
        deploymentId = await newRelease(t);
      }
      requested.push({ deploymentId, target: t, rollback });
      inFlight.set(t.id, { deploymentId, rollback });
    };

    /** Drops ended deployments from inFlight; a rollback's pin is lifted so the next release deploys there. */
    const reapInFlight = async () => {
      if (inFlight.size === 0) return;
      const ids = [...inFlight.values()].map((f) => f.deploymentId);
      const rows = await q<{ id: string; state: string; target_id: string }>("SELECT id, state::text, target_id FROM deployments WHERE id = ANY($1)", [ids]);
      for (const r of rows) {
        if (ACTIVE.includes(r.state)) continue;
        const f = inFlight.get(r.target_id);
        inFlight.delete(r.target_id);
        const pinned = await getDb().target.findUniqueOrThrow({ where: { id: r.target_id }, select: { pinnedReleaseId: true } });
        if (f?.rollback && pinned.pinnedReleaseId) await unpinTarget(operator, { targetId: r.target_id });
      }
    };

    const deployUntil = async (count: number, allowRollback: boolean, stop: () => boolean = () => false) => {
      while (requested.length < count && !stop()) {
        await reapInFlight();
        const free = targets.filter((t) => !inFlight.has(t.id));
        if (inFlight.size < concurrency && free.length > 0) {
          await request(rnd.pick(free), allowRollback);
          if (requested.length % 10 === 0) say(`  ${requested.length}/${opts.deployments} requested, ${inFlight.size} in flight`);
        } else {
          await sleep(250);
        }
      }
    };

    // warm-up: a release on every target, no faults: afterwards every target has a current release
    say("warm-up: one release on each target …");
    for (const t of targets) {
      if (requested.length >= opts.deployments) break;
      while (inFlight.size >= concurrency) {
        await reapInFlight();
        await sleep(250);
      }
      await request(t, false);
    }
    while (inFlight.size > 0) {
      await reapInFlight();
      await sleep(250);
    }
    const startKiB = vmRssKiB(measured.child.pid);

    // ─── faults, at random moments, while deployments run ─────────────────────────────────────────
    const kills = { worker: 0, sshd: 0, dockerd: 0 };
    let faultsDone = false;
    let chaosStop = false;
    let chaosError: unknown = null;
    const killWorker = async () => {
      const victims = workers.filter((w) => w !== measured);
      const w = rnd.pick(victims);
      w.child.kill("SIGKILL");
      await new Promise<void>((r) => (w.child.exitCode !== null || w.child.signalCode !== null ? r() : w.child.once("exit", () => r())));
      kills.worker++;
      say(`  fault: kill -9 ${w.id}`);
      await sleep(rnd.int(500, 3000));
      const next = startWorkerProc(w.slot, w.generation + 1);
      workers[workers.indexOf(w)] = next;
      await waitReady(next);
    };
    const bounceSshd = async () => {
      await sshd.pause();
      kills.sshd++;
      say("  fault: sshd stopped");
      await sleep(rnd.int(1000, 5000));
      await sshd.resume();
    };
    const restartDockerd = async () => {
      kills.dockerd++;
      say("  fault: dockerd (swarm manager) restarting");
      await swarm.restartManager(rnd.int(500, 3000));
    };
    const faults = [killWorker, bounceSshd, restartDockerd];
    const chaos = (async () => {
      try {
        // every kind once first (the short version must meet each), then at random
        let i = 0;
        while (!chaosStop) {
          await sleep(rnd.int(2000, 8000));
          if (chaosStop) break;
          await (i < faults.length ? faults[i]! : rnd.pick(faults))();
          i++;
          if (i >= faults.length) faultsDone = true;
        }
      } catch (err) {
        chaosError = err;
      }
    })();

    say("soak: releases and rollbacks under faults …");
    await deployUntil(opts.deployments, true, () => chaosError !== null);
    // a short run keeps deploying (uncounted requests are not made: it waits) until every kind of fault happened
    while (!faultsDone && chaosError === null) await sleep(250);
    chaosStop = true;
    await chaos;
    if (chaosError) throw chaosError;

    // ─── settle: every deployment ends, every swarm service comes to rest ─────────────────────────
    say("settling …");
    const settleBegan = performance.now();
    const settleEnd = Date.now() + settleMs;
    while (Date.now() < settleEnd) {
      await reapInFlight();
      const active = await q<{ n: string }>("SELECT count(*) AS n FROM deployments WHERE state::text = ANY($1)", [ACTIVE]);
      if (Number(active[0]!.n) === 0) break;
      await sleep(1000);
    }
    const restingSwarm = async () => {
      for (const t of targets.filter((x) => x.kind === "swarm")) {
        const s = (await docker.getService(t.service).inspect()) as { UpdateStatus?: { State?: string } };
        if (s.UpdateStatus?.State === "updating" || s.UpdateStatus?.State === "rollback_started") return false;
      }
      return true;
    };
    while (Date.now() < settleEnd && !(await restingSwarm())) await sleep(1000);
    const settleSeconds = (performance.now() - settleBegan) / 1000;

    // ─── the figures ──────────────────────────────────────────────────────────────────────────────
    const ids = requested.map((r) => r.deploymentId);
    const rows = await q<{ id: string; state: string; created_at: Date; finished_at: Date | null; reason: string | null }>(
      "SELECT id, state::text, created_at, finished_at, reason FROM deployments WHERE id = ANY($1)",
      [ids],
    );
    const byState: Record<string, number> = {};
    for (const r of rows) byState[r.state] = (byState[r.state] ?? 0) + 1;
    const stuck = (await q<{ id: string; state: string; target: string }>("SELECT d.id, d.state::text, t.name AS target FROM deployments d JOIN targets t ON t.id = d.target_id WHERE d.state::text = ANY($1)", [ACTIVE])).map(
      (r) => `${r.target} ${r.id} still ${r.state}`,
    );

    // wrong: the recorded current release against the swarm's spec and running tasks, and the host's files
    const wrong: string[] = [];
    for (const t of targets) {
      const row = await getDb().target.findUniqueOrThrow({ where: { id: t.id }, include: { currentRelease: true } });
      const rel = row.currentRelease;
      if (t.kind === "swarm") {
        const s = (await docker.getService(t.service).inspect()) as { Spec: { TaskTemplate: { ContainerSpec: { Image: string } } } };
        const specImage = s.Spec.TaskTemplate.ContainerSpec.Image;
        const want = rel?.digest ?? images[0]!.digest;
        if (!specImage.endsWith(`@${want}`)) wrong.push(`${t.name}: recorded ${rel ? `${rel.tag}@${rel.digest}` : "nothing (created with v0)"}, service inspect says ${specImage}`);
        // the tasks come back after a dockerd restart within the settle bound
        const tasksOk = async () => {
          const tasks = (await docker.listTasks({ filters: { service: [t.service] } })) as Array<{ DesiredState?: string; Status?: { State?: string }; Spec?: { ContainerSpec?: { Image?: string } } }>;
          const running = tasks.filter((x) => x.DesiredState === "running" && x.Status?.State === "running");
          return running.length === swarm.replicas && running.every((x) => x.Spec?.ContainerSpec?.Image === specImage);
        };
        const end = Date.now() + 60_000;
        while (!(await tasksOk()) && Date.now() < end) await sleep(1000);
        if (!(await tasksOk())) wrong.push(`${t.name}: not ${swarm.replicas} running task(s) of ${specImage} (the service does not run what it says)`);
      } else {
        const current = path.join(ukhost.unikernelDir, t.service, "current");
        let sha = "(no file)";
        try {
          sha = createHash("sha256").update(readFileSync(realpathSync(current))).digest("hex");
        } catch {
          // no current file: wrong unless nothing was recorded either
        }
        if (!rel) {
          if (sha !== "(no file)") wrong.push(`${t.name}: nothing recorded, the host runs ${sha}`);
        } else {
          if (sha !== rel.artifactSha256) wrong.push(`${t.name}: recorded ${rel.artifactSha256}, ${current} is ${sha}`);
          if (ukhost.unitPid(t.service) === null) wrong.push(`${t.name}: recorded ${rel.tag}, but unikernel@${t.service} is not running`);
        }
      }
    }

    // twice: one attempt started twice, one deployment ended twice (audit events, with the worker's id), or
    // two workers logging the end of the same deployment (their own logs)
    const twice: string[] = [];
    for (const r of await q<{ subject_id: string; attempts: string; n: string; who: string }>(
      `SELECT subject_id, after->>'attempts' AS attempts, count(*) AS n, string_agg(actor_label, ', ') AS who FROM audit_events
       WHERE action = 'deployment.started' AND subject_id = ANY($1) GROUP BY 1, 2 HAVING count(*) > 1`,
      [ids],
    )) {
      twice.push(`${r.subject_id}: attempt ${r.attempts} started ${r.n} times (${r.who})`);
    }
    for (const r of await q<{ subject_id: string; n: string; what: string }>(
      `SELECT subject_id, count(*) AS n, string_agg(action || ' by ' || actor_label, ', ') AS what FROM audit_events
       WHERE action = ANY($2) AND subject_id = ANY($1) GROUP BY 1 HAVING count(*) > 1`,
      [ids, ENDED_ACTIONS],
    )) {
      twice.push(`${r.subject_id}: ended ${r.n} times (${r.what})`);
    }
    const endedBy = new Map<string, string[]>();
    for (const file of allLogs) {
      let text = "";
      try {
        text = readFileSync(file, "utf8");
      } catch {
        continue;
      }
      for (const line of text.split("\n")) {
        if (!line.includes("deployment ended")) continue;
        try {
          const rec = JSON.parse(line) as { msg?: string; deploymentId?: string; state?: string; worker?: string };
          if (rec.msg === "deployment ended" && rec.deploymentId && ["succeeded", "failed", "rolled_back"].includes(rec.state ?? "")) {
            endedBy.set(rec.deploymentId, [...(endedBy.get(rec.deploymentId) ?? []), rec.worker ?? path.basename(file)]);
          }
        } catch {
          // not a JSON line (a crash's stack): not a record of a run
        }
      }
    }
    for (const [id, who] of endedBy) if (who.length > 1) twice.push(`${id}: ran to its end ${who.length} times in the workers' logs (${who.join(", ")})`);

    // lost: requested, never started by any worker (and not superseded or cancelled by a newer request)
    const startedIds = new Set((await q<{ subject_id: string }>("SELECT DISTINCT subject_id FROM audit_events WHERE action = 'deployment.started' AND subject_id = ANY($1)", [ids])).map((r) => r.subject_id));
    const lost = rows.filter((r) => !startedIds.has(r.id) && !["superseded", "cancelled"].includes(r.state)).map((r) => `${r.id}: ${r.state}, never started${r.reason ? ` (${r.reason})` : ""}`);

    // what happened on the targets that went wrong, for the report
    const { readDeploymentLog } = await import("@/lib/build/log-store");
    const evidence: string[] = [];
    const badNames = new Set([...stuck, ...wrong].map((w) => w.split(/[: ]/)[0]!));
    for (const t of targets.filter((x) => badNames.has(x.name))) {
      const last = await q<{ id: string; state: string; worker_id: string | null; reason: string | null; attempts: number }>(
        "SELECT id, state::text, worker_id, reason, attempts FROM deployments WHERE target_id = $1 ORDER BY created_at DESC LIMIT 3",
        [t.id],
      );
      for (const d of last) {
        const text = (await readDeploymentLog(d.id, -1, 10_000)).map((c) => c.text).join("");
        evidence.push(`${t.name} ${d.id} ${d.state} (worker ${d.worker_id ?? "-"}, attempts ${d.attempts})${d.reason ? `: ${d.reason}` : ""}\n      ${text.trimEnd().split("\n").slice(-12).join("\n      ")}`);
      }
    }

    // the audit chain, by the product's own command
    const { runScript } = await import("@/test/helpers/spawn");
    const verify = await runScript("scripts/audit-verify.ts", [], { DATABASE_URL: url }, 120_000);
    const audit = { intact: verify.code === 0, output: `${verify.stdout}${verify.stderr}` };

    const times = rows.filter((r) => r.state === "succeeded" && r.finished_at).map((r) => (r.finished_at!.getTime() - r.created_at.getTime()) / 1000);
    const endKiB = vmRssKiB(measured.child.pid);
    if (stuck.length || wrong.length || twice.length || lost.length) {
      const kept = mkdtempSync(path.join(os.tmpdir(), "slipway-soak-logs-"));
      for (const f of allLogs) {
        try {
          copyFileSync(f, path.join(kept, path.basename(f)));
        } catch {
          // a worker that never wrote a line
        }
      }
      evidence.push(`worker logs kept in ${kept}`);
    }
    return {
      swarm: swarm.description,
      deployments: requested.length,
      rollbacks,
      byState,
      kills,
      stuck,
      wrong,
      twice,
      lost,
      audit,
      evidence,
      deploySeconds: { p50: percentile(times, 50), p95: percentile(times, 95), n: times.length },
      rss: { worker: `${measured.id}, never killed; start = after the warm-up`, bootKiB, startKiB, endKiB, growth: endKiB / startKiB - 1 },
      settleSeconds,
      runSeconds: (performance.now() - began) / 1000,
    };
  } finally {
    while (cleanups.length) {
      try {
        await cleanups.pop()!();
      } catch (err) {
        console.error(`soak cleanup: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }
}

export type { SoakSwarm };
