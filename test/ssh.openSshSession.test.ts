// SSH sessions against a real sshd: commands (quoted argv, exit codes, stdin, bounded output, deadline and
// abort that end the remote command), atomic uploads (temporary name, rename, mode, sha256 checked on the host
// with sha256sum), SFTP reads, permission problems in words for a non-root user, an aborted upload that leaves
// nothing behind, and a changed host key refused before anything is written.
import { existsSync, readFileSync } from "node:fs";
import { createHash } from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SshError } from "@/lib/ssh/errors";
import { generateDeployerKeyPair } from "@/lib/ssh/keys";
import { openSshSession, type SshSession } from "@/lib/ssh/session";
import { eventually } from "@/test/helpers/eventually";
import { rejectionOf } from "@/test/helpers/rejection";
import { ensureTestUser, startSshd, type Sshd } from "@/test/helpers/sshd";
import { buildTestKernel } from "@/test/helpers/unikernel";

const deployer = generateDeployerKeyPair("slipway@test");
let root: Sshd;
let user: Sshd;
let userName: string;
let scratch: string;
let kernel: string;

function sessionFor(sshd: Sshd, extra: Partial<Parameters<typeof openSshSession>[0]> = {}): Promise<SshSession> {
  return openSshSession({ address: sshd.address, port: sshd.port, user: sshd.user, pinnedKeys: sshd.hostKeys, privateKey: deployer.privateKey, ...extra });
}

const rejection = (p: Promise<unknown>) => rejectionOf(p, SshError);

/** Temporary upload files left in `dir` (`.<name>.tmp-<random>`). */
async function leftovers(dir: string): Promise<string[]> {
  return (await fs.readdir(dir)).filter((f) => /^\..+\.tmp-[0-9a-f]+$/.test(f));
}

function sha256(data: Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

beforeAll(async () => {
  const account = await ensureTestUser();
  userName = account.name;
  [root, user, kernel] = await Promise.all([
    startSshd({ authorizedKeys: [deployer.publicKey] }),
    startSshd({ authorizedKeys: [deployer.publicKey], loginUser: account.name }),
    buildTestKernel({ version: "session-v1" }),
  ]);
  scratch = await fs.mkdtemp(path.join(os.tmpdir(), "slipway-session-"));
  await fs.chmod(scratch, 0o755);
  // for the non-root user: one directory it owns, one it may only read (root's, mode 0555)
  await fs.mkdir(path.join(scratch, "writable"));
  await fs.chown(path.join(scratch, "writable"), account.uid, account.gid);
  await fs.mkdir(path.join(scratch, "locked"), { mode: 0o555 });
  await fs.chmod(path.join(scratch, "locked"), 0o555);
  await fs.mkdir(path.join(scratch, "unikernels", "www"), { recursive: true });
});
afterAll(async () => {
  await Promise.all([root?.stop(), user?.stop()]);
  if (scratch) await fs.rm(scratch, { recursive: true, force: true });
});

describe("exec", () => {
  let s: SshSession;
  beforeAll(async () => {
    s = await sessionFor(root);
  });
  afterAll(() => s?.close());

  it("runs argv exactly, returns exit code, stdout and stderr; a non-zero exit is a result", async () => {
    expect(await s.exec(["printf", "%s|", "a b", "$(id)", "it's", "; rm -rf /"])).toEqual({ code: 0, stdout: "a b|$(id)|it's|; rm -rf /|", stderr: "", stdoutTruncated: false, stderrTruncated: false });
    const failing = await s.exec(["sh", "-c", "echo out; echo err >&2; exit 3"]);
    expect(failing).toMatchObject({ code: 3, stdout: "out\n", stderr: "err\n" });
    expect(await s.exec(["ls", "/no/such/dir"])).toMatchObject({ code: 2, stderr: expect.stringContaining("No such file") });
  });

  it("feeds stdin and closes it; without stdin the command sees EOF at once", async () => {
    const data = Buffer.from("unikernel bytes\n");
    expect((await s.exec(["sha256sum"], { stdin: data })).stdout).toBe(`${sha256(data)}  -\n`);
    expect(await s.exec(["cat"], { timeoutMs: 5000 })).toMatchObject({ code: 0, stdout: "" });
  });

  it("keeps at most maxOutputBytes of each stream and says it dropped the rest", async () => {
    const r = await s.exec(["sh", "-c", "head -c 3000000 /dev/zero; head -c 10 /dev/zero >&2"], { maxOutputBytes: 1024 * 1024 });
    expect(r.code).toBe(0);
    expect(r.stdout.length).toBe(1024 * 1024);
    expect(r.stdoutTruncated).toBe(true);
    expect(r.stderr.length).toBe(10);
    expect(r.stderrTruncated).toBe(false);
  });

  it("ends a command at its deadline and says so in words; the connection stays usable", async () => {
    const started = Date.now();
    const err = await rejection(s.exec(["sh", "-c", "sleep 5; echo late"], { timeoutMs: 400 }));
    expect(Date.now() - started).toBeLessThan(3000);
    expect(err.kind).toBe("timeout");
    expect(err.message).toMatch(/^running `sh -c sleep 5; echo late` on root@127\.0\.0\.1:\d+ did not finish within 0\.4 s\. Check that the host is not overloaded/);
    expect((await s.exec(["true"])).code).toBe(0);
  });

  it("kills the remote command at its deadline (OpenSSH delivers signals to sessions of non-root users)", async () => {
    const u = await sessionFor(user);
    try {
      const marker = path.join(scratch, "writable", "late-marker");
      const err = await rejection(u.exec(["sh", "-c", 'sleep 2; touch "$0"', marker], { timeoutMs: 400 }));
      expect(err.kind).toBe("timeout");
      await new Promise((r) => setTimeout(r, 2500));
      expect(existsSync(marker)).toBe(false);
    } finally {
      u.close();
    }
  });

  it("ends a command when the caller aborts", async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error("user cancelled")), 200);
    const err = await rejection(s.exec(["sleep", "10"], { signal: ac.signal }));
    expect(err.kind).toBe("aborted");
    expect(err.message).toMatch(/^running `sleep 10` on root@127\.0\.0\.1:\d+ was cancelled\.$/);
    const already = await rejection(s.exec(["true"], { signal: ac.signal }));
    expect(already.kind).toBe("aborted");
  });

  it("refuses an empty argv before sending anything", async () => {
    await expect(s.exec([])).rejects.toThrow(/argument list is empty/);
  });
});

