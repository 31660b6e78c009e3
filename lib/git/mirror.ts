// A cache of bare git mirrors, one per repository, on the machine that builds: a build fetches only the commit
// it builds (and only the objects the mirror lacks), or nothing at all when the commit is already there, and
// checks it out into its own temporary directory from the mirror. Builds of one repository take turns with its
// mirror (a lock file, lib/git/mirror-lock.ts) while they fetch and check out, then build in parallel. A mirror
// that git finds broken is removed and fetched afresh, never trusted; the cache is kept under its size bound
// by removing the least recently used mirrors that no build holds. Nothing secret is stored: the URL is given
// on every fetch (no remote in the mirror's config) and the token travels as before (lib/git/credentials.ts).
import { createHash } from "node:crypto";
import { lstat, mkdir, readdir, readFile, rm, utimes, writeFile } from "node:fs/promises";
import path from "node:path";
import { PassThrough, type Readable } from "node:stream";
import { maskUrl, tokenCredentials, urlSecrets } from "@/lib/git/credentials";
import { checkFetchInput, checkOutFetched, commitMetadata, reword, type CheckedOutCommit, type FetchCommitOptions } from "@/lib/git/fetch";
import { remoteProtocolEnv } from "@/lib/git/ls-remote";
import { acquireLock, tryLock } from "@/lib/git/mirror-lock";
import { archiveTar, listTree, readBlob, treeTar, type TarItem, type TreeEntry } from "@/lib/git/tree-tar";
import { GitError, runGit, type RunGitOptions } from "@/lib/git/run";

export interface MirrorCache {
  /** the directory that holds the mirrors (SLIPWAY_GIT_CACHE_DIR) */
  root: string;
  /** the size the cache is kept under (SLIPWAY_GIT_CACHE_MB) */
  maxBytes: number;
}

export interface MirrorCheckoutOptions extends FetchCommitOptions {
  /** names the repository's mirror (its id); letters, digits, - and _ */
  key: string;
  /** true: the checkout has its own .git (history to `depth`), as a build whose context includes .git needs */
  keepGitDir: boolean;
  /** a line for the build's log */
  onLine?: (line: string) => void;
}

export interface MirrorCheckout extends CheckedOutCommit {
  /** cached: no network at all; fetched: by its SHA; fetched_ref: the ref's tip, as the server refuses SHAs */
  source: "cached" | "fetched" | "fetched_ref";
  /** why the mirror was removed and fetched afresh, when it was */
  rebuilt: string | null;
}

/** refs kept per mirror (one per commit built); older ones go, and git's gc drops what only they kept */
const KEPT_COMMITS = 100;
const COMMIT_REFS = "refs/slipway/commits/";
const TIDY_AT_PACKS = 20;

/** Given with every git call in a mirror: packs as they come, no gc in the background (it would outlive the lock). */
const MIRROR_CONFIG = ["-c", "fetch.unpackLimit=1", "-c", "transfer.unpackLimit=1", "-c", "gc.autoDetach=false", "-c", "maintenance.auto=false", "-c", "core.logAllRefUpdates=false"];

/** A build's mistake or the remote's answer: not a sign that the mirror is broken. */
function isRemoteOrStop(err: unknown): boolean {
  return err instanceof GitError && (err.kind === "timeout" || err.kind === "aborted" || err.kind === "auth" || err.kind === "unreachable" || err.kind === "not_found");
}

/** Something git could not do with the mirror's own files: it is rebuilt. */
class MirrorBroken extends Error {
  constructor(
    message: string,
    override readonly cause: unknown,
  ) {
    super(message);
  }
}

export function mirrorDir(cache: MirrorCache, key: string, url: string): string {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(key)) throw new GitError("failed", `"${key.slice(0, 80)}" cannot name a git mirror (letters, digits, - and _ only)`);
  // the URL is part of the name: a repository whose URL changes gets a new mirror; credentials in it are not
  const urlHash = createHash("sha256").update(maskUrl(url)).digest("hex").slice(0, 12);
  return path.join(path.resolve(cache.root), `${key}-${urlHash}.git`);
}

