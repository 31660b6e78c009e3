// transient-retry in the console, against the e2e server's real worker: a deployment whose docker engine drops
// every connection (as a dockerd restarting does) is not failed but waits for its next attempt. Its page and its
// target's page say "waiting for <context>: attempt N, next in S s", counting down and following the next attempt
// live (no reload); Cancel stops it. The docker context is a unix socket this spec serves; rows are seeded
// straight into the database and the job is enqueued as the console enqueues it.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { randomBytes, randomUUID } from "node:crypto";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { test, expect, type Page } from "@playwright/test";
import { signInWithGitHub } from "./support/login";
import { query } from "./support/db";

test.describe.configure({ mode: "serial" });

const id = () => `e2e${randomUUID().replace(/-/g, "").slice(0, 21)}`;

let sockDir = "";
let sockPath = "";
let connections = 0;
// every connection is dropped as soon as it is made: a transient failure (connection reset)
const droppingDocker = net.createServer((socket) => {
  connections++;
  socket.on("error", () => undefined);
  socket.destroy();
});

async function shot(page: Page, name: string) {
  mkdirSync("test-results/artifacts", { recursive: true });
  await page.screenshot({ path: `test-results/artifacts/${name}.png`, fullPage: true });
}

const seeded = { targetId: "", targetName: "shop-retry", deploymentId: "" };

test.beforeAll(async () => {
  sockDir = mkdtempSync(path.join(os.tmpdir(), "slipway-e2e-retry-"));
  sockPath = path.join(sockDir, "docker.sock");
  await new Promise<void>((resolve) => droppingDocker.listen(sockPath, resolve));
  const [contextId, repositoryId, buildRuleId, ruleId, commitId, buildId, releaseId, targetId, deploymentId] = [id(), id(), id(), id(), id(), id(), id(), id(), id()] as const;
  await query("INSERT INTO docker_contexts (id, name, endpoint, role, updated_at) VALUES ($1, 'retry-swarm', $2, 'swarm_manager', now())", [contextId, `unix://${sockPath}`]);
  await query(
    "INSERT INTO repositories (id, name, provider, url, default_branch, poll_interval_seconds, last_polled_at, updated_at) VALUES ($1, 'e2e/retry', 'git', 'https://git.example.test/e2e/retry.git', 'main', 86400, now(), now())",
    [repositoryId],
  );
  await query("INSERT INTO build_rules (id, repository_id, name, kind, build_args, build_secrets, updated_at) VALUES ($1, $2, 'Dockerfile', 'docker', '{}', '{}', now())", [buildRuleId, repositoryId]);
  await query(
    "INSERT INTO deployment_rules (id, build_rule_id, branch, image, approval_mode, min_approvers, approver_role, confirm_level, updated_at) VALUES ($1, $2, 'live', '127.0.0.1:5000/e2e/retry:live', 'automatic', 1, 'operator', 'harmless', now())",
    [ruleId, buildRuleId],
  );
  await query("INSERT INTO commits (id, repository_id, sha, message, author, pushed_by) VALUES ($1, $2, $3, 'Retry: ship it while dockerd restarts', 'bob', 'bob')", [commitId, repositoryId, randomBytes(20).toString("hex")]);
  await query("INSERT INTO builds (id, build_rule_id, commit_id, state, trigger, queued_at, started_at, finished_at, updated_at) VALUES ($1, $2, $3, 'succeeded', 'poll', now(), now(), now(), now())", [
    buildId,
    buildRuleId,
    commitId,
  ]);
  await query("INSERT INTO releases (id, build_id, deployment_rule_id, image_repo, tag, digest, recorded_before_signing) VALUES ($1, $2, $3, '127.0.0.1:5000/e2e/retry', 'live', $4, true)", [
    releaseId,
    buildId,
    ruleId,
    `sha256:${randomBytes(32).toString("hex")}`,
  ]);
  await query("INSERT INTO targets (id, deployment_rule_id, name, kind, docker_context_id, service, updated_at) VALUES ($1, $2, $3, 'swarm_service', $4, 'retry_web', now())", [
    targetId,
    ruleId,
    seeded.targetName,
    contextId,
  ]);
  await query("INSERT INTO deployments (id, target_id, release_id, state, trigger, queued_at, updated_at) VALUES ($1, $2, $3, 'queued', 'release', now(), now())", [deploymentId, targetId, releaseId]);
  await query("SELECT graphile_worker.add_job('deploy_run', json_build_object('deploymentId', $1::text), queue_name => $2, max_attempts => 1)", [deploymentId, `target:${targetId}`]);
  seeded.targetId = targetId;
  seeded.deploymentId = deploymentId;
});

