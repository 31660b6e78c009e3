// A private OpenSSH server for tests: its own directory, host keys, authorized_keys and port on 127.0.0.1,
// run as a child process (`sshd -D`) and stopped with the test (or when the test process exits).
import { spawn, execFile, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import fs from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { freePort } from "@/test/helpers/processes";
import { parsePublicKey, fingerprintSha256, type KeyAlgorithm } from "@/lib/ssh/keys";

const execFileAsync = promisify(execFile);

export { freePort };

export const SSHD = "/usr/sbin/sshd";
export const SSH_KEYGEN = "/usr/bin/ssh-keygen";
export const SSH_KEYSCAN = "/usr/bin/ssh-keyscan";

export type HostKeyType = "ed25519" | "ecdsa" | "rsa";

export interface SshdOptions {
  hostKeyType?: HostKeyType | "all";
  /** authorized_keys lines for `user` */
  authorizedKeys?: string[];
  /** SetEnv lines for every session, e.g. { DOCKER_HOST: "unix:///tmp/x/docker.sock" } or { PATH: "/stand-ins:/usr/bin:/bin" } */
  env?: Record<string, string>;
  /**
   * The user the tests log in as, when not the one running the tests (e.g. a non-root user from
   * ensureTestUser, to meet "permission denied"). Its authorized_keys file is made readable by it.
   */
  loginUser?: string;
  /** more sshd_config lines, e.g. "MaxSessions 0" (a server that logs in but opens no session) */
  extraConfig?: string[];
}

export interface HostKey {
  algorithm: KeyAlgorithm;
  publicKey: string;
  fingerprintSha256: string;
  /** the private key file; its .pub is next to it */
  file: string;
}

export interface Sshd {
  port: number;
  address: "127.0.0.1";
  /** the user the tests log in as: `loginUser` when given, else root when running as root, else the current user */
  user: string;
  dir: string;
  /** sshd's log (LogLevel VERBOSE: connections, accepted and failed keys) */
  logFile: string;
  hostKeys: HostKey[];
  setAuthorizedKeys(lines: string[]): Promise<void>;
  /** new host keys of the same types, and a restart on the same port */
  replaceHostKey(): Promise<void>;
  /** stops sshd and keeps its directory, keys and port: a host that is briefly down */
  pause(): Promise<void>;
  /** starts it again on the same port with the same keys */
  resume(): Promise<void>;
  stop(): Promise<void>;
}

const KEYGEN_ARGS: Record<HostKeyType, string[]> = {
  ed25519: ["-t", "ed25519"],
  ecdsa: ["-t", "ecdsa", "-b", "256"],
  rsa: ["-t", "rsa", "-b", "2048"],
};


/** Resolves when something on the port accepts a connection and sends an SSH identification line. */
function answersSsh(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    let data = "";
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.on("error", () => done(false));
    socket.on("data", (chunk: Buffer) => {
      data += chunk.toString("latin1");
      if (data.includes("\n")) done(data.startsWith("SSH-2.0-"));
    });
    socket.on("close", () => done(false));
  });
}

async function generateHostKeys(dir: string, types: HostKeyType[]): Promise<HostKey[]> {
  const keys: HostKey[] = [];
  for (const type of types) {
    const file = path.join(dir, `ssh_host_${type}_key`);
    await fs.rm(file, { force: true });
    await fs.rm(`${file}.pub`, { force: true });
    await execFileAsync(SSH_KEYGEN, ["-q", "-N", "", ...KEYGEN_ARGS[type], "-C", `slipway-test-${type}`, "-f", file]);
    const pub = parsePublicKey(await fs.readFile(`${file}.pub`, "utf8"));
    keys.push({ algorithm: pub.algorithm, publicKey: pub.publicKey, fingerprintSha256: fingerprintSha256(pub.publicKey), file });
  }
  return keys;
}

function sshdConfig(opts: { port: number; dir: string; hostKeys: HostKey[]; env: Record<string, string>; extraConfig?: string[] }): string {
  const lines = [
    `Port ${opts.port}`,
    "ListenAddress 127.0.0.1",
    ...opts.hostKeys.map((k) => `HostKey ${k.file}`),
    `PidFile ${path.join(opts.dir, "sshd.pid")}`,
    `AuthorizedKeysFile ${path.join(opts.dir, "authorized_keys")}`,
    "UsePAM no",
    "StrictModes no",
    "PasswordAuthentication no",
    "KbdInteractiveAuthentication no",
    "PermitRootLogin prohibit-password",
    // as Debian's default sshd_config has it (uploads go over SFTP)
    "Subsystem sftp internal-sftp",
    "LogLevel VERBOSE",
  ];
  // one SetEnv line with every pair: sshd takes the first SetEnv line and ignores the others
  const pairs: string[] = [];
  for (const [name, value] of Object.entries(opts.env)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) || /["\r\n]/.test(value)) throw new Error(`cannot write SetEnv ${name} for sshd_config`);
    pairs.push(`"${name}=${value}"`);
  }
  if (pairs.length > 0) lines.push(`SetEnv ${pairs.join(" ")}`);
  for (const l of opts.extraConfig ?? []) {
    if (/[\r\n]/.test(l)) throw new Error(`cannot write ${JSON.stringify(l)} into sshd_config`);
    lines.push(l);
  }
  return lines.join("\n") + "\n";
}

