// "Test" of a Docker context against a real private dockerd: on its unix socket, and over SSH through a real
// private sshd (whose sessions find that dockerd through DOCKER_HOST) with the host key pinned.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Server as SshServer } from "ssh2";
import { describeContextTest, testDockerContext } from "@/lib/docker/context-check";
import { dockerClient, type DockerContextAccess, type DockerSshAccess } from "@/lib/docker/engine";
import { fingerprintSha256, generateDeployerKeyPair, type DeployerKeyPair } from "@/lib/ssh/keys";
import { startDockerd, type TestDockerd } from "@/test/helpers/dockerd";
import { freePort, startSshd, type Sshd } from "@/test/helpers/sshd";

/** A TCP (port 0 → a free one) or unix-socket server that accepts connections and never says a word. */
async function silentServer(where: { port: 0 } | { socketPath: string }): Promise<{ port: number; connections(): number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  const server = net.createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on("error", () => undefined);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => ("socketPath" in where ? server.listen(where.socketPath, resolve) : server.listen(0, "127.0.0.1", resolve)));
  const address = server.address();
  return {
    port: typeof address === "object" && address ? address.port : 0,
    connections: () => accepted,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function countLines(file: string, pattern: RegExp): number {
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => pattern.test(line)).length;
}

describe("testDockerContext", () => {
  let dockerd: TestDockerd;
  let sshd: Sshd;
  let deployer: DeployerKeyPair;
  let scratch: string;

  const sshAccess = (overrides: Partial<DockerSshAccess> = {}): DockerSshAccess => ({
    address: sshd.address,
    port: sshd.port,
    user: sshd.user,
    pinnedKeys: sshd.hostKeys.map(({ algorithm, publicKey, fingerprintSha256 }) => ({ algorithm, publicKey, fingerprintSha256 })),
    privateKey: deployer.privateKey,
    ...overrides,
  });
  const sshContext = (overrides: Partial<DockerSshAccess> = {}): DockerContextAccess => {
    const ssh = sshAccess(overrides);
    return { endpoint: `ssh://${ssh.user}@${ssh.address}:${ssh.port}`, ssh };
  };

  beforeAll(async () => {
    scratch = mkdtempSync(path.join(os.tmpdir(), "slipway-ctx-"));
    deployer = generateDeployerKeyPair("slipway@test");
    dockerd = await startDockerd({ swarmInit: true, debug: true });
    sshd = await startSshd({ authorizedKeys: [deployer.publicKey], env: { DOCKER_HOST: dockerd.endpoint } });
  });

  afterAll(async () => {
    await sshd?.stop();
    await dockerd?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  it("answers for unix://<socket> with the engine's version, API version and swarm active, manager", async () => {
    const result = await testDockerContext({ endpoint: dockerd.endpoint });
    expect(result).toMatchObject({
      ok: true,
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
      apiVersion: expect.stringMatching(/^1\.\d+$/),
      os: "linux",
      arch: expect.any(String),
      cpus: expect.any(Number),
      swarm: { state: "active", isManager: true, managers: 1, nodes: 1, nodeId: expect.any(String) },
    });
    if (!result.ok) throw new Error(result.message);
    expect(result.memoryBytes).toBeGreaterThan(0);
    expect(describeContextTest("local", result)).toMatch(
      new RegExp(`^local: Docker ${result.version.replace(/[.+]/g, "\\$&")} \\(API ${result.apiVersion.replace(".", "\\.")}\\) on linux/${result.arch}, \\d+ CPUs?, [\\d.]+ GiB; swarm active, manager, 1 node\\.$`),
    );
  });

  it("answers over ssh://user@127.0.0.1:PORT through sshd with its host key pinned and the deployer key", async () => {
    const sessionsBefore = countLines(sshd.logFile, /Starting session: command/);
    const result = await testDockerContext(sshContext());
    if (!result.ok) throw new Error(result.message);
    expect(result.swarm).toMatchObject({ state: "active", isManager: true });
    // the remote side ran `docker system dial-stdio` (one session per API request) and reached the private dockerd
    expect(countLines(sshd.logFile, /Accepted publickey for .* ED25519 /)).toBeGreaterThanOrEqual(2);
    expect(countLines(sshd.logFile, /Starting session: command/) - sessionsBefore).toBe(2);
    expect(dockerd.apiCalls().filter((c) => /^GET .*\/(version|info)$/.test(c)).length).toBeGreaterThanOrEqual(2);
  });

  it("an SSH server that drops the connection while the Docker session opens: the call fails in words, the process goes on", async () => {
    // docker-modem's own ssh agent went on after the failed exec with an undefined stream and threw inside ssh2's
    // connection-close handler: an uncaught exception (vitest reports it and fails the run) that ended the worker
    // process when a host's sshd went away mid-deployment. A real SSH server (ssh2's) that accepts the login and
    // then drops the connection at the session request makes that moment every time.
    const hostKey = generateDeployerKeyPair("dropper-host");
    const blob = hostKey.publicKey.split(" ")[1]!;
    let sessions = 0;
    const server = new SshServer({ hostKeys: [hostKey.privateKey] }, (client) => {
      client.on("error", () => undefined);
      client.on("authentication", (ctx) => ctx.accept());
      client.on("session", () => {
        sessions++;
        client.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const port = (server.address() as net.AddressInfo).port;
      const access = { ...sshAccess(), port, pinnedKeys: [{ algorithm: "ssh-ed25519", publicKey: blob, fingerprintSha256: fingerprintSha256(blob) }] };
      const { docker } = dockerClient({ endpoint: `ssh://${access.user}@${access.address}:${port}`, ssh: access }, { timeoutMs: 10_000 });
      await expect(docker.ping()).rejects.toThrow(/./);
      expect(sessions).toBe(1);
      const result = await testDockerContext({ endpoint: `ssh://${access.user}@${access.address}:${port}`, ssh: access });
      expect(result.ok).toBe(false);
      // a server that does open sessions still answers
      expect(String(await dockerClient(sshContext(), { timeoutMs: 10_000 }).docker.ping())).toBe("OK");
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it("an sshd that logs in but opens no session (MaxSessions 0): the call fails with ssh2's words", async () => {
    const closed = await startSshd({ authorizedKeys: [deployer.publicKey], env: { DOCKER_HOST: dockerd.endpoint }, extraConfig: ["MaxSessions 0"] });
    try {
      const access = { ...sshAccess(), port: closed.port, pinnedKeys: closed.hostKeys.map(({ algorithm, publicKey, fingerprintSha256 }) => ({ algorithm, publicKey, fingerprintSha256 })) };
      const { docker } = dockerClient({ endpoint: `ssh://${access.user}@${access.address}:${access.port}`, ssh: access }, { timeoutMs: 10_000 });
      await expect(docker.ping()).rejects.toThrow(/open failed|Channel open failure/i);
    } finally {
      await closed.stop();
    }
  });

  it("refuses a host key that is not pinned before any login or Docker call, naming both fingerprints", async () => {
    const other = generateDeployerKeyPair("not-the-host").publicKey.split(" ")[1]!;
    const wrongPin = { algorithm: "ssh-ed25519", publicKey: other, fingerprintSha256: fingerprintSha256(other) };
    const acceptedBefore = countLines(sshd.logFile, /Accepted publickey/);
    const sessionsBefore = countLines(sshd.logFile, /Starting session/);
    const connectionsBefore = countLines(sshd.logFile, /^Connection from /);
    const callsBefore = dockerd.apiCalls().length;

    const result = await testDockerContext(sshContext({ pinnedKeys: [wrongPin] }));

    const presented = sshd.hostKeys[0]!.fingerprintSha256;
    expect(result).toEqual({
      ok: false,
      reason: "host_key_changed",
      message: `host key for 127.0.0.1 changed (presented ${presented}, pinned ${wrongPin.fingerprintSha256}); accept the new key under Hosts if the change is expected. Slipway did not log in.`,
      presented: { algorithm: "ssh-ed25519", fingerprintSha256: presented },
      pinned: [wrongPin.fingerprintSha256],
    });
    // sshd saw the connection (so the check really reached it) and logged its end, but no login and no session
    await expect.poll(() => countLines(sshd.logFile, /^Connection from /) - connectionsBefore, { timeout: 5000 }).toBe(1);
    await new Promise((r) => setTimeout(r, 300));
    expect(countLines(sshd.logFile, /Accepted publickey/)).toBe(acceptedBefore);
    expect(countLines(sshd.logFile, /Starting session/)).toBe(sessionsBefore);
    expect(dockerd.apiCalls().length).toBe(callsBefore);
  });

  it("says the host refused the deployer key (auth_refused) when it is not in authorized_keys", async () => {
    const stranger = generateDeployerKeyPair("stranger");
    const result = await testDockerContext(sshContext({ privateKey: stranger.privateKey }));
    expect(result).toEqual({
      ok: false,
      reason: "auth_refused",
      message: `${sshd.user}@127.0.0.1:${sshd.port} refused Slipway's deployer key: add the deployer public key (Settings → Deployer key) to ~${sshd.user}/.ssh/authorized_keys on the host.`,
    });
    expect(JSON.stringify(result)).not.toContain("PRIVATE KEY");
  });

  it("says Docker did not answer (engine_error) when the login works but the remote docker finds no engine", async () => {
    const lost = await startSshd({ authorizedKeys: [deployer.publicKey], env: { DOCKER_HOST: `unix://${scratch}/no-such.sock` } });
    try {
      const ssh = sshAccess({ port: lost.port, pinnedKeys: lost.hostKeys.map(({ algorithm, publicKey, fingerprintSha256 }) => ({ algorithm, publicKey, fingerprintSha256 })) });
      const result = await testDockerContext({ endpoint: `ssh://${ssh.user}@127.0.0.1:${ssh.port}`, ssh }, { timeoutMs: 10_000 });
      expect(result).toMatchObject({ ok: false, reason: "engine_error" });
      if (result.ok) return;
      expect(result.message).toMatch(new RegExp(`^Logged in to ${ssh.user}@127\\.0\\.0\\.1:${ssh.port}, but Docker did not answer through \`docker system dial-stdio\``));
      expect(result.message).toMatch(/Check that Docker is installed there, that dockerd runs/);
    } finally {
      await lost.stop();
    }
  });

  it("says unreachable, in words, for a closed SSH port and for a missing socket", async () => {
    const closed = await freePort();
    const overSsh = await testDockerContext(sshContext({ port: closed }));
    expect(overSsh).toEqual({
      ok: false,
      reason: "unreachable",
      message: `Cannot reach 127.0.0.1:${closed}: connection refused. Check that sshd runs on the host and listens on port ${closed}.`,
    });

    const socketPath = path.join(scratch, "missing.sock");
    expect(await testDockerContext({ endpoint: `unix://${socketPath}` })).toEqual({
      ok: false,
      reason: "unreachable",
      message: `There is no Docker socket at ${socketPath}: is Docker installed and dockerd running on the console's machine? Check the path.`,
    });
  });

  it("times out, in words, on an SSH port and on a socket that accept but never answer", async () => {
    const tcp = await silentServer({ port: 0 });
    const socketPath = path.join(scratch, "silent.sock");
    const unix = await silentServer({ socketPath });
    try {
      let started = Date.now();
      const overSsh = await testDockerContext(sshContext({ port: tcp.port }), { timeoutMs: 700 });
      expect(Date.now() - started).toBeLessThan(3000);
      expect(tcp.connections()).toBe(1);
      expect(overSsh).toMatchObject({ ok: false, reason: "timeout" });
      if (!overSsh.ok) expect(overSsh.message).toMatch(new RegExp(`^(Timed out after 0\\.7 s connecting to 127\\.0\\.0\\.1:${tcp.port}\\.|The Docker engine at ${sshd.user}@127\\.0\\.0\\.1:${tcp.port} did not answer within 0\\.7 s\\.)`));

      started = Date.now();
      const local = await testDockerContext({ endpoint: `unix://${socketPath}` }, { timeoutMs: 500 });
      expect(Date.now() - started).toBeLessThan(2000);
      expect(unix.connections()).toBe(1);
      expect(local).toEqual({
        ok: false,
        reason: "timeout",
        message: `The Docker engine at ${socketPath} did not answer within 0.5 s. Check that dockerd is running and not stuck (systemctl status docker).`,
      });
    } finally {
      await tcp.close();
      await unix.close();
    }
  });

  it("stops at once when the caller's AbortSignal fires, and does not start when it already has", async () => {
    const tcp = await silentServer({ port: 0 });
    try {
      const controller = new AbortController();
      const started = Date.now();
      setTimeout(() => controller.abort(new Error("the admin left the page")), 200);
      await expect(testDockerContext(sshContext({ port: tcp.port }), { timeoutMs: 10_000, signal: controller.signal })).rejects.toThrow("the admin left the page");
      expect(Date.now() - started).toBeLessThan(1000);

      const before = tcp.connections();
      await expect(testDockerContext(sshContext({ port: tcp.port }), { signal: AbortSignal.abort(new Error("cancelled")) })).rejects.toThrow("cancelled");
      expect(tcp.connections()).toBe(before);
    } finally {
      await tcp.close();
    }
  });
});
