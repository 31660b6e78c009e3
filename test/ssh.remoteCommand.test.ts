// command-injection: remoteCommand's string, run by a real /bin/sh -c (dash, as sshd would run it for a user
// whose shell is /bin/sh), by bash, and through a real sshd, gives the program exactly the argv it was built
// from, whatever the arguments hold.
import { execFile } from "node:child_process";
import { randomInt } from "node:crypto";
import { existsSync } from "node:fs";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type ssh2 from "ssh2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSsh } from "@/lib/ssh/connect";
import { generateDeployerKeyPair } from "@/lib/ssh/keys";
import { remoteCommand, RemoteCommandError, shellQuote } from "@/lib/ssh/quote";
import { ensureTestUser, startSshd, type Sshd } from "@/test/helpers/sshd";

const HOSTILE = [
  "; rm -rf /",
  "$(id)",
  "`id`",
  "${HOME}",
  "$HOME",
  "a\nb",
  "\n",
  "line1\r\nline2",
  "it's",
  "'",
  "''''",
  "'\\''",
  '"double" quotes',
  "\\",
  "back\\slash\\",
  "*",
  "/*",
  "?",
  "[a-z]*",
  "~",
  "~root",
  "-",
  "--",
  "-rf",
  "--help",
  "-c",
  "&& echo pwned",
  "| cat /etc/passwd",
  "> /tmp/pwned",
  "< /etc/shadow",
  "&",
  "#comment",
  "a b  c",
  " leading and trailing ",
  "\t",
  "",
  "!",
  "!!",
  "{a,b}",
  "über ✓ 日本語 🚀",
  "\u00a0non-breaking",
  "\u0001\u001f\u007f",
  "=",
  "IFS=x",
  "x".repeat(100_000),
  "'".repeat(5000),
];

let dir: string;
/** prints its arguments, each followed by a NUL byte */
let argvEcho: string;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "slipway-quote-"));
  await fs.chmod(dir, 0o755);
  argvEcho = path.join(dir, "argv-echo");
  await fs.writeFile(argvEcho, "#!/bin/sh\nprintf '%s\\0' \"$@\"\n", { mode: 0o755 });
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** The arguments argv-echo printed (NUL-separated). */
function parseArgv(out: Buffer): string[] {
  const text = out.toString("utf8");
  expect(text.endsWith("\0") || text === "").toBe(true);
  return text === "" ? [] : text.slice(0, -1).split("\0");
}

/** Runs `shell -c remoteCommand([argvEcho, ...args])` and returns what argv-echo received. */
function viaShell(shell: string, args: string[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    execFile(shell, ["-c", remoteCommand([argvEcho, ...args])], { encoding: "buffer", cwd: dir, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`${shell} failed: ${err.message}\n${stderr.toString()}`));
      resolve(parseArgv(stdout));
    });
  });
}

/** Random text from printable ASCII, shell metacharacters, control characters and non-ASCII (no NUL). */
function randomArg(): string {
  const alphabet = ["'", '"', "\\", "$", "`", "(", ")", ";", "&", "|", "<", ">", "*", "?", "[", "]", "{", "}", "~", "#", "!", " ", "\t", "\n", "\r", "-", "=", "%", "a", "Z", "0", "é", "✓", "🚀", "\u0001", "\u007f"];
  let s = "";
  const length = randomInt(0, 40);
  for (let i = 0; i < length; i++) s += randomInt(0, 4) === 0 ? String.fromCharCode(randomInt(0x20, 0x7f)) : alphabet[randomInt(0, alphabet.length)]!;
  return s;
}

