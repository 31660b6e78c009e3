// What the build fault tests share (test/faults/registry-push, log-store-full, dockerd-stop): a private
// dockerd as the build host, a private registry (with htpasswd when asked, behind a RegistryGate when asked),
// a git daemon serving a repository whose `live` branch deploys an image, and a worker of this process
// (workers/runtime.ts startWorker) that runs the builds. Every part is real; nothing in the product is hooked.
import { getDb } from "@/lib/db";
import { readBuildLog } from "@/lib/build/log-store";
import { buildNow, rebuild } from "@/lib/services/builds/commands";
import { saveBuildRule, saveContext, saveDeploymentRule, saveRegistry, saveRepository } from "@/lib/services/inventory/entities";
import { startWorker, type WorkerHandle } from "@/workers/runtime";
import { actorFor, createUser, type TestUser } from "@/test/helpers/fixtures";
import { startDockerd, type TestDockerd } from "@/test/helpers/dockerd";
import { startRegistry, type TestRegistry } from "@/test/helpers/registry";
import { importBusybox } from "@/test/helpers/busybox";
import { createBareRepo, startGitDaemon, type BareRepo, type GitDaemon } from "@/test/helpers/git-server";
import { startRegistryGate, type RegistryGate } from "@/test/helpers/registry-gate";
import { eventually } from "@/test/helpers/eventually";

export interface BuildRig {
  docker: TestDockerd;
  registry: TestRegistry;
  gate: RegistryGate | null;
  /** the address images are pushed to: the gate's when there is one */
  registryAddress: string;
  /** a local busybox image for FROM lines */
  busybox: string;
  admin: TestUser;
  /** the registry entry's name in Settings → Registries */
  registryName: string;
  /** a new commit on `live` with these files, built now; the build's id */
  newBuild(files: Record<string, string>): Promise<string>;
  /** the product's Rebuild command on a build; the new build's id */
  rebuild(buildId: string): Promise<string>;
  /** waits for the build to end (succeeded, failed, cancelled, superseded); its row with releases */
  ended(buildId: string, timeoutMs: number): Promise<Awaited<ReturnType<typeof endedRow>>>;
  logText(buildId: string): Promise<string>;
  startWorker(): Promise<WorkerHandle>;
  stopWorker(): Promise<void>;
  /** no build left fetching/building/pushing, no job locked, no build container left on the daemon */
  nothingStuck(): Promise<string[]>;
  /** the digest the registry serves for faults/www:live (read past the gate) */
  servedDigest(): Promise<string | null>;
  cleanup(): Promise<void>;
}

const endedRow = (id: string) => getDb().build.findUniqueOrThrow({ where: { id }, include: { releases: true } });