/** Input and the deadline of one use of a mirror, checked as fetchCommit checks them. */
interface MirrorUse {
  mirror: string;
  depth: number;
  left: () => number;
}

/**
 * Puts commit `sha` of `url` into the repository's mirror (fetching only when it is not there) and, still holding
 * the mirror's lock, hands it to `use.run`. A mirror that git cannot read, or where `use.run` fails (other than by
 * a timeout or a cancel), is removed and fetched afresh once; `use.reset` runs before the second try.
 */
async function withCommitInMirror<T>(
  cache: MirrorCache,
  url: string,
  sha: string,
  opts: MirrorCheckoutOptions,
  u: MirrorUse,
  use: { what: string; run: (source: MirrorCheckout["source"]) => Promise<T>; reset: () => Promise<void> },
): Promise<T & { source: MirrorCheckout["source"]; rebuilt: string | null }> {
  const { mirror, left } = u;
  await mkdir(path.dirname(mirror), { recursive: true, mode: 0o700 });
  const say = opts.onLine ?? (() => undefined);
  const lock = await acquireLock(`${mirror}.lock`, `the git mirror of ${maskUrl(url)}`, { timeoutMs: left(), signal: opts.signal });
  try {
    let rebuilt: string | null = null;
    if (!(await exists(mirror))) await createMirror(mirror, left(), opts.signal);
    const once = async () => {
      const source = await ensureCommit(mirror, url, sha, u.depth, opts, left);
      try {
        return { ...(await use.run(source)), source };
      } catch (err) {
        if (err instanceof MirrorBroken || (err instanceof GitError && (err.kind === "aborted" || err.kind === "timeout"))) throw err;
        throw new MirrorBroken(`${use.what} ${sha} from it failed: ${(err as Error).message}`, err);
      }
    };
    let got: T & { source: MirrorCheckout["source"] };
    try {
      got = await once();
    } catch (err) {
      if (!(err instanceof MirrorBroken)) throw err;
      rebuilt = err.message;
      say(`the git mirror ${mirror} is broken (${err.message}): removing it and fetching afresh`);
      await use.reset();
      await createMirror(mirror, left(), opts.signal);
      try {
        got = await once();
      } catch (again) {
        // a fresh mirror that fails the same way: the remote or this machine is at fault, say what git said
        if (!(again instanceof MirrorBroken)) throw again;
        throw again.cause instanceof Error ? again.cause : new GitError("failed", `the git mirror ${mirror} was fetched afresh and is still unusable: ${again.message}`);
      }
    }
    const now = new Date();
    await utimes(mirror, now, now); // the least recently used mirror is the one evicted first
    return { ...got, rebuilt };
  } finally {
    await lock.release();
  }
}

function mirrorUse(cache: MirrorCache, url: string, opts: MirrorCheckoutOptions, depth: number): MirrorUse {
  const deadline = Date.now() + opts.timeoutMs;
  return { mirror: mirrorDir(cache, opts.key, url), depth, left: () => Math.max(1, deadline - Date.now()) };
}

function fetchedLine(source: MirrorCheckout["source"], sha: string, ref: string | undefined, what: { cached: string; fetched: string }): string {
  return source === "cached"
    ? `${sha.slice(0, 12)} was already in this machine's git mirror: ${what.cached} without fetching`
    : `fetched ${sha.slice(0, 12)} into this machine's git mirror${source === "fetched_ref" ? ` (through ${ref})` : ""} and ${what.fetched}`;
}

/**
 * Puts commit `sha` of `url` into the repository's mirror (fetching only when it is not there) and checks it out
 * detached into the empty directory `dir`; `dir` gets a .git of its own only with keepGitDir. Keeps every
 * guarantee of fetchCommit: the same input checks, timeout and AbortSignal for the whole call (waiting for the
 * mirror included), the ref fallback, HEAD verified, errors in words.
 */
