// A build as people follow it in the console: its page streams the log while the build runs (chunks
// stored in the database appear without a reload, steps are headings, Pause stops the scrolling, a dropped
// connection resumes after the last chunk), the state badge changes when the build ends, the log
// downloads as text; the Builds list filters, the
// repository page shows the head's latest build and the README badge; a viewer sees no build buttons.
// Builds are seeded straight into the database (no Docker here): held by the e2e server's own live
// worker, so no reaper takes them for orphans.
import { mkdirSync, readFileSync } from "node:fs";
import { randomUUID } from "node:crypto";
import { gzipSync } from "node:zlib";
import { test, expect, request as playwrightRequest, type Locator, type Page } from "@playwright/test";
import { signInWithGitHub } from "./support/login";
import { query } from "./support/db";

test.describe.configure({ mode: "serial" });

const REPO = "e2e/live-log";
const SHA = "3f786850e387550fdab836ed7e6dc881de23001b";

interface Seeded {
  repositoryId: string;
  buildId: string;
}

let seeded: Seeded;
const stored: string[] = [];

/** Stores a chunk as lib/build/log-store.ts does: gzip, the uncompressed length, the build's byte count. */
async function appendChunk(buildId: string, text: string) {
  const seq = stored.length;
  stored.push(text);
  const bytes = Buffer.from(text, "utf8");
  await query("INSERT INTO build_log_chunks (build_id, seq, data, length) VALUES ($1, $2, $3, $4)", [buildId, seq, gzipSync(bytes), bytes.length]);
  await query("UPDATE builds SET log_bytes = log_bytes + $2, updated_at = now() WHERE id = $1", [buildId, bytes.length]);
}

async function seed(): Promise<Seeded> {
  const id = () => `e2e${randomUUID().replace(/-/g, "").slice(0, 21)}`;
  const [worker] = await query<{ id: string }>("SELECT id FROM worker_heartbeats WHERE stopped_at IS NULL ORDER BY last_seen_at DESC LIMIT 1");
  const repositoryId = id();
  const ruleId = id();
  const commitId = id();
  const refId = id();
  const contextId = id();
  const buildId = id();
  // polled a moment ago, once a day: the worker leaves the unreachable example URL alone
  await query("INSERT INTO repositories (id, name, provider, url, default_branch, poll_interval_seconds, last_polled_at, updated_at) VALUES ($1, $2, 'git', $3, 'main', 86400, now(), now())", [
    repositoryId,
    REPO,
    "https://git.example.test/e2e/live-log.git",
  ]);
  await query("INSERT INTO build_rules (id, repository_id, name, kind, build_args, build_secrets, updated_at) VALUES ($1, $2, 'Dockerfile', 'docker', '{}', '{}', now())", [ruleId, repositoryId]);
  await query("INSERT INTO commits (id, repository_id, sha, message, author) VALUES ($1, $2, $3, $4, 'Ada')", [commitId, repositoryId, SHA, "Serve the docs from /docs\n\nLonger body."]);
  await query("INSERT INTO refs (id, repository_id, kind, name, head_sha, updated_at) VALUES ($1, $2, 'branch', 'main', $3, now())", [refId, repositoryId, SHA]);
  await query("INSERT INTO docker_contexts (id, name, endpoint, role, updated_at) VALUES ($1, 'builder-e2e', 'unix:///var/run/docker.sock', 'swarm_manager', now())", [contextId]);
  await query(
    `INSERT INTO builds (id, build_rule_id, commit_id, state, trigger, docker_context_id, worker_id, queued_at, started_at, updated_at)
     VALUES ($1, $2, $3, 'building', 'webhook', $4, $5, now() - interval '8 seconds', now() - interval '6 seconds', now())`,
    [buildId, ruleId, commitId, contextId, worker?.id ?? null],
  );
  await query("INSERT INTO build_refs (build_id, ref_id) VALUES ($1, $2)", [buildId, refId]);
  return { repositoryId, buildId };
}