describe("upload", () => {
  let s: SshSession;
  beforeAll(async () => {
    s = await sessionFor(root);
  });
  afterAll(() => s?.close());

  it("writes a temporary file beside the target and renames it into place; sha256sum on the host agrees", async () => {
    const dir = path.join(scratch, "unikernels", "www");
    const target = path.join(dir, "v1.hvt");
    const bytes = readFileSync(kernel);
    const result = await s.upload(Readable.from([bytes.subarray(0, 1000), bytes.subarray(1000)]), target, { mode: 0o640 });
    expect(result).toEqual({ remotePath: target, bytes: bytes.length, sha256: sha256(bytes) });
    const onHost = await s.exec(["sha256sum", target]);
    expect(onHost.stdout).toBe(`${sha256(bytes)}  ${target}\n`);
    expect(await s.stat(target)).toMatchObject({ type: "file", size: bytes.length, mode: 0o640 });
    expect(await leftovers(dir)).toEqual([]);
  });

  it("replaces an existing file atomically (the old content until the rename, the new one after)", async () => {
    const target = path.join(scratch, "unikernels", "www", "current.hvt");
    await s.upload(Buffer.from("old"), target);
    const big = Buffer.alloc(3 * 1024 * 1024, 7);
    const r = await s.upload(Readable.from((function* () {
      for (let at = 0; at < big.length; at += 100_000) yield big.subarray(at, at + 100_000);
    })()), target);
    expect(r.bytes).toBe(big.length);
    expect(readFileSync(target).equals(big)).toBe(true);
    expect(await s.stat(target)).toMatchObject({ mode: 0o644 });
    expect(await leftovers(path.dirname(target))).toEqual([]);
  });

  it("removes the temporary file and leaves the target alone when the upload is aborted midway", async () => {
    const dir = path.join(scratch, "unikernels", "www");
    const target = path.join(dir, "aborted.hvt");
    await fs.writeFile(target, "previous release");
    const ac = new AbortController();
    let sent = 0;
    // 256 KiB, then nothing more (a stalled download upstream)
    const stalled = new Readable({
      read() {
        if (sent < 256 * 1024) {
          sent += 64 * 1024;
          this.push(Buffer.alloc(64 * 1024, 1));
        }
      },
    });
    const upload = s.upload(stalled, target, { signal: ac.signal });
    const temporary = await eventually("the temporary file on the host", async () => (await leftovers(dir))[0], 10_000, 20);
    expect(temporary).toMatch(/^\.aborted\.hvt\.tmp-[0-9a-f]{12}$/);
    await eventually("the first bytes in the temporary file", async () => (await fs.stat(path.join(dir, temporary)).catch(() => undefined))?.size, 10_000, 20);
    ac.abort(new Error("deployment cancelled"));
    const err = await rejection(upload);
    expect(err.kind).toBe("aborted");
    expect(err.message).toBe(`uploading ${target} on ${s.target} was cancelled.`);
    expect(await leftovers(dir)).toEqual([]);
    expect(readFileSync(target, "utf8")).toBe("previous release");
    expect(stalled.destroyed).toBe(true);
  });

  it("removes the temporary file when the upload passes its deadline", async () => {
    const dir = path.join(scratch, "unikernels", "www");
    const never = new Readable({ read() {} });
    never.push(Buffer.alloc(1000));
    const err = await rejection(s.upload(never, path.join(dir, "slow.hvt"), { timeoutMs: 500 }));
    expect(err.kind).toBe("timeout");
    expect(err.message).toMatch(/^uploading .*slow\.hvt on root@127\.0\.0\.1:\d+ did not finish within 0\.5 s\./);
    expect(await leftovers(dir)).toEqual([]);
    expect(existsSync(path.join(dir, "slow.hvt"))).toBe(false);
  });

  it("says which directory to create when it does not exist", async () => {
    const target = path.join(scratch, "no-such-dir", "www");
    const err = await rejection(s.upload(Buffer.from("x"), target));
    expect(err.kind).toBe("not_found");
    expect(err.message).toBe(`cannot write ${target} on ${s.target}: the directory ${path.dirname(target)} does not exist; create it (mkdir -p ${path.dirname(target)}) and give user root write access to it`);
  });

  it("refuses relative paths and directory paths", async () => {
    await expect(s.upload(Buffer.from("x"), "unikernels/www")).rejects.toThrow(/relative/);
    await expect(s.upload(Buffer.from("x"), "/var/unikernels/")).rejects.toThrow(/names a directory/);
  });
});

