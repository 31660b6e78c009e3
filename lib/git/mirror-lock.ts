// A lock file taken with O_EXCL, so that the builds of one machine (several workers, several builds in one
// worker) take turns with one git mirror. The holder writes its host, pid and a token into the file and
// touches it while it holds it; a lock whose holder died (same host, pid gone) or stopped touching it is stale
// and is broken, under a second short-lived lock so that two waiters never both break it (and one of them a
// fresh lock).
import { randomBytes } from "node:crypto";
import { open, readFile, stat, unlink, utimes } from "node:fs/promises";
import os from "node:os";
import { GitError } from "@/lib/git/run";

export interface HeldLock {
  file: string;
  release(): Promise<void>;
}

export interface LockOptions {
  /** a lock not touched for this long is stale whatever its pid says (default 60 s) */
  staleMs?: number;
  /** how often a waiter looks again (default 50 ms) */
  pollMs?: number;
}

interface LockContent {
  host: string;
  pid: number;
  token: string;
}

const DEFAULT_STALE_MS = 60_000;
/** a breaker holds its lock for a few file operations: one this old was left by a process that died */
const BREAKER_STALE_MS = 10_000;

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to another user
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function create(file: string): Promise<string | null> {
  const token = randomBytes(12).toString("hex");
  let handle;
  try {
    handle = await open(file, "wx", 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return null;
    throw err;
  }
  try {
    const content: LockContent = { host: os.hostname(), pid: process.pid, token };
    await handle.writeFile(JSON.stringify(content));
  } finally {
    await handle.close();
  }
  return token;
}

async function readContent(file: string): Promise<{ content: LockContent | null; mtimeMs: number } | null> {
  try {
    const [text, st] = await Promise.all([readFile(file, "utf8"), stat(file)]);
    let content: LockContent | null = null;
    try {
      const parsed = JSON.parse(text) as Partial<LockContent>;
      if (typeof parsed.host === "string" && typeof parsed.pid === "number" && typeof parsed.token === "string") content = parsed as LockContent;
    } catch {
      content = null; // being written right now, or garbage: the age decides
    }
    return { content, mtimeMs: st.mtimeMs };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw err;
  }
}

/** Why the lock at `file` is stale, or null while its holder may still be using it. */
function staleReason(seen: { content: LockContent | null; mtimeMs: number }, staleMs: number): string | null {
  const age = Date.now() - seen.mtimeMs;
  if (seen.content && seen.content.host === os.hostname() && !pidAlive(seen.content.pid)) return `its holder (pid ${seen.content.pid}) is gone`;
  if (age > staleMs) return `it was not touched for ${Math.round(age / 1000)} s`;
  return null;
}

/** Removes a stale lock, unless it changed hands meanwhile; true when it is gone. */
async function breakStale(file: string, staleMs: number): Promise<boolean> {
  const breaker = `${file}.break`;
  if ((await create(breaker)) === null) {
    const b = await readContent(breaker);
    if (b && Date.now() - b.mtimeMs > BREAKER_STALE_MS) await unlink(breaker).catch(() => undefined);
    return false;
  }
  try {
    // look again under the breaker: only the lock judged stale here is removed
    const seen = await readContent(file);
    if (seen === null) return true;
    if (staleReason(seen, staleMs) === null) return false;
    await unlink(file).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== "ENOENT") throw err;
    });
    return true;
  } finally {
    await unlink(breaker).catch(() => undefined);
  }
}

function held(file: string, token: string, staleMs: number): HeldLock {
  // touched well within the stale age, so a waiter never takes a lock that is in use
  const beat = setInterval(() => void utimes(file, new Date(), new Date()).catch(() => undefined), Math.max(100, Math.floor(staleMs / 4)));
  beat.unref();
  let released = false;
  return {
    file,
    async release() {
      if (released) return;
      released = true;
      clearInterval(beat);
      const seen = await readContent(file);
      // never remove a lock someone else took after ours was (wrongly) judged stale
      if (seen?.content?.token === token) await unlink(file).catch(() => undefined);
    },
  };
}

/** Takes the lock if it is free (or stale); null when someone holds it. Never waits. */
export async function tryLock(file: string, opts: LockOptions = {}): Promise<HeldLock | null> {
  const staleMs = opts.staleMs ?? DEFAULT_STALE_MS;
  for (let i = 0; i < 2; i++) {
    const token = await create(file);
    if (token !== null) return held(file, token, staleMs);
    const seen = await readContent(file);
    if (seen !== null && staleReason(seen, staleMs) === null) return null;
    if (!(await breakStale(file, staleMs))) return null;
  }
  return null;
}

/**
 * Waits for the lock until the deadline or the signal; rejects with a GitError ("timeout" or "aborted")
 * that says what it waited for.
 */
export async function acquireLock(file: string, what: string, opts: LockOptions & { timeoutMs: number; signal?: AbortSignal }): Promise<HeldLock> {
  const deadline = Date.now() + opts.timeoutMs;
  const pollMs = opts.pollMs ?? 50;
  for (;;) {
    if (opts.signal?.aborted) throw new GitError("aborted", `waiting for ${what} was cancelled`);
    const lock = await tryLock(file, opts);
    if (lock) return lock;
    if (Date.now() >= deadline) {
      throw new GitError("timeout", `${what} stayed in use by another build for ${Math.round(opts.timeoutMs / 1000)} s (lock ${file}); try again, or remove the lock file if no build runs on this machine`);
    }
    await new Promise<void>((resolve) => {
      const t = setTimeout(done, Math.min(pollMs, Math.max(1, deadline - Date.now())));
      function done() {
        clearTimeout(t);
        opts.signal?.removeEventListener("abort", done);
        resolve();
      }
      opts.signal?.addEventListener("abort", done, { once: true });
    });
  }
}