async function waitForExit(child: ChildProcess, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
    }, timeoutMs);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * A system user for SSH tests that must not run as root (permission checks): created with useradd when it
 * is missing (needs root), with /bin/sh as its shell, / as its home and no password. Returns its uid and gid.
 */
export async function ensureTestUser(name = "slipway-deploy"): Promise<{ name: string; uid: number; gid: number }> {
  const lookup = async () => {
    const { stdout } = await execFileAsync("/usr/bin/getent", ["passwd", name]).catch(() => ({ stdout: "" }));
    const fields = stdout.trim().split(":");
    return fields.length >= 7 ? { name, uid: Number(fields[2]), gid: Number(fields[3]) } : null;
  };
  const found = await lookup();
  if (found) return found;
  if (process.getuid?.() !== 0) throw new Error(`the test user ${name} does not exist and only root can create it (useradd)`);
  try {
    // password "*": no password login, but not a locked account ("!"), which sshd refuses without PAM
    await execFileAsync("/usr/sbin/useradd", ["--system", "--user-group", "--shell", "/bin/sh", "--home-dir", "/", "--no-create-home", "--password", "*", name]);
  } catch (err) {
    // exit status 9: another test file created it meanwhile
    if ((err as { code?: number }).code !== 9) throw err;
  }
  const made = await lookup();
  if (!made) throw new Error(`useradd did not create the test user ${name}`);
  return made;
}

export async function startSshd(opts: SshdOptions = {}): Promise<Sshd> {
  if (!existsSync(SSHD)) throw new Error("openssh-server is not installed; run scripts/setup.sh");
  const isRoot = process.getuid?.() === 0;
  // sshd's privilege separation directory
  if (isRoot) mkdirSync("/run/sshd", { recursive: true });

  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "slipway-sshd-"));
  const logFile = path.join(dir, "sshd.log");
  const configFile = path.join(dir, "sshd_config");
  const authorizedKeysFile = path.join(dir, "authorized_keys");
  const types: HostKeyType[] = opts.hostKeyType === "all" ? ["ed25519", "ecdsa", "rsa"] : [opts.hostKeyType ?? "ed25519"];
  const env = opts.env ?? {};
  // sshd reads authorized_keys with the login user's rights: a non-root user needs to reach it
  const keysMode = 0o644;
  if (opts.loginUser) await fs.chmod(dir, 0o755);

  let child: ChildProcess | undefined;
  const killOnExit = () => child?.kill("SIGKILL");
  process.on("exit", killOnExit);

  /** Starts sshd on `port`; false when the port turned out to be taken. */
  async function run(port: number, hostKeys: HostKey[]): Promise<boolean> {
    await fs.writeFile(configFile, sshdConfig({ port, dir, hostKeys, env, extraConfig: opts.extraConfig }));
    const proc = spawn(SSHD, ["-D", "-f", configFile, "-E", logFile], { stdio: ["ignore", "ignore", "pipe"] });
    child = proc;
    let stderr = "";
    proc.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      if (proc.exitCode !== null || proc.signalCode !== null) break;
      if (await answersSsh(port)) return true;
      await new Promise((r) => setTimeout(r, 50));
    }
    proc.kill("SIGKILL");
    await waitForExit(proc, 2000);
    const log = await fs.readFile(logFile, "utf8").catch(() => "");
    if (/Address already in use/.test(log + stderr)) {
      await fs.writeFile(logFile, "");
      return false;
    }
    throw new Error(`sshd did not start on 127.0.0.1:${port}:\n${log}${stderr}`);
  }

  try {
    let hostKeys = await generateHostKeys(dir, types);
    await fs.writeFile(logFile, "");
    await fs.writeFile(authorizedKeysFile, (opts.authorizedKeys ?? []).map((l) => `${l}\n`).join(""), { mode: keysMode });
    let port = 0;
    for (let attempt = 0; ; attempt++) {
      port = await freePort();
      if (await run(port, hostKeys)) break;
      if (attempt === 4) throw new Error("sshd found no free port on 127.0.0.1 after 5 tries");
    }

    const stop = async () => {
      if (child) {
        child.kill("SIGTERM");
        await waitForExit(child, 5000);
      }
    };

    const sshd: Sshd = {
      port,
      address: "127.0.0.1",
      user: opts.loginUser ?? (isRoot ? "root" : os.userInfo().username),
      dir,
      logFile,
      hostKeys,
      async setAuthorizedKeys(lines) {
        await fs.writeFile(authorizedKeysFile, lines.map((l) => `${l}\n`).join(""), { mode: keysMode });
      },
      async replaceHostKey() {
        await stop();
        hostKeys = await generateHostKeys(dir, types);
        sshd.hostKeys = hostKeys;
        if (!(await run(port, hostKeys))) throw new Error(`sshd could not listen again on 127.0.0.1:${port}`);
      },
      async pause() {
        await stop();
      },
      async resume() {
        if (!(await run(port, hostKeys))) throw new Error(`sshd could not listen again on 127.0.0.1:${port}`);
      },
      async stop() {
        await stop();
        process.off("exit", killOnExit);
        await fs.rm(dir, { recursive: true, force: true });
      },
    };
    return sshd;
  } catch (err) {
    child?.kill("SIGKILL");
    process.off("exit", killOnExit);
    await fs.rm(dir, { recursive: true, force: true });
    throw err;
  }
}
