// The ssh2 settings other adapters (dockerode's sshOptions) connect with: only pinned kinds of host key are
// asked for, only a pinned blob is accepted, and errors never carry the private key.
import ssh2 from "ssh2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSsh, sshConnectConfig, type PinnedKey } from "@/lib/ssh/connect";
import { SshError } from "@/lib/ssh/errors";
import { generateDeployerKeyPair, type DeployerKeyPair } from "@/lib/ssh/keys";
import { startSshd, type Sshd } from "@/test/helpers/sshd";

/** Connects a plain ssh2 Client with `config`, as docker-modem does; resolves "ready" or the error message. */
function rawConnect(config: ssh2.ConnectConfig): Promise<string> {
  return new Promise((resolve) => {
    const client = new ssh2.Client();
    client.on("ready", () => {
      client.end();
      resolve("ready");
    });
    client.on("error", (err) => {
      client.destroy();
      resolve(err.message);
    });
    client.connect(config);
  });
}

describe("sshConnectConfig", () => {
  let sshd: Sshd;
  let deployer: DeployerKeyPair;
  const pins = (algorithm: string): PinnedKey[] =>
    sshd.hostKeys.filter((k) => k.algorithm === algorithm).map((k) => ({ algorithm: k.algorithm, publicKey: k.publicKey, fingerprintSha256: k.fingerprintSha256 }));
  const base = () => ({ address: sshd.address, port: sshd.port, user: sshd.user, privateKey: deployer.privateKey });

  beforeAll(async () => {
    deployer = generateDeployerKeyPair("slipway@test");
    sshd = await startSshd({ hostKeyType: "all", authorizedKeys: [deployer.publicKey] });
  });
  afterAll(async () => {
    await sshd?.stop();
  });

  it("asks only for the pinned kinds of host key (RSA by its SHA-2 signature names first)", () => {
    expect(sshConnectConfig({ ...base(), pinnedKeys: pins("ssh-ed25519") }).config.algorithms?.serverHostKey).toEqual(["ssh-ed25519"]);
    expect(sshConnectConfig({ ...base(), pinnedKeys: pins("ssh-rsa") }).config.algorithms?.serverHostKey).toEqual(["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"]);
    const both = sshConnectConfig({ ...base(), pinnedKeys: [...pins("ecdsa-sha2-nistp256"), ...pins("ssh-ed25519")] });
    expect(both.config.algorithms?.serverHostKey).toEqual(["ecdsa-sha2-nistp256", "ssh-ed25519"]);
    expect(both.config).toMatchObject({ host: sshd.address, port: sshd.port, username: sshd.user, readyTimeout: 10_000, tryKeyboard: false });
    expect(both.config.password).toBeUndefined();
    expect(both.config.agent).toBeUndefined();
    expect(both.verdict()).toBeNull();
  });

  it("lets a plain ssh2 Client log in when the server presents a pinned key (RSA pinned → RSA presented)", async () => {
    const { config, verdict } = sshConnectConfig({ ...base(), pinnedKeys: pins("ssh-rsa") });
    expect(await rawConnect(config)).toBe("ready");
    expect(verdict()).toEqual({
      accepted: true,
      presented: { algorithm: "ssh-rsa", publicKey: pins("ssh-rsa")[0]!.publicKey, fingerprintSha256: pins("ssh-rsa")[0]!.fingerprintSha256 },
    });
  });

  it("makes a plain ssh2 Client fail with 'Host denied' for a key that is not pinned; verdict() tells which", async () => {
    const other = await startSshd();
    try {
      const { config, verdict } = sshConnectConfig({ ...base(), pinnedKeys: pins("ssh-ed25519") });
      expect(await rawConnect({ ...config, port: other.port })).toBe("Host denied (verification failed)");
      expect(verdict()).toMatchObject({ accepted: false, presented: { algorithm: "ssh-ed25519", fingerprintSha256: other.hostKeys[0]!.fingerprintSha256 } });
    } finally {
      await other.stop();
    }
  });

  it("throws no_pinned_keys for no pins and bad_pinned_key for a pin that is not a key", () => {
    expect(() => sshConnectConfig({ ...base(), pinnedKeys: [] })).toThrow(SshError);
    expect(() => sshConnectConfig({ ...base(), pinnedKeys: [] })).toThrow(/No host keys are pinned for 127\.0\.0\.1:\d+/);
    const bad = { algorithm: "ssh-ed25519", publicKey: pins("ssh-rsa")[0]!.publicKey, fingerprintSha256: "SHA256:x" };
    try {
      sshConnectConfig({ ...base(), pinnedKeys: [bad] });
      expect.unreachable();
    } catch (err) {
      expect((err as SshError).kind).toBe("bad_pinned_key");
      expect((err as SshError).message).toMatch(/^The pinned key SHA256:x for 127\.0\.0\.1:\d+ is not usable: the line says ssh-ed25519 but the key data says ssh-rsa/);
    }
  });

  it("never puts the private key in an error (ssh-key-redaction)", async () => {
    const lines = deployer.privateKey.trim().split("\n");
    const damaged = [lines[0], lines[1]!.replace(/^.{20}/, "A".repeat(20)), ...lines.slice(2)].join("\n");
    const err = await openSsh({ ...base(), privateKey: damaged, pinnedKeys: pins("ssh-ed25519") }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SshError);
    expect((err as SshError).kind).toBe("bad_private_key");
    const text = `${(err as SshError).message} ${String((err as SshError).stack)} ${JSON.stringify(err)}`;
    for (const line of damaged.split("\n").slice(1, -1)) expect(text).not.toContain(line.slice(0, 16));
  });
});
