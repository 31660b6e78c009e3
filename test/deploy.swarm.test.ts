// lib/deploy/targets/swarm (the swarm driver's engine calls) against a real single-node swarm (a private dockerd after `swarm init`) and a private
// registry. The images are built FROM busybox imported from the host (nothing is pulled), pushed, and deployed
// by `repo:tag@digest` as Slipway deploys them.
//
// What this swarm needs (dockerd runs with --bridge=none, no iptables, no IPVS):
// - Services without networks and without published ports: the tasks' containers then get no network at all,
//   and the ingress network (created by `swarm init`) is never attached, so no routing mesh is involved.
// - Commands that stop on SIGTERM: a shell as PID 1 ignores SIGTERM unless it traps it, and every stop would
//   then wait for the grace period; the images below trap TERM and `wait` on a background sleep.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import Dockerode from "dockerode";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { imageDigest } from "@/lib/deploy/targets/docker";
import { readService, SwarmError, type SwarmErrorReason } from "@/lib/deploy/targets/swarm/engine";
import { inspectServiceImage, waitForConvergence } from "@/lib/deploy/targets/swarm/convergence";
import { rollbackService, updateServiceImage } from "@/lib/deploy/targets/swarm/update";
import { importBusybox } from "@/test/helpers/busybox";
import { startDockerd, type TestDockerd } from "@/test/helpers/dockerd";
import { eventually } from "@/test/helpers/eventually";
import { startRegistry, type TestRegistry } from "@/test/helpers/registry";
import { runningImages } from "@/test/helpers/swarm";

let swarm: TestDockerd;
let registry: TestRegistry;
/** pushed images as `127.0.0.1:PORT/app:TAG@sha256:…` */
const images = { v1: "", v2: "", bad: "", flaky: "" };

const SERVE = ["/bin/busybox", "sh", "-c", "trap 'exit 0' TERM; busybox sleep 3600 & wait"];
const SECOND = 1_000_000_000;

interface ProgressEvent {
  error?: string;
  errorDetail?: { message?: string };
  aux?: { Digest?: string };
}

function follow(stream: NodeJS.ReadableStream): Promise<ProgressEvent[]> {
  return new Promise((resolve, reject) => {
    swarm.docker.modem.followProgress(stream, (err: Error | null, out: ProgressEvent[]) => {
      const failed = out?.find((e) => e.error);
      if (err || failed) reject(err ?? new Error(failed?.errorDetail?.message ?? failed?.error));
      else resolve(out);
    });
  });
}

