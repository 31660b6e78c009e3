// Runs Slipway for the Playwright specs exactly as production does (the production build behind the
// custom server, a worker, migrations), on a fresh embedded PostgreSQL, with GitHub's OAuth endpoints
// pointed at the loopback stand-in. Prints one line `READY <json>` when it can be used; stops on SIGTERM.
// Besides: a real SSH server, and a private dockerd that builds (build-live) and is a swarm manager with a
// private registry and a service running an app image (deploy-live); for the unikernel spec, a git repository
// shaped like mirage-www with test kernels to commit, and a second SSH server as a unikernel host whose
// sessions find stand-in systemctl and albatross-client programs that boot kernels in QEMU.
import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { startEmbeddedPostgres } from "@/lib/db/embedded";
import { startGitHubStandIn } from "@/e2e/support/github-stand-in";
import { startSshd } from "@/test/helpers/sshd";
import { startDockerd } from "@/test/helpers/dockerd";
import { importBusybox } from "@/test/helpers/busybox";
import { startRegistry, type TestRegistry } from "@/test/helpers/registry";
import { buildAppImage, type AppImage } from "@/test/helpers/app-images";
import { createBareRepo, startGitDaemon } from "@/test/helpers/git-server";
import { buildTestKernel, createUnikernelHost } from "@/test/helpers/unikernel";
import type Dockerode from "dockerode";

const SECOND = 1_000_000_000;

/** What deploy-live.spec.ts gets (E2E_SWARM): the swarm manager, and a service on it running v1. */
export interface E2ESwarm {
  /** unix://…/docker.sock of the dockerd, a swarm manager */
  dockerEndpoint: string;
  socketPath: string;
  registry: string;
  service: string;
  serviceId: string;
  images: Record<"v1" | "v2", AppImage>;
}

/**
 * Two app images FROM the busybox, pushed to the registry, and a swarm service running v1 that stops at
 * once on SIGTERM and updates quickly (1 s grace, 1 s monitor, rollback on failure). The service is not
 * waited for here: the spec checks that it runs v1 before deploying over it.
 */
async function prepareSwarm(docker: Dockerode, registry: TestRegistry, base: string, socketPath: string, endpoint: string): Promise<E2ESwarm> {
  const lines = [`CMD ["/bin/busybox", "sh", "-c", "trap 'exit 0' TERM; /bin/busybox sleep 3600 & wait"]`];
  const repo = `${registry.url}/e2e/web`;
  const v1 = await buildAppImage(docker, { base, repo, tag: "v1", lines });
  const v2 = await buildAppImage(docker, { base, repo, tag: "v2", lines });
  const service = "web_live";
  const created = await docker.createService({
    Name: service,
    TaskTemplate: { ContainerSpec: { Image: v1.ref, StopGracePeriod: SECOND }, RestartPolicy: { Condition: "any", Delay: SECOND / 5 }, Networks: [] },
    Mode: { Replicated: { Replicas: 1 } },
    UpdateConfig: { Parallelism: 1, Delay: 0, Monitor: SECOND, FailureAction: "rollback", MaxFailureRatio: 0, Order: "stop-first" },
    RollbackConfig: { Parallelism: 1, Delay: 0, Monitor: SECOND, FailureAction: "pause", MaxFailureRatio: 0, Order: "stop-first" },
  } as Dockerode.CreateServiceOptions);
  return { dockerEndpoint: endpoint, socketPath, registry: registry.url, service, serviceId: created.id as string, images: { v1, v2 } };
}

/** What unikernel.spec.ts gets (E2E_UNIKERNEL): a repository to push kernels to, the kernels, a unikernel host. */
export interface E2EUnikernel {
  /** git:// URL of the bare repository; master holds a README only, the spec pushes the kernels */
  gitUrl: string;
  /** the bare repository, for the spec's pushes (test/helpers/git-server.ts commitFiles) */
  repoDir: string;
  /** master's first commit */
  initial: string;
  /** mirage-www's shape: the kernel chosen by ARG TARGET */
  dockerfile: string;
  /** multiboot kernels that print `slipway-test-kernel www-<target>-<version>` and stay up */
  kernels: Record<"v1" | "v2", Record<"hvt" | "xen", string>>;
  /** createUnikernelHost's directory (test/helpers/unikernel.ts unikernelHostAt reads its logs) */
  hostRoot: string;
  unikernelDir: string;
  /** the unikernel host's sshd: no authorized key yet (the spec installs the deployer's, as an admin does) */
  sshd: { port: number; user: string; dir: string; hostKeys: { algorithm: string; publicKey: string; fingerprintSha256: string }[] };
  /** the private registry's 127.0.0.1:PORT and the build dockerd's endpoint */
  registry: string;
  dockerEndpoint: string;
}

const UNIKERNEL_DOCKERFILE = "FROM scratch\nARG TARGET\nCOPY unikernel.${TARGET} /unikernel.${TARGET}\n";