export async function checkoutFromMirror(cache: MirrorCache, url: string, sha: string, dir: string, opts: MirrorCheckoutOptions): Promise<MirrorCheckout> {
  const depth = await checkFetchInput(url, sha, dir, opts);
  const u = mirrorUse(cache, url, opts, depth);
  const got = await withCommitInMirror(
    cache,
    url,
    sha,
    opts,
    u,
    {
      what: "checking out",
      run: async () => (opts.keepGitDir ? checkOutWithHistory(u.mirror, sha, dir, depth, u.left, opts.signal) : checkOutBorrowing(u.mirror, sha, dir, u.left, opts.signal)),
      reset: () => emptyDir(dir),
    },
  );
  opts.onLine?.(fetchedLine(got.source, sha, opts.ref, { cached: "checked out", fetched: "checked it out" }));
  return got;
}

export interface MirrorCommit {
  sha: string;
  message: string;
  author: string;
  committedAt: Date;
  /** the commit's whole tree */
  tree: TreeEntry[];
  source: MirrorCheckout["source"];
  rebuilt: string | null;
  /** a small file of the commit (a .dockerignore), from the mirror */
  readBlob(object: string): Promise<string>;
  /**
   * A tar of these entries from the mirror's objects, streamed: the mirror's lock is taken while it streams (so
   * that no eviction or rebuild removes it underneath), and released when the tar ends or its reader drops it.
   */
  tar(items: TarItem[]): Readable;
  /** the commit's whole tree as `git archive` writes it, under the lock as tar() */
  archive(): Readable;
}

/**
 * Puts commit `sha` of `url` into the repository's mirror as checkoutFromMirror does (same checks, timeout,
 * lock, ref fallback and rebuild of a broken mirror), but checks nothing out: returns the commit's metadata and
 * tree, and streams its files from the mirror on demand. For a build whose context does not include .git.
 */
export async function commitFromMirror(cache: MirrorCache, url: string, sha: string, opts: Omit<MirrorCheckoutOptions, "keepGitDir">): Promise<MirrorCommit> {
  const full = { ...opts, keepGitDir: false };
  const depth = await checkFetchInput(url, sha, null, full);
  const u = mirrorUse(cache, url, full, depth);
  const local = () => ({ timeoutMs: u.left(), signal: opts.signal });
  const got = await withCommitInMirror(
    cache,
    url,
    sha,
    full,
    u,
    {
      what: "reading",
      // `git log` verifies the object is a commit; both only read objects, so they run at once
      run: async () => {
        const [meta, tree] = await Promise.all([commitMetadata(sha, mirrorGit(u.mirror, u.left(), opts.signal)), listTree(u.mirror, sha, local())]);
        return { ...meta, tree };
      },
      reset: async () => undefined,
    },
  );
  opts.onLine?.(fetchedLine(got.source, sha, opts.ref, { cached: "read from it", fetched: "read it from there (no checkout)" }));
  const mirror = u.mirror;
  return {
    ...got,
    readBlob: (object) => readBlob(mirror, object, local()),
    // each tar gets the fetch's whole timeout afresh: the build of a second architecture may start long after
    tar: (items) => {
      const deadline = Date.now() + opts.timeoutMs;
      const left = () => Math.max(1, deadline - Date.now());
      return locked(mirror, `the git mirror of ${maskUrl(url)}`, left, opts.signal, (onClose) => treeTar(mirror, items, { timeoutMs: left(), signal: opts.signal, mtime: got.committedAt, onClose }));
    },
    archive: () => {
      const deadline = Date.now() + opts.timeoutMs;
      const left = () => Math.max(1, deadline - Date.now());
      return locked(mirror, `the git mirror of ${maskUrl(url)}`, left, opts.signal, (onClose) => archiveTar(mirror, sha, { timeoutMs: left(), signal: opts.signal, onClose }));
    },
  };
}