describe("shellQuote / remoteCommand", () => {
  it("single-quotes every argument, the program too, and writes a quote as '\\''", () => {
    expect(remoteCommand(["ls", "-l"])).toBe("'ls' '-l'");
    expect(shellQuote("it's")).toBe("'it'\\''s'");
    expect(shellQuote("")).toBe("''");
    expect(remoteCommand(["sha256sum", "/var/unikernels/www/current"])).toBe("'sha256sum' '/var/unikernels/www/current'");
  });

  it("refuses an empty argument list and NUL bytes, in words", () => {
    expect(() => remoteCommand([])).toThrow(RemoteCommandError);
    expect(() => remoteCommand([])).toThrow(/no command given: the argument list is empty/);
    expect(() => remoteCommand(["echo", "a\0b"])).toThrow(/NUL byte/);
    expect(() => shellQuote("\0")).toThrow(RemoteCommandError);
  });

  for (const shell of ["/bin/sh", "/bin/bash"]) {
    it(`${shell} -c gives the program exactly the hostile arguments`, async () => {
      expect(await viaShell(shell, HOSTILE)).toEqual(HOSTILE);
      // one at a time too: a lone argument must not combine with the program name
      for (const arg of ["; rm -rf /", "$(id)", "a\nb", "-c", "*", ""]) expect(await viaShell(shell, [arg])).toEqual([arg]);
    });

    it(`${shell} -c gives the program exactly 300 random arguments`, async () => {
      const args = Array.from({ length: 300 }, randomArg);
      expect(await viaShell(shell, args)).toEqual(args);
    });
  }

  it("runs nothing but the program: no file appears from a would-be injection", async () => {
    const marker = path.join(dir, "pwned");
    const attempts = [`; touch ${marker}`, `$(touch ${marker})`, `\`touch ${marker}\``, `' ; touch ${marker} ; '`, `\n touch ${marker}`, `&& touch ${marker}`, `| touch ${marker}`];
    expect(await viaShell("/bin/sh", attempts)).toEqual(attempts);
    expect(existsSync(marker)).toBe(false);
  });

  it("a glob stays a glob: the shell does not expand it against the files there", async () => {
    await fs.writeFile(path.join(dir, "a-file"), "");
    expect(await viaShell("/bin/sh", ["*", "a-*", "?-file"])).toEqual(["*", "a-*", "?-file"]);
  });
});

describe("remoteCommand through a real sshd", () => {
  const deployer = generateDeployerKeyPair("slipway@test");
  let asRoot: Sshd;
  let asUser: Sshd;

  beforeAll(async () => {
    const user = await ensureTestUser();
    [asRoot, asUser] = await Promise.all([
      startSshd({ authorizedKeys: [deployer.publicKey] }),
      // a user whose login shell is /bin/sh (dash on Debian)
      startSshd({ authorizedKeys: [deployer.publicKey], loginUser: user.name }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([asRoot?.stop(), asUser?.stop()]);
  });

  function execRemote(client: ssh2.Client, command: string): Promise<{ code: number | null; stdout: Buffer; stderr: string }> {
    return new Promise((resolve, reject) => {
      client.exec(command, (err, channel) => {
        if (err) return reject(err);
        const out: Buffer[] = [];
        let stderr = "";
        let code: number | null = null;
        channel.on("data", (d: Buffer) => out.push(d));
        channel.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        channel.on("exit", (c: number | null) => (code = c));
        channel.on("close", () => resolve({ code, stdout: Buffer.concat(out), stderr }));
        channel.end();
      });
    });
  }

  for (const which of ["root (bash)", "slipway-deploy (/bin/sh)"]) {
    it(`the login shell of ${which} gives the program exactly the hostile arguments`, async () => {
      const sshd = which.startsWith("root") ? asRoot : asUser;
      const client = await openSsh({ address: sshd.address, port: sshd.port, user: sshd.user, pinnedKeys: sshd.hostKeys, privateKey: deployer.privateKey });
      try {
        // the SSH packet holds the whole command: leave out the 100 kB argument
        const args = [...HOSTILE.filter((a) => a.length < 10_000), ...Array.from({ length: 100 }, randomArg)];
        const r = await execRemote(client, remoteCommand([argvEcho, ...args]));
        expect(r.stderr).toBe("");
        expect(r.code).toBe(0);
        expect(parseArgv(r.stdout)).toEqual(args);
        const who = await execRemote(client, remoteCommand(["id", "-un"]));
        expect(who.stdout.toString().trim()).toBe(sshd.user);
      } finally {
        client.end();
      }
    });
  }
});
