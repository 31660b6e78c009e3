// Public key lines and fingerprints, checked against keys and fingerprints made by OpenSSH's ssh-keygen.
import { execFile } from "node:child_process";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fingerprintSha256, parsePublicKey, publicKeyLine } from "@/lib/ssh/keys";
import { SSH_KEYGEN } from "@/test/helpers/sshd";

const execFileAsync = promisify(execFile);

describe("parsePublicKey and fingerprintSha256", () => {
  let dir: string;
  const made: Record<string, { line: string; fingerprint: string }> = {};

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), "slipway-pubkeys-"));
    const kinds: Array<[string, string[]]> = [
      ["ssh-ed25519", ["-t", "ed25519"]],
      ["ecdsa-sha2-nistp256", ["-t", "ecdsa", "-b", "256"]],
      ["ecdsa-sha2-nistp384", ["-t", "ecdsa", "-b", "384"]],
      ["ecdsa-sha2-nistp521", ["-t", "ecdsa", "-b", "521"]],
      ["ssh-rsa", ["-t", "rsa", "-b", "2048"]],
    ];
    for (const [name, args] of kinds) {
      const file = path.join(dir, name);
      await execFileAsync(SSH_KEYGEN, ["-q", "-N", "", ...args, "-C", `test ${name}`, "-f", file]);
      const { stdout } = await execFileAsync(SSH_KEYGEN, ["-l", "-f", `${file}.pub`]);
      made[name] = { line: (await fs.readFile(`${file}.pub`, "utf8")).trim(), fingerprint: stdout.split(" ")[1]! };
    }
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it("reads every supported kind of key ssh-keygen makes, with the fingerprint ssh-keygen -l prints", () => {
    for (const [name, { line, fingerprint }] of Object.entries(made)) {
      const key = parsePublicKey(line);
      expect(key.algorithm).toBe(name);
      expect(key.comment).toBe(`test ${name}`);
      expect(fingerprintSha256(key.publicKey)).toBe(fingerprint);
      expect(fingerprintSha256(Buffer.from(key.publicKey, "base64"))).toBe(fingerprint);
      expect(publicKeyLine(key.algorithm, key.publicKey, key.comment)).toBe(line);
    }
  });

  it("takes a line without a comment, and surrounding whitespace", () => {
    const [algo, blob] = made["ssh-ed25519"]!.line.split(" ");
    expect(parsePublicKey(`  ${algo} ${blob}\n`)).toEqual({ algorithm: "ssh-ed25519", publicKey: blob });
  });

  it("refuses a key whose data is another algorithm than the line says", () => {
    const blob = made["ecdsa-sha2-nistp256"]!.line.split(" ")[1];
    expect(() => parsePublicKey(`ssh-ed25519 ${blob}`)).toThrow(/says ssh-ed25519 but the key data says ecdsa-sha2-nistp256/);
  });

  it("refuses cut, garbled or unsupported keys with the reason", () => {
    const blob = made["ssh-ed25519"]!.line.split(" ")[1]!;
    expect(() => parsePublicKey(`ssh-ed25519 ${blob.slice(0, 30)}`)).toThrow(/not valid base64|truncated/);
    expect(() => parsePublicKey("ssh-ed25519 not*base64")).toThrow(/not valid base64/);
    expect(() => parsePublicKey(`ssh-ed25519 ${blob.slice(0, -4)}`)).toThrow(/truncated or malformed/);
    expect(() => parsePublicKey(`ssh-ed25519 ${Buffer.from("random bytes that are no key at all").toString("base64")}`)).toThrow(/not an SSH public key/);
    expect(() => parsePublicKey(`ssh-ed25519 ${Buffer.from([0, 0, 0, 3, 1, 2, 3]).toString("base64")}`)).toThrow(/not an SSH public key/);
    expect(() => parsePublicKey("")).toThrow(/no key given/);
    expect(() => parsePublicKey("hello")).toThrow(/expected 'ALGORITHM KEY/);
    expect(() => parsePublicKey(`${made["ssh-ed25519"]!.line}\n${made["ssh-rsa"]!.line}`)).toThrow(/one key on one line/);
    expect(() => parsePublicKey(`command="ls" ${made["ssh-ed25519"]!.line}`)).toThrow(/starts with "command="ls"" before the key type/);
    expect(() => parsePublicKey(`sk-ssh-ed25519@openssh.com ${blob}`)).toThrow(/hardware security key/);
    expect(() => parsePublicKey(`ssh-dss ${blob}`)).toThrow(/obsolete/);
    expect(() => parsePublicKey(`ssh-ed25519-cert-v01@openssh.com ${blob}`)).toThrow(/certificate/);
  });

  it("takes rsa-sha2-512 as the name of an ssh-rsa key", () => {
    const blob = made["ssh-rsa"]!.line.split(" ")[1];
    expect(parsePublicKey(`rsa-sha2-512 ${blob}`).algorithm).toBe("ssh-rsa");
  });
});