async function buildAndPush(busybox: string, tag: string, cmd: string[]): Promise<string> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "slipway-swarm-image-"));
  try {
    writeFileSync(path.join(dir, "Dockerfile"), `FROM ${busybox}\nLABEL slipway.test.image=${tag}\nCMD ${JSON.stringify(cmd)}\n`);
    const repo = `${registry.url}/app`;
    await follow(await swarm.docker.buildImage({ context: dir, src: ["Dockerfile"] }, { t: `${repo}:${tag}`, rm: true }));
    const pushed = await follow(await swarm.docker.getImage(repo).push({ tag }));
    const digest = pushed.find((e) => e.aux?.Digest)?.aux?.Digest;
    if (!digest) throw new Error(`pushing ${repo}:${tag} reported no digest`);
    return `${repo}:${tag}@${digest}`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

beforeAll(async () => {
  [swarm, registry] = await Promise.all([startDockerd({ swarmInit: true }), startRegistry()]);
  const busybox = await importBusybox(swarm.docker, `${registry.url}/busybox:latest`);
  [images.v1, images.v2, images.bad, images.flaky] = await Promise.all([
    buildAndPush(busybox, "v1", SERVE),
    buildAndPush(busybox, "v2", SERVE),
    buildAndPush(busybox, "bad", ["/bin/busybox", "sh", "-c", "echo cannot start >&2; exit 1"]),
    // up long enough for the swarm's update monitor (1 s) to call the update completed, then crashes
    buildAndPush(busybox, "flaky", ["/bin/busybox", "sh", "-c", "busybox sleep 2; exit 3"]),
  ]);
}, 120_000);

afterAll(async () => {
  await Promise.all([swarm?.stop(), registry?.stop()]);
});

// ---------------------------------------------------------------------------------------------------------

interface ServiceOptions {
  replicas?: number;
  global?: boolean;
  failureAction?: "rollback" | "pause" | "continue";
  constraints?: string[];
}

/** Creates a service (no networks, no ports) and returns its id; waits until it runs unless told not to. */
async function createService(name: string, image: string, opts: ServiceOptions & { wait?: boolean } = {}): Promise<string> {
  const spec: Dockerode.CreateServiceOptions = {
    Name: name,
    TaskTemplate: {
      ContainerSpec: { Image: image, StopGracePeriod: SECOND },
      RestartPolicy: { Condition: "any", Delay: SECOND / 5 },
      Placement: { Constraints: opts.constraints ?? [] },
      Networks: [],
    },
    Mode: opts.global ? { Global: {} } : { Replicated: { Replicas: opts.replicas ?? 1 } },
    UpdateConfig: { Parallelism: 1, Delay: 0, Monitor: SECOND, FailureAction: opts.failureAction ?? "rollback", MaxFailureRatio: 0, Order: "stop-first" },
    RollbackConfig: { Parallelism: 1, Delay: 0, Monitor: SECOND, FailureAction: "pause", MaxFailureRatio: 0, Order: "stop-first" },
  };
  const created = await swarm.docker.createService(spec);
  if (opts.wait !== false) {
    await eventually(`${name} running ${image}`, async () => {
      const running = await runningImages(swarm.docker, created.id);
      return running.length === (opts.global ? 1 : (opts.replicas ?? 1)) && running.every((i) => i === image);
    });
  }
  return created.id;
}

interface InspectedService {
  ID: string;
  Version: { Index: number };
  Spec: { Name: string; Labels?: Record<string, string>; TaskTemplate: { ContainerSpec: { Image: string } } };
  PreviousSpec?: { TaskTemplate: { ContainerSpec: { Image: string } } };
  UpdateStatus?: { State?: string; Message?: string };
}

async function inspect(id: string): Promise<InspectedService> {
  return (await swarm.docker.getService(id).inspect()) as InspectedService;
}

function recorder() {
  const lines: string[] = [];
  return { lines, log: (line: string) => void lines.push(line) };
}

async function swarmError(promise: Promise<unknown>): Promise<SwarmError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SwarmError);
  return err as SwarmError;
}

function expectReason(err: SwarmError, reason: SwarmErrorReason) {
  expect(err.reason, err.message).toBe(reason);
}

const signal = () => AbortSignal.timeout(50_000);

// ---------------------------------------------------------------------------------------------------------

