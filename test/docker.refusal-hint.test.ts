// refusal-hint: when the way to a Docker engine is refused, the words name what refused — the local socket for
// unix:// contexts, the SSH host and port (sshd) or the Docker socket on the remote host for ssh:// contexts —
// and never blame a local dockerd for an ssh:// context. Through the swarm and compose drivers (what a
// deployment's log and the target page show) and the context Test, against a real sshd.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DockerContextAccess } from "@/lib/docker/engine";
import { testDockerContext } from "@/lib/docker/context-check";
import type { DeployIo, DeployTarget, InventoryAccess, TargetDriver } from "@/lib/deploy/targets/driver";
import { swarmDriver } from "@/lib/deploy/targets/swarm/driver";
import { composeDriver } from "@/lib/deploy/targets/compose/driver";
import { generateDeployerKeyPair } from "@/lib/ssh/keys";
import { freePort, startSshd, type Sshd } from "@/test/helpers/sshd";

const deployer = generateDeployerKeyPair("slipway@test");
let scratch: string;
let sshd: Sshd;

beforeAll(async () => {
  scratch = mkdtempSync(path.join(os.tmpdir(), "slipway-refusal-"));
  // logins work; the docker CLI there finds no engine at the socket DOCKER_HOST names
  sshd = await startSshd({ authorizedKeys: [deployer.publicKey], env: { DOCKER_HOST: `unix://${scratch}/remote-docker.sock` } });
});

afterAll(async () => {
  await sshd?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

function sshAccess(port: number): DockerContextAccess {
  const ssh = {
    address: "127.0.0.1",
    port,
    user: sshd.user,
    pinnedKeys: sshd.hostKeys.map(({ algorithm, publicKey, fingerprintSha256 }) => ({ algorithm, publicKey, fingerprintSha256 })),
    privateKey: deployer.privateKey,
  };
  return { endpoint: `ssh://${ssh.user}@127.0.0.1:${port}`, ssh };
}

// only what the drivers read of a target row; the rest of the row plays no part here
const target = (compose: boolean) =>
  ({
    id: "t1",
    name: "web",
    service: "web",
    composeProject: compose ? "shop" : null,
    dockerContextId: "c1",
    dockerContext: { id: "c1", name: "toxis" },
    monitorSeconds: 1,
    convergeTimeoutSeconds: 10,
    healthTimeoutSeconds: 10,
  }) as unknown as DeployTarget;

/** What the target page and the deployment log say when the driver cannot see the target. */
async function liveReason(driver: TargetDriver, compose: boolean, access: DockerContextAccess): Promise<string> {
  const inventory: InventoryAccess = { dockerContext: async () => access, host: async () => Promise.reject(new Error("no host")) };
  const io: DeployIo = { log: { step: () => undefined, line: () => undefined }, signal: AbortSignal.timeout(20_000), deadline: Date.now() + 20_000 };
  const session = await driver.open(target(compose), inventory, io);
  try {
    const live = await session.live(io);
    if (live.state !== "unreachable") throw new Error(`expected unreachable, got ${live.state}`);
    return live.reason;
  } finally {
    await session.close();
  }
}

describe("refusal-hint", () => {
  it("a refused SSH port is said as the SSH host and port refusing, not as a local dockerd", async () => {
    const closed = await freePort();
    const access = sshAccess(closed);
    const expected = `Cannot reach 127.0.0.1:${closed}: connection refused. Check that sshd runs on the host and listens on port ${closed}.`;
    for (const [driver, compose] of [[swarmDriver, false], [composeDriver, true]] as const) {
      const reason = await liveReason(driver, compose, access);
      expect(reason).toBe(expected);
      expect(reason).not.toMatch(/dockerd/);
    }
    expect(await testDockerContext(access, { timeoutMs: 10_000 })).toMatchObject({ ok: false, reason: "unreachable", message: expected });
  });

  it("a login that works but finds no engine names the Docker socket on the remote host", async () => {
    const access = sshAccess(sshd.port);
    const remote = new RegExp(
      `^Logged in to ${sshd.user}@127\\.0\\.0\\.1:${sshd.port}, but Docker did not answer through \`docker system dial-stdio\` \\(.+\\): the Docker socket on 127\\.0\\.0\\.1 \\(/var/run/docker\\.sock, or the one DOCKER_HOST names for ${sshd.user} there\\) refused the connection or is missing\\. .*dockerd runs on 127\\.0\\.0\\.1`,
    );
    for (const [driver, compose] of [[swarmDriver, false], [composeDriver, true]] as const) {
      const reason = await liveReason(driver, compose, access);
      expect(reason).toMatch(remote);
      expect(reason).not.toMatch(/is dockerd running|console's machine|Cannot reach/);
    }
    const tested = await testDockerContext(access, { timeoutMs: 10_000 });
    expect(tested.ok ? "" : tested.message).toMatch(remote);
  });

  it("a missing local socket is still said as the local socket", async () => {
    const socketPath = path.join(scratch, "local-missing.sock");
    const reason = await liveReason(swarmDriver, false, { endpoint: `unix://${socketPath}` });
    expect(reason).toBe(`There is no Docker socket at ${socketPath}: is Docker installed and dockerd running on the console's machine? Check the path.`);
  });
});
