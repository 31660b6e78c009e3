// A real build followed live in Chromium: the e2e server runs a private dockerd and serves a git
// repository whose Dockerfile prints "tick N" once a second. An admin presses "Build now" on the
// repository page; the worker fetches the commit and builds it on the dockerd, and the build page shows
// the lines as the daemon prints them, while the build is still running, then the final state.
import { randomUUID } from "node:crypto";
import { mkdirSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { test, expect } from "@playwright/test";
import { signInWithGitHub } from "./support/login";
import { query } from "./support/db";

const build = JSON.parse(process.env.E2E_BUILD ?? "{}") as { dockerEndpoint: string; gitUrl: string; sha: string };
const id = () => `e2e${randomUUID().replace(/-/g, "").slice(0, 21)}`;

test("a build's log appears live while it runs, then the build succeeds", async ({ page }) => {
  test.setTimeout(120_000);
  const contextId = id();
  const repositoryId = id();
  const ruleId = id();
  await query("INSERT INTO docker_contexts (id, name, endpoint, role, archs, max_concurrent_builds, updated_at) VALUES ($1, 'e2e-builder', $2, 'build', '{amd64}', 2, now())", [
    contextId,
    build.dockerEndpoint,
  ]);
  // polled a moment ago (and daily), so the spec's Build now is the build
  await query(
    "INSERT INTO repositories (id, name, provider, url, default_branch, poll_interval_seconds, last_polled_at, updated_at) VALUES ($1, 'e2e/real-build', 'git', $2, 'main', 86400, now(), now())",
    [repositoryId, build.gitUrl],
  );
  await query("INSERT INTO build_rules (id, repository_id, name, kind, build_args, build_secrets, updated_at) VALUES ($1, $2, 'Dockerfile', 'docker', '{}', '{}', now())", [ruleId, repositoryId]);
  await query("INSERT INTO refs (id, repository_id, kind, name, head_sha, updated_at) VALUES ($1, $2, 'branch', 'main', $3, now())", [id(), repositoryId, build.sha]);

  await signInWithGitHub(page, "alice");
  await page.goto(`/repositories/${repositoryId}`);
  const refs = page.getByRole("region", { name: "Branches and pull requests" });
  await refs.getByRole("button", { name: "Build main now" }).click();
  await expect(page.getByText(/Queued 1 build of main/)).toBeVisible();
  const [row] = await query<{ id: string }>("SELECT b.id FROM builds b WHERE b.build_rule_id = $1", [ruleId]);
  expect(row).toBeDefined();

  await page.goto(`/builds/${row!.id}`);
  const log = page.getByRole("log");
  // the first line arrives while the daemon is still printing the rest
  await expect(log).toContainText("tick 2", { timeout: 60_000 });
  await expect(page.getByText("Building", { exact: true }).first()).toBeVisible();
  await expect(log).not.toContainText("tick 8");
  mkdirSync("test-results/artifacts", { recursive: true });
  await page.screenshot({ path: "test-results/artifacts/build-live.png", fullPage: false });
  await expect(log).toContainText("tick 8", { timeout: 30_000 });
  await expect(page.getByText("Succeeded", { exact: true }).first()).toBeVisible({ timeout: 30_000 });
  await expect(log).toContainText("==> done: this branch or pull request deploys nowhere");
  const [done] = await query<{ state: string; docker_context_id: string }>("SELECT state::text, docker_context_id FROM builds WHERE id = $1", [row!.id]);
  expect(done).toEqual({ state: "succeeded", docker_context_id: contextId });
});

test("a log cut at SLIPWAY_LOG_MAX_MB says so on the build page and in the log", async ({ page }) => {
  // a finished build whose writer cut its log at 1 MB (lib/build/log-writer.ts; the cut itself is tested in
  // test/build.logWriter.test.ts): its last chunk and the flag, as the writer stores them in one transaction
  const repositoryId = id();
  const ruleId = id();
  const commitId = id();
  const buildId = id();
  await query("INSERT INTO repositories (id, name, provider, url, default_branch, poll_interval_seconds, last_polled_at, updated_at) VALUES ($1, 'e2e/cut-log', 'git', 'https://git.example.test/cut.git', 'main', 86400, now(), now())", [repositoryId]);
  await query("INSERT INTO build_rules (id, repository_id, name, kind, build_args, build_secrets, updated_at) VALUES ($1, $2, 'Dockerfile', 'docker', '{}', '{}', now())", [ruleId, repositoryId]);
  await query("INSERT INTO commits (id, repository_id, sha, message) VALUES ($1, $2, $3, 'Print a lot')", [commitId, repositoryId, "5".repeat(40)]);
  const kept = `${"a".repeat(1023)}\n`.repeat(1024);
  const last = "tail of the kept output\n==> the log passed 1 MB (SLIPWAY_LOG_MAX_MB); the rest is not stored\n";
  await query(
    "INSERT INTO builds (id, build_rule_id, commit_id, state, trigger, started_at, finished_at, log_bytes, log_truncated, updated_at) VALUES ($1, $2, $3, 'succeeded', 'manual', now(), now(), $4, true, now())",
    [buildId, ruleId, commitId, Buffer.byteLength(kept) + Buffer.byteLength(last)],
  );
  for (const [seq, text] of [kept, last].entries()) {
    await query("INSERT INTO build_log_chunks (build_id, seq, data, length) VALUES ($1, $2, $3, $4)", [buildId, seq, gzipSync(text), Buffer.byteLength(text)]);
  }

  await signInWithGitHub(page, "alice");
  await page.goto(`/builds/${buildId}`);
  await expect(page.getByRole("status").filter({ hasText: "The log was cut at 1 MB (SLIPWAY_LOG_MAX_MB)" })).toBeVisible();
  await expect(page.getByRole("log")).toContainText("==> the log passed 1 MB (SLIPWAY_LOG_MAX_MB); the rest is not stored");
});
