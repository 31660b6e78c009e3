// "Check connection" against a real sshd: connected, refused deployer key, changed host key (refused before
// any login), no pinned keys (no socket at all), closed port, silent port; and the sentences for each.
import fs from "node:fs/promises";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkHostConnection, describeHostCheck, openSsh, type HostCheckResult, type PinnedKey } from "@/lib/ssh/connect";
import { SshError } from "@/lib/ssh/errors";
import { generateDeployerKeyPair, type DeployerKeyPair } from "@/lib/ssh/keys";
import { scanHostKeys } from "@/lib/ssh/scan";
import { freePort, startSshd, type Sshd } from "@/test/helpers/sshd";

/** A TCP server that counts connections and never answers. */
async function countingServer(): Promise<{ port: number; connections(): number; close(): Promise<void> }> {
  let count = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    count++;
    sockets.add(socket);
    socket.on("error", () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    connections: () => count,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** sshd's log lines written while `run` runs. */
async function logDuring(sshd: Sshd, run: () => Promise<unknown>): Promise<string> {
  const before = (await fs.readFile(sshd.logFile, "utf8")).length;
  await run();
  await new Promise((r) => setTimeout(r, 300)); // sshd's per-connection process writes its last lines after we leave
  return (await fs.readFile(sshd.logFile, "utf8")).slice(before);
}

describe("checkHostConnection", () => {
  let sshd: Sshd;
  let deployer: DeployerKeyPair;
  let pinned: PinnedKey[];
  const target = () => ({ address: sshd.address, port: sshd.port, user: sshd.user, privateKey: deployer.privateKey, deployerPublicKey: deployer.publicKey });

  beforeAll(async () => {
    deployer = generateDeployerKeyPair("slipway@test");
    sshd = await startSshd({ authorizedKeys: [deployer.publicKey] });
    pinned = await scanHostKeys({ address: sshd.address, port: sshd.port });
  });
  afterAll(async () => {
    await sshd?.stop();
  });

  it("connects with the scanned key pinned and the deployer key authorized, and closes", async () => {
    let result: HostCheckResult | undefined;
    const log = await logDuring(sshd, async () => (result = await checkHostConnection({ ...target(), pinnedKeys: pinned })));
    expect(result).toEqual({
      status: "connected",
      user: sshd.user,
      hostKey: { algorithm: "ssh-ed25519", fingerprintSha256: sshd.hostKeys[0]!.fingerprintSha256 },
      serverIdent: expect.stringMatching(/^SSH-2\.0-OpenSSH_/),
    });
    expect(log).toMatch(new RegExp(`Accepted publickey for ${sshd.user} from 127\\.0\\.0\\.1 port \\d+ ssh2: ED25519 ${deployer.fingerprintSha256.replace(/[+/]/g, "\\$&")}`));
    expect(log).toMatch(/Disconnected from user/);
    expect(describeHostCheck("toxis", result!)).toBe(
      `Connected to toxis as ${sshd.user} with the deployer key (host key ${sshd.hostKeys[0]!.fingerprintSha256}, ssh-ed25519).`,
    );
  });

  it("reports auth_refused with the deployer's authorized_keys line when the key is not installed", async () => {
    await sshd.setAuthorizedKeys([generateDeployerKeyPair("someone-else").publicKey]);
    try {
      const result = await checkHostConnection({ ...target(), pinnedKeys: pinned });
      expect(result).toEqual({ status: "auth_refused", user: sshd.user, publicKey: deployer.publicKey });
      expect(describeHostCheck("toxis", result)).toBe(
        `Authentication refused for ${sshd.user}@toxis: add this line to ~${sshd.user}/.ssh/authorized_keys: ${deployer.publicKey}`,
      );
      const err = await openSsh({ ...target(), pinnedKeys: pinned }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SshError);
      expect((err as SshError).kind).toBe("auth_refused");
    } finally {
      await sshd.setAuthorizedKeys([deployer.publicKey]);
    }
  });

  it("returns no_pinned_keys without opening a socket", async () => {
    const server = await countingServer();
    try {
      const result = await checkHostConnection({ ...target(), port: server.port, pinnedKeys: [] });
      expect(result).toEqual({ status: "no_pinned_keys" });
      expect(describeHostCheck("toxis", result)).toMatch(/^No host keys are pinned for toxis: scan its host keys under Hosts/);
      const err = await openSsh({ ...target(), port: server.port, pinnedKeys: [] }).catch((e: unknown) => e);
      expect((err as SshError).kind).toBe("no_pinned_keys");
      await new Promise((r) => setTimeout(r, 100));
      expect(server.connections()).toBe(0);
    } finally {
      await server.close();
    }
  });

  it("reports unreachable on a closed port", async () => {
    const port = await freePort();
    const result = await checkHostConnection({ ...target(), port, pinnedKeys: pinned });
    expect(result).toEqual({
      status: "unreachable",
      endpoint: `127.0.0.1:${port}`,
      message: `Cannot reach 127.0.0.1:${port}: connection refused. Check that sshd runs on the host and listens on port ${port}.`,
    });
    expect(describeHostCheck("toxis", result)).toMatch(new RegExp(`^Cannot reach 127\\.0\\.0\\.1:${port}: connection refused\\.`));
  });

  it("reports a timeout when the port never answers, and rejects when aborted", async () => {
    const server = await countingServer();
    try {
      const result = await checkHostConnection({ ...target(), port: server.port, pinnedKeys: pinned, timeoutMs: 300 });
      expect(result).toEqual({ status: "timeout", endpoint: `127.0.0.1:${server.port}`, seconds: 0.3 });
      expect(describeHostCheck("toxis", result)).toMatch(new RegExp(`^Timed out after 0\\.3 s connecting to 127\\.0\\.0\\.1:${server.port}\\.`));

      const controller = new AbortController();
      setTimeout(() => controller.abort(), 50);
      const started = Date.now();
      const err = await checkHostConnection({ ...target(), port: server.port, pinnedKeys: pinned, signal: controller.signal }).catch((e: unknown) => e);
      expect((err as SshError).kind).toBe("aborted");
      expect(Date.now() - started).toBeLessThan(1000);
    } finally {
      await server.close();
    }
  });

  // last: it replaces the server's host key
  it("reports host_key_changed after the host key is replaced, refusing the key before any login", async () => {
    const oldPins = pinned;
    await sshd.replaceHostKey();
    const newKey = sshd.hostKeys[0]!;
    expect(newKey.fingerprintSha256).not.toBe(oldPins[0]!.fingerprintSha256);

    let result: HostCheckResult | undefined;
    const log = await logDuring(sshd, async () => (result = await checkHostConnection({ ...target(), pinnedKeys: oldPins })));
    expect(result).toEqual({
      status: "host_key_changed",
      presented: { algorithm: "ssh-ed25519", fingerprintSha256: newKey.fingerprintSha256 },
      pinned: [oldPins[0]!.fingerprintSha256],
    });
    // sshd saw the client end the key exchange (reason 3, key exchange failed) and no authentication at all
    expect(log).toMatch(/Connection from 127\.0\.0\.1 port \d+/);
    expect(log).toMatch(/Received disconnect from 127\.0\.0\.1 port \d+:3:/);
    expect(log).not.toMatch(/publickey|Accepted|Failed|authenticating user|Postponed/);

    const sentence = describeHostCheck("toxis", result!);
    expect(sentence).toBe(
      `Host key changed: toxis presented ${newKey.fingerprintSha256} (ssh-ed25519) but the pinned key is ${oldPins[0]!.fingerprintSha256}. Slipway will not connect until an admin scans and accepts the new key under Hosts.`,
    );

    const err = await openSsh({ ...target(), pinnedKeys: oldPins }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SshError);
    expect((err as SshError).kind).toBe("host_key_changed");
    expect((err as SshError).hostKey).toEqual({
      presented: { algorithm: "ssh-ed25519", publicKey: newKey.publicKey, fingerprintSha256: newKey.fingerprintSha256 },
      pinned: [oldPins[0]!.fingerprintSha256],
    });
    expect((err as SshError).message).toContain(`it presented ${newKey.fingerprintSha256} (ssh-ed25519), pinned is ${oldPins[0]!.fingerprintSha256}`);

    // with the new key accepted, it connects again
    const accepted = await checkHostConnection({ ...target(), pinnedKeys: [...oldPins, ...(await scanHostKeys({ address: sshd.address, port: sshd.port }))] });
    expect(accepted.status).toBe("connected");
  });

  it("reports host_key_changed when the server no longer has the pinned kind of key", async () => {
    const ecdsaOnly = await startSshd({ hostKeyType: "ecdsa", authorizedKeys: [deployer.publicKey] });
    try {
      const result = await checkHostConnection({ ...target(), address: ecdsaOnly.address, port: ecdsaOnly.port, pinnedKeys: pinned });
      expect(result).toEqual({
        status: "host_key_changed",
        presented: { algorithm: "ecdsa-sha2-nistp256", fingerprintSha256: ecdsaOnly.hostKeys[0]!.fingerprintSha256 },
        pinned: pinned.map((p) => p.fingerprintSha256),
      });
      const err = await openSsh({ ...target(), address: ecdsaOnly.address, port: ecdsaOnly.port, pinnedKeys: pinned }).catch((e: unknown) => e);
      expect((err as SshError).kind).toBe("no_common_host_key_algorithm");
      expect((err as SshError).message).toMatch(/no longer offers the pinned kind of host key \(ssh-ed25519\)/);
    } finally {
      await ecdsaOnly.stop();
    }
  });
});