/** A tar made by `make` under the mirror's lock, taken before git starts and released when the tar is done with. */
function locked(mirror: string, what: string, left: () => number, signal: AbortSignal | undefined, make: (onClose: () => void) => Readable): Readable {
  const out = new PassThrough();
  void (async () => {
    const lock = await acquireLock(`${mirror}.lock`, what, { timeoutMs: left(), signal });
    if (out.destroyed) return void (await lock.release());
    const tar = make(() => void lock.release());
    out.once("close", () => tar.destroy());
    tar.once("error", (err) => out.destroy(err));
    tar.pipe(out);
  })().catch((err: unknown) => out.destroy(err instanceof Error ? err : new Error(String(err))));
  return out;
}

async function exists(p: string): Promise<boolean> {
  return lstat(p).then(
    () => true,
    () => false,
  );
}

async function emptyDir(dir: string): Promise<void> {
  for (const name of await readdir(dir)) await rm(path.join(dir, name), { recursive: true, force: true });
}

function mirrorGit(mirror: string, timeoutMs: number, signal: AbortSignal | undefined, extra: Partial<RunGitOptions> = {}): RunGitOptions {
  // GIT_DIR always: git must never look for a repository above a broken mirror (the data dir may sit in a clone)
  return { timeoutMs, signal, ...extra, env: { ...extra.env, GIT_DIR: mirror } };
}

/** Why an existing mirror cannot be used as it is (null: it can, or there is none yet). */
async function mirrorProblem(mirror: string, signal: AbortSignal | undefined): Promise<string | null> {
  if (!(await exists(mirror))) return null;
  try {
    const { stdout } = await runGit(["rev-parse", "--is-bare-repository"], mirrorGit(mirror, 30_000, signal));
    return stdout.trim() === "true" ? null : "it is not a bare repository";
  } catch (err) {
    if (err instanceof GitError && (err.kind === "aborted" || err.kind === "timeout")) throw err;
    return err instanceof GitError ? (err.stderr.split("\n")[0] ?? err.message) : String(err);
  }
}

async function createMirror(mirror: string, timeoutMs: number, signal: AbortSignal | undefined): Promise<void> {
  await rm(mirror, { recursive: true, force: true, maxRetries: 3 });
  await runGit(["init", "--bare", "--quiet", "--", mirror], { timeoutMs, signal });
}

/**
 * Whether the mirror holds commit `sha` with `depth` commits of history. Throws MirrorBroken when git cannot
 * read the mirror, or when a commit it fetched before (its ref is there) is gone: its files are damaged.
 */
async function present(mirror: string, sha: string, depth: number, signal: AbortSignal | undefined, timeoutMs: number): Promise<boolean> {
  const ref = `${COMMIT_REFS}${sha}`;
  const fetchedBefore = async () => (await exists(path.join(mirror, ref))) || (await readFile(path.join(mirror, "packed-refs"), "utf8").catch(() => "")).includes(` ${ref}\n`);
  // a commit never fetched before (the usual case: a new push) is fetched without asking git first; a broken
  // mirror then fails the fetch or the read after it, and is rebuilt. Only a rule with history (depth > 1) may
  // find an older commit there without its ref, among the history another build fetched.
  if (depth === 1 && !(await fetchedBefore())) return false;
  const has = await runGit(["cat-file", "-e", `${sha}^{commit}`], mirrorGit(mirror, timeoutMs, signal)).then(
    () => true,
    (err: unknown) => {
      if (err instanceof GitError && (err.kind === "aborted" || err.kind === "timeout")) throw err;
      return false;
    },
  );
  if (!has) {
    // only when the commit is not there (a new commit, or a damaged mirror) is the mirror itself looked at
    const problem = await mirrorProblem(mirror, signal);
    if (problem) throw new MirrorBroken(problem, null);
    if (await fetchedBefore()) throw new MirrorBroken(`commit ${sha}, fetched before, is missing from it`, null);
    return false;
  }
  if (depth === 1) return true;
  // history to `depth` is there unless a shallow boundary of the mirror cuts it short
  const shallow = new Set((await readFile(path.join(mirror, "shallow"), "utf8").catch(() => "")).split("\n").filter(Boolean));
  if (shallow.size === 0) return true;
  const { stdout } = await runGit(["rev-list", `--max-count=${depth}`, sha, "--"], mirrorGit(mirror, timeoutMs, signal)).catch((err: unknown) => {
    throw isRemoteOrStop(err) ? err : new MirrorBroken(`cannot walk the history of ${sha}`, err);
  });
  const commits = stdout.split("\n").filter(Boolean);
  return !commits.slice(0, depth - 1).some((c) => shallow.has(c));
}

