// lib/git/mirror.ts against real git servers: an https server (git http-backend, counting requests and
// recording the token it is sent) and git daemon. The mirror cache is a temp directory per test.
import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, utimesSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { checkoutFromMirror, evictMirrors, mirrorDir, type MirrorCache, type MirrorCheckoutOptions } from "@/lib/git/mirror";
import { acquireLock, tryLock } from "@/lib/git/mirror-lock";
import { GitError } from "@/lib/git/run";
import { createBareRepo, git, startGitDaemon, type BareRepo, type GitDaemon } from "@/test/helpers/git-server";
import { startGitHttpsServer, type GitHttpsServer } from "@/test/helpers/git-https-server";

const TOKEN = `ghs_${randomBytes(18).toString("hex")}`;
const big = randomBytes(512 * 1024);

let repo: BareRepo;
let https: GitHttpsServer;
let httpsV0: GitHttpsServer;
let daemon: GitDaemon;
const temps: string[] = [];

beforeAll(async () => {
  repo = createBareRepo({ "big.bin": big, "small.txt": "one\n", Dockerfile: "FROM scratch\n" }, { name: "app.git" });
  // GitHub serves any commit reachable from a ref by its SHA
  git(repo.dir, ["config", "uploadpack.allowReachableSHA1InWant", "true"]);
  https = await startGitHttpsServer(repo.root);
  httpsV0 = await startGitHttpsServer(repo.root, { protocolV0: true });
  daemon = await startGitDaemon(repo.root);
});

