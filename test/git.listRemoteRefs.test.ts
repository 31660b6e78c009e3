import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listRemoteRefs, parseLsRemote } from "@/lib/git/ls-remote";
import { GitError } from "@/lib/git/run";
import { createBareRepo, startGitDaemon, type BareRepo, type GitDaemon } from "@/test/helpers/git-server";

const tag = randomBytes(6).toString("hex");
const marker1 = `/tmp/pwned-${tag}`;
const marker2 = `/tmp/pwned2-${tag}`;
const oddBranches = [`--upload-pack=touch\${IFS}${marker1}`, `$(touch\${IFS}${marker2})`, "-x", "a;b", "topic/ünï"];

let repo: BareRepo;
let daemon: GitDaemon;
let featureSha: string;
let pullSha: string;

beforeAll(async () => {
  repo = createBareRepo({ "README.md": "hello\n" }, { branches: oddBranches });
  featureSha = repo.commit("feature", { "README.md": "feature\n" });
  pullSha = repo.commit("pr-work", { "README.md": "pull request\n" });
  repo.setRef("refs/pull/7/head", pullSha);
  repo.setRef("refs/pull/7/merge", featureSha); // not a head: ignored
  repo.setRef("refs/tags/v1", featureSha); // ignored
  daemon = await startGitDaemon(repo.root);
});
afterAll(async () => {
  await daemon?.stop();
  repo?.remove();
});

describe.each([
  ["file://", () => repo.fileUrl],
  ["git://", () => daemon.url(repo.name)],
])("listRemoteRefs over %s", (_label, url) => {
  it("lists branches, PR heads and the default branch with the right SHAs", async () => {
    const refs = await listRemoteRefs(url(), { timeoutMs: 10_000 });
    expect(refs.head).toBe("main");
    expect(refs.branches.get("main")).toBe(repo.initial);
    expect(refs.branches.get("feature")).toBe(featureSha);
    expect(refs.branches.get("pr-work")).toBe(pullSha);
    expect([...refs.pulls]).toEqual([[7, pullSha]]);
    for (const b of oddBranches) expect(refs.branches.get(b), b).toBe(repo.initial);
    expect(refs.branches.size).toBe(3 + oddBranches.length);
  });

  it("never runs a branch name: the marker files are not created (command-injection)", async () => {
    await listRemoteRefs(url(), { timeoutMs: 10_000 });
    expect(existsSync(marker1)).toBe(false);
    expect(existsSync(marker2)).toBe(false);
  });
});

describe("listRemoteRefs errors", () => {
  it("a repository that does not exist is not_found, in words", async () => {
    const err = await listRemoteRefs(daemon.url("missing.git"), { timeoutMs: 10_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GitError);
    expect((err as GitError).kind).toBe("not_found");
    expect((err as GitError).message).toMatch(/does not exist on the remote/);
  });

  it("refuses URLs that are not a git transport (ext::, a leading dash)", async () => {
    for (const url of ["ext::sh -c touch% /tmp/x", "--upload-pack=touch /tmp/x", "-x"]) {
      await expect(listRemoteRefs(url, { timeoutMs: 5000 })).rejects.toThrow(/not a git URL/);
    }
  });

  it("refuses to send a token over a non-https URL", async () => {
    await expect(listRemoteRefs(repo.fileUrl, { token: "ghs_secret", timeoutMs: 5000 })).rejects.toThrow(/only sent over https/);
  });
});

describe("parseLsRemote", () => {
  it("keeps refs/heads and refs/pull/N/head only, and reads the HEAD symref", () => {
    const a = "a".repeat(40);
    const b = "b".repeat(40);
    const out = `ref: refs/heads/live\tHEAD\n${a}\tHEAD\n${a}\trefs/heads/live\n${b}\trefs/heads/x\ty\n${b}\trefs/pull/12/head\n${b}\trefs/pull/12/merge\n${a}\trefs/tags/v1\n${a}\trefs/pull/0/head\n`;
    const refs = parseLsRemote(out);
    expect(refs.head).toBe("live");
    expect([...refs.branches]).toEqual([
      ["live", a],
      ["x\ty", b],
    ]);
    expect([...refs.pulls]).toEqual([[12, b]]);
  });
});
