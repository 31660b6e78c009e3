// Regression test for `git-url-injection` (issue 13, item 20): "ssh://-oProxyCommand=…/x" passed validation
// and reached git (which refused it, by luck). Users and hosts that start with '-' are refused by Slipway
// itself, before git runs, also percent-encoded or scp-like; only Slipway's transports are allowed, and a
// repository that a webhook drives (one of a GitHub app) never fetches file://.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { gitUrl, gitUrlProblem } from "@/lib/validation/inventory-fields";
import { repoEntity } from "@/lib/validation/inventory";
import { listRemoteRefs, remoteProtocolEnv } from "@/lib/git/ls-remote";
import { fetchCommit, withTempCheckout } from "@/lib/git/fetch";
import { GitError, runGit } from "@/lib/git/run";
import { createBareRepo, type BareRepo } from "@/test/helpers/git-server";

const hostile = [
  "ssh://-oProxyCommand=sh/x",
  "ssh://-oProxyCommand=id/x",
  "ssh://%2DoProxyCommand=id/x",
  "ssh://git@-oProxyCommand=id/x",
  "ssh://-oProxyCommand=id@host/x",
  "ssh://%2Dl@host/x",
  "git://-oProxyCommand=id/x",
  "https://-host.example/x.git",
  "ssh://host/-oProxyCommand=id",
  "git@-oProxyCommand=id:x",
  "-oProxyCommand=id@host:x",
  "git@host:-upload-pack=id",
  "ext::sh -c id",
  "ext::sh",
  "fd::17",
  "EXT::sh",
  "transport::x",
  "ftp://host/x.git",
  "rsync://host/x.git",
];

describe("git-url-injection: validation", () => {
  test.each(hostile)("%s is refused", (url) => {
    const r = gitUrl.safeParse(url);
    expect(r.success).toBe(false);
    expect(gitUrlProblem(url)).not.toBeNull();
  });

  test.each(["https://github.com/ocurrent/ocurrent-deployer.git", "ssh://git@host:2222/srv/x.git", "git@github.com:owner/name.git", "git://127.0.0.1:9418/x.git", "file:///srv/git/app.git", "ssh://host/x-y.git"])(
    "%s is accepted",
    (url) => expect(gitUrlProblem(url)).toBeNull(),
  );

  test("file:// is for repositories polled by URL, never for one of a GitHub app (webhooks drive it)", () => {
    expect(repoEntity.safeParse({ repo: "local-site", url: "file:///srv/git/site.git" }).success).toBe(true);
    const r = repoEntity.safeParse({ repo: "tarides/site", app: "tarides", url: "file:///etc/slipway.git" });
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => [i.path.join("."), i.message])).toEqual([["url", expect.stringMatching(/file:\/\/ URLs are only for repositories polled by URL/)]]);
    expect(repoEntity.safeParse({ repo: "tarides/site", app: "tarides", url: "https://github.com/tarides/site.git" }).success).toBe(true);
  });
});

describe("git-url-injection: the git adapter refuses before git runs", () => {
  let repo: BareRepo;
  beforeAll(() => {
    repo = createBareRepo({ "README.md": "hello\n" });
  });
  afterAll(() => repo?.remove());

  test.each(hostile)("listRemoteRefs(%s) is refused by Slipway, in words", async (url) => {
    const err = await listRemoteRefs(url, { timeoutMs: 10_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GitError);
    expect((err as GitError).message).toMatch(/is not a git URL Slipway accepts/);
    expect((err as GitError).stderr).toBe(""); // git never ran
  });

  test("fetchCommit refuses the same URLs", async () => {
    for (const url of hostile) {
      const err = await withTempCheckout((dir) => fetchCommit(url, repo.initial, dir, { timeoutMs: 10_000 })).catch((e: unknown) => e);
      expect((err as GitError).message, url).toMatch(/is not a git URL Slipway accepts/);
    }
  });

  test("file:// works where allowed and is refused where a webhook drives the repository", async () => {
    expect((await listRemoteRefs(repo.fileUrl, { timeoutMs: 10_000 })).branches.get("main")).toBe(repo.initial);
    const err = await listRemoteRefs(repo.fileUrl, { timeoutMs: 10_000, allowFile: false }).catch((e: unknown) => e);
    expect((err as GitError).message).toMatch(/file:\/\/ URLs are only for repositories polled by URL/);
    const fetched = await withTempCheckout((dir) => fetchCommit(repo.fileUrl, repo.initial, dir, { timeoutMs: 10_000, allowFile: false })).catch((e: unknown) => e);
    expect((fetched as GitError).message).toMatch(/file:\/\/ URLs are only/);
  });

  test("git itself is told the same: without file in GIT_ALLOW_PROTOCOL it refuses a file transport (redirects, submodules)", async () => {
    const err = await runGit(["ls-remote", "--", repo.fileUrl], { timeoutMs: 10_000, env: remoteProtocolEnv({ allowFile: false }) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GitError);
    expect((err as GitError).stderr).toMatch(/transport 'file' not allowed/);
  });
});
