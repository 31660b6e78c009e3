import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fetchCommit, withTempCheckout } from "@/lib/git/fetch";
import { listRemoteRefs } from "@/lib/git/ls-remote";
import { GitError } from "@/lib/git/run";
import { createBareRepo, git, startGitDaemon, type BareRepo, type GitDaemon } from "@/test/helpers/git-server";

const tag = randomBytes(6).toString("hex");
const marker1 = `/tmp/pwned-${tag}`;
const marker2 = `/tmp/pwned2-${tag}`;
const oddBranches = [`--upload-pack=touch\${IFS}${marker1}`, `$(touch\${IFS}${marker2})`, "-x", "a;b"];

let repo: BareRepo;
let daemon: GitDaemon;
let second: string;
let third: string;

beforeAll(async () => {
  repo = createBareRepo({ "README.md": "hello\n", Dockerfile: "FROM scratch\n" });
  second = repo.commit("main", { "README.md": "second\n", Dockerfile: "FROM scratch\n" }, "second commit\n\nwith a body");
  third = repo.commit("main", { "README.md": "third\n" }, "third");
  for (const b of oddBranches) repo.commit(b, { "odd.txt": `${b}\n` }, `on ${b}`);
  daemon = await startGitDaemon(repo.root);
});
const dirs: string[] = [];
afterAll(async () => {
  await daemon?.stop();
  repo?.remove();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const tmp = () => {
  const dir = path.join(os.tmpdir(), `slipway-fetch-test-${randomBytes(6).toString("hex")}`);
  dirs.push(dir);
  return dir;
};

describe.each([
  ["file://", () => repo.fileUrl],
  ["git://", () => daemon.url(repo.name)],
])("fetchCommit over %s", (_label, url) => {
  it("checks out exactly that commit (not the branch tip), detached, with its metadata", async () => {
    const dir = tmp();
    const got = await fetchCommit(url(), second, dir, { timeoutMs: 20_000 });
    expect(got.sha).toBe(second);
    expect(got.dir).toBe(dir);
    expect(got.message).toBe("second commit\n\nwith a body");
    expect(got.author).toBe("Test Author <author@example.org>");
    expect(got.committedAt).toBeInstanceOf(Date);
    expect(Number.isNaN(got.committedAt.getTime())).toBe(false);
    expect(readFileSync(path.join(dir, "README.md"), "utf8")).toBe("second\n");
    expect(readFileSync(path.join(dir, "Dockerfile"), "utf8")).toBe("FROM scratch\n");
    expect(git(dir, ["rev-parse", "HEAD"])).toBe(second);
    expect(() => git(dir, ["symbolic-ref", "-q", "HEAD"])).toThrow(); // detached
    expect(git(dir, ["rev-list", "--count", "HEAD"])).toBe("1"); // depth 1
  });

  it("fetches the heads of branches named like options or shell code as data (command-injection)", async () => {
    const refs = await listRemoteRefs(url(), { timeoutMs: 10_000 });
    for (const b of oddBranches) {
      const sha = refs.branches.get(b);
      expect(sha, b).toMatch(/^[0-9a-f]{40}$/);
      const dir = tmp();
      await fetchCommit(url(), sha!, dir, { timeoutMs: 20_000, ref: `refs/heads/${b}` });
      expect(readFileSync(path.join(dir, "odd.txt"), "utf8")).toBe(`${b}\n`);
    }
    expect(existsSync(marker1)).toBe(false);
    expect(existsSync(marker2)).toBe(false);
  });

  it("a SHA that does not exist is not_found, in words", async () => {
    const err = await fetchCommit(url(), "0123456789abcdef0123456789abcdef01234567", tmp(), { timeoutMs: 20_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GitError);
    expect((err as GitError).kind).toBe("not_found");
    expect((err as GitError).message).toMatch(/commit 0123456789abcdef0123456789abcdef01234567 was not found at .*never pushed/);
  });
});

describe("fetchCommit with a ref to fall back on", () => {
  it("fetches by SHA, and when the SHA is missing tries the ref and says the ref moved away from the commit", async () => {
    // git daemon speaks protocol v2, which serves any reachable SHA, so the first fetch succeeds here; a SHA that
    // is nowhere takes the fallback path (fetch the ref, then look for the commit) and ends in its message
    const url = daemon.url(repo.name);
    const dir = tmp();
    const got = await fetchCommit(url, third, dir, { timeoutMs: 20_000, ref: "refs/heads/main" });
    expect(got.sha).toBe(third);
    const err = await fetchCommit(url, "f".repeat(40), tmp(), { timeoutMs: 20_000, ref: "refs/heads/main" }).catch((e: unknown) => e);
    expect((err as GitError).kind).toBe("not_found");
    expect((err as GitError).message).toMatch(/no longer at refs\/heads\/main/);
  });
});

describe("fetchCommit input checks", () => {
  it("validates the SHA before running anything", async () => {
    for (const sha of ["--upload-pack=touch /tmp/x", "HEAD", "abc", "A".repeat(40), `${"a".repeat(40)}\n`]) {
      await expect(fetchCommit(repo.fileUrl, sha, tmp(), { timeoutMs: 5000 })).rejects.toThrow(/not a full commit SHA/);
    }
  });

  it("refuses a ref that is a refspec or an option", async () => {
    for (const ref of ["+refs/heads/main:refs/heads/x", "--upload-pack=x", "main", "refs/heads/a b"]) {
      await expect(fetchCommit(repo.fileUrl, second, tmp(), { timeoutMs: 5000, ref })).rejects.toThrow(/not a full ref name/);
    }
  });

  it("refuses a directory that is not empty", async () => {
    const dir = tmp();
    mkdirSync(dir);
    writeFileSync(path.join(dir, "x"), "x");
    await expect(fetchCommit(repo.fileUrl, second, dir, { timeoutMs: 5000 })).rejects.toThrow(/not empty/);
  });
});

describe("withTempCheckout", () => {
  it("gives fn an empty directory and removes it afterwards", async () => {
    let seen = "";
    const sha = await withTempCheckout(async (dir) => {
      seen = dir;
      return (await fetchCommit(repo.fileUrl, second, dir, { timeoutMs: 20_000 })).sha;
    });
    expect(sha).toBe(second);
    expect(seen).not.toBe("");
    expect(existsSync(seen)).toBe(false);
  });

  it("removes the directory even when fn throws", async () => {
    let seen = "";
    await expect(
      withTempCheckout(async (dir) => {
        seen = dir;
        await fetchCommit(repo.fileUrl, second, dir, { timeoutMs: 20_000 });
        throw new Error("build failed");
      }),
    ).rejects.toThrow("build failed");
    expect(existsSync(seen)).toBe(false);
  });
});