afterAll(async () => {
  await httpsV0?.stop();
  await https?.stop();
  await daemon?.stop();
  repo?.remove();
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

const tmp = (what: string) => {
  const d = mkdtempSync(path.join(os.tmpdir(), `slipway-mirror-${what}-`));
  temps.push(d);
  return d;
};
const newCache = (maxBytes = 2 ** 30): MirrorCache => ({ root: tmp("cache"), maxBytes });
const checkoutDir = () => path.join(tmp("checkout"), "ctx");
const options = (key: string, extra: Partial<MirrorCheckoutOptions> = {}): MirrorCheckoutOptions => ({ key, keepGitDir: false, timeoutMs: 30_000, ...extra });

/** distinct objects the mirror holds (a fetched thin pack is completed with copies of its delta bases: not counted twice) */
function objectCount(mirror: string): number {
  return new Set(git(mirror, ["cat-file", "--batch-all-objects", "--batch-check=%(objectname)"]).split("\n").filter(Boolean)).size;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}

describe("checkoutFromMirror", () => {
  test("a second commit fetches only its new objects; a commit already in the mirror needs no request at all", async () => {
    const cache = newCache();
    const url = https.url("app.git");
    const first = repo.commit("main", { "big.bin": big, "small.txt": "two\n", Dockerfile: "FROM scratch\n" }, "two");
    const dir1 = checkoutDir();
    const a = await checkoutFromMirror(cache, url, first, dir1, options("r1", { token: TOKEN, ref: "refs/heads/main" }));
    expect(a.source).toBe("fetched");
    expect(a.message).toBe("two");
    expect(readFileSync(path.join(dir1, "small.txt"), "utf8")).toBe("two\n");
    expect(readFileSync(path.join(dir1, "big.bin")).equals(big)).toBe(true);
    expect(existsSync(path.join(dir1, ".git"))).toBe(false); // the context never sees a .git it did not ask for
    const mirror = mirrorDir(cache, "r1", url);
    const before = objectCount(mirror);
    expect(before).toBe(5); // the commit, its tree and three files
    const beforeBytes = statSync(mirror).isDirectory() ? filesUnder(mirror).reduce((n, f) => n + statSync(f).size, 0) : 0;

    const second = repo.commit("main", { "big.bin": big, "small.txt": "three\n", Dockerfile: "FROM scratch\n" }, "three");
    const dir2 = checkoutDir();
    const b = await checkoutFromMirror(cache, url, second, dir2, options("r1", { token: TOKEN, ref: "refs/heads/main" }));
    expect(b.source).toBe("fetched");
    expect(readFileSync(path.join(dir2, "small.txt"), "utf8")).toBe("three\n");
    expect(readFileSync(path.join(dir2, "big.bin")).equals(big)).toBe(true);
    // the new commit, its tree and the changed file: the 512 KiB blob was not sent again
    expect(objectCount(mirror) - before).toBe(3);
    const afterBytes = filesUnder(mirror).reduce((n, f) => n + statSync(f).size, 0);
    expect(afterBytes - beforeBytes).toBeLessThan(64 * 1024);

    const requests = https.requests;
    const dir3 = checkoutDir();
    const again = await checkoutFromMirror(cache, url, first, dir3, options("r1", { token: TOKEN, ref: "refs/heads/main" }));
    expect(again.source).toBe("cached");
    expect(again.sha).toBe(first);
    expect(readFileSync(path.join(dir3, "small.txt"), "utf8")).toBe("two\n");
    expect(https.requests).toBe(requests);
  });

  test("the token is sent to the server but never written into the mirror (config, refs, FETCH_HEAD, logs)", async () => {
    const cache = newCache();
    const url = https.url("app.git");
    const sha = git(repo.dir, ["rev-parse", "refs/heads/main"]);
    const seen = https.authorizations.length;
    const lines: string[] = [];
    await checkoutFromMirror(cache, url, sha, checkoutDir(), options("tok", { token: TOKEN, onLine: (l) => lines.push(l) }));
    const basic = Buffer.from(`x-access-token:${TOKEN}`).toString("base64");
    expect(https.authorizations.slice(seen)).toContain(`Basic ${basic}`);
    const mirror = mirrorDir(cache, "tok", url);
    const files = filesUnder(cache.root);
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      const text = readFileSync(f).toString("latin1");
      expect(text.includes(TOKEN), f).toBe(false);
      expect(text.includes(basic), f).toBe(false);
    }
    const config = readFileSync(path.join(mirror, "config"), "utf8");
    expect(config).not.toMatch(/\[remote|url\s*=|extraheader/i);
    expect(existsSync(path.join(mirror, "FETCH_HEAD"))).toBe(false);
    expect(lines.join("\n")).not.toContain(TOKEN);
    // an error message that names the command does not show it either
    const err = await checkoutFromMirror(cache, https.url("missing.git"), sha, checkoutDir(), options("tok2", { token: TOKEN })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GitError);
    expect((err as GitError).message).not.toContain(TOKEN);
    expect((err as GitError).message).not.toContain(basic);
  });

  test("two concurrent checkouts of the same repository share its mirror and both get their own commit", async () => {
    const cache = newCache();
    const url = daemon.url("app.git");
    const x = repo.commit("left", { "small.txt": "left\n", Dockerfile: "FROM scratch\n" }, "left");
    const y = repo.commit("right", { "small.txt": "right\n", Dockerfile: "FROM scratch\n" }, "right");
    const dirs = [checkoutDir(), checkoutDir(), checkoutDir(), checkoutDir()];
    const shas = [x, y, x, y];
    const got = await Promise.all(shas.map((sha, i) => checkoutFromMirror(cache, url, sha, dirs[i]!, options("shared"))));
    got.forEach((g, i) => {
      expect(g.sha).toBe(shas[i]);
      expect(readFileSync(path.join(dirs[i]!, "small.txt"), "utf8")).toBe(i % 2 === 0 ? "left\n" : "right\n");
    });
    // each commit was fetched once; the build that came second found it there
    expect(got.filter((g) => g.source === "cached").length).toBe(2);
    const mirror = mirrorDir(cache, "shared", url);
    expect(() => git(mirror, ["fsck", "--connectivity-only", "--no-dangling"])).not.toThrow();
    expect(existsSync(`${mirror}.lock`)).toBe(false);
  });

  test.each([
    ["a garbage HEAD", (m: string) => writeFileSync(path.join(m, "HEAD"), "garbage\n")],
    ["a truncated pack", (m: string) => {
      const pack = readdirSync(path.join(m, "objects", "pack")).find((f) => f.endsWith(".pack"))!;
      const file = path.join(m, "objects", "pack", pack);
      truncateSync(file, Math.floor(statSync(file).size / 2));
    }],
    ["missing objects", (m: string) => {
      for (const f of readdirSync(path.join(m, "objects", "pack"))) rmSync(path.join(m, "objects", "pack", f));
    }],
  ])("a mirror with %s is found broken, rebuilt, and the checkout is right", async (_what, corrupt) => {
    const cache = newCache();
    const url = daemon.url("app.git");
    const sha = repo.commit("main", { "big.bin": big, "small.txt": `corrupt ${_what}\n`, Dockerfile: "FROM scratch\n" }, "to corrupt");
    await checkoutFromMirror(cache, url, sha, checkoutDir(), options("bad"));
    const mirror = mirrorDir(cache, "bad", url);
    corrupt(mirror);
    const dir = checkoutDir();
    const lines: string[] = [];
    const got = await checkoutFromMirror(cache, url, sha, dir, options("bad", { onLine: (l) => lines.push(l) }));
    expect(got.sha).toBe(sha);
    expect(got.rebuilt).not.toBeNull();
    expect(lines.join("\n")).toMatch(/git mirror .* (is not usable|is broken)/);
    expect(readFileSync(path.join(dir, "small.txt"), "utf8")).toBe(`corrupt ${_what}\n`);
    expect(readFileSync(path.join(dir, "big.bin")).equals(big)).toBe(true);
    expect(() => git(mirror, ["fsck", "--connectivity-only", "--no-dangling"])).not.toThrow();
  });

  test("with keepGitDir the checkout has its own .git with the history asked for, and needs nothing of the mirror", async () => {
    const cache = newCache();
    const url = daemon.url("app.git");
    repo.commit("deep", { "small.txt": "d1\n" }, "d1");
    repo.commit("deep", { "small.txt": "d2\n" }, "d2");
    const tip = repo.commit("deep", { "small.txt": "d3\n" }, "d3");
    // a depth-1 build first: the mirror holds only the tip, and the deeper build must deepen it
    await checkoutFromMirror(cache, url, tip, checkoutDir(), options("hist"));
    const dir = checkoutDir();
    const got = await checkoutFromMirror(cache, url, tip, dir, options("hist", { keepGitDir: true, depth: 3 }));
    expect(got.source).toBe("fetched");
    expect(git(dir, ["rev-parse", "HEAD"])).toBe(tip);
    expect(git(dir, ["rev-list", "--count", "HEAD"])).toBe("3");
    expect(existsSync(path.join(dir, ".git", "objects", "info", "alternates"))).toBe(false);
    rmSync(mirrorDir(cache, "hist", url), { recursive: true, force: true });
    expect(() => git(dir, ["fsck", "--no-dangling"])).not.toThrow();
    expect(git(dir, ["log", "--format=%s", "-3"]).split("\n")).toEqual(["d3", "d2", "d1"]);
  });

  test("a force-pushed ref: the new head builds, also from a server that serves only ref tips", async () => {
    const cache = newCache();
    const old = repo.commit("forced", { "small.txt": "before\n" }, "before the force-push");
    for (const server of [https, httpsV0]) {
      await checkoutFromMirror(cache, server.url("app.git"), old, checkoutDir(), options("forced", { ref: "refs/heads/forced" }));
    }
    // a rewritten history: a new root commit, the branch moved to it
    const tree = git(repo.dir, ["mktree"], `100644 blob ${git(repo.dir, ["hash-object", "-w", "--stdin"], "after\n")}\tsmall.txt\n`);
    const rewritten = git(repo.dir, ["commit-tree", tree, "-m", "rewritten"]);
    repo.setRef("refs/heads/forced", rewritten);
    for (const server of [https, httpsV0]) {
      const dir = checkoutDir();
      const got = await checkoutFromMirror(cache, server.url("app.git"), rewritten, dir, options("forced", { ref: "refs/heads/forced" }));
      expect(got.sha).toBe(rewritten);
      expect(readFileSync(path.join(dir, "small.txt"), "utf8")).toBe("after\n");
    }
  });

  test("a commit removed from the server is reported in words (by SHA, and through the ref)", async () => {
    const gone = repo.commit("doomed", { "small.txt": "doomed\n" }, "doomed");
    const after = repo.commit("other", { "small.txt": "unrelated\n" }, "unrelated");
    git(repo.dir, ["update-ref", "-d", "refs/heads/doomed"]);
    git(repo.dir, ["reflog", "expire", "--expire=now", "--all"]);
    git(repo.dir, ["gc", "--prune=now", "--quiet"]);
    const cache = newCache();
    const bySha = await checkoutFromMirror(cache, daemon.url("app.git"), gone, checkoutDir(), options("gone")).catch((e: unknown) => e);
    expect(bySha).toBeInstanceOf(GitError);
    expect((bySha as GitError).kind).toBe("not_found");
    expect((bySha as GitError).message).toMatch(new RegExp(`commit ${gone} was not found at git://127.0.0.1:\\d+/app.git: it was never pushed there, or was force-pushed away`));
    repo.setRef("refs/heads/doomed", after);
    const byRef = await checkoutFromMirror(cache, httpsV0.url("app.git"), gone, checkoutDir(), options("gone2", { ref: "refs/heads/doomed" })).catch((e: unknown) => e);
    expect((byRef as GitError).kind, String(byRef)).toBe("not_found");
    expect((byRef as GitError).message).toMatch(new RegExp(`commit ${gone} is no longer at refs/heads/doomed of https://127.0.0.1:\\d+/app.git`));
  });

  test("a mirror that many fetches left in many packs is packed together, and keeps every recent commit", async () => {
    const cache = newCache();
    const url = daemon.url("app.git");
    const shas: string[] = [];
    for (let i = 0; i < 22; i++) {
      shas.push(repo.commit("busy", { "small.txt": `busy ${i}\n` }, `busy ${i}`));
      await checkoutFromMirror(cache, url, shas.at(-1)!, checkoutDir(), options("busy"));
    }
    const mirror = mirrorDir(cache, "busy", url);
    const packs = readdirSync(path.join(mirror, "objects", "pack")).filter((f) => f.endsWith(".pack"));
    expect(packs.length).toBeLessThan(5);
    for (const sha of [shas[0]!, shas[21]!]) expect((await checkoutFromMirror(cache, url, sha, checkoutDir(), options("busy"))).source).toBe("cached");
  });

  test("keeps fetchCommit's input checks and refuses a key that is not a plain name", async () => {
    const cache = newCache();
    const sha = repo.initial;
    await expect(checkoutFromMirror(cache, daemon.url("app.git"), "HEAD", checkoutDir(), options("k"))).rejects.toThrow(/not a full commit SHA/);
    await expect(checkoutFromMirror(cache, "ext::sh -c touch% /tmp/x", sha, checkoutDir(), options("k"))).rejects.toThrow(/not a git URL Slipway accepts/);
    await expect(checkoutFromMirror(cache, daemon.url("app.git"), sha, checkoutDir(), options("k", { ref: "--upload-pack=x" }))).rejects.toThrow(/not a full ref name/);
    await expect(checkoutFromMirror(cache, daemon.url("app.git"), sha, checkoutDir(), options("../escape"))).rejects.toThrow(/cannot name a git mirror/);
    expect(readdirSync(cache.root)).toEqual([]);
  });

  test("a cancelled build stops waiting for a mirror another build holds", async () => {
    const cache = newCache();
    const url = daemon.url("app.git");
    const mirror = mirrorDir(cache, "held", url);
    const lock = (await tryLock(`${mirror}.lock`))!;
    expect(lock).not.toBeNull();
    const controller = new AbortController();
    const pending = checkoutFromMirror(cache, url, repo.initial, checkoutDir(), options("held", { signal: controller.signal })).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 200));
    controller.abort();
    const err = await pending;
    expect((err as GitError).kind).toBe("aborted");
    await lock.release();
    // and times out in words when the holder never lets go
    const held = (await tryLock(`${mirror}.lock`))!;
    const late = await checkoutFromMirror(cache, url, repo.initial, checkoutDir(), options("held", { timeoutMs: 300 })).catch((e: unknown) => e);
    expect((late as GitError).kind).toBe("timeout");
    expect((late as GitError).message).toMatch(/stayed in use by another build/);
    await held.release();
  });
});

