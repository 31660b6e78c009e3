// transient-retry (issue 13, item 2): lib/deploy/targets/failure-class.ts decides, for every target kind, which
// failures are retried. Checked against what the real adapters throw when the real peer is down, answers 5xx,
// or refuses: an SSH connection to a stopped sshd (unikernel hosts, artifact repositories), one to an sshd whose
// host key changed, a release file fetched from a registry that is down or answers 503 / 401, and a swarm
// manager's engine answering 503 or refusing a spec with 400. And the backoff and window of lib/deploy/retry.ts.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import Dockerode from "dockerode";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { generateDeployerKeyPair } from "@/lib/ssh/keys";
import { openSshSession } from "@/lib/ssh/session";
import { classifyFailure } from "@/lib/deploy/targets/failure-class";
import { fetchReleaseFile } from "@/lib/deploy/targets/release-file";
import { readService } from "@/lib/deploy/targets/swarm/engine";
import { planRetry, retryDelayMs } from "@/lib/deploy/retry";
import { retryWords } from "@/lib/validation/deployment-retry";
import type { DeployIo, DeployRelease } from "@/lib/deploy/targets/driver";
import type { Release } from "@/lib/generated/prisma/client";
import { startSshd, freePort, type Sshd } from "@/test/helpers/sshd";

const deployer = generateDeployerKeyPair("slipway@test");
let sshd: Sshd;

beforeAll(async () => {
  sshd = await startSshd({ authorizedKeys: [deployer.publicKey] });
});
afterAll(async () => {
  await sshd?.stop();
});

const failureOf = async (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => {
      throw new Error("expected a failure");
    },
    (e: unknown) => e,
  );

/** An HTTP server on loopback that answers every request with `status` (a registry, an engine on a unix socket). */
async function answering(status: number, body: string, at?: string): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((_req, res) => res.writeHead(status, { "content-type": "application/json", ...(status === 401 ? { "www-authenticate": 'Basic realm="r"' } : {}) }).end(body));
  await new Promise<void>((r) => (at ? server.listen(at, r) : server.listen(0, "127.0.0.1", r)));
  const url = at ? at : `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, close: () => new Promise((r) => server.close(() => r())) };
}

const io: DeployIo = { log: { step: () => undefined, line: () => undefined }, signal: new AbortController().signal, deadline: Date.now() + 60_000 };

function releaseAt(registry: string): DeployRelease {
  const digest = `sha256:${"a".repeat(64)}`;
  const row = { imageRepo: `${registry}/kernels`, digest, artifactPath: "/unikernel.hvt", artifactSha256: "b".repeat(64) } as Release;
  return { row, image: `${registry}/kernels:live@${digest}`, registryUrl: `http://${registry}`, commit: "c".repeat(40) };
}