async function shot(page: Page, name: string) {
  mkdirSync("test-results/artifacts", { recursive: true });
  await page.screenshot({ path: `test-results/artifacts/${name}.png`, fullPage: true });
}

/** How far the log box is from its bottom, in pixels (0: following the tail). */
async function distanceFromBottom(log: Locator): Promise<number> {
  return log.evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight);
}

test("the build page streams the log live, pauses on request, updates its state and downloads the log", async ({ page }) => {
  test.setTimeout(120_000);
  seeded = await seed();
  await appendChunk(seeded.buildId, "==> Fetching 3f786850e387 from https://git.example.test/e2e/live-log.git\n");
  await appendChunk(seeded.buildId, "Step 1/3 : FROM alpine:3.20\n ---> 1d34ffeaf190\n");

  await signInWithGitHub(page, "alice");
  await page.goto(`/builds/${seeded.buildId}`);
  await expect(page.getByRole("heading", { name: `${REPO} · Dockerfile` })).toBeVisible();
  await expect(page.getByTestId("build-state")).toHaveText("Building");
  await expect(page.getByText("Building on builder-e2e.")).toBeVisible();
  await expect(page.getByRole("button", { name: "Cancel build" })).toBeVisible();

  const log = page.getByTestId("build-log");
  // the stored chunks, with the steps as headings that carry the time since the build started
  await expect(log.getByRole("heading", { name: /Step 1\/3 : FROM alpine:3\.20/ })).toBeVisible();
  await expect(log.getByRole("heading", { name: /^==> Fetching 3f786850e387/ })).toBeVisible();
  await expect(log.getByRole("heading", { name: /Step 1\/3/ })).toContainText(/\+0:\d\d/);
  await expect(log).toContainText("---> 1d34ffeaf190");

  // new output stored while the page is open appears without a reload, and the view follows it
  await appendChunk(seeded.buildId, "Step 2/3 : RUN make\n" + Array.from({ length: 80 }, (_, i) => `compiling module ${i}\n`).join(""));
  await expect(log.getByText("compiling module 79", { exact: true })).toBeVisible();
  await expect(log.getByRole("heading", { name: /Step 2\/3 : RUN make/ })).toBeAttached();
  await expect.poll(() => distanceFromBottom(log)).toBeLessThan(5);
  await shot(page, "build-running");

  // Pause: more output arrives, the view stays where it was
  const pause = page.getByRole("button", { name: "Pause" });
  await pause.focus();
  await page.keyboard.press("Enter");
  await expect(page.getByRole("button", { name: "Follow" })).toBeVisible();
  const before = await log.evaluate((el) => el.scrollTop);
  await appendChunk(seeded.buildId, Array.from({ length: 40 }, (_, i) => `linking part ${i}\n`).join(""));
  await expect(log.getByText("linking part 39", { exact: true })).toBeAttached();
  expect(await log.evaluate((el) => el.scrollTop)).toBe(before);
  expect(await distanceFromBottom(log)).toBeGreaterThan(200);
  // Follow again: back at the tail
  await page.getByRole("button", { name: "Follow" }).click();
  await expect.poll(() => distanceFromBottom(log)).toBeLessThan(5);
  await log.scrollIntoViewIfNeeded();
  await expect(log.getByText("linking part 39", { exact: true })).toBeInViewport();

  // the build ends: the last chunk arrives, then the page shows the final state without a reload
  await appendChunk(seeded.buildId, "Step 3/3 : CMD [\"/srv/site\"]\n==> Built sha256:0123456789abcdef\n");
  const digest = `sha256:${"ab".repeat(32)}`;
  const arm64 = `sha256:${"cd".repeat(32)}`;
  const ruleId = `e2e${randomUUID().replace(/-/g, "").slice(0, 21)}`;
  await query(
    "INSERT INTO deployment_rules (id, build_rule_id, branch, image, updated_at) SELECT $1, build_rule_id, 'main', '127.0.0.1:5000/e2e/live-log:main', now() FROM builds WHERE id = $2",
    [ruleId, seeded.buildId],
  );
  await query("INSERT INTO releases (id, build_id, deployment_rule_id, image_repo, tag, digest, platform_digests, recorded_before_signing) VALUES ($1, $2, $3, '127.0.0.1:5000/e2e/live-log', 'main', $4, $5, true)", [
    `e2e${randomUUID().replace(/-/g, "").slice(0, 21)}`,
    seeded.buildId,
    ruleId,
    digest,
    JSON.stringify({ amd64: `sha256:${"ef".repeat(32)}`, arm64 }),
  ]);
  await query("UPDATE builds SET state = 'succeeded', finished_at = now(), updated_at = now() WHERE id = $1", [seeded.buildId]);
  await expect(page.getByTestId("build-state")).toHaveText("Succeeded");
  await expect(page.getByText("Built and pushed: one release, below.")).toBeVisible();
  const releases = page.getByRole("list", { name: "Releases" });
  await expect(releases).toContainText(`127.0.0.1:5000/e2e/live-log:main@${digest}`);
  await expect(releases).toContainText(`arm64${arm64}`);
  await expect(log.getByRole("heading", { name: /==> Built sha256:0123456789abcdef/ })).toBeAttached();
  await expect(page.getByText("Complete", { exact: true })).toBeVisible();
  await expect(page.getByRole("button", { name: "Cancel build" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Rebuild" })).toBeVisible();
  await shot(page, "build");

  // the Download link: the whole log as build-<id>.log
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Download" }).click()]);
  expect(download.suggestedFilename()).toBe(`build-${seeded.buildId}.log`);
  expect(readFileSync((await download.path())!, "utf8")).toBe(stored.join(""));
});

test("after a dropped connection the log reconnects and resumes after the last chunk it got", async ({ page }) => {
  // another running build of the same rule, with three chunks stored
  const [rule] = await query<{ id: string }>("SELECT r.id FROM build_rules r JOIN repositories p ON p.id = r.repository_id WHERE p.name = $1", [REPO]);
  const [worker] = await query<{ id: string }>("SELECT id FROM worker_heartbeats WHERE stopped_at IS NULL ORDER BY last_seen_at DESC LIMIT 1");
  const commitId = `e2e${randomUUID().replace(/-/g, "").slice(0, 21)}`;
  const buildId = `e2e${randomUUID().replace(/-/g, "").slice(0, 21)}`;
  await query("INSERT INTO commits (id, repository_id, sha, message) VALUES ($1, $2, $3, 'Resume test')", [commitId, seeded.repositoryId, "7".repeat(40)]);
  await query("INSERT INTO builds (id, build_rule_id, commit_id, state, trigger, worker_id, started_at, updated_at) VALUES ($1, $2, $3, 'building', 'poll', $4, now(), now())", [
    buildId,
    rule!.id,
    commitId,
    worker?.id ?? null,
  ]);
  const chunks = ["first chunk\n", "second chunk\n", "third chunk\n"];
  for (const [seq, text] of chunks.entries()) {
    const bytes = Buffer.from(text);
    await query("INSERT INTO build_log_chunks (build_id, seq, data, length) VALUES ($1, $2, $3, $4)", [buildId, seq, gzipSync(bytes), bytes.length]);
  }

  // the first connection delivers chunk 0 and drops; the next ones reach the server
  const asked: string[] = [];
  await page.route(/\/api\/builds\/[^/]+\/log\?/, async (route) => {
    const url = new URL(route.request().url());
    asked.push(url.searchParams.get("after") ?? "");
    if (asked.length > 1) return route.continue();
    const state = JSON.stringify({ state: "building", reason: null, startedAt: new Date().toISOString(), finishedAt: null });
    const first = JSON.stringify({ seq: 0, text: chunks[0], at: new Date().toISOString() });
    await route.fulfill({ status: 200, headers: { "Content-Type": "text/event-stream" }, body: `event: state\ndata: ${state}\n\nid: 0\ndata: ${first}\n\n` });
  });
  await signInWithGitHub(page, "alice");
  await page.goto(`/builds/${buildId}`);
  const log = page.getByTestId("build-log");
  await expect(log.getByText("third chunk", { exact: true })).toBeAttached({ timeout: 15_000 });
  expect(asked.slice(0, 2)).toEqual(["-1", "0"]);
  await expect(log.getByText("first chunk", { exact: true })).toHaveCount(1);
  await expect(log.getByText("second chunk", { exact: true })).toHaveCount(1);
  await expect(page.getByText("Live", { exact: true })).toBeVisible();
  await page.unroute(/\/api\/builds\/[^/]+\/log\?/);
  await query("UPDATE builds SET state = 'failed', reason = 'the e2e test ended it', finished_at = now(), updated_at = now() WHERE id = $1", [buildId]);
});

test("the Builds list filters by repository, branch and state, and explains a bad filter", async ({ page }) => {
  await signInWithGitHub(page, "alice");
  await page.goto(`/builds?repository=${encodeURIComponent(REPO)}&branch=main&state=succeeded`);
  await expect(page.getByRole("link", { name: /Build 3f78685 of e2e\/live-log Dockerfile/ })).toBeVisible();
  await expect(page.getByLabel("Repository")).toHaveValue(REPO);
  await shot(page, "builds");
  await page.getByLabel("State").selectOption("failed");
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page.getByText("No builds match these filters")).toBeVisible();
  await page.goto("/builds?state=exploded&pr=abc");
  const alert = page.getByRole("alert").filter({ hasText: "These filters cannot be used" });
  await expect(alert).toContainText("State (“exploded”): must be one of: active, queued");
  await expect(alert).toContainText("Pull request (“abc”): must be a pull request number, e.g. 42");
});

test("the repository page shows the head's latest build, Build now for operators, and the README badge", async ({ page, baseURL }) => {
  await signInWithGitHub(page, "alice");
  await page.goto(`/repositories/${seeded.repositoryId}`);
  const refs = page.getByRole("region", { name: "Branches and pull requests" });
  await expect(refs.getByRole("link", { name: /Succeeded\s*Dockerfile/ })).toHaveAttribute("href", `/builds/${seeded.buildId}`);
  await expect(refs.getByRole("button", { name: "Build main now" })).toBeVisible();
  const markdown = `[![build](${baseURL}/api/badges/e2e/live-log.svg?branch=main)](${baseURL}/builds?repository=e2e%2Flive-log&branch=main)`;
  await expect(page.getByText(markdown)).toBeVisible();
  await expect(page.getByRole("img", { name: "build status of main" })).toBeVisible();
  await refs.scrollIntoViewIfNeeded();
  await shot(page, "repository-builds");

  // the badge needs no session: README images are fetched anonymously
  const anonymous = await playwrightRequest.newContext({ baseURL });
  const badge = await anonymous.get("/api/badges/e2e/live-log.svg?branch=main");
  expect(badge.status()).toBe(200);
  expect(badge.headers()["content-type"]).toBe("image/svg+xml; charset=utf-8");
  expect(badge.headers()["cache-control"]).toBe("no-cache");
  expect(await badge.text()).toContain('aria-label="build: passing"');
  // and the log is not public
  expect((await anonymous.get(`/api/builds/${seeded.buildId}/log.txt`)).status()).toBe(401);
  await anonymous.dispose();
});

test("a viewer reads the build and its log but gets no build buttons", async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signInWithGitHub(page, "victor");
  await page.goto(`/builds/${seeded.buildId}`);
  await expect(page.getByTestId("build-state")).toHaveText("Succeeded");
  await expect(page.getByTestId("build-log").getByText("compiling module 79", { exact: true })).toBeAttached();
  await expect(page.getByRole("button", { name: /rebuild|cancel build/i })).toHaveCount(0);
  await page.goto(`/repositories/${seeded.repositoryId}`);
  await expect(page.getByRole("region", { name: "Branches and pull requests" }).getByRole("link", { name: /Succeeded/ })).toBeVisible();
  await expect(page.getByRole("button", { name: /build .* now/i })).toHaveCount(0);
  // a build that does not exist: the console's not-found page, with the way back (the status is already
  // 200 by then: the page streams behind its loading boundary, and Next marks it noindex instead)
  await page.goto("/builds/no-such-build");
  await expect(page.getByText("There is no such build")).toBeVisible();
  await expect(page.getByRole("main").getByRole("link", { name: "Go to Builds" })).toBeVisible();
  await context.close();
});

test("an operator cancels a running build (after confirming) and rebuilds an ended one", async ({ page }) => {
  // a second build of the same rule, running, on another commit
  const [rule] = await query<{ id: string }>("SELECT r.id FROM build_rules r JOIN repositories p ON p.id = r.repository_id WHERE p.name = $1", [REPO]);
  const [worker] = await query<{ id: string }>("SELECT id FROM worker_heartbeats WHERE stopped_at IS NULL ORDER BY last_seen_at DESC LIMIT 1");
  const commitId = `e2e${randomUUID().replace(/-/g, "").slice(0, 21)}`;
  const runningId = `e2e${randomUUID().replace(/-/g, "").slice(0, 21)}`;
  await query("INSERT INTO commits (id, repository_id, sha, message) VALUES ($1, $2, $3, 'Second commit')", [commitId, seeded.repositoryId, "9".repeat(40)]);
  await query(
    `INSERT INTO builds (id, build_rule_id, commit_id, state, trigger, worker_id, started_at, updated_at)
     VALUES ($1, $2, $3, 'building', 'poll', $4, now(), now())`,
    [runningId, rule!.id, commitId, worker?.id ?? null],
  );

  await signInWithGitHub(page, "alice");
  await page.goto(`/builds/${runningId}`);
  await expect(page.getByTestId("build-log")).toContainText("Waiting for output…");
  await page.getByRole("button", { name: "Cancel build" }).click();
  const dialog = page.getByRole("dialog", { name: "Cancel this build?" });
  await expect(dialog).toBeVisible();
  await dialog.getByRole("button", { name: "Keep building" }).click();
  await expect(dialog).toBeHidden();
  expect((await query<{ c: Date | null }>("SELECT cancel_requested_at AS c FROM builds WHERE id = $1", [runningId]))[0]!.c).toBeNull();
  await page.getByRole("button", { name: "Cancel build" }).click();
  await dialog.getByRole("button", { name: "Cancel build" }).click();
  await expect(page.getByText("Building. Cancel requested (cancelled by alice): the build host is stopping the build.")).toBeVisible();
  await expect(page.getByRole("button", { name: "Cancel build" })).toHaveCount(0);
  const [row] = await query<{ c: Date | null; reason: string }>("SELECT cancel_requested_at AS c, reason FROM builds WHERE id = $1", [runningId]);
  expect(row!.c).not.toBeNull();
  expect(row!.reason).toBe("cancelled by alice");

  // Rebuild the first build: a new attempt of the same rule and commit, and its page opens
  await page.goto(`/builds/${seeded.buildId}`);
  await page.getByRole("button", { name: "Rebuild" }).click();
  await expect(page).not.toHaveURL(new RegExp(`/builds/${seeded.buildId}$`));
  await expect(page.getByText("Attempt 2 (this one)")).toBeVisible();
  await expect(page.getByRole("link", { name: "Attempt 1" })).toHaveAttribute("href", `/builds/${seeded.buildId}`);
  const actions = (await query<{ action: string }>("SELECT action FROM audit_events WHERE actor_label = 'alice' AND action LIKE 'build.%'")).map((a) => a.action);
  expect(actions).toEqual(expect.arrayContaining(["build.cancelled", "build.rebuilt"]));
});