describe("the mirror lock", () => {
  test("a lock left by a process that died is broken; one held by a live process is not", async () => {
    const dir = tmp("lock");
    const file = path.join(dir, "m.git.lock");
    const dead = spawnSync("/bin/true").pid!;
    writeFileSync(file, JSON.stringify({ host: os.hostname(), pid: dead, token: "x" }));
    const got = await acquireLock(file, "the test mirror", { timeoutMs: 2000 });
    expect(JSON.parse(readFileSync(file, "utf8")).pid).toBe(process.pid);
    expect(await tryLock(file)).toBeNull(); // held by this (live) process
    await got.release();
    expect(existsSync(file)).toBe(false);
    // a lock that stopped being touched is stale even if its pid looks alive (a reused pid)
    writeFileSync(file, JSON.stringify({ host: os.hostname(), pid: process.ppid, token: "y" }));
    const old = new Date(Date.now() - 10 * 60_000);
    utimesSync(file, old, old);
    const taken = await tryLock(file);
    expect(taken).not.toBeNull();
    await taken!.release();
  });
});

describe("evictMirrors", () => {
  test("keeps the cache under its bound, least recently used first, never a mirror in use or the one kept", async () => {
    const cache = newCache();
    const url = daemon.url("app.git");
    const keys = ["e1", "e2", "e3", "e4"];
    for (const k of keys) await checkoutFromMirror(cache, url, repo.initial, checkoutDir(), options(k));
    const dirs = keys.map((k) => mirrorDir(cache, k, url));
    // e1 used longest ago, then e2, e3, e4
    dirs.forEach((d, i) => utimesSync(d, new Date(Date.now() - (10 - i) * 60_000), new Date(Date.now() - (10 - i) * 60_000)));
    const one = (await evictMirrors({ ...cache, maxBytes: 2 ** 40 })).before / 4;
    // e1 is in use by a build: it stays, and e2 goes in its place
    const lock = (await tryLock(`${dirs[0]}.lock`))!;
    const r = await evictMirrors({ ...cache, maxBytes: Math.ceil(one * 2.5) }, [dirs[3]!]);
    await lock.release();
    expect(r.inUse).toEqual([path.basename(dirs[0]!)]);
    expect(r.evicted).toEqual([path.basename(dirs[1]!), path.basename(dirs[2]!)]);
    expect(r.after).toBeLessThanOrEqual(Math.ceil(one * 2.5));
    expect(dirs.map((d) => existsSync(d))).toEqual([true, false, false, true]);
    // the one kept is kept even when it alone is over the bound
    const alone = await evictMirrors({ ...cache, maxBytes: 1 }, [dirs[3]!]);
    expect(alone.evicted).toEqual([path.basename(dirs[0]!)]);
    expect(existsSync(dirs[3]!)).toBe(true);
    expect(execFileSync("ls", [cache.root], { encoding: "utf8" }).trim()).toBe(path.basename(dirs[3]!));
  });
});