/** Fetches commit `sha` into the mirror unless it is there already; says where it came from. */
async function ensureCommit(mirror: string, url: string, sha: string, depth: number, opts: MirrorCheckoutOptions, left: () => number): Promise<MirrorCheckout["source"]> {
  const creds = tokenCredentials(url, opts.token);
  const secrets = [...creds.secrets, ...urlSecrets(url)];
  const remote = (): RunGitOptions => mirrorGit(mirror, left(), opts.signal, { env: { ...creds.env, ...remoteProtocolEnv(opts) }, secrets });
  const fetchArgs = [...MIRROR_CONFIG, "fetch", "--no-tags", "--no-write-fetch-head", "--no-auto-gc", "--no-recurse-submodules", "--quiet", `--depth=${depth}`, "--"];

  let source: MirrorCheckout["source"] = "cached";
  if (!(await present(mirror, sha, depth, opts.signal, left()))) {
    source = "fetched";
    try {
      await runGit([...fetchArgs, url, `+${sha}:${COMMIT_REFS}${sha}`], remote());
    } catch (err) {
      if (!isRemoteOrStop(err)) throw new MirrorBroken(`fetching into it failed: ${(err as Error).message}`, err);
      if (!(err instanceof GitError) || err.kind !== "not_found" || opts.ref === undefined) throw reword(err, url, sha);
      // the server does not serve unadvertised SHAs: fetch the ref's tip and expect the commit there
      source = "fetched_ref";
      await runGit([...fetchArgs, url, `+${opts.ref}:refs/slipway/fetched`], remote()).catch((e: unknown) => {
        if (!isRemoteOrStop(e)) throw new MirrorBroken(`fetching into it failed: ${(e as Error).message}`, e);
        throw reword(e, url, sha);
      });
      const there = await runGit(["cat-file", "-e", `${sha}^{commit}`], mirrorGit(mirror, left(), opts.signal)).then(
        () => true,
        () => false,
      );
      if (!there) {
        throw new GitError("not_found", `commit ${sha} is no longer at ${opts.ref} of ${maskUrl(url)} (the ref moved and the server does not serve older commits by SHA); build the ref's current head instead`);
      }
      await runGit(["update-ref", `${COMMIT_REFS}${sha}`, sha], mirrorGit(mirror, left(), opts.signal));
    }
    // (a commit missing after its fetch fails the checkout or read that follows, which rebuilds the mirror)
    await tidy(mirror, left, opts.signal);
  }

  return source;
}

/**
 * Checks out into `dir` reading the mirror's objects in place (git's alternates), then removes dir/.git: the
 * work tree is all the build needs, and it must not point into a mirror that may be evicted later.
 */
async function checkOutBorrowing(mirror: string, sha: string, dir: string, left: () => number, signal: AbortSignal | undefined): Promise<CheckedOutCommit> {
  const local = (): RunGitOptions => ({ cwd: dir, timeoutMs: left(), signal });
  await runGit(["init", "--quiet"], local());
  await writeFile(path.join(dir, ".git", "objects", "info", "alternates"), `${path.join(mirror, "objects")}\n`);
  // the mirror's shallow boundaries, so that nothing walks into parents it does not have
  const shallow = await readFile(path.join(mirror, "shallow"), "utf8").catch(() => null);
  if (shallow !== null) await writeFile(path.join(dir, ".git", "shallow"), shallow);
  const checkout = await checkOutFetched(dir, sha, local());
  await rm(path.join(dir, ".git"), { recursive: true, force: true });
  return checkout;
}