async function main() {
  const port = Number(process.env.E2E_PORT ?? 3900);
  const ghPort = port + 1;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "slipway-e2e-"));
  const pg = await startEmbeddedPostgres({ dataDir, database: "slipway_e2e" });
  const clientId = "Iv1.standin";
  const clientSecret = randomBytes(12).toString("hex");
  const gh = await startGitHubStandIn({ port: ghPort, clientId, clientSecret });
  // a real SSH server for the inventory specs: hosts are registered, scanned and tested against it
  const sshd = await startSshd();
  // a real build host and a git repository for the live-build spec: a private dockerd with a busybox base
  // image (nothing is pulled), and a repository whose Dockerfile prints a line a second while it builds.
  // The same dockerd is a swarm manager for the live-deploy spec, with a private registry for its images.
  const [dockerd, registry] = await Promise.all([startDockerd({ swarmInit: true }), startRegistry()]);
  const busybox = await importBusybox(dockerd.docker, "127.0.0.1:1/busybox:latest");
  // built while the database and the server start
  const swarmReady = prepareSwarm(dockerd.docker, registry, busybox, dockerd.socketPath, dockerd.endpoint);
  swarmReady.catch(() => undefined);
  const repo = createBareRepo(
    { Dockerfile: `FROM ${busybox}\nRUN ["/bin/sh", "-c", "for i in 1 2 3 4 5 6 7 8; do echo tick $i; sleep 1; done"]\n` },
    { name: "live.git" },
  );
  // mirage-www's shape, served by the same daemon (a link under its root); master starts with a README only
  const mirage = createBareRepo({ "README.md": "# mirage-www (e2e)\n" }, { name: "mirage-www.git", initialBranch: "master" });
  symlinkSync(mirage.dir, path.join(repo.root, "mirage-www.git"));
  const kernelsReady = Promise.all(
    (["v1", "v2"] as const).flatMap((v) => (["hvt", "xen"] as const).map(async (t) => [v, t, await buildTestKernel({ version: `www-${t}-${v}`, variant: "service" })] as const)),
  );
  kernelsReady.catch(() => undefined);
  const ukhost = await createUnikernelHost();
  const uksshd = await startSshd({ env: { PATH: ukhost.path } });
  const gitd = await startGitDaemon(repo.root);
  const env = process.env as Record<string, string | undefined>;
  Object.assign(env, {
    NODE_ENV: "production",
    DATABASE_URL: pg.url,
    SLIPWAY_URL: `http://127.0.0.1:${port}`,
    NEXTAUTH_URL: `http://127.0.0.1:${port}`,
    PORT: String(port),
    HOST: "127.0.0.1",
    SLIPWAY_SECRET_KEY: randomBytes(32).toString("hex"),
    GITHUB_CLIENT_ID: clientId,
    GITHUB_CLIENT_SECRET: clientSecret,
    GITHUB_AUTHORIZATION_URL: `${gh.url}/login/oauth/authorize`,
    GITHUB_TOKEN_URL: `${gh.url}/login/oauth/access_token`,
    GITHUB_USERINFO_URL: `${gh.url}/user`,
    SLIPWAY_ADMINS: "alice",
    SLIPWAY_DEFAULT_ROLE: "viewer",
    LOG_LEVEL: "warn",
  });
  delete env.SLIPWAY_DEV_LOGIN;
  // imported only now: they read the environment set above
  const { prepareDatabase } = await import("@/lib/db/prepare");
  const { startWorker } = await import("@/workers/runtime");
  const { startWebServer } = await import("@/scripts/lib/web-server");
  const { closeDb } = await import("@/lib/db");
  await prepareDatabase(pg.url);
  const worker = await startWorker({ connectionString: pg.url, concurrency: 2 });
  const web = await startWebServer({ dev: false, port, host: "127.0.0.1", trustProxy: false });
  const swarm = await swarmReady;
  const kernels = { v1: {}, v2: {} } as E2EUnikernel["kernels"];
  for (const [v, t, file] of await kernelsReady) kernels[v][t] = file;
  const unikernel: E2EUnikernel = {
    gitUrl: gitd.url("mirage-www.git"),
    repoDir: mirage.dir,
    initial: mirage.initial,
    dockerfile: UNIKERNEL_DOCKERFILE,
    kernels,
    hostRoot: path.dirname(ukhost.binDir),
    unikernelDir: ukhost.unikernelDir,
    sshd: { port: uksshd.port, user: uksshd.user, dir: uksshd.dir, hostKeys: uksshd.hostKeys.map((k) => ({ algorithm: k.algorithm, publicKey: k.publicKey, fingerprintSha256: k.fingerprintSha256 })) },
    registry: registry.url,
    dockerEndpoint: dockerd.endpoint,
  };
  console.log(
    `READY ${JSON.stringify({
      baseURL: `http://127.0.0.1:${port}`,
      databaseUrl: pg.url,
      github: gh.url,
      sshd: { port: sshd.port, user: sshd.user, dir: sshd.dir, fingerprints: sshd.hostKeys.map((k) => k.fingerprintSha256) },
      build: { dockerEndpoint: dockerd.endpoint, gitUrl: gitd.url("live.git"), sha: repo.initial },
      swarm,
      unikernel,
    })}`,
  );

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await web.close().catch(() => undefined);
    await worker.stop().catch(() => undefined);
    await closeDb().catch(() => undefined);
    await gh.close().catch(() => undefined);
    await sshd.stop().catch(() => undefined);
    await uksshd.stop().catch(() => undefined);
    // the QEMUs the stand-in systemctl started
    await ukhost.cleanup().catch(() => undefined);
    await gitd.stop().catch(() => undefined);
    // with the service removed first (its task exits at once on SIGTERM), dockerd stops sooner
    await dockerd.docker
      .getService(swarm.service)
      .remove()
      .catch(() => undefined);
    await dockerd.stop().catch(() => undefined);
    await registry.stop().catch(() => undefined);
    repo.remove();
    mirage.remove();
    await pg.stop().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop());
  process.on("SIGINT", () => void stop());
}

main().catch((err: unknown) => {
  console.error("e2e server failed:", err);
  process.exit(1);
});
