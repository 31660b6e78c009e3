// The build context streamed from the git mirror's objects (lib/build/context.ts prepareTreeContext with
// lib/git/mirror.ts commitFromMirror) against the context made from a checkout (prepareContext after fetchCommit),
// on one real commit with what makes contexts differ: .dockerignore with a "!" exception, an executable, symbolic
// links (inside and out of the repository), a submodule, an empty-after-ignore directory, a long path, a large
// file, a Dockerfile outside the context, and a context directory reached through a symbolic link.
import { createHash } from "node:crypto";
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Readable } from "node:stream";
import tar from "tar-stream";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { BuildInputError, prepareContext, prepareTreeContext, type PreparedContext } from "@/lib/build/context";
import { fetchCommit, withTempCheckout } from "@/lib/git/fetch";
import { commitFromMirror, mirrorDir, type MirrorCache } from "@/lib/git/mirror";
import { archiveTar } from "@/lib/git/tree-tar";
import { git } from "@/test/helpers/git-server";

const temps: string[] = [];
const tmp = (what: string) => {
  const d = mkdtempSync(path.join(os.tmpdir(), `slipway-treectx-${what}-`));
  temps.push(d);
  return d;
};
const big = randomBytes(3 * 1024 * 1024 + 17);
const longName = `app/${"d".repeat(60)}/${"e".repeat(60)}/${"f".repeat(40)}.txt`;
let url: string;
let sha: string;
let cache: MirrorCache;

beforeAll(() => {
  const work = tmp("work");
  const w = (p: string, content: string | Buffer, mode = 0o644) => {
    mkdirSync(path.dirname(path.join(work, p)), { recursive: true });
    writeFileSync(path.join(work, p), content);
    chmodSync(path.join(work, p), mode);
  };
  git(work, ["init", "--quiet", "--initial-branch=main"]);
  w("app/Dockerfile", "FROM scratch\nCOPY . /\n");
  w("app/.dockerignore", "secret.env\nlogs\n!logs/keep.txt\nscratch/*.tmp\n");
  w("app/secret.env", "TOKEN=no\n");
  w("app/logs/debug.log", "noise\n");
  w("app/logs/keep.txt", "kept\n");
  w("app/scratch/a.tmp", "ignored\n");
  w("app/run.sh", "#!/bin/sh\necho hi\n", 0o755);
  w("app/big.bin", big);
  w("app/deep/a/b/c.txt", "deep\n");
  w("app/ünïcode name.txt", "names\n");
  w(longName, "long\n");
  w("docker/Dockerfile.app", "FROM scratch\nCOPY run.sh /\n");
  w("README.md", "outside the context\n");
  symlinkSync("run.sh", path.join(work, "app/link"));
  symlinkSync("/etc/passwd", path.join(work, "app/outside-link"));
  symlinkSync("app", path.join(work, "applink"));
  symlinkSync("../app/Dockerfile", path.join(work, "docker/Dockerfile.link"));
  git(work, ["add", "-A"]);
  // a submodule: a checkout without submodules has an empty directory there
  git(work, ["update-index", "--add", "--cacheinfo", `160000,${"1".repeat(40)},app/sub`]);
  git(work, ["commit", "--quiet", "-m", "a context with everything"]);
  sha = git(work, ["rev-parse", "HEAD"]);
  const bare = path.join(tmp("bare"), "repo.git");
  git(work, ["clone", "--quiet", "--bare", work, bare]);
  url = `file://${bare}`;
  cache = { root: tmp("cache"), maxBytes: 2 ** 30 };
});

