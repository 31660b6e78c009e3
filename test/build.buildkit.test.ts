// lib/build/buildkit.ts against a private dockerd (Docker Engine 20.10, BuildKit built in): build secrets
// served over a BuildKit session reach `RUN --mount=type=secret` (the daemon's built-in Dockerfile frontend,
// no `# syntax` image), a missing secret and a failing RUN fail with the daemon's reason, an abort stops the
// daemon-side build, and runBuild builds a rule with build_secrets and stores its log masked.
import { createHash, randomUUID } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { Agent } from "node:http";
import os from "node:os";
import path from "node:path";
import type { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import tar from "tar-fs";
import Dockerode from "dockerode";
import { buildImageBuildKit, decodeStatus, StatusPrinter } from "@/lib/build/buildkit";
import { DaemonError } from "@/lib/build/docker";
import { maskText, maskValues } from "@/lib/build/log-writer";
import { getDb } from "@/lib/db";
import { log as rootLog } from "@/lib/log";
import { runBuild } from "@/lib/build/runner";
import { readBuildLog } from "@/lib/build/log-store";
import { pollRepository } from "@/lib/services/polling";
import { saveBuildRule, saveContext, saveRepository, saveSecret } from "@/lib/services/inventory/entities";
import { actorFor, createUser, type TestUser } from "@/test/helpers/fixtures";
import { createBareRepo, startGitDaemon, type BareRepo, type GitDaemon } from "@/test/helpers/git-server";
import { startDockerd, type TestDockerd } from "@/test/helpers/dockerd";
import { importBusybox } from "@/test/helpers/busybox";
import { eventually } from "@/test/helpers/eventually";

let dockerd: TestDockerd;
/** without keep-alive (Node's default agent keeps idle connections 5 s), so open connections are the build's own */
let docker: Dockerode;
let busybox: string;
const dirs: string[] = [];

beforeAll(async () => {
  dockerd = await startDockerd({ debug: true });
  docker = new Dockerode({ socketPath: dockerd.socketPath, agent: new Agent({ keepAlive: false }) } as Dockerode.DockerOptions);
  busybox = await importBusybox(docker, "127.0.0.1:1/busybox:latest");
}, 120_000);

afterAll(async () => {
  await dockerd?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function context(files: Record<string, string>): Readable {
  const dir = mkdtempSync(path.join(os.tmpdir(), "slipway-bk-"));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return tar.pack(dir) as unknown as Readable;
}

let n = 0;
function build(dockerfile: string, secrets: Record<string, string>, signal = new AbortController().signal) {
  n++;
  const out: string[] = [];
  const tag = `127.0.0.1:1/bk${n}:latest`;
  const result = buildImageBuildKit(docker, {
    context: context({ Dockerfile: dockerfile }),
    dockerfile: "Dockerfile",
    tag,
    buildArgs: { GREETING: "hi" },
    labels: { "dev.slipway.test": `bk${n}` },
    signal,
    secrets: new Map(Object.entries(secrets)),
    onOutput: (t) => out.push(t),
  });
  return { result, tag, text: () => out.join("") };
}

/** The bytes of `file` in the image: a created (never started) container's archive of it. */
async function fileInImage(image: string, file: string): Promise<string> {
  const c = await docker.createContainer({ Image: image, Cmd: ["true"] });
  try {
    const stream = (await c.getArchive({ path: file })) as unknown as Readable;
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString("latin1");
  } finally {
    await c.remove({ force: true });
  }
}

/** Processes on this machine whose command line is exactly `argv` (the build's RUN runs as one). */
function processesRunning(argv: string[]): number[] {
  const want = `${argv.join("\0")}\0`;
  const out: number[] = [];
  for (const pid of readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, "latin1") === want) out.push(Number(pid));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Connections open to the daemon's API socket (/proc/net/unix: the accepted ends carry the socket's path, state 03). */
function daemonConnections(): number {
  return readFileSync("/proc/net/unix", "utf8")
    .split("\n")
    .filter((l) => l.endsWith(` ${dockerd.socketPath}`) && l.trim().split(/\s+/)[5] === "03").length;
}


describe("buildImageBuildKit", () => {
  test("a secret reaches RUN --mount=type=secret without a # syntax frontend; the log writer's masking hides it", async () => {
    const value = `tok-${randomUUID()}`;
    const hash = createHash("sha256").update(value).digest("hex");
    const { result, tag, text } = build(
      [
        `FROM ${busybox}`,
        "ARG GREETING",
        'RUN --mount=type=secret,id=token,required echo "$GREETING" && busybox sha256sum /run/secrets/token && cat /run/secrets/token && echo && cat /run/secrets/token > /baked',
        "",
      ].join("\n"),
      { token: value, unused: "another-value" },
    );
    const id = await result;
    expect(id).toMatch(/^sha256:[0-9a-f]{64}$/);
    const out = text();
    // progress as `docker build --progress=plain` prints it
    expect(out).toMatch(/^#\d+ \[2\/2\] RUN --mount=type=secret,id=token,required echo/m);
    expect(out).toMatch(/^#\d+ hi$/m);
    expect(out).toMatch(new RegExp(`^#\\d+ ${hash}  /run/secrets/token$`, "m"));
    expect(out).toMatch(/^#\d+ DONE \d+\.\ds$/m);
    expect(out).toMatch(/^#\d+ writing image sha256:[0-9a-f]{64} done$/m);
    // the value came through in clear (the RUN printed it) ...
    expect(out).toContain(value);
    // ... and the runner's log writer stores it as ***
    const stored = maskText(out, maskValues([value]));
    expect(stored).not.toContain(value);
    expect(stored).toMatch(/^#\d+ \*\*\*$/m);
    expect(stored).toContain(hash);

    const info = await docker.getImage(tag).inspect();
    expect(info.Id).toBe(id);
    expect(info.Config.Labels?.["dev.slipway.test"]).toBe(`bk${n}`);
    // the secret itself is only mounted, never in a layer; what the RUN copied is (that proves the value, not only its hash)
    expect(await fileInImage(tag, "/baked")).toContain(value);
    // BuildKit ran no Docker containers
    expect(await docker.listContainers({ all: true })).toEqual([]);
    // the session and the build, as the daemon saw them
    const calls = dockerd.apiCalls();
    expect(calls.some((c) => c.startsWith("POST /session"))).toBe(true);
    expect(calls.some((c) => /^POST \/build\?.*version=2&session=[0-9a-f-]{36}/.test(c))).toBe(true);
    // ... and closed once the build is over: no connection to the daemon is left open. The daemon closes its end
    // when its health checks of the session fail (a second or few); a session left open would stay, answered
    await eventually("the session to close", () => daemonConnections() === 0, 15_000);
  }, 120_000);

  test("the session stays up through a long build: health checks are answered, and a later step still gets its secret", async () => {
    // BuildKit checks the session's health every second and drops it after two failed checks; without the
    // health service a secret mounted after a few seconds fails with "no active session ... context deadline exceeded"
    const { result, text } = build(`FROM ${busybox}\nRUN sleep 5\nRUN --mount=type=secret,id=token,required cat /run/secrets/token\n`, { token: "late-value" });
    await result;
    expect(text()).toMatch(/^#\d+ late-value$/m);
  }, 120_000);

  test("a secret the build does not provide fails with a clear message", async () => {
    const { result, text } = build(`FROM ${busybox}\nRUN --mount=type=secret,id=db-password,required cat /run/secrets/db-password\n`, { token: "abcdef" });
    const err = await result.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DaemonError);
    expect((err as Error).message).toMatch(/secret db-password not found/);
    expect((err as Error).message).toMatch(/mounts the build secret "db-password", which this build does not provide/);
    expect(text()).toMatch(/^#\d+ ERROR: secret db-password not found/m);
  }, 120_000);

  test("a failing RUN fails with the daemon's error and its output", async () => {
    const { result, text } = build(`FROM ${busybox}\nRUN --mount=type=secret,id=token echo before-failing && false\n`, { token: "abcdef" });
    const err = await result.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DaemonError);
    expect((err as Error).message).toMatch(/executor failed running \[\/bin\/sh -c echo before-failing && false\]: exit code: 1/);
    expect(text()).toMatch(/^#\d+ before-failing$/m);
    expect(text()).toMatch(/^ERROR: executor failed running/m);
    await eventually("the session to close", () => daemonConnections() === 0, 15_000);
  }, 120_000);

  test("an abort stops the daemon-side build and closes the session", async () => {
    await eventually("no connection left from earlier builds", () => daemonConnections() === 0, 15_000);
    const ac = new AbortController();
    const seconds = String(40_000 + (process.pid % 10_000));
    const { result, text } = build(`FROM ${busybox}\nRUN --mount=type=secret,id=token,required echo started && sleep ${seconds}\n`, { token: "abcdef" }, ac.signal);
    const settled = result.then(
      () => null,
      (e: unknown) => e,
    );
    await eventually("the RUN step to start", () => /^#\d+ started$/m.test(text()));
    await eventually("the sleep to run", () => processesRunning(["sleep", seconds]).length > 0);
    expect(daemonConnections()).toBe(2); // the session and the build request
    ac.abort(new Error("cancelled by the test"));
    const err = await settled;
    expect((err as Error).message).toBe("cancelled by the test");
    // the daemon stops the RUN's process; no container, no build left
    await eventually("the RUN to stop", () => processesRunning(["sleep", seconds]).length === 0, 15_000);
    await eventually("the session and the request to close", () => daemonConnections() === 0, 15_000);
    expect(await docker.listContainers({ all: true })).toEqual([]);
    // the daemon builds again right away (the aborted build holds nothing)
    const again = build(`FROM ${busybox}\nRUN --mount=type=secret,id=token,required cat /run/secrets/token\n`, { token: "after-abort" });
    await again.result;
    expect(again.text()).toMatch(/^#\d+ after-abort$/m);
  }, 120_000);
});

describe("StatusPrinter", () => {
  test("an empty trace decodes to nothing; log output split across messages is joined into whole lines", () => {
    expect(decodeStatus("")).toEqual({});
    const out: string[] = [];
    const p = new StatusPrinter((t) => out.push(t));
    p.handle({ vertexes: [{ digest: "sha256:a", name: "[1/1] RUN x", started: { seconds: 10, nanos: 0 } }] });
    p.handle({ logs: [{ vertex: "sha256:a", msg: Buffer.from("sec") }] });
    p.handle({ logs: [{ vertex: "sha256:a", msg: Buffer.from("ret-value\nnext") }] });
    p.handle({ vertexes: [{ digest: "sha256:a", name: "[1/1] RUN x", started: { seconds: 10, nanos: 0 }, completed: { seconds: 11, nanos: 500_000_000 } }] });
    expect(out).toEqual(["#1 [1/1] RUN x\n", "#1 secret-value\n", "#1 next\n", "#1 DONE 1.5s\n"]);
  });
});

describe("runBuild with build secrets", () => {
  let admin: TestUser;
  let daemon: GitDaemon;
  let root: BareRepo;
  let bare: BareRepo | undefined;

  beforeAll(async () => {
    admin = await createUser("admin");
    root = createBareRepo({ README: "repos live next to this one\n" }, { name: "root.git" });
    daemon = await startGitDaemon(root.root);
    await saveContext(actorFor(admin), { name: "builder", endpoint: dockerd.endpoint, role: "build", archs: ["amd64"], max_concurrent_builds: 2 });
  }, 120_000);

  afterAll(async () => {
    await daemon?.stop();
    bare?.remove();
    root?.remove();
  });

  test("a rule with build_secrets builds with BuildKit, and a RUN that echoes the secret is stored as ***", async () => {
    const value = `npm-${randomUUID()}`;
    await saveSecret(actorFor(admin), { name: "npm-token", scope: "global", value });
    bare = createBareRepo({ Dockerfile: `FROM ${busybox}\nRUN --mount=type=secret,id=npm-token,required echo "token is $(cat /run/secrets/npm-token)"\n` }, { name: "secret.git" });
    symlinkSync(bare.dir, `${root.root}/secret.git`);
    const repo = await saveRepository(actorFor(admin), { repo: "team/secret", url: daemon.url("secret.git") });
    const rule = await saveBuildRule(actorFor(admin), { repository_id: repo.id, dockerfile: "Dockerfile", build_secrets: ["npm-token"] });
    expect((await pollRepository(repo.id)).ok).toBe(true);
    const [b] = await getDb().build.findMany({ where: { buildRuleId: rule.id } });
    const out = await runBuild(b!.id, { workerId: "test-worker", log: rootLog.child({ test: "buildkit" }) });
    const text = (await readBuildLog(b!.id, -1, 10_000)).map((c) => c.text).join("");
    expect(out, text).toEqual({ state: "succeeded", reason: null });
    expect(text).toContain("building with BuildKit: build secrets npm-token");
    expect(text).toMatch(/^#\d+ \[2\/2\] RUN --mount=type=secret,id=npm-token,required echo/m);
    expect(text).toMatch(/^#\d+ token is \*\*\*$/m);
    expect(text).not.toContain(value);
    expect(text).toMatch(/^built sha256:[0-9a-f]{64}$/m);
  }, 120_000);
});
