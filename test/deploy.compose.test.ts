// lib/deploy/targets/compose (the compose driver's engine calls) against a private dockerd (Engine 20.10, --bridge=none) and private registries:
// a "compose project" made here from containers carrying compose's labels is deployed to with images built
// from an imported busybox and pulled back by "repo:tag@digest".
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { PassThrough, type Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type Dockerode from "dockerode";
import tar from "tar-fs";
import { buildImage, pushImage, tagImage } from "@/lib/build/docker";
import type { RegistryAuth } from "@/lib/docker/registry-auth";
import { ComposeError, NUMBER_LABEL, PROJECT_LABEL, SERVICE_LABEL, SLIPWAY_IMAGE_LABEL } from "@/lib/deploy/targets/compose/containers";
import { deployComposeService, inspectComposeService, type ComposeResult } from "@/lib/deploy/targets/compose/service";
import { startDockerd, type TestDockerd } from "@/test/helpers/dockerd";
import { startRegistry, type TestRegistry } from "@/test/helpers/registry";
import { importBusybox } from "@/test/helpers/busybox";

let dockerd: TestDockerd;
let registry: TestRegistry;
let authRegistry: TestRegistry;
let docker: Dockerode;
const dirs: string[] = [];
const CREDENTIALS = { username: "deployer", password: "s3cret-pass" };

/** "repo:tag@sha256:…" of each test image, pushed to the test registry */
const images: Record<string, string> = {};
let authedImage: string;

// sh as PID 1 ends on SIGTERM only with a trap; `sleep & wait` lets the trap run at once
const SLEEP = (seconds: number) => `CMD ["sh", "-c", "trap 'exit 0' TERM; sleep ${seconds} & wait"]`;

function dockerfiles(busybox: string): Record<string, string> {
  const from = `FROM ${busybox}\n`;
  return {
    v1: `${from}LABEL org.opencontainers.image.version=1\nENV APP_VERSION=1\nVOLUME /state\n${SLEEP(3600)}\n`,
    v2: `${from}LABEL org.opencontainers.image.version=2\nENV APP_VERSION=2\nVOLUME /state\n${SLEEP(3602)}\n`,
    // its command exits at once
    crash: `${from}ENV APP_VERSION=crash\nCMD ["sh", "-c", "echo boom >&2; exit 1"]\n`,
    // a health check that never passes
    sick: `${from}ENV APP_VERSION=sick\nHEALTHCHECK --interval=200ms --timeout=2s --retries=2 CMD ["cat", "/tmp/never"]\n${SLEEP(3603)}\n`,
    // healthy about 2 s after starting
    slow: `${from}ENV APP_VERSION=slow\nHEALTHCHECK --interval=200ms --timeout=2s --start-period=60s --retries=2 CMD ["cat", "/tmp/ready"]\nCMD ["sh", "-c", "trap 'exit 0' TERM; (sleep 2; touch /tmp/ready) & sleep 3604 & wait"]\n`,
    // fails in the container whose SLOT is 2
    picky: `${from}ENV APP_VERSION=picky\nCMD ["sh", "-c", "case \\"$SLOT\\" in 2) echo slot 2 refuses >&2; exit 3;; esac; trap 'exit 0' TERM; sleep 3605 & wait"]\n`,
  };
}

function contextOf(dockerfile: string): Readable {
  const dir = mkdtempSync(path.join(os.tmpdir(), "slipway-compose-ctx-"));
  dirs.push(dir);
  writeFileSync(path.join(dir, "Dockerfile"), dockerfile);
  return tar.pack(dir) as unknown as Readable;
}

const quiet = { signal: new AbortController().signal, onOutput: () => undefined };

/** Builds and pushes repo:tag; returns "repo:tag@digest" and the image id. */
async function buildAndPush(repo: string, tag: string, dockerfile: string): Promise<{ ref: string; id: string }> {
  const id = await buildImage(docker, { context: contextOf(dockerfile), dockerfile: "Dockerfile", tag: `${repo}:${tag}`, buildArgs: {}, labels: {}, ...quiet });
  const { digest } = await pushImage(docker, { repo, tag, ...quiet });
  return { ref: `${repo}:${tag}@${digest}`, id };
}

beforeAll(async () => {
  [dockerd, registry, authRegistry] = await Promise.all([startDockerd({ debug: true }), startRegistry(), startRegistry({ htpasswd: CREDENTIALS })]);
  docker = dockerd.docker;
  const busybox = await importBusybox(docker, `${registry.url}/busybox:latest`);
  const built: Record<string, string> = {};
  for (const [tag, dockerfile] of Object.entries(dockerfiles(busybox))) {
    const { ref, id } = await buildAndPush(`${registry.url}/app`, tag, dockerfile);
    images[tag] = ref;
    built[tag] = id;
  }
  // the same v2 in the registry that wants a login
  await tagImage(docker, built.v2!, `${authRegistry.url}/app`, "v2", quiet.signal);
  const { digest } = await pushImage(docker, { repo: `${authRegistry.url}/app`, tag: "v2", auth: { ...CREDENTIALS, serveraddress: authRegistry.url }, ...quiet });
  authedImage = `${authRegistry.url}/app:v2@${digest}`;
  // everything but v1 (which the projects start on) must really be pulled by the code under test
  for (const [tag, id] of Object.entries(built)) if (tag !== "v1") await docker.getImage(id).remove({ force: true });
}, 180_000);

afterAll(async () => {
  await Promise.all([dockerd?.stop(), registry?.stop(), authRegistry?.stop()]);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

interface ServiceContainerSpec {
  env?: string[];
  cmd?: string[];
  hostConfig?: Dockerode.HostConfig;
  networks?: Record<string, { Aliases?: string[] }>;
  labels?: Record<string, string>;
  image?: string;
  exposed?: string[];
}

/** A running container as docker compose would have made it: name, labels, network. */
async function serviceContainer(project: string, service: string, number: number, spec: ServiceContainerSpec = {}): Promise<string> {
  const networks = Object.entries(spec.networks ?? {});
  const [first, ...rest] = networks;
  const c = await docker.createContainer({
    name: `${project}-${service}-${number}`,
    Image: spec.image ?? images.v1,
    Env: spec.env,
    Cmd: spec.cmd,
    StopTimeout: 1,
    // PortBindings publish only exposed ports (docker run -p and compose expose them too)
    ...(spec.exposed ? { ExposedPorts: Object.fromEntries(spec.exposed.map((p) => [p, {}])) } : {}),
    Labels: {
      [PROJECT_LABEL]: project,
      [SERVICE_LABEL]: service,
      [NUMBER_LABEL]: String(number),
      "com.docker.compose.oneoff": "False",
      ...spec.labels,
    },
    HostConfig: { NetworkMode: first ? first[0] : "none", ...spec.hostConfig },
    ...(first ? { NetworkingConfig: { EndpointsConfig: { [first[0]]: first[1] } } } : {}),
  });
  for (const [network, endpoint] of rest) await docker.getNetwork(network).connect({ Container: c.id, EndpointConfig: endpoint });
  await c.start();
  return c.id;
}

interface Seen {
  name: string;
  id: string;
  service: string;
  image: string;
  running: boolean;
  startedAt: string;
}

/** Every container of the project (temporary ones included), by name. */
async function projectState(project: string): Promise<Seen[]> {
  const listed = await docker.listContainers({ all: true, filters: { label: [`${PROJECT_LABEL}=${project}`] } });
  const infos = await Promise.all(listed.map((c) => docker.getContainer(c.Id).inspect()));
  return infos
    .map((i) => ({
      name: i.Name.slice(1),
      id: i.Id,
      service: i.Config.Labels[SERVICE_LABEL] ?? "",
      image: i.Config.Image,
      running: i.State.Running,
      startedAt: i.State.StartedAt,
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** A state without start times: a restored container was stopped and started again. */
function restartedOk(state: Seen[]): Array<Omit<Seen, "startedAt">> {
  return state.map(({ startedAt: _startedAt, ...rest }) => rest);
}

async function inspect(name: string): Promise<Dockerode.ContainerInspectInfo> {
  return docker.getContainer(name).inspect();
}

async function execOutput(name: string, cmd: string[]): Promise<string> {
  const exec = await docker.getContainer(name).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: false });
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on("data", (c: Buffer) => chunks.push(c));
  docker.modem.demuxStream(stream, out, out);
  await new Promise((resolve) => stream.on("end", resolve));
  return Buffer.concat(chunks).toString("utf8");
}

interface DeployRun {
  result?: ComposeResult;
  error?: unknown;
  lines: string[];
  ms: number;
}

async function deploy(
  project: string,
  image: string,
  opts: { settleMs?: number; healthTimeoutMs?: number; auth?: RegistryAuth; controller?: AbortController; onLine?: (line: string) => void } = {},
): Promise<DeployRun> {
  const lines: string[] = [];
  const started = Date.now();
  const run: DeployRun = { lines, ms: 0 };
  try {
    run.result = await deployComposeService(docker, {
      project,
      service: "web",
      image,
      auth: opts.auth,
      settleMs: opts.settleMs ?? 700,
      healthTimeoutMs: opts.healthTimeoutMs ?? 15_000,
      signal: (opts.controller ?? new AbortController()).signal,
      log: (line) => {
        lines.push(line);
        opts.onLine?.(line);
      },
    });
  } catch (err) {
    run.error = err;
  }
  run.ms = Date.now() - started;
  return run;
}

function indexOf(lines: string[], test: (line: string) => boolean, what: string): number {
  const i = lines.findIndex(test);
  if (i < 0) throw new Error(`no log line ${what} in:\n${lines.join("\n")}`);
  return i;
}

/** No container of the daemon carries a temporary name. */
async function noTemporaryContainers(): Promise<void> {
  const all = await docker.listContainers({ all: true });
  expect(all.flatMap((c) => c.Names ?? []).filter((n) => n.includes("-slipway-"))).toEqual([]);
}

describe("deployComposeService", () => {
  test("recreates each container on the new image one at a time, keeping its configuration", async () => {
    const bind = mkdtempSync(path.join(os.tmpdir(), "slipway-compose-bind-"));
    dirs.push(bind);
    writeFileSync(path.join(bind, "hello.txt"), "hello from the host\n");
    // user-defined networks work with --bridge=none (the bridge driver makes its own bridge per network)
    await docker.createNetwork({ Name: "shop_default", Driver: "bridge" });
    await docker.createNetwork({ Name: "shop_back", Driver: "bridge" });
    // a spread of what compose files set; each must survive being read back by inspect and written to create
    const hostConfig: Dockerode.HostConfig = {
      Binds: [`${bind}:/data:ro`],
      RestartPolicy: { Name: "unless-stopped", MaximumRetryCount: 0 },
      PortBindings: { "8080/tcp": [{ HostIp: "127.0.0.1", HostPort: "" }] },
      Init: true,
      CapAdd: ["NET_ADMIN"],
      Ulimits: [{ Name: "nofile", Soft: 1024, Hard: 2048 }],
      Tmpfs: { "/cache": "size=1m" },
      Mounts: [{ Type: "tmpfs", Source: "", Target: "/scratch" }],
      Memory: 64 * 1024 * 1024,
      ExtraHosts: ["db.local:10.9.9.9"],
      LogConfig: { Type: "json-file", Config: { "max-size": "1m" } },
    };
    const common = {
      hostConfig,
      networks: { shop_default: { Aliases: ["web"], Links: ["shop-worker-1:backend"] }, shop_back: { Aliases: ["web-internal"] } },
      labels: { team: "shop" },
      exposed: ["8080/tcp"],
    };
    const explicitCmd = ["sh", "-c", "trap 'exit 0' TERM; sleep 3700 & wait"];
    await serviceContainer("shop", "worker", 1, { networks: { shop_default: {} } });
    await serviceContainer("shop", "web", 1, { ...common, env: ["SLOT=1", "GREETING=hi", "DB_PASSWORD=hunter2"], cmd: explicitCmd });
    await serviceContainer("shop", "web", 2, { ...common, env: ["SLOT=2", "GREETING=hi", "DB_PASSWORD=hunter2"] });
    // data in the anonymous volume of VOLUME /state
    await execOutput("shop-web-1", ["touch", "/state/kept"]);
    const before = await projectState("shop");
    const oldIds = Object.fromEntries(before.map((c) => [c.name, c.id]));
    const oldVolumes: Record<string, string | undefined> = {};
    for (const c of before) oldVolumes[c.name] = (await inspect(c.id)).Mounts.find((m) => m.Destination === "/state")?.Name;

    const callsBefore = dockerd.apiCalls().length;
    const run = await deploy("shop", images.v2!);
    const deployCalls = dockerd.apiCalls().slice(callsBefore);

    expect(run.error).toBeUndefined();
    expect(run.result).toMatchObject({ outcome: "converged", containers: ["shop-web-1", "shop-web-2"] });
    const { lines } = run;
    // container 1 fully switched and checked before container 2 is touched
    const oneDone = indexOf(lines, (l) => l.startsWith("shop-web-1: the new container is up"), "shop-web-1 up");
    const twoFirst = indexOf(lines, (l) => l.startsWith("shop-web-2:"), "about shop-web-2");
    expect(oneDone).toBeLessThan(twoFirst);
    const steps = ["creating a new container", "stopping the old container", "renaming the old container", "renaming shop-web-1-slipway-new", "starting the new container", "waiting for it to keep running"];
    const at = steps.map((s) => indexOf(lines, (l) => l.startsWith(`shop-web-1: ${s}`), s));
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    // the previous containers are removed only at the end
    expect(indexOf(lines, (l) => l.startsWith("Removing the previous container shop-web-1-slipway-old"), "removal")).toBeGreaterThan(
      indexOf(lines, (l) => l.startsWith("shop-web-2: the new container is up"), "shop-web-2 up"),
    );

    const after = await projectState("shop");
    expect(after.map((c) => c.name)).toEqual(["shop-web-1", "shop-web-2", "shop-worker-1"]);
    const worker = after.find((c) => c.name === "shop-worker-1")!;
    expect(worker).toEqual(before.find((c) => c.name === "shop-worker-1"));

    for (const n of [1, 2]) {
      const name = `shop-web-${n}`;
      const info = await inspect(name);
      expect(info.Id).not.toBe(oldIds[name]);
      expect(info.State.Running).toBe(true);
      expect(info.Config.Image).toBe(images.v2);
      expect(info.Config.Labels).toMatchObject({
        [PROJECT_LABEL]: "shop",
        [SERVICE_LABEL]: "web",
        [NUMBER_LABEL]: String(n),
        "com.docker.compose.oneoff": "False",
        team: "shop",
        [SLIPWAY_IMAGE_LABEL]: images.v2,
        // from the new image, not the old one's copied over
        "org.opencontainers.image.version": "2",
      });
      expect(info.Config.Env).toEqual(expect.arrayContaining([`SLOT=${n}`, "GREETING=hi", "DB_PASSWORD=hunter2", "APP_VERSION=2"]));
      expect(info.Config.Env).not.toContain("APP_VERSION=1");
      expect(info.Config.Cmd).toEqual(n === 1 ? explicitCmd : ["sh", "-c", "trap 'exit 0' TERM; sleep 3602 & wait"]);
      expect((info.Config as { StopTimeout?: number }).StopTimeout).toBe(1);
      expect(info.Config.Hostname).toBe(info.Id.slice(0, 12));
      expect(info.HostConfig).toMatchObject({ ...hostConfig, Mounts: expect.anything() });
      // the old container is gone, but its anonymous volume (VOLUME /state) is mounted by name, as compose does
      await expect(inspect(oldIds[name]!)).rejects.toMatchObject({ statusCode: 404 });
      expect(info.HostConfig.Mounts).toEqual([{ Type: "tmpfs", Target: "/scratch" }, { Type: "volume", Source: oldVolumes[name], Target: "/state" }]);
      expect(info.Config.ExposedPorts).toEqual({ "8080/tcp": {} });
      const published = info.NetworkSettings.Ports["8080/tcp"];
      expect(published?.[0]).toMatchObject({ HostIp: "127.0.0.1", HostPort: expect.stringMatching(/^\d+$/) });
      expect(info.Mounts).toEqual(expect.arrayContaining([expect.objectContaining({ Type: "bind", Source: bind, Destination: "/data", RW: false })]));
      expect(await execOutput(name, ["cat", "/data/hello.txt"])).toBe("hello from the host\n");
      const nets = info.NetworkSettings.Networks;
      expect(Object.keys(nets).sort()).toEqual(["shop_back", "shop_default"]);
      expect(nets.shop_default!.Aliases).toEqual(expect.arrayContaining(["web"]));
      expect(nets.shop_default!.Aliases).not.toContain(oldIds[name]!.slice(0, 12));
      expect(nets.shop_default!.Links).toEqual(["shop-worker-1:backend"]);
      expect(nets.shop_back!.Aliases).toEqual(expect.arrayContaining(["web-internal"]));
    }
    // the anonymous volume came along
    expect(await execOutput("shop-web-1", ["ls", "/state"])).toContain("kept");
    await noTemporaryContainers();
    // the environment (a password among it) went in the request body, never in a URL the engine logs (as
    // dockerode's createContainer does by default: the setup's own calls above carry it in the query string)
    expect(deployCalls.filter((c) => c.startsWith("POST") && c.includes("/containers/create?"))).toEqual([
      "POST /containers/create?name=shop-web-1-slipway-new",
      "POST /containers/create?name=shop-web-2-slipway-new",
    ]);
    expect(deployCalls.filter((c) => c.includes("hunter2"))).toEqual([]);
  });

  test("an image whose command exits at once is given up and the previous containers restored", async () => {
    await serviceContainer("crash", "web", 1);
    await serviceContainer("crash", "web", 2);
    const before = await projectState("crash");

    const run = await deploy("crash", images.crash!);

    expect(run.error).toBeUndefined();
    expect(run.result).toMatchObject({ outcome: "restored", reason: "start_failed", containers: ["crash-web-1", "crash-web-2"] });
    expect(run.result!.message).toMatch(/^crash-web-1 exited with code 1 right after starting; the previous containers were restored$/);
    // the same containers, on v1, running, under their names; nothing else
    expect(restartedOk(await projectState("crash"))).toEqual(restartedOk(before));
    // the one never touched was not even restarted
    expect((await projectState("crash"))[1]).toEqual(before[1]);
    expect(before.every((c) => c.running && c.image === images.v1)).toBe(true);
    expect(run.lines.filter((l) => l.startsWith("crash-web-2:"))).toEqual([]);
    await noTemporaryContainers();
  });

  test("a failing health check is given up; a passing one converges only once healthy", async () => {
    await serviceContainer("health", "web", 1);
    const before = await projectState("health");

    const sick = await deploy("health", images.sick!);
    expect(sick.result).toMatchObject({ outcome: "restored", reason: "unhealthy" });
    expect(sick.result!.message).toMatch(/^health-web-1 became unhealthy \(last check: exit code 1.*\); the previous containers were restored$/);
    expect(restartedOk(await projectState("health"))).toEqual(restartedOk(before));

    // healthy only after ~2 s: a 0.8 s limit gives up
    const late = await deploy("health", images.slow!, { healthTimeoutMs: 800 });
    expect(late.result).toMatchObject({ outcome: "restored", reason: "timeout" });
    expect(late.result!.message).toMatch(/^health-web-1 was still starting after 0\.8 s/);
    expect(restartedOk(await projectState("health"))).toEqual(restartedOk(before));
    await noTemporaryContainers();

    const fine = await deploy("health", images.slow!, { settleMs: 300 });
    expect(fine.error).toBeUndefined();
    expect(fine.result).toMatchObject({ outcome: "converged", containers: ["health-web-1"] });
    const starting = indexOf(fine.lines, (l) => l === "health-web-1: health is starting", "health starting");
    const healthy = indexOf(fine.lines, (l) => l === "health-web-1: health is healthy", "health healthy");
    const up = indexOf(fine.lines, (l) => l === "health-web-1: the new container is up and healthy", "up");
    expect(starting).toBeLessThan(healthy);
    expect(healthy).toBeLessThan(up);
    expect(fine.ms).toBeGreaterThanOrEqual(2000);
    const info = await inspect("health-web-1");
    expect(info.State.Health?.Status).toBe("healthy");
    expect(info.Config.Image).toBe(images.slow);
    await noTemporaryContainers();
  });

  test("when the second container fails, the first (already switched) is restored too", async () => {
    const restart = { hostConfig: { RestartPolicy: { Name: "always", MaximumRetryCount: 0 } } };
    await serviceContainer("pair", "web", 1, { ...restart, env: ["SLOT=1"] });
    await serviceContainer("pair", "web", 2, { ...restart, env: ["SLOT=2"] });
    const before = await projectState("pair");

    const run = await deploy("pair", images.picky!);

    expect(run.error).toBeUndefined();
    expect(run.result).toMatchObject({ outcome: "restored", reason: "start_failed", containers: ["pair-web-1", "pair-web-2"] });
    // with restart policy "always" the engine may already be restarting it when it is looked at
    expect(run.result!.message).toMatch(/^pair-web-2 (exited with code 3|keeps restarting) right after starting.*; the previous containers were restored$/);
    const { lines } = run;
    expect(indexOf(lines, (l) => l.startsWith("pair-web-1: the new container is up"), "pair-web-1 up")).toBeLessThan(
      indexOf(lines, (l) => l.startsWith("pair-web-2: creating"), "pair-web-2 created"),
    );
    // restored last-switched first
    expect(indexOf(lines, (l) => l.startsWith("pair-web-2: renaming pair-web-2-slipway-old back"), "pair-web-2 restored")).toBeLessThan(
      indexOf(lines, (l) => l.startsWith("pair-web-1: renaming pair-web-1-slipway-old back"), "pair-web-1 restored"),
    );
    expect(restartedOk(await projectState("pair"))).toEqual(restartedOk(before));
    for (const c of await projectState("pair")) expect((await inspect(c.name)).Config.Env).toContain("APP_VERSION=1");
    await noTemporaryContainers();
  });

  test("what an interrupted deploy left behind is cleared before the next one", async () => {
    // as if the console died mid-deploy: left-web-1 was switched but its old container kept; left-web-2 was
    // stopped and renamed but its new container never took the name; a temporary new container never started
    const keptOld = await serviceContainer("left", "web", 1);
    await docker.getContainer(keptOld).stop({ t: 1 });
    await docker.getContainer(keptOld).rename({ name: "left-web-1-slipway-old" });
    await serviceContainer("left", "web", 1);
    const halfway = await serviceContainer("left", "web", 2);
    await docker.getContainer(halfway).stop({ t: 1 });
    await docker.getContainer(halfway).rename({ name: "left-web-2-slipway-old" });
    const neverStarted = await serviceContainer("left", "web", 3);
    await docker.getContainer(neverStarted).stop({ t: 1 });
    await docker.getContainer(neverStarted).rename({ name: "left-web-2-slipway-new" });

    const run = await deploy("left", images.v2!);

    expect(run.error).toBeUndefined();
    expect(run.result).toMatchObject({ outcome: "converged", containers: ["left-web-1", "left-web-2"] });
    expect(run.lines).toEqual(
      expect.arrayContaining([
        "Removing left-web-1-slipway-old, the previous container of left-web-1 left over by an earlier deploy",
        "Renaming left-web-2-slipway-old back to left-web-2: an earlier deploy stopped half-way through replacing it",
        "Removing left-web-2-slipway-new, left over by an earlier deploy that did not finish",
      ]),
    );
    const after = await projectState("left");
    expect(after.map((c) => [c.name, c.image, c.running])).toEqual([
      ["left-web-1", images.v2, true],
      ["left-web-2", images.v2, true],
    ]);
    await noTemporaryContainers();
  });

  test("a service without containers is an error that names what was looked for", async () => {
    await serviceContainer("lonely", "db", 1);
    const run = await deploy("lonely", images.v2!);
    expect(run.error).toBeInstanceOf(ComposeError);
    const err = run.error as ComposeError;
    expect(err.reason).toBe("no_containers");
    expect(err.message).toContain('service "web" in compose project "lonely"');
    expect(err.message).toContain(`${PROJECT_LABEL}=lonely and ${SERVICE_LABEL}=web`);
    expect(run.lines).toEqual([]);
  });

  test("an abort mid-deploy restores what was switched and throws cancelled", async () => {
    await serviceContainer("abort", "web", 1);
    await serviceContainer("abort", "web", 2);
    const before = await projectState("abort");
    const controller = new AbortController();

    // abort while the second container is being checked: the first is already on v2
    const run = await deploy("abort", images.v2!, {
      settleMs: 1500,
      controller,
      onLine: (l) => {
        if (l.startsWith("abort-web-2: waiting")) controller.abort(new Error("the user cancelled"));
      },
    });

    expect(run.error).toBeInstanceOf(ComposeError);
    expect(run.error).toMatchObject({ reason: "cancelled", message: "The deployment was cancelled while replacing abort-web-2; the previous containers were restored" });
    expect(run.lines.some((l) => l.startsWith("abort-web-1: renaming abort-web-1-slipway-old back to abort-web-1"))).toBe(true);
    expect(restartedOk(await projectState("abort"))).toEqual(restartedOk(before));
    await noTemporaryContainers();
  });

  test("a pull that fails (unknown digest, refused credentials) changes nothing; right credentials pull", async () => {
    await serviceContainer("pull", "web", 1);
    const before = await projectState("pull");

    const missing = `${registry.url}/app:v2@sha256:${"0".repeat(64)}`;
    const unknown = await deploy("pull", missing);
    expect(unknown.error).toMatchObject({ reason: "pull_failed" });
    expect((unknown.error as Error).message).toMatch(/^Pulling .*app:v2@sha256:0{64} failed: manifest for .* not found: manifest unknown.*No container was changed\.$/);
    expect(await projectState("pull")).toEqual(before);

    const refused = await deploy("pull", authedImage, { auth: { username: CREDENTIALS.username, password: "wrong", serveraddress: authRegistry.url } });
    expect(refused.error).toMatchObject({ reason: "pull_failed" });
    expect((refused.error as Error).message).toContain(`refused the credentials of deployer for ${authRegistry.url}`);
    expect(await projectState("pull")).toEqual(before);

    const anonymous = await deploy("pull", authedImage);
    expect(anonymous.error).toMatchObject({ reason: "pull_failed" });
    expect((anonymous.error as Error).message).toContain("no basic auth credentials. The registry wants credentials: add them under Registries.");
    expect(await projectState("pull")).toEqual(before);

    const allowed = await deploy("pull", authedImage, { auth: { ...CREDENTIALS, serveraddress: authRegistry.url } });
    expect(allowed.error).toBeUndefined();
    expect(allowed.result).toMatchObject({ outcome: "converged", containers: ["pull-web-1"] });
    expect((await inspect("pull-web-1")).Config.Image).toBe(authedImage);
    // the password is never logged
    expect([...unknown.lines, ...refused.lines, ...allowed.lines].join("\n")).not.toMatch(/s3cret-pass|wrong/);
  });
});

describe("inspectComposeService", () => {
  test("reports the images and how many containers run", async () => {
    const signal = new AbortController().signal;
    await serviceContainer("look", "web", 1);
    await serviceContainer("look", "web", 2);
    await serviceContainer("look", "worker", 1, { image: images.v1 });

    expect(await inspectComposeService(docker, "look", "web", signal)).toEqual({
      images: [images.v1],
      running: 2,
      total: 2,
      detail: `2 of 2 container(s) of look/web running (look-web-1 running; look-web-2 running) on ${images.v1}`,
    });

    await docker.getContainer("look-web-2").stop({ t: 1 });
    const stopped = await inspectComposeService(docker, "look", "web", signal);
    expect(stopped).toMatchObject({ images: [images.v1], running: 1, total: 2 });
    expect(stopped.detail).toContain("look-web-2 exited with code 0");

    // a deploy brings the stopped one up too, and the label names the image as it was asked for
    const run = await deploy("look", images.v2!);
    expect(run.result).toMatchObject({ outcome: "converged", containers: ["look-web-1", "look-web-2"] });
    expect(await inspectComposeService(docker, "look", "web", signal)).toMatchObject({ images: [images.v2], running: 2, total: 2 });

    // deploying the same image again leaves the containers alone
    const ids = (await projectState("look")).map((c) => c.id);
    const again = await deploy("look", images.v2!);
    expect(again.result).toMatchObject({ outcome: "converged", message: `All 2 container(s) of look/web already run ${images.v2}` });
    expect((await projectState("look")).map((c) => c.id)).toEqual(ids);

    const none = await inspectComposeService(docker, "ghost", "web", signal);
    expect(none).toMatchObject({ images: [], running: 0, total: 0 });
    expect(none.detail).toContain('No containers of service "web" in compose project "ghost"');
  });
});