afterAll(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

interface TarListing {
  name: string;
  type: string;
  mode: number;
  linkname: string | null;
  sha256: string | null;
}

/** Every entry of a tar: name, type, permission bits, link target, content hash (time and owner left out). */
async function listing(stream: Readable): Promise<TarListing[]> {
  const out: TarListing[] = [];
  const extract = tar.extract();
  const done = new Promise<void>((resolve, reject) => {
    extract.on("entry", (h, body, next) => {
      const hash = createHash("sha256");
      body.on("data", (d: Buffer) => hash.update(d));
      body.on("end", () => {
        out.push({ name: h.name, type: h.type ?? "file", mode: (h.mode ?? 0) & 0o7777, linkname: h.linkname ?? null, sha256: h.type === "file" ? hash.digest("hex") : null });
        next();
      });
    });
    extract.on("finish", resolve);
    extract.on("error", reject);
    stream.on("error", reject);
  });
  stream.pipe(extract);
  await done;
  return out;
}

const opts = { key: "treectx", timeoutMs: 30_000 };

async function fromCheckout<T>(rule: { contextDir: string; dockerfile: string }, fn: (ctx: PreparedContext) => Promise<T>): Promise<T> {
  return withTempCheckout(async (dir) => {
    await fetchCommit(url, sha, dir, { timeoutMs: 30_000 });
    return fn(await prepareContext(dir, { ...rule, includeGit: false }));
  });
}

async function fromMirror(rule: { contextDir: string; dockerfile: string }) {
  const commit = await commitFromMirror(cache, url, sha, opts);
  return { commit, ctx: await prepareTreeContext(commit, rule) };
}

const rules = [
  { what: "a subdirectory context", contextDir: "app", dockerfile: "app/Dockerfile" },
  { what: "a Dockerfile outside the context", contextDir: "app", dockerfile: "docker/Dockerfile.app" },
  { what: "the repository root as context", contextDir: "", dockerfile: "app/Dockerfile" },
];

describe("prepareTreeContext", () => {
  test.each(rules)("$what: the same entries and the same tar as from a checkout", async (rule) => {
    const { ctx } = await fromMirror(rule);
    if ("checkoutNeeded" in ctx) throw new Error(ctx.checkoutNeeded);
    expect(ctx.dir).toBeNull();
    const [want, wantTar] = await fromCheckout(rule, async (c) => [c, await listing(c.stream())] as const);
    expect(ctx.dockerfile).toBe(want.dockerfile);
    expect(ctx.entries).toEqual(want.entries);
    // a directory emptied by .dockerignore is sent empty from a checkout too (tar-fs used to pack what it held)
    // (app/.dockerignore applies to the app context only; from the root, nothing is ignored)
    if (rule.contextDir === "app") expect(wantTar.map((e) => e.name)).not.toContain("scratch/a.tmp");
    else expect(wantTar.map((e) => e.name)).toContain("app/scratch/a.tmp");
    const got = await listing(ctx.stream());
    expect(got).toEqual(wantTar);
    // a second stream (one per architecture) is the same
    expect(await listing(ctx.stream())).toEqual(got);
  }, 60_000);

  test("what the context holds: .dockerignore honoured with its exception, modes, links, submodule, big and long files", async () => {
    const { ctx } = await fromMirror({ contextDir: "app", dockerfile: "docker/Dockerfile.app" });
    if ("checkoutNeeded" in ctx) throw new Error(ctx.checkoutNeeded);
    const byName = new Map((await listing(ctx.stream())).map((e) => [e.name, e]));
    expect(ctx.dockerfile).toBe(".slipway.Dockerfile");
    expect(byName.get(".slipway.Dockerfile")).toMatchObject({ type: "file", mode: 0o644 });
    expect(byName.has("Dockerfile")).toBe(true); // the context's own Dockerfile is just a file here
    expect(byName.has("secret.env")).toBe(false);
    expect(byName.has("logs/debug.log")).toBe(false);
    expect(byName.has("logs/keep.txt")).toBe(true);
    expect(byName.has("scratch/a.tmp")).toBe(false);
    expect(byName.get("scratch")).toMatchObject({ type: "directory", mode: 0o755 }); // empty once ignored, still there
    expect(byName.get("run.sh")).toMatchObject({ type: "file", mode: 0o755 });
    expect(byName.get("link")).toMatchObject({ type: "symlink", linkname: "run.sh" });
    expect(byName.get("outside-link")).toMatchObject({ type: "symlink", linkname: "/etc/passwd" });
    expect(byName.get("sub")).toMatchObject({ type: "directory" });
    expect(byName.get("big.bin")?.sha256).toBe(createHash("sha256").update(big).digest("hex"));
    expect(byName.get(longName.slice("app/".length))).toMatchObject({ type: "file" });
    expect(byName.has("ünïcode name.txt")).toBe(true);
    expect([...byName.keys()].some((n) => n === "README.md" || n.startsWith("docker/"))).toBe(false);
  }, 60_000);

  test("the same refusals, in the same words, as from a checkout", async () => {
    const cases = [
      { contextDir: "app", dockerfile: "app/Missing" },
      { contextDir: "nowhere", dockerfile: "app/Dockerfile" },
      { contextDir: "README.md", dockerfile: "app/Dockerfile" },
      { contextDir: "../..", dockerfile: "app/Dockerfile" },
      { contextDir: "app", dockerfile: "../../etc/passwd" },
      { contextDir: "app", dockerfile: "app/deep" },
    ];
    for (const rule of cases) {
      const tree = await fromMirror(rule).then(
        () => null,
        (e: unknown) => e,
      );
      const checkout = await fromCheckout(rule, async () => null).catch((e: unknown) => e);
      expect(tree, JSON.stringify(rule)).toBeInstanceOf(BuildInputError);
      expect((tree as Error).message).toBe((checkout as Error).message);
    }
  }, 60_000);

  test("a context or Dockerfile reached through a symbolic link asks for a checkout", async () => {
    for (const rule of [
      { contextDir: "applink", dockerfile: "app/Dockerfile" },
      { contextDir: "app", dockerfile: "docker/Dockerfile.link" },
      { contextDir: "", dockerfile: "applink/Dockerfile" },
    ]) {
      const { ctx } = await fromMirror(rule);
      expect(ctx, JSON.stringify(rule)).toEqual({ checkoutNeeded: expect.stringMatching(/symbolic link (applink|docker\/Dockerfile\.link)/) });
    }
  }, 60_000);

  test("the tar holds the mirror's lock while it streams and gives it back when it ends or its reader drops it", async () => {
    const { ctx } = await fromMirror(rules[0]!);
    if ("checkoutNeeded" in ctx) throw new Error(ctx.checkoutNeeded);
    const lock = `${mirrorDir(cache, opts.key, url)}.lock`;
    const s = ctx.stream();
    await new Promise((r) => s.once("readable", r));
    expect(existsSync(lock)).toBe(true);
    await listing(s);
    await eventuallyGone(lock);

    const dropped = ctx.stream();
    await new Promise((r) => dropped.once("readable", r));
    expect(existsSync(lock)).toBe(true);
    dropped.destroy();
    await eventuallyGone(lock);
  }, 60_000);
});

describe("a repository root with nothing to leave out: the tar git archive writes", () => {
  let plainUrl: string;
  let plain: string;
  let withAttributes: string;
  beforeAll(() => {
    const work = tmp("plain");
    const w = (p: string, content: string | Buffer, mode = 0o644) => {
      mkdirSync(path.dirname(path.join(work, p)), { recursive: true });
      writeFileSync(path.join(work, p), content);
      chmodSync(path.join(work, p), mode);
    };
    git(work, ["init", "--quiet", "--initial-branch=main"]);
    w("Dockerfile", "FROM scratch\nCOPY . /\n");
    w("run.sh", "#!/bin/sh\necho hi\n", 0o755);
    w("big.bin", big);
    w("deep/a/b/c.txt", "deep\n");
    w("notes.txt", "release notes\n");
    w(longName, "long\n");
    symlinkSync("run.sh", path.join(work, "link"));
    git(work, ["add", "-A"]);
    git(work, ["commit", "--quiet", "-m", "a plain repository"]);
    plain = git(work, ["rev-parse", "HEAD"]);
    // export-ignore would drop notes.txt from git archive's tar, never from a checkout: not archived
    w(".gitattributes", "notes.txt export-ignore\n");
    git(work, ["add", "-A"]);
    git(work, ["commit", "--quiet", "-m", "with .gitattributes"]);
    withAttributes = git(work, ["rev-parse", "HEAD"]);
    const bare = path.join(tmp("plain-bare"), "repo.git");
    git(work, ["clone", "--quiet", "--bare", work, bare]);
    plainUrl = `file://${bare}`;
  });

  /** the context of `commit`, and whether it came from git archive */
  async function contextOf(commit: string) {
    const c = await commitFromMirror(cache, plainUrl, commit, { ...opts, key: "plain" });
    let archived = 0;
    const ctx = await prepareTreeContext({ ...c, archive: () => (archived++, c.archive()) }, { contextDir: "", dockerfile: "Dockerfile" });
    if ("checkoutNeeded" in ctx) throw new Error(ctx.checkoutNeeded);
    const tar = await listing(ctx.stream());
    return { ctx, tar, archived };
  }

  async function checkoutOf(commit: string) {
    return withTempCheckout(async (dir) => {
      await fetchCommit(plainUrl, commit, dir, { timeoutMs: 30_000 });
      const c = await prepareContext(dir, { contextDir: "", dockerfile: "Dockerfile", includeGit: false });
      return { ctx: c, tar: await listing(c.stream()) };
    });
  }

  // git archive also writes a directory entry for every directory (a checkout's tar only for empty ones) and a
  // symlink's mode as 0777: what the daemon makes of both is the same
  const contents = (t: TarListing[]) => t.filter((e) => e.type !== "directory").map((e) => (e.type === "symlink" ? { ...e, mode: 0 } : e)).sort((a, b) => a.name.localeCompare(b.name));

  test("the same files, modes, links and contents as from a checkout, written by git archive", async () => {
    const got = await contextOf(plain);
    expect(got.archived).toBe(1);
    const want = await checkoutOf(plain);
    expect(got.ctx.entries).toEqual(want.ctx.entries);
    expect(contents(got.tar)).toEqual(contents(want.tar));
    expect(got.tar.find((e) => e.name === "run.sh")).toMatchObject({ type: "file", mode: 0o755 });
    expect(got.tar.find((e) => e.name === "Dockerfile")).toMatchObject({ type: "file", mode: 0o644 });
    for (const d of got.tar.filter((e) => e.type === "directory")) expect(d.mode, d.name).toBe(0o755);
    expect(got.tar.find((e) => e.name === "big.bin")?.sha256).toBe(createHash("sha256").update(big).digest("hex"));
  }, 60_000);

  test("a .gitattributes (export-ignore, export-subst) makes it the tar from the objects instead, with every file", async () => {
    const got = await contextOf(withAttributes);
    expect(got.archived).toBe(0);
    expect(got.tar.map((e) => e.name)).toContain("notes.txt");
    expect(contents(got.tar)).toEqual(contents((await checkoutOf(withAttributes)).tar));
  }, 60_000);

  test("the archive holds the mirror's lock while it streams; an unknown commit fails the stream instead of ending it", async () => {
    const c = await commitFromMirror(cache, plainUrl, plain, { ...opts, key: "plain" });
    const lock = `${mirrorDir(cache, "plain", plainUrl)}.lock`;
    const s = c.archive();
    await new Promise((r) => s.once("readable", r));
    expect(existsSync(lock)).toBe(true);
    await listing(s);
    await eventuallyGone(lock);
    const broken = { ...c, archive: () => archiveTar(mirrorDir(cache, "plain", plainUrl), "0".repeat(40), { timeoutMs: 30_000 }) };
    const ctx = await prepareTreeContext(broken, { contextDir: "", dockerfile: "Dockerfile" });
    if ("checkoutNeeded" in ctx) throw new Error(ctx.checkoutNeeded);
    await expect(listing(ctx.stream())).rejects.toThrow(/git .*archive/);
  }, 60_000);
});

describe("commitFromMirror", () => {
  test("each tar gets the whole timeout afresh: a second architecture's build may start long after the fetch", async () => {
    const commit = await commitFromMirror(cache, url, sha, { ...opts, timeoutMs: 3_000 });
    const ctx = await prepareTreeContext(commit, rules[0]!);
    if ("checkoutNeeded" in ctx) throw new Error(ctx.checkoutNeeded);
    await new Promise((r) => setTimeout(r, 3_500));
    expect((await listing(ctx.stream())).map((e) => e.name)).toEqual(ctx.entries);
  }, 60_000);
});

async function eventuallyGone(file: string): Promise<void> {
  for (let i = 0; i < 100 && existsSync(file); i++) await new Promise((r) => setTimeout(r, 20));
  expect(existsSync(file)).toBe(false);
}