test.afterAll(async () => {
  await new Promise<void>((resolve) => droppingDocker.close(() => resolve()));
  if (sockDir) rmSync(sockDir, { recursive: true, force: true });
});

const row = async () => (await query<{ state: string; attempts: number; retry_at: Date | null }>("SELECT state::text, attempts, retry_at FROM deployments WHERE id = $1", [seeded.deploymentId]))[0]!;

test.setTimeout(270_000);

test("a deployment whose engine drops connections waits to retry: both pages count down and follow the next attempt; Cancel stops it", async ({ page }) => {
  await expect.poll(async () => (await row()).retry_at !== null, { timeout: 30_000 }).toBe(true);
  expect(await row()).toMatchObject({ state: "queued", attempts: 1 });
  expect(connections).toBeGreaterThan(0);

  await signInWithGitHub(page, "alice");
  await page.goto(`/deployments/${seeded.deploymentId}`);
  const retry = page.getByTestId("deployment-retry");
  const words = /^Waiting for retry-swarm: attempt (\d+), (next in \d+ s|next attempt due now)/;
  await expect(retry).toContainText(words);
  // the last failure in words, naming the socket that dropped the connection (refusal-hint)
  await expect(retry).toContainText(/Last attempt: (Could not talk to|Talking to) the Docker engine at \S*docker\.sock/);
  await expect(retry).toContainText("Cancel stops it.");
  await expect(page.getByTestId("deployment-state")).toHaveText("Queued");
  await expect(page.getByTestId("deployment-log")).toContainText("==> waiting for retry-swarm: attempt 1, next in 10 s");
  await shot(page, "deployment-retry-waiting");

  await page.goto(`/targets/${seeded.targetId}`);
  await expect(page.getByTestId("deployment-retry")).toContainText(words);
  // the release it retries is the newest: the page links to that deployment instead of offering to deploy it again
  await expect(page.getByRole("link", { name: "Its deployment is waiting to retry" })).toHaveAttribute("href", `/deployments/${seeded.deploymentId}`);
  await expect(page.getByRole("button", { name: /^Deploy the newest release/ })).toHaveCount(0);
  await shot(page, "target-retry-waiting");

  // the next attempt fails too: the page follows it without a reload
  await page.goto(`/deployments/${seeded.deploymentId}`);
  const shown = Number(words.exec((await retry.textContent()) ?? "")?.[1]);
  expect(shown).toBeGreaterThanOrEqual(1);
  // (once in a CI run the next attempt came later than 60 s after it was due; its cause is not known yet: the
  // deploy runner's slots may be busy with earlier specs' deployments. Allowed 150 s.)
  await expect(retry).toContainText(new RegExp(`attempt ${shown + 1}, `), { timeout: 150_000 });
  const audit = await query<{ n: string }>("SELECT count(*)::text AS n FROM audit_events WHERE subject_id = $1 AND action = 'deployment.retry_scheduled'", [seeded.deploymentId]);
  expect(Number(audit[0]!.n)).toBeGreaterThanOrEqual(2);

  // Cancel stops the waiting retry: nothing is tried any more
  await page.getByRole("button", { name: "Cancel deployment" }).click();
  await page.getByRole("dialog", { name: "Cancel this deployment?" }).getByRole("button", { name: "Cancel deployment" }).click();
  await expect(page.getByTestId("deployment-state")).toHaveText("Cancelled");
  await expect(retry).toHaveCount(0);
  const after = connections;
  const attempts = (await row()).attempts;
  // its job comes due, is taken by the worker and finds nothing to run
  const jobs = async () =>
    Number((await query<{ n: string }>("SELECT count(*)::text AS n FROM graphile_worker._private_jobs WHERE payload->>'deploymentId' = $1 AND task_id = (SELECT id FROM graphile_worker._private_tasks WHERE identifier = 'deploy_run')", [seeded.deploymentId]))[0]!.n);
  await expect.poll(jobs, { timeout: 60_000 }).toBe(0);
  expect(await row()).toMatchObject({ state: "cancelled", attempts });
  expect(connections).toBe(after);
});