export async function startBuildRig(opts: { htpasswd?: { username: string; password: string }; gate?: boolean; name: string }): Promise<BuildRig> {
  const [docker, registry] = await Promise.all([startDockerd(), startRegistry(opts.htpasswd ? { htpasswd: opts.htpasswd } : {})]);
  let gate: RegistryGate | null = null;
  let daemon: GitDaemon | undefined;
  let bare: BareRepo | undefined;
  let worker: WorkerHandle | undefined;
  let n = 0;
  const cleanup = async () => {
    await worker?.stop().catch(() => undefined);
    await gate?.stop();
    await daemon?.stop();
    await Promise.all([docker.stop(), registry.stop()]);
    bare?.remove();
  };
  try {
    if (opts.gate) gate = await startRegistryGate(registry.port);
    const registryAddress = gate?.address ?? registry.url;
    const busybox = await importBusybox(docker.docker, "faults/busybox:latest");
    bare = createBareRepo({ Dockerfile: `FROM ${busybox}\n`, "index.html": "<h1>v1</h1>\n" }, { name: "www.git" });
    daemon = await startGitDaemon(bare.root);
    const admin = await createUser("admin");
    const a = actorFor(admin);
    const repo = await saveRepository(a, { repo: `faults/${opts.name}`, url: daemon.url("www.git") });
    await saveContext(a, { name: "builder", endpoint: docker.endpoint, role: "build" });
    const registryName = "gated";
    await saveRegistry(a, { name: registryName, url: registryAddress, ...(opts.htpasswd ? { username: opts.htpasswd.username, password: opts.htpasswd.password } : {}) });
    const rule = await saveBuildRule(a, { repository_id: repo.id, dockerfile: "Dockerfile" });
    await saveDeploymentRule(a, { build_rule_id: rule.id, branch: "live", image: `${registryAddress}/faults/www:live` });
    const b = bare;
    const refId = (await getDb().ref.create({ data: { repositoryId: repo.id, kind: "branch", name: "live", headSha: b.commit("live", { Dockerfile: `FROM ${busybox}\n` }) } })).id;
    const auth: Record<string, string> = opts.htpasswd ? { authorization: `Basic ${Buffer.from(`${opts.htpasswd.username}:${opts.htpasswd.password}`).toString("base64")}` } : {};
    return {
      docker,
      registry,
      gate,
      registryAddress,
      busybox,
      admin,
      registryName,
      async newBuild(files) {
        const sha = b.commit("live", files);
        await getDb().ref.update({ where: { id: refId }, data: { headSha: sha } });
        const r = await buildNow(a, { refId });
        if (r.buildIds.length !== 1) throw new Error(`buildNow made ${r.buildIds.length} builds`);
        return r.buildIds[0]!;
      },
      async rebuild(buildId) {
        const r = await rebuild(a, { buildId });
        return r.buildIds[0]!;
      },
      ended: (id, timeoutMs) =>
        eventually(`build ${id} to end`, async () => {
          const row = await endedRow(id);
          // ended, and its log closed (the runner closes it, with the cut flag, just after recording the end)
          return ["succeeded", "failed", "cancelled", "superseded"].includes(row.state) && !row.logOpen ? row : null;
        }, timeoutMs, 200),
      logText: async (id) => (await readBuildLog(id, -1, 10_000)).map((c) => c.text).join(""),
      async startWorker() {
        worker = await startWorker({ connectionString: process.env.DATABASE_URL!, concurrency: 2, id: `fault-${opts.name}-${process.pid}-${++n}` });
        return worker;
      },
      async stopWorker() {
        await worker?.stop();
        worker = undefined;
      },
      async nothingStuck() {
        // a job that just ended is unlocked a moment later (its end is recorded after its handler returns)
        const until = Date.now() + 15_000;
        for (;;) {
          const problems: string[] = [];
          const running = await getDb().build.findMany({ where: { state: { in: ["fetching", "building", "pushing"] } }, select: { id: true, state: true } });
          if (running.length) problems.push(`builds still running: ${JSON.stringify(running)}`);
          const locked = await getDb().$queryRaw<{ task: string; locked_at: Date }[]>`
            SELECT t.identifier AS task, j.locked_at FROM graphile_worker._private_jobs j JOIN graphile_worker._private_tasks t ON t.id = j.task_id WHERE j.locked_at IS NOT NULL`;
          if (locked.length) problems.push(`jobs still locked: ${locked.map((l) => `${l.task} since ${l.locked_at.toISOString()}`).join(", ")}`);
          try {
            const containers = await docker.docker.listContainers();
            if (containers.length) problems.push(`containers left on the daemon: ${containers.map((c) => c.Image).join(", ")}`);
          } catch {
            // the daemon is down in this trial: it has no containers to leave
          }
          if (problems.length === 0 || Date.now() > until) return problems;
          await new Promise((r) => setTimeout(r, 250));
        }
      },
      async servedDigest() {
        const res = await fetch(`http://${registry.url}/v2/faults/www/manifests/live`, { method: "HEAD", headers: { accept: "application/vnd.docker.distribution.manifest.v2+json", ...auth } });
        return res.headers.get("docker-content-digest");
      },
      cleanup,
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