describe("transient-retry: which failures are retried", () => {
  test("sshd down (connection refused) is transient and names the address; a changed host key is a refusal", async () => {
    const port = await freePort();
    const down = await failureOf(openSshSession({ address: "127.0.0.1", port, user: "root", pinnedKeys: sshd.hostKeys, privateKey: deployer.privateKey }));
    expect(classifyFailure(down)).toEqual({ transient: true, why: "SSH refused", endpoint: `127.0.0.1:${port}`, registry: false });

    const other = await startSshd({ authorizedKeys: [deployer.publicKey] });
    try {
      const changed = await failureOf(openSshSession({ address: "127.0.0.1", port: other.port, user: other.user, pinnedKeys: sshd.hostKeys, privateKey: deployer.privateKey }));
      expect(String(changed)).toMatch(/host key/i);
      expect(classifyFailure(changed)).toEqual({ transient: false });
      // a refused deployer key: a refusal too
      await other.setAuthorizedKeys([]);
      const denied = await failureOf(openSshSession({ address: "127.0.0.1", port: other.port, user: other.user, pinnedKeys: other.hostKeys, privateKey: deployer.privateKey }));
      expect(classifyFailure(denied)).toEqual({ transient: false });
    } finally {
      await other.stop();
    }
  });

  test("a registry that is down or answers 503 is transient (the registry is named); 401 and 404 are refusals", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "slipway-retry-class-"));
    const port = await freePort();
    const down = await failureOf(fetchReleaseFile(releaseAt(`127.0.0.1:${port}`), dir, "k", io));
    expect(classifyFailure(down)).toMatchObject({ transient: true, registry: true, endpoint: `127.0.0.1:${port}` });
    for (const [status, transient] of [
      [503, true],
      [502, true],
      [401, false],
      [404, false],
    ] as const) {
      const reg = await answering(status, "{}");
      try {
        const err = await failureOf(fetchReleaseFile(releaseAt(reg.url), dir, "k", io));
        expect(classifyFailure(err).transient, `HTTP ${status}: ${String(err)}`).toBe(transient);
        if (transient) expect(classifyFailure(err)).toMatchObject({ registry: true });
      } finally {
        await reg.close();
      }
    }
  });

  test("a swarm manager's engine: 503 and a refused connection are transient; 400, not a manager and a missing socket are refusals", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "slipway-retry-engine-"));
    const cases: [number, string, boolean][] = [
      [503, '{"message":"service unavailable"}', true],
      [400, '{"message":"rpc error: code = InvalidArgument desc = ContainerSpec: image reference must be provided"}', false],
      [503, '{"message":"This node is not a swarm manager. Use \\"docker swarm init\\""}', false],
    ];
    for (const [i, [status, body, transient]] of cases.entries()) {
      const socket = path.join(dir, `engine${i}.sock`);
      const engine = await answering(status, body, socket);
      try {
        const err = await failureOf(readService(new Dockerode({ socketPath: socket }), "web", io.signal));
        expect(classifyFailure(err).transient, `${status} ${body}: ${String(err)}`).toBe(transient);
      } finally {
        await engine.close();
      }
    }
    // an engine on TCP that nobody answers (dockerd stopped): ECONNREFUSED, kept as the SwarmError's cause
    const port = await freePort();
    const refused = await failureOf(readService(new Dockerode({ host: "127.0.0.1", port, protocol: "http" }), "web", io.signal));
    expect(classifyFailure(refused), String(refused)).toMatchObject({ transient: true, endpoint: `127.0.0.1:${port}` });
    // the socket is gone altogether (Docker not installed there, a wrong path): a refusal
    const missing = await failureOf(readService(new Dockerode({ socketPath: path.join(dir, "none.sock") }), "web", io.signal));
    expect(classifyFailure(missing).transient, String(missing)).toBe(false);
  });
});

describe("transient-retry: backoff and window", () => {
  test("10 s, 20 s, 40 s, … at most 2 min; never past the window; off with a zero window", () => {
    expect([1, 2, 3, 4, 5, 6, 9].map(retryDelayMs)).toEqual([10_000, 20_000, 40_000, 80_000, 120_000, 120_000, 120_000]);
    const now = new Date("2026-12-04T12:00:00Z");
    const first = planRetry({ attempts: 1, until: null, now, windowMs: 600_000 });
    expect(first).toEqual({ retry: true, at: new Date("2026-12-04T12:00:10Z"), until: new Date("2026-12-04T12:10:00Z") });
    // the last attempt lands on the window's end, not after it
    expect(planRetry({ attempts: 6, until: new Date("2026-12-04T12:00:30Z"), now, windowMs: 600_000 })).toMatchObject({ retry: true, at: new Date("2026-12-04T12:00:30Z") });
    expect(planRetry({ attempts: 7, until: now, now, windowMs: 600_000 })).toMatchObject({ retry: false, why: expect.stringMatching(/gave up after 7 attempts/) });
    expect(planRetry({ attempts: 1, until: null, now, windowMs: 0 })).toMatchObject({ retry: false });
    expect(retryWords({ waitingFor: "toxis", attempts: 3, retryAt: new Date("2026-12-04T12:00:40Z"), now })).toBe("waiting for toxis: attempt 3, next in 40 s");
  });
});