describe("as a user without write access", () => {
  let s: SshSession;
  beforeAll(async () => {
    s = await sessionFor(user);
  });
  afterAll(() => s?.close());

  it("logs in as that user", async () => {
    expect((await s.exec(["id", "-un"])).stdout).toBe(`${userName}\n`);
    expect(s.target).toBe(`${userName}@127.0.0.1:${user.port}`);
  });

  it("uploads into a directory it owns", async () => {
    const target = path.join(scratch, "writable", "www");
    await s.upload(Buffer.from("kernel"), target);
    expect(readFileSync(target, "utf8")).toBe("kernel");
    expect((await fs.stat(target)).uid).not.toBe(0);
  });

  it("says the user needs write access to a root-owned 0555 directory, and writes nothing", async () => {
    const locked = path.join(scratch, "locked");
    const target = path.join(locked, "www");
    const err = await rejection(s.upload(Buffer.from("kernel"), target));
    expect(err.kind).toBe("permission_denied");
    expect(err.message).toBe(`cannot write ${target} on ${userName}@127.0.0.1:${user.port}: permission denied for user ${userName}; give that user write access to the directory ${locked}`);
    expect(await fs.readdir(locked)).toEqual([]);
  });

  it("says the user needs read access to a file it cannot read", async () => {
    const secret = path.join(scratch, "root-only");
    await fs.writeFile(secret, "secret", { mode: 0o600 });
    const err = await rejection(s.readFile(secret, { maxBytes: 100 }));
    expect(err.kind).toBe("permission_denied");
    expect(err.message).toContain(`cannot read ${secret} on ${s.target}: permission denied for user ${userName}; give that user read access to it`);
  });
});

