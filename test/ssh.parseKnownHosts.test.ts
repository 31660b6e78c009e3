// known_hosts text from the real ssh-keyscan (plain and hashed) against a private sshd, and lines that must be
// refused with their line number.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { knownHostsLine, parseKnownHosts } from "@/lib/ssh/known-hosts";
import { startSshd, SSH_KEYSCAN, type Sshd } from "@/test/helpers/sshd";

const execFileAsync = promisify(execFile);

async function keyscan(port: number, hashed = false): Promise<string> {
  const { stdout } = await execFileAsync(SSH_KEYSCAN, [...(hashed ? ["-H"] : []), "-T", "5", "-p", String(port), "127.0.0.1"], { timeout: 20_000 });
  return stdout;
}

describe("parseKnownHosts", () => {
  let sshd: Sshd;
  let target: { address: string; port: number };
  beforeAll(async () => {
    sshd = await startSshd({ hostKeyType: "all" });
    target = { address: sshd.address, port: sshd.port };
  });
  afterAll(async () => {
    await sshd?.stop();
  });

  const pinned = () => sshd.hostKeys.map((k) => ({ algorithm: k.algorithm, publicKey: k.publicKey, fingerprintSha256: k.fingerprintSha256 }));

  it("reads ssh-keyscan's plain output for the target: every host key, no errors", async () => {
    const text = await keyscan(sshd.port);
    expect(text).toContain(`[127.0.0.1]:${sshd.port} ssh-ed25519 `);
    const { keys, errors } = parseKnownHosts(text, target);
    expect(errors).toEqual([]);
    expect(keys.map(({ line: _line, ...k }) => k).sort((a, b) => a.algorithm.localeCompare(b.algorithm))).toEqual(
      pinned().sort((a, b) => a.algorithm.localeCompare(b.algorithm)),
    );
    expect(keys.every((k) => k.line >= 1)).toBe(true);
  });

  it("reads ssh-keyscan -H (hashed host names) for the target", async () => {
    const text = await keyscan(sshd.port, true);
    expect(text).toMatch(/^\|1\|/m);
    const { keys, errors } = parseKnownHosts(text, target);
    expect(errors).toEqual([]);
    expect(new Set(keys.map((k) => k.fingerprintSha256))).toEqual(new Set(sshd.hostKeys.map((k) => k.fingerprintSha256)));
  });

  it("refuses hashed and plain lines for another host or port, naming the line", async () => {
    const hashed = await keyscan(sshd.port, true);
    const other = { address: "127.0.0.1", port: sshd.port + 1 };
    const { keys, errors } = parseKnownHosts(`# from ssh-keyscan\n${hashed}`, other);
    expect(keys).toEqual([]);
    const firstKeyLine = `# from ssh-keyscan\n${hashed}`.split("\n").findIndex((l) => l.startsWith("|1|")) + 1;
    expect(errors[0]!.message).toBe(`line ${firstKeyLine} is for another host (its name is hashed), not 127.0.0.1:${sshd.port + 1}`);

    const ed = sshd.hostKeys.find((k) => k.algorithm === "ssh-ed25519")!;
    const plain = parseKnownHosts(`\n\nother.example.org ssh-ed25519 ${ed.publicKey}`, { address: "toxis.example.org", port: 22 });
    expect(plain.errors).toEqual([{ line: 3, message: "line 3 is for other.example.org, not toxis.example.org:22" }]);
  });

  it("matches plain host lists, [host]:port, case-insensitive names, and bare 'algo key' lines", () => {
    const ed = sshd.hostKeys.find((k) => k.algorithm === "ssh-ed25519")!;
    const ec = sshd.hostKeys.find((k) => k.algorithm === "ecdsa-sha2-nistp256")!;
    const rsa = sshd.hostKeys.find((k) => k.algorithm === "ssh-rsa")!;
    const text = [
      `Toxis.Example.org,10.0.0.5 ssh-ed25519 ${ed.publicKey} root@toxis`,
      `[toxis.example.org]:2222 ecdsa-sha2-nistp256 ${ec.publicKey}`,
      `ssh-rsa ${rsa.publicKey} comment words`,
    ].join("\n");
    expect(parseKnownHosts(text, { address: "toxis.example.org", port: 22 })).toEqual({
      keys: [
        { algorithm: "ssh-ed25519", publicKey: ed.publicKey, fingerprintSha256: ed.fingerprintSha256, line: 1 },
        { algorithm: "ssh-rsa", publicKey: rsa.publicKey, fingerprintSha256: rsa.fingerprintSha256, line: 3 },
      ],
      errors: [{ line: 2, message: "line 2 is for [toxis.example.org]:2222, not toxis.example.org:22" }],
    });
    // without a target, host fields are not checked
    expect(parseKnownHosts(text).keys).toHaveLength(3);
    // the same key twice is pinned once
    expect(parseKnownHosts(`${text}\n${text}`).keys).toHaveLength(3);
  });

  it("explains garbage, bad base64, algorithm mismatch, markers and wildcards by line number", () => {
    const ed = sshd.hostKeys.find((k) => k.algorithm === "ssh-ed25519")!;
    const ec = sshd.hostKeys.find((k) => k.algorithm === "ecdsa-sha2-nistp256")!;
    const text = [
      "# comment",
      "complete garbage here",
      `127.0.0.1 ssh-ed25519 ${ed.publicKey.slice(0, 20)}!!`,
      `127.0.0.1 ssh-ed25519 ${ec.publicKey}`,
      `@cert-authority *.example.org ssh-ed25519 ${ed.publicKey}`,
      `@revoked 127.0.0.1 ssh-ed25519 ${ed.publicKey}`,
      `*.example.org ssh-ed25519 ${ed.publicKey}`,
      "127.0.0.1 ssh-ed25519",
      `|1|bad|hash ssh-ed25519 ${ed.publicKey}`,
      "lonely",
      `127.0.0.1 ssh-dss ${ed.publicKey}`,
    ].join("\n");
    const { keys, errors } = parseKnownHosts(text, { address: "127.0.0.1", port: 22 });
    expect(keys).toEqual([]);
    expect(errors.map((e) => e.line)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    for (const e of errors) expect(e.message).toMatch(new RegExp(`^line ${e.line}[: ]`));
    const byLine = Object.fromEntries(errors.map((e) => [e.line, e.message]));
    expect(byLine[2]).toMatch(/"garbage" is not an SSH key type/);
    expect(byLine[3]).toMatch(/not valid base64/);
    expect(byLine[4]).toMatch(/says ssh-ed25519 but the key data says ecdsa-sha2-nistp256/);
    expect(byLine[5]).toMatch(/@cert-authority lines .* not supported/);
    expect(byLine[6]).toMatch(/@revoked lines are not supported/);
    expect(byLine[7]).toMatch(/wildcards/);
    expect(byLine[8]).toMatch(/key itself is missing/);
    expect(byLine[9]).toMatch(/hashed host name .* is malformed/);
    expect(byLine[10]).toMatch(/found only "lonely"/);
    expect(byLine[11]).toMatch(/ssh-dss \(DSA\) keys are obsolete/);
  });
});

describe("knownHostsLine", () => {
  it("writes host on port 22 and [host]:port otherwise, which parseKnownHosts reads back", () => {
    const blob = "AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";
    expect(knownHostsLine("toxis.example.org", 22, "ssh-ed25519", blob)).toBe(`toxis.example.org ssh-ed25519 ${blob}`);
    const line = knownHostsLine("10.0.0.5", 2222, "ssh-ed25519", blob);
    expect(line).toBe(`[10.0.0.5]:2222 ssh-ed25519 ${blob}`);
    expect(parseKnownHosts(line, { address: "10.0.0.5", port: 2222 }).keys).toHaveLength(1);
    expect(() => knownHostsLine("two words", 22, "ssh-ed25519", blob)).toThrow(/cannot be written/);
  });
});
