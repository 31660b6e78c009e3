// The deployer key is written in OpenSSH's private key format by hand: ssh2 must parse it, OpenSSH's own
// ssh-keygen must derive the same public key from it, and it must log in to a real sshd (ssh2 and ssh).
import { execFile } from "node:child_process";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import ssh2 from "ssh2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateDeployerKeyPair, parsePublicKey, KeyFormatError } from "@/lib/ssh/keys";
import { knownHostsLine } from "@/lib/ssh/known-hosts";
import { openSsh } from "@/lib/ssh/connect";
import { startSshd, SSH_KEYGEN, type Sshd } from "@/test/helpers/sshd";

const execFileAsync = promisify(execFile);

describe("generateDeployerKeyPair", () => {
  let dir: string;
  let sshd: Sshd;
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), "slipway-deployer-key-"));
    sshd = await startSshd();
  });
  afterAll(async () => {
    await sshd?.stop();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it("writes an OpenSSH private key that ssh2 parses, with a matching authorized_keys line and fingerprint", () => {
    const pair = generateDeployerKeyPair("slipway@console.example.org");
    expect(pair.privateKey).toMatch(/^-----BEGIN OPENSSH PRIVATE KEY-----\n[A-Za-z0-9+/=\n]+\n-----END OPENSSH PRIVATE KEY-----\n$/);
    expect(pair.privateKey.split("\n").every((l) => l.length <= 70)).toBe(true);

    const parsed = ssh2.utils.parseKey(pair.privateKey);
    if (parsed instanceof Error) throw parsed;
    expect(parsed.type).toBe("ssh-ed25519");
    expect(parsed.comment).toBe("slipway@console.example.org");
    expect(parsed.isPrivateKey()).toBe(true);

    const pub = parsePublicKey(pair.publicKey);
    expect(pub).toMatchObject({ algorithm: "ssh-ed25519", comment: "slipway@console.example.org" });
    expect(parsed.getPublicSSH().toString("base64")).toBe(pub.publicKey);
    expect(pair.fingerprintSha256).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);

    // a signature made with the parsed private key verifies with the public key
    const data = Buffer.from("slipway");
    const signature = parsed.sign(data);
    expect(parsed.verify(data, signature)).toBe(true);
  });

  it("is read by OpenSSH: ssh-keygen -y derives the same public key and -l the same fingerprint", async () => {
    const pair = generateDeployerKeyPair("slipway@test");
    const file = path.join(dir, "id_ed25519");
    await fs.writeFile(file, pair.privateKey, { mode: 0o600 });
    const { stdout: derived } = await execFileAsync(SSH_KEYGEN, ["-y", "-f", file]);
    expect(derived.trim().split(" ").slice(0, 2).join(" ")).toBe(pair.publicKey.split(" ").slice(0, 2).join(" "));
    const { stdout: listed } = await execFileAsync(SSH_KEYGEN, ["-l", "-f", file]);
    expect(listed.split(" ")[1]).toBe(pair.fingerprintSha256);
  });

  it("gives every key fresh check bytes and key material", () => {
    const a = generateDeployerKeyPair("a");
    const b = generateDeployerKeyPair("a");
    expect(a.privateKey).not.toBe(b.privateKey);
    expect(a.fingerprintSha256).not.toBe(b.fingerprintSha256);
  });

  it("logs in to a real sshd with ssh2", async () => {
    const pair = generateDeployerKeyPair("slipway@test");
    await sshd.setAuthorizedKeys([pair.publicKey]);
    const client = await openSsh({ address: sshd.address, port: sshd.port, user: sshd.user, pinnedKeys: sshd.hostKeys, privateKey: pair.privateKey });
    const output = await new Promise<string>((resolve, reject) => {
      client.exec("echo slipway-ok", (err, stream) => {
        if (err) return reject(err);
        let out = "";
        stream.on("data", (d: Buffer) => (out += d.toString()));
        stream.on("close", () => resolve(out));
      });
    });
    client.end();
    expect(output.trim()).toBe("slipway-ok");
  });

  it("logs in to a real sshd with OpenSSH's ssh client, checking the exported known_hosts line", async () => {
    const pair = generateDeployerKeyPair("slipway@test");
    await sshd.setAuthorizedKeys([pair.publicKey]);
    const keyFile = path.join(dir, "id_login");
    const knownHosts = path.join(dir, "known_hosts");
    await fs.writeFile(keyFile, pair.privateKey, { mode: 0o600 });
    const hostKey = sshd.hostKeys[0]!;
    await fs.writeFile(knownHosts, `${knownHostsLine(sshd.address, sshd.port, hostKey.algorithm, hostKey.publicKey)}\n`);
    const { stdout } = await execFileAsync(
      "/usr/bin/ssh",
      [
        "-F", "/dev/null",
        "-i", keyFile,
        "-p", String(sshd.port),
        "-o", "BatchMode=yes",
        "-o", "IdentitiesOnly=yes",
        "-o", "StrictHostKeyChecking=yes",
        "-o", `UserKnownHostsFile=${knownHosts}`,
        "-o", "GlobalKnownHostsFile=/dev/null",
        "-o", "ConnectTimeout=10",
        `${sshd.user}@${sshd.address}`,
        "echo", "openssh-ok",
      ],
      { timeout: 20_000 },
    );
    expect(stdout.trim()).toBe("openssh-ok");
  });

  it("refuses a comment that would break the authorized_keys line", () => {
    expect(() => generateDeployerKeyPair("two\nlines")).toThrow(KeyFormatError);
    expect(() => generateDeployerKeyPair("two\nlines")).toThrow(/one line/);
  });
});