/** A checkout with its own .git: `depth` commits of history fetched from the mirror, as fetchCommit makes it. */
async function checkOutWithHistory(mirror: string, sha: string, dir: string, depth: number, left: () => number, signal: AbortSignal | undefined): Promise<CheckedOutCommit> {
  const local = (): RunGitOptions => ({ cwd: dir, timeoutMs: left(), signal });
  await runGit(["init", "--quiet"], local());
  await runGit(["fetch", "--no-tags", "--no-write-fetch-head", "--quiet", `--depth=${depth}`, "--", mirror, sha], { ...local(), env: remoteProtocolEnv({ allowFile: true }) });
  return checkOutFetched(dir, sha, local());
}

/**
 * Every fetch leaves a pack and a ref. Once there are TIDY_AT_PACKS packs: drops the refs of all but the newest
 * commits, and git packs them into one and prunes what no ref keeps. Until then it costs no git process.
 */
async function tidy(mirror: string, left: () => number, signal: AbortSignal | undefined): Promise<void> {
  const packs = (await readdir(path.join(mirror, "objects", "pack")).catch(() => [] as string[])).filter((f) => f.endsWith(".pack")).length;
  if (packs < TIDY_AT_PACKS) return;
  const { stdout } = await runGit(["for-each-ref", "--sort=-committerdate", "--format=%(refname)", COMMIT_REFS], mirrorGit(mirror, left(), signal));
  const old = stdout.split("\n").filter(Boolean).slice(KEPT_COMMITS);
  // one or two at a time in practice: each fetch adds one ref
  for (const ref of old) await runGit(["update-ref", "-d", ref], mirrorGit(mirror, left(), signal));
  await runGit([...MIRROR_CONFIG, "-c", `gc.autoPackLimit=${TIDY_AT_PACKS}`, "gc", "--auto", "--quiet"], mirrorGit(mirror, left(), signal));
}

async function sizeOf(p: string): Promise<number> {
  const st = await lstat(p).catch(() => null);
  if (!st) return 0;
  if (!st.isDirectory()) return st.blocks * 512;
  let total = st.blocks * 512;
  for (const name of await readdir(p).catch(() => [])) total += await sizeOf(path.join(p, name));
  return total;
}

export interface EvictionResult {
  /** the cache's size before and after, in bytes */
  before: number;
  after: number;
  evicted: string[];
  /** mirrors that would have gone but a build holds them */
  inUse: string[];
}

/**
 * Keeps the cache under its bound: removes the least recently used mirrors, never one a build holds (its lock
 * is taken first, without waiting) and never those named in `keep` (the one just used).
 */
export async function evictMirrors(cache: MirrorCache, keep: string[] = []): Promise<EvictionResult> {
  const root = path.resolve(cache.root);
  const names = (await readdir(root).catch(() => [] as string[])).filter((n) => n.endsWith(".git"));
  const mirrors = await Promise.all(
    names.map(async (name) => {
      const dir = path.join(root, name);
      const st = await lstat(dir).catch(() => null);
      return { dir, name, usedMs: st?.mtimeMs ?? 0, bytes: st?.isDirectory() ? await sizeOf(dir) : 0 };
    }),
  );
  const before = mirrors.reduce((a, m) => a + m.bytes, 0);
  let total = before;
  const evicted: string[] = [];
  const inUse: string[] = [];
  const kept = new Set(keep.map((k) => path.resolve(k)));
  for (const m of mirrors.sort((a, b) => a.usedMs - b.usedMs)) {
    if (total <= cache.maxBytes) break;
    if (kept.has(m.dir)) continue;
    const lock = await tryLock(`${m.dir}.lock`);
    if (!lock) {
      inUse.push(m.name);
      continue;
    }
    try {
      await rm(m.dir, { recursive: true, force: true, maxRetries: 3 });
    } finally {
      await lock.release();
    }
    total -= m.bytes;
    evicted.push(m.name);
  }
  return { before, after: total, evicted, inUse };
}