describe.concurrent("updateServiceImage + waitForConvergence", () => {
  test("deploys a new image by digest and returns once every replica runs it and stays up", async () => {
    const id = await createService("happy", images.v1, { replicas: 2 });
    const before = await readService(swarm.docker, "happy", signal());
    expect(before).toMatchObject({ id, name: "happy", image: images.v1, previousImage: null, replicas: 2 });

    const rec = recorder();
    const res = await updateServiceImage(swarm.docker, { service: "happy", image: images.v2, signal: signal(), log: rec.log });
    // swarmMonitorMs: the service's UpdateConfig.Monitor (1 s), what a target without a window waits for
    expect(res).toEqual({ serviceId: id, changed: true, versionBefore: before.version, previousImage: images.v1, swarmMonitorMs: 1000 });

    const t0 = Date.now();
    const out = await waitForConvergence(swarm.docker, { serviceId: id, image: images.v2, monitorMs: 1000, timeoutMs: 45_000, signal: signal(), log: rec.log });
    expect(out).toEqual({ outcome: "converged" });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1000);
    // the swarm marks the update completed only after its own monitor (1 s) without failure: that counts
    expect(rec.lines.some((l) => /the swarm already watched them for \d/.test(l))).toBe(true);

    // checked independently of the code under test
    const svc = await inspect(id);
    expect(svc.Spec.TaskTemplate.ContainerSpec.Image).toBe(images.v2);
    expect(svc.PreviousSpec?.TaskTemplate.ContainerSpec.Image).toBe(images.v1);
    expect(svc.UpdateStatus?.State).toBe("completed");
    expect(await runningImages(swarm.docker, id)).toEqual([images.v2, images.v2]);

    // the log: what was done, and task changes, never the same line twice in a row (no line per poll)
    expect(rec.lines[0]).toMatch(/^updating service happy \(version \d+\) from .*:v1@sha256:\w+ to .*:v2@sha256:\w+$/);
    expect(rec.lines.some((l) => /^task [12] \(\w{12}\): running .*:v2@sha256:/.test(l))).toBe(true);
    expect(rec.lines.some((l) => /^task [12] \(\w{12}\): shutdown .*:v1@sha256:/.test(l))).toBe(true);
    expect(rec.lines.at(-1)).toBe(`service happy converged on ${images.v2}`);
    expect(rec.lines.filter((l, i) => l === rec.lines[i - 1])).toEqual([]);
    expect(rec.lines.length).toBeLessThan(40);

    // re-verification / drift check
    const seen = await inspectServiceImage(swarm.docker, "happy", signal());
    expect(seen.converged).toBe(true);
    expect(seen.image).toBe(images.v2);
    expect(imageDigest(seen.image)).toBe(images.v2.slice(images.v2.indexOf("@") + 1));
    expect(imageDigest(seen.image)).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(seen.detail).toContain("2 of 2 replicas run");

    // the same image again: nothing written
    const again = recorder();
    const same = await updateServiceImage(swarm.docker, { service: id, image: images.v2, signal: signal(), log: again.log });
    expect(same).toEqual({ serviceId: id, changed: false, versionBefore: svc.Version.Index, previousImage: images.v2, swarmMonitorMs: 1000 });
    expect((await inspect(id)).Version.Index).toBe(svc.Version.Index);
    expect(again.lines).toEqual([`service happy already runs ${images.v2} (version ${svc.Version.Index}); nothing to update`]);
    // and waiting on it is quick: it has converged already
    expect(await waitForConvergence(swarm.docker, { serviceId: id, image: images.v2, monitorMs: 500, timeoutMs: 10_000, signal: signal(), log: () => undefined })).toEqual({ outcome: "converged" });
  });

  test("works for a global service", async () => {
    const id = await createService("everywhere", images.v1, { global: true });
    expect((await readService(swarm.docker, id, signal())).replicas).toBeNull();
    const rec = recorder();
    await updateServiceImage(swarm.docker, { service: "everywhere", image: images.v2, signal: signal(), log: rec.log });
    expect(await waitForConvergence(swarm.docker, { serviceId: id, image: images.v2, monitorMs: 500, timeoutMs: 45_000, signal: signal(), log: rec.log })).toEqual({ outcome: "converged" });
    expect(await runningImages(swarm.docker, id)).toEqual([images.v2]);
    expect(rec.lines.some((l) => /^task on node \w{12} \(\w{12}\): running .*:v2@/.test(l))).toBe(true);
    // (the swarm's own watch of the update may already count towards the window: said in parentheses)
    expect(rec.lines.some((l) => l.startsWith(`all 1 global tasks of service everywhere run ${images.v2}; making sure they stay up for 0.5 s`))).toBe(true);
    expect(await inspectServiceImage(swarm.docker, id, signal())).toMatchObject({ image: images.v2, converged: true });
  });

  test("an image that exits at once, with FailureAction rollback: rolled_back with the swarm's message, spec back at v1", async () => {
    const id = await createService("rollsback", images.v1, { failureAction: "rollback" });
    const rec = recorder();
    await updateServiceImage(swarm.docker, { service: "rollsback", image: images.bad, signal: signal(), log: rec.log });
    const out = await waitForConvergence(swarm.docker, { serviceId: id, image: images.bad, monitorMs: 1000, timeoutMs: 45_000, signal: signal(), log: rec.log });
    expect(out.outcome).toBe("rolled_back");
    const message = out.outcome === "rolled_back" ? out.message : "";
    // the swarm's reason while it rolls back; once done it only says "rollback completed": the task errors tell
    expect(message).toMatch(/^the swarm rolled service rollsback back to .*:v1@sha256:\w+: (update rolled back due to failure or early termination of task \w+|rollback completed); /);
    expect(message).toMatch(/task 1 \(\w{12}\): failed: task: non-zero exit \(1\) \(.*:bad@sha256:\w+\)/);
    expect(rec.lines.some((l) => /^task 1 \(\w{12}\): failed: task: non-zero exit \(1\) \(.*:bad@sha256:\w+\)$/.test(l))).toBe(true);

    const svc = await inspect(id);
    expect(svc.Spec.TaskTemplate.ContainerSpec.Image).toBe(images.v1);
    expect(svc.UpdateStatus?.State).toMatch(/^rollback_/);
    await eventually("v1 running again", async () => (await runningImages(swarm.docker, id)).join() === images.v1);
    // the drift check sees v1 running and says that the swarm rolled back
    const seen = await eventually("rollback completed", async () => {
      const s = await inspectServiceImage(swarm.docker, id, signal());
      return s.converged && s;
    });
    expect(seen.image).toBe(images.v1);
    expect(seen.detail).toMatch(/rolled the last update back/);
  });

  test("FailureAction pause: failed with the swarm's message and the task errors; rollbackService brings v1 back", async () => {
    const id = await createService("pauses", images.v1, { failureAction: "pause" });
    const rec = recorder();
    await updateServiceImage(swarm.docker, { service: "pauses", image: images.bad, signal: signal(), log: rec.log });
    const out = await waitForConvergence(swarm.docker, { serviceId: id, image: images.bad, monitorMs: 1000, timeoutMs: 45_000, signal: signal(), log: rec.log });
    expect(out.outcome).toBe("failed");
    const message = out.outcome === "failed" ? out.message : "";
    expect(message).toMatch(/^the swarm paused the update of service pauses: update paused due to failure or early termination of task \w+/);
    expect(message).toMatch(/task 1 \(\w{12}\): failed: task: non-zero exit \(1\)/);
    expect((await inspect(id)).UpdateStatus?.State).toBe("paused");
    const paused = await inspectServiceImage(swarm.docker, id, signal());
    expect(paused).toMatchObject({ image: images.bad, converged: false });
    expect(paused.detail).toContain("update paused");

    const back = recorder();
    // no window of its own (a target without one): as long as the swarm watches the rollback, RollbackConfig.Monitor (1 s)
    const rolled = await rollbackService(swarm.docker, { service: "pauses", monitorMs: null, timeoutMs: 45_000, signal: signal(), log: back.log });
    expect(rolled).toEqual({ outcome: "converged", image: images.v1 });
    expect(back.lines.some((l) => /making sure they stay up for 1 s \(the service's RollbackConfig\.Monitor\)/.test(l)), back.lines.join("\n")).toBe(true);
    expect(back.lines[0]).toMatch(/^rolling service pauses \(version \d+\) back from .*:bad@sha256:\w+ to .*:v1@sha256:\w+$/);
    expect(back.lines).toContain("service pauses: swarm update state rollback_started (manually requested rollback)");
    expect(back.lines).toContain("service pauses: swarm update state rollback_completed");
    const svc = await inspect(id);
    expect(svc.Spec.TaskTemplate.ContainerSpec.Image).toBe(images.v1);
    expect(await runningImages(swarm.docker, id)).toEqual([images.v1]);
    expect(await inspectServiceImage(swarm.docker, id, signal())).toMatchObject({ image: images.v1, converged: true });
  });

  test("an image that crashes after the swarm called the update completed does not converge", async () => {
    const id = await createService("flaky", images.v1, { failureAction: "continue" });
    const rec = recorder();
    await updateServiceImage(swarm.docker, { service: "flaky", image: images.flaky, signal: signal(), log: rec.log });
    const out = await waitForConvergence(swarm.docker, { serviceId: id, image: images.flaky, monitorMs: 4000, timeoutMs: 9000, signal: signal(), log: rec.log });
    expect(out.outcome).toBe("failed");
    const message = out.outcome === "failed" ? out.message : "";
    expect(message).toMatch(/^service flaky did not converge within 9 s: /);
    expect(message).toMatch(/failures seen: .*task 1 \(\w{12}\): failed: task: non-zero exit \(3\)/);
    // it was up for a while: the window started, and was restarted by the crash
    expect(rec.lines.some((l) => l.startsWith("all 1 replicas of service flaky run"))).toBe(true);
    expect(rec.lines).toContainEqual(expect.stringMatching(/^task 1 \(\w{12}\) failed within the watch window; watching service flaky again from the start$/));
    expect((await inspect(id)).UpdateStatus?.State).toBe("completed");
  });

  test("a private registry: without credentials the swarm cannot pull (rolled back); with X-Registry-Auth it can", async () => {
    const credentials = { username: "deployer", password: "pull-secret" };
    const privateRegistry = await startRegistry({ htpasswd: credentials });
    try {
      const auth = { ...credentials, serveraddress: privateRegistry.url };
      const repo = `${privateRegistry.url}/private`;
      await swarm.docker.getImage(`${registry.url}/app:v2`).tag({ repo, tag: "v2" });
      const pushed = await follow(await swarm.docker.getImage(repo).push({ tag: "v2", authconfig: auth }));
      const image = `${repo}:v2@${pushed.find((e) => e.aux?.Digest)?.aux?.Digest}`;
      // drop the local names of it, so that the swarm has to pull it (the layers stay: the pull is quick)
      await swarm.docker.getImage(`${repo}:v2`).remove();
      await expect(swarm.docker.getImage(image).inspect()).rejects.toThrow(/No such image/);

      const id = await createService("private", images.v1);
      const rec = recorder();
      await updateServiceImage(swarm.docker, { service: "private", image, signal: signal(), log: rec.log });
      const denied = await waitForConvergence(swarm.docker, { serviceId: id, image, monitorMs: 500, timeoutMs: 45_000, signal: signal(), log: rec.log });
      expect(denied.outcome).toBe("rolled_back");
      expect(rec.lines.some((l) => /^task 1 \(\w{12}\): rejected: No such image: .*private:v2@sha256:/.test(l))).toBe(true);

      const withAuth = recorder();
      await updateServiceImage(swarm.docker, { service: "private", image, auth, signal: signal(), log: withAuth.log });
      expect(withAuth.lines[0]).toContain(`with the credentials for ${privateRegistry.url}`);
      expect(withAuth.lines.join("\n")).not.toContain(credentials.password);
      expect(await waitForConvergence(swarm.docker, { serviceId: id, image, monitorMs: 500, timeoutMs: 45_000, signal: signal(), log: withAuth.log })).toEqual({ outcome: "converged" });
      expect(await runningImages(swarm.docker, id)).toEqual([image]);
    } finally {
      await privateRegistry.stop();
    }
  });

  test("a version conflict between read and write: read again, re-applied on top of the other change", async () => {
    const id = await createService("conflict", images.v1);
    // a client whose first update is preceded by someone else's change to the service (a label)
    const client = new Dockerode({ socketPath: swarm.socketPath });
    const getService = client.getService.bind(client);
    let updates = 0;
    client.getService = (name: string) => {
      const svc = getService(name);
      const update = svc.update.bind(svc) as unknown as (...args: unknown[]) => Promise<unknown>;
      svc.update = (async (...args: unknown[]) => {
        updates++;
        if (updates === 1) await labelService(id, "changed.by", "someone-else");
        return update(...args);
      }) as unknown as typeof svc.update;
      return svc;
    };
    const versionRead = (await inspect(id)).Version.Index;

    const rec = recorder();
    const res = await updateServiceImage(client, { service: "conflict", image: images.v2, signal: signal(), log: rec.log });
    expect(updates).toBe(2);
    expect(res.changed).toBe(true);
    expect(res.versionBefore).toBeGreaterThan(versionRead);
    expect(rec.lines.some((l) => /^service conflict changed since it was read \(version \d+ is stale\); reading it again \(retry 1 of 5\)$/.test(l))).toBe(true);

    const svc = await inspect(id);
    expect(svc.Spec.TaskTemplate.ContainerSpec.Image).toBe(images.v2);
    expect(svc.Spec.Labels).toEqual({ "changed.by": "someone-else" });
    expect(await waitForConvergence(client, { serviceId: id, image: images.v2, monitorMs: 500, timeoutMs: 45_000, signal: signal(), log: () => undefined })).toEqual({ outcome: "converged" });
  });
});

/** Someone else's change to the service: a label, written with the version just read. */
async function labelService(id: string, key: string, value: string): Promise<void> {
  const svc = await inspect(id);
  const spec = { ...svc.Spec, Labels: { ...svc.Spec.Labels, [key]: value } };
  const update = swarm.docker.getService(id).update.bind(swarm.docker.getService(id)) as unknown as (auth: undefined, opts: object) => Promise<unknown>;
  await update(undefined, { _query: { version: svc.Version.Index }, _body: spec });
}

describe("errors", () => {
  test("a missing service, or a name that only matches an ID prefix: service_missing, saying what to check", async () => {
    const err = await swarmError(readService(swarm.docker, "no-such-service", signal()));
    expectReason(err, "service_missing");
    expect(err.message).toContain('"no-such-service"');
    expect(err.message).toContain("docker service ls");
    expectReason(await swarmError(updateServiceImage(swarm.docker, { service: "no-such-service", image: images.v2, signal: signal(), log: () => undefined })), "service_missing");
    expectReason(await swarmError(inspectServiceImage(swarm.docker, "no-such-service", signal())), "service_missing");

    // the engine itself would answer with the service whose ID starts like this
    const id = await createService("prefixed", images.v1, { wait: false });
    const prefix = await swarmError(readService(swarm.docker, id.slice(0, 6), signal()));
    expectReason(prefix, "service_missing");
    expect(prefix.message).toContain('matched service "prefixed" by an ID prefix');
  });

  test("rollbackService without a previous spec: update_rejected", async () => {
    await createService("fresh", images.v1, { wait: false });
    const err = await swarmError(rollbackService(swarm.docker, { service: "fresh", monitorMs: 0, timeoutMs: 5000, signal: signal(), log: () => undefined }));
    expectReason(err, "update_rejected");
    expect(err.message).toMatch(/no previous spec/);
  });

  test("an engine that is no swarm manager: not_a_manager; one that is gone: engine_error in words", async () => {
    const plain = await startDockerd();
    try {
      const err = await swarmError(readService(plain.docker, "web", signal()));
      expectReason(err, "not_a_manager");
      expect(err.message).toContain(plain.socketPath);
      expect(err.message).toContain("docker swarm init");
      expectReason(await swarmError(inspectServiceImage(plain.docker, "web", signal())), "not_a_manager");
    } finally {
      await plain.stop();
    }
    const gone = await swarmError(readService(plain.docker, "web", signal()));
    expectReason(gone, "engine_error");
    expect(gone.message).toMatch(/^Could not talk to the Docker engine at \/tmp\/.*docker\.sock while reading service web: connect (ENOENT|ECONNREFUSED) .* \((there is no socket at that path|nothing listens there); is dockerd running\?\)\.$/);
  });
});

describe("waiting", () => {
  let pending: string;
  beforeAll(async () => {
    // a placement no node satisfies: the task stays pending, the service never converges
    pending = await createService("unplaceable", images.v1, { constraints: ["node.labels.slipway.test==never"], wait: false });
    await eventually("the scheduler to give up on the task", async () => {
      const tasks = (await swarm.docker.listTasks({ filters: { service: [pending] } })) as Array<{ Status?: { Err?: string } }>;
      return tasks.some((t) => t.Status?.Err?.startsWith("no suitable node"));
    });
  });

  test("timeout: failed, 'did not converge within N s', with the task states", async () => {
    const rec = recorder();
    const t0 = Date.now();
    const out = await waitForConvergence(swarm.docker, { serviceId: pending, image: images.v1, monitorMs: 500, timeoutMs: 2000, signal: signal(), log: rec.log });
    const elapsed = Date.now() - t0;
    expect(out.outcome).toBe("failed");
    const message = out.outcome === "failed" ? out.message : "";
    expect(message).toMatch(/^service unplaceable did not converge within 2 s: 0 of 1 replicas run .*:v1@sha256:\w+; tasks: task 1 \(\w{12}\): pending: no suitable node/);
    expect(elapsed).toBeGreaterThanOrEqual(2000);
    expect(elapsed).toBeLessThan(4000);
    // ~4 polls, one line for the task (it did not change) and one for the verdict
    expect(rec.lines.filter((l) => l.startsWith("task 1 "))).toHaveLength(1);

    const seen = await inspectServiceImage(swarm.docker, "unplaceable", signal());
    expect(seen).toMatchObject({ image: images.v1, converged: false });
    expect(seen.detail).toMatch(/^0 of 1 replicas run .*; tasks: task 1 \(\w{12}\): pending: no suitable node/);
  });

  test("the signal cancels a wait promptly: SwarmError cancelled", async () => {
    const controller = new AbortController();
    const waiting = waitForConvergence(swarm.docker, { serviceId: pending, image: images.v1, monitorMs: 500, timeoutMs: 60_000, signal: controller.signal, log: () => undefined });
    await new Promise((r) => setTimeout(r, 1200));
    const t0 = Date.now();
    controller.abort();
    const err = await swarmError(waiting);
    expect(Date.now() - t0).toBeLessThan(200);
    expectReason(err, "cancelled");

    // already cancelled: nothing is asked
    expectReason(await swarmError(readService(swarm.docker, pending, AbortSignal.abort())), "cancelled");
  });
});

describe("imageDigest", () => {
  test("takes the digest of a reference", () => {
    const hex = "a".repeat(64);
    expect(imageDigest(`127.0.0.1:5000/app:live@sha256:${hex}`)).toBe(`sha256:${hex}`);
    expect(imageDigest(`registry.example.com/team/app@sha256:${hex}`)).toBe(`sha256:${hex}`);
    expect(imageDigest("127.0.0.1:5000/app:live")).toBeNull();
    expect(imageDigest("app@sha256:short")).toBeNull();
    expect(imageDigest(null)).toBeNull();
  });
});