describe("readlink, stat, readFile", () => {
  let s: SshSession;
  const dir = () => path.join(scratch, "reads");
  beforeAll(async () => {
    s = await sessionFor(root);
    await fs.mkdir(dir());
    await fs.writeFile(path.join(dir(), "v2.hvt"), "kernel v2");
    await fs.symlink("v2.hvt", path.join(dir(), "current"));
    await fs.writeFile(path.join(dir(), "big"), Buffer.alloc(5000));
  });
  afterAll(() => s?.close());

  it("readlink: the link's target; null when nothing is there; a plain file is refused in words", async () => {
    expect(await s.readlink(path.join(dir(), "current"))).toBe("v2.hvt");
    expect(await s.readlink(path.join(dir(), "missing"))).toBeNull();
    const err = await rejection(s.readlink(path.join(dir(), "v2.hvt")));
    expect(err.message).toContain("is a file, not a symbolic link");
  });

  it("stat: the link itself, or what it points to with follow; null when nothing is there", async () => {
    expect(await s.stat(path.join(dir(), "current"))).toMatchObject({ type: "symlink" });
    expect(await s.stat(path.join(dir(), "current"), { follow: true })).toMatchObject({ type: "file", size: 9, uid: 0 });
    expect(await s.stat(dir())).toMatchObject({ type: "directory" });
    expect(await s.stat(path.join(dir(), "missing"))).toBeNull();
  });

  it("readFile: small files whole; larger than maxBytes refused; null when missing", async () => {
    expect((await s.readFile(path.join(dir(), "current"), { maxBytes: 100 }))?.toString()).toBe("kernel v2");
    expect((await s.readFile(path.join(dir(), "big"), { maxBytes: 5000 }))?.length).toBe(5000);
    const err = await rejection(s.readFile(path.join(dir(), "big"), { maxBytes: 4999 }));
    expect(err.kind).toBe("too_large");
    expect(err.message).toContain("is 5000 bytes, more than the 4999 bytes Slipway reads");
    expect(await s.readFile(path.join(dir(), "missing"), { maxBytes: 100 })).toBeNull();
    expect((await rejection(s.readFile(dir(), { maxBytes: 100 }))).message).toContain("is a directory, not a file");
  });
});

describe("symlink, replace, readdir", () => {
  let s: SshSession;
  const dir = () => path.join(scratch, "links");
  beforeAll(async () => {
    s = await sessionFor(root);
    await fs.mkdir(dir());
    await fs.writeFile(path.join(dir(), "a.hvt"), "a");
    await fs.writeFile(path.join(dir(), "b.hvt"), "b");
    await fs.symlink("a.hvt", path.join(dir(), "current"));
  });
  afterAll(() => s?.close());

  it("switches a link atomically: a new link beside it, renamed over it (the link itself, not its target)", async () => {
    await s.symlink("b.hvt", path.join(dir(), ".current.tmp"));
    expect(await fs.readlink(path.join(dir(), ".current.tmp"))).toBe("b.hvt");
    await s.replace(path.join(dir(), ".current.tmp"), path.join(dir(), "current"));
    expect(await fs.readlink(path.join(dir(), "current"))).toBe("b.hvt");
    expect(await fs.readFile(path.join(dir(), "a.hvt"), "utf8")).toBe("a");
    await expect(fs.lstat(path.join(dir(), ".current.tmp"))).rejects.toThrow(/ENOENT/);
  });

  it("readdir lists names, types and times; null for a missing directory", async () => {
    const list = await s.readdir(dir());
    expect(list?.map((e) => [e.name, e.type]).sort()).toEqual([["a.hvt", "file"], ["b.hvt", "file"], ["current", "symlink"]]);
    expect(list?.every((e) => e.mtime.getTime() > 0)).toBe(true);
    expect(await s.readdir(path.join(dir(), "missing"))).toBeNull();
  });
});

describe("the connection", () => {
  it("a changed host key is refused before any login, so nothing is written", async () => {
    const other = await startSshd();
    try {
      const target = path.join(scratch, "unikernels", "www", "never.hvt");
      const before = (await fs.readFile(root.logFile, "utf8")).length;
      const err = await rejection(sessionFor(root, { pinnedKeys: other.hostKeys }).then((s) => s.upload(Buffer.from("x"), target)));
      expect(err.kind).toBe("host_key_changed");
      expect(err.message).toContain(`presented ${root.hostKeys[0]!.fingerprintSha256}`);
      expect(existsSync(target)).toBe(false);
      await new Promise((r) => setTimeout(r, 300));
      expect((await fs.readFile(root.logFile, "utf8")).slice(before)).not.toMatch(/Accepted publickey/);
    } finally {
      await other.stop();
    }
  });

  it("shares one connection between calls, and closing it ends the calls still running", async () => {
    const before = ((await fs.readFile(root.logFile, "utf8")).match(/Accepted publickey/g) ?? []).length;
    const s = await sessionFor(root);
    await Promise.all([s.exec(["true"]), s.exec(["true"]), s.stat(scratch), s.readlink(path.join(scratch, "reads", "current"))]);
    const running = s.exec(["sleep", "10"]);
    setTimeout(() => s.close(), 200);
    const err = await rejection(running);
    expect(err.kind).toBe("closed");
    expect(err.message).toMatch(/was stopped: the session was closed\.$/);
    await new Promise((r) => setTimeout(r, 300));
    expect(((await fs.readFile(root.logFile, "utf8")).match(/Accepted publickey/g) ?? []).length - before).toBe(1);
  });
});
