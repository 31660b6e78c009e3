// A deployment to a real swarm, followed in Chromium from approval to the end, then rolled back with one
// click. The e2e server's dockerd is a swarm manager with a private registry; a service there runs v1 of an
// app image (e2e/support/serve.ts hands the facts over as E2E_SWARM). The target's docker context is that
// dockerd's unix socket, and the worker inside the e2e server runs the deployments against it.
//
// An admin approves v2 from the Approvals inbox (pushed by someone else), follows the deployment page as
// the state moves to Succeeded and the log gains the update and task lines, without a reload; the service
// spec names v2 by digest, as the test's own docker client sees it. Then "Roll back to this" on v1: the
// target page follows the rollback to the end, shows the pin, the service runs v1 again, and the Audit page
// has the pin, the rollback request, the approval and the successes.
import { randomBytes, randomUUID } from "node:crypto";
import { mkdirSync } from "node:fs";
import Dockerode from "dockerode";
import { test, expect, type Page } from "@playwright/test";
import type { E2ESwarm } from "./support/serve";
import { signInWithGitHub } from "./support/login";
import { query } from "./support/db";

const swarm = JSON.parse(process.env.E2E_SWARM ?? "null") as E2ESwarm | null;
const id = () => `e2e${randomUUID().replace(/-/g, "").slice(0, 21)}`;
const sha = () => randomBytes(20).toString("hex");
const short = (s: string) => s.slice(0, 7);

const TARGET = "web-live";

interface TaskRow {
  DesiredState?: string;
  Status?: { State?: string };
  Spec?: { ContainerSpec?: { Image?: string } };
}

/** `docker service inspect` and `docker service ps`, from the test's own client. */
function inspector(docker: Dockerode, serviceId: string) {
  return {
    async specImage(): Promise<string> {
      const s = (await docker.getService(serviceId).inspect()) as { Spec: { TaskTemplate: { ContainerSpec: { Image: string } } } };
      return s.Spec.TaskTemplate.ContainerSpec.Image;
    },
    async runningImages(): Promise<string[]> {
      const tasks = (await docker.listTasks({ filters: { service: [serviceId] } })) as TaskRow[];
      return tasks.filter((t) => t.DesiredState === "running" && t.Status?.State === "running").map((t) => t.Spec?.ContainerSpec?.Image ?? "");
    },
  };
}

interface Seeded {
  targetId: string;
  commits: { v1: string; v2: string };
  releases: { v1: string; v2: string };
  pending: string;
}

/** repository → build rule → deployment rule (manual approval) → target on the swarm context, at v1; v2 waits for approval. */
async function seed(s: E2ESwarm): Promise<Seeded> {
  const repositoryId = id();
  const buildRuleId = id();
  const ruleId = id();
  const contextId = id();
  const targetId = id();
  await query("INSERT INTO docker_contexts (id, name, endpoint, role, updated_at) VALUES ($1, 'e2e-swarm', $2, 'swarm_manager', now())", [contextId, s.dockerEndpoint]);
  await query(
    "INSERT INTO repositories (id, name, provider, url, default_branch, poll_interval_seconds, last_polled_at, updated_at) VALUES ($1, 'e2e/web', 'git', 'https://git.example.test/e2e/web.git', 'main', 86400, now(), now())",
    [repositoryId],
  );
  await query("INSERT INTO build_rules (id, repository_id, name, kind, build_args, build_secrets, updated_at) VALUES ($1, $2, 'Dockerfile', 'docker', '{}', '{}', now())", [buildRuleId, repositoryId]);
  await query(
    `INSERT INTO deployment_rules (id, build_rule_id, branch, image, approval_mode, min_approvers, approver_role, approval_expiry_seconds, confirm_level, updated_at)
     VALUES ($1, $2, 'live', $3, 'manual', 1, 'operator', 86400, 'average', now())`,
    [ruleId, buildRuleId, `${s.images.v1.repo}:live`],
  );
  const commits = { v1: sha(), v2: sha() };
  const releases = { v1: id(), v2: id() };
  const made = { v1: { message: "Web: first release", pusher: "bob", age: "2 days" }, v2: { message: "Web: faster start page", pusher: "carol", age: "30 minutes" } };
  for (const v of ["v1", "v2"] as const) {
    const commitId = id();
    const buildId = id();
    await query("INSERT INTO commits (id, repository_id, sha, message, author, pushed_by, created_at) VALUES ($1, $2, $3, $4, $5, $5, now() - $6::interval)", [
      commitId,
      repositoryId,
      commits[v],
      made[v].message,
      made[v].pusher,
      made[v].age,
    ]);
    await query(
      `INSERT INTO builds (id, build_rule_id, commit_id, state, trigger, queued_at, started_at, finished_at, updated_at)
       VALUES ($1, $2, $3, 'succeeded', 'poll', now() - $4::interval, now() - $4::interval, now() - $4::interval + interval '60 seconds', now())`,
      [buildId, buildRuleId, commitId, made[v].age],
    );
    const image = s.images[v];
    await query("INSERT INTO releases (id, build_id, deployment_rule_id, image_repo, tag, digest, created_at, recorded_before_signing) VALUES ($1, $2, $3, $4, $5, $6, now() - $7::interval + interval '1 minute', true)", [
      releases[v],
      buildId,
      ruleId,
      image.repo,
      image.tag,
      image.digest,
      made[v].age,
    ]);
  }
  // quick to converge: the service stops its task at once, and "stays up" means 1 s here
  await query(
    `INSERT INTO targets (id, deployment_rule_id, name, kind, docker_context_id, service, monitor_seconds, converge_timeout_seconds, health_timeout_seconds, current_release_id, last_deployed_at, updated_at)
     VALUES ($1, $2, $3, 'swarm_service', $4, $5, 1, 60, 5, $6, now() - interval '2 days', now())`,
    [targetId, ruleId, TARGET, contextId, s.service, releases.v1],
  );
  await query(
    `INSERT INTO deployments (id, target_id, release_id, state, trigger, created_at, queued_at, started_at, finished_at, updated_at)
     VALUES ($1, $2, $3, 'succeeded', 'release', now() - interval '2 days', now() - interval '2 days', now() - interval '2 days', now() - interval '2 days' + interval '20 seconds', now())`,
    [id(), targetId, releases.v1],
  );
  const pending = id();
  await query(
    `INSERT INTO deployments (id, target_id, release_id, previous_release_id, state, trigger, created_at, approval_expires_at, updated_at)
     VALUES ($1, $2, $3, $4, 'pending_approval', 'release', now() - interval '28 minutes', now() + interval '23 hours', now())`,
    [pending, targetId, releases.v2, releases.v1],
  );
  return { targetId, commits, releases, pending };
}

/** What the deployment page showed at each change of its DOM: recorded in the page from its first paint. */
interface Seen {
  state: string | null;
  update: boolean;
  task: boolean;
  done: boolean;
}

/** Records state badge and log in the page at each change of its DOM, from now on (and from the first paint of any new document). */
function recordDeploymentPage(svc: string): void {
  const w = window as unknown as { __seen?: Seen[] };
  if (w.__seen) return;
  const seen: Seen[] = (w.__seen = []);
  const look = () => {
    const state = document.querySelector('[data-testid="deployment-state"]')?.textContent?.trim() ?? null;
    const log = document.querySelector('[data-testid="deployment-log"]')?.textContent ?? "";
    const entry: Seen = {
      state,
      update: log.includes(`updating service ${svc}`),
      task: /task \d+ \([^)]+\): running \S+:v2@sha256:/.test(log),
      done: log.includes("==> succeeded"),
    };
    const last = seen[seen.length - 1];
    if (!last || JSON.stringify(last) !== JSON.stringify(entry)) seen.push(entry);
  };
  new MutationObserver(look).observe(document, { subtree: true, childList: true, characterData: true });
}

test("approve a deployment to a real swarm, watch it converge live, roll back with one click, see the pin and the audit events", async ({ page }) => {
  test.skip(!swarm, "E2E_SWARM is not set (e2e/global-setup.ts sets it)");
  const s = swarm!;
  test.setTimeout(120_000);
  const docker = new Dockerode({ socketPath: s.socketPath });
  const service = inspector(docker, s.serviceId);
  const { v1, v2 } = s.images;
  const seeded = await seed(s);
  // the service the e2e server created runs v1 before anything is deployed over it
  await expect.poll(() => service.runningImages(), { timeout: 60_000, message: `${s.service} runs v1` }).toEqual([v1.ref]);

  await signInWithGitHub(page, "alice");
  await page.goto("/approvals");
  const row = page
    .getByRole("list", { name: "Deployments waiting for approval" })
    .getByRole("listitem")
    .filter({ has: page.getByRole("heading", { name: TARGET, exact: true }) });
  await expect(row).toContainText(`${short(seeded.commits.v2)} Web: faster start page`);
  await expect(row).toContainText("pushed by carol");
  await row.getByLabel("Comment").fill("Start page checked on staging");
  await row.getByRole("button", { name: `Approve the deployment to ${TARGET}` }).click();
  const outcome = page.getByRole("list", { name: "Your decisions" });
  await expect(outcome).toContainText(`Approved: the deployment to ${TARGET} is queued.`);

  // from here on the page records every change of its DOM (state badge, log): the link is a client-side
  // navigation, so the recorder in this document sees the deployment page appear; a full page load would
  // start a new one
  await page.addInitScript(recordDeploymentPage, s.service);
  await page.evaluate(recordDeploymentPage, s.service);
  const started = Date.now();
  await outcome.getByRole("link", { name: `Follow the deployment to ${TARGET} →` }).click();
  await expect(page).toHaveURL(new RegExp(`/deployments/${seeded.pending}$`));
  await expect(page.getByRole("heading", { name: `Deploy to ${TARGET}` })).toBeVisible();
  await page.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));
  const state = page.getByTestId("deployment-state");
  const log = page.getByTestId("deployment-log");
  await expect(state).toHaveText("Succeeded", { timeout: 45_000 });
  const deployMs = Date.now() - started;
  await expect(log).toContainText("==> succeeded");
  await expect(log).toContainText(`updating service ${s.service}`);
  await expect(log).toContainText(`service ${s.service} converged on ${v2.ref}`);
  const approval = page.getByRole("region", { name: "Approval", exact: true });
  await expect(approval).toContainText("alice");
  await expect(approval).toContainText("Start page checked on staging");

  // it changed in front of us: the same document (no reload) went from a running state to Succeeded, and
  // the update and task lines were in the log while the deployment was still running
  const seen = await page.evaluate(() => (window as unknown as { __seen: Seen[] }).__seen);
  expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
  const states = [...new Set(seen.map((e) => e.state).filter((x): x is string => x !== null))];
  expect(states[states.length - 1], JSON.stringify(seen)).toBe("Succeeded");
  expect(states.some((x) => ["Queued", "Deploying", "Verifying"].includes(x)), JSON.stringify(seen)).toBe(true);
  const running = (e: Seen) => e.state !== null && ["Queued", "Deploying", "Verifying"].includes(e.state);
  expect(
    seen.some((e) => running(e) && e.update && e.task && !e.done),
    `no moment with the update and task lines in the log while running: ${JSON.stringify(seen)}`,
  ).toBe(true);
  expect(seen.some((e) => running(e) && !e.done) && seen.some((e) => e.done), JSON.stringify(seen)).toBe(true);

  mkdirSync("test-results/artifacts", { recursive: true });
  await page.screenshot({ path: "test-results/artifacts/deploy-live.png", fullPage: true });

  // what the swarm runs, as the test's own client sees it: v2, by digest
  expect(await service.specImage()).toBe(`${v2.repo}:v2@${v2.digest}`);
  expect(await service.runningImages()).toEqual([v2.ref]);
  const [after] = await query<{ current_release_id: string; state: string }>(
    "SELECT t.current_release_id, d.state::text FROM targets t JOIN deployments d ON d.id = $2 WHERE t.id = $1",
    [seeded.targetId, seeded.pending],
  );
  expect(after).toEqual({ current_release_id: seeded.releases.v2, state: "succeeded" });

  // one click (and a confirmation) rolls back to v1; the target page follows it to the end
  await page.goto(`/targets/${seeded.targetId}`);
  const history = page.getByRole("table", { name: new RegExp(`Releases ${TARGET} ran`) });
  const v2Row = history.getByRole("row").filter({ hasText: short(seeded.commits.v2) });
  const v1Row = history.getByRole("row").filter({ hasText: short(seeded.commits.v1) });
  await expect(v2Row).toContainText("Running now");
  await v1Row.getByRole("button", { name: `Roll back ${TARGET} to ${short(seeded.commits.v1)}` }).click();
  const dialog = page.getByRole("dialog", { name: `Roll back ${TARGET} to ${short(seeded.commits.v1)}?` });
  await dialog.getByRole("button", { name: `Roll back to ${short(seeded.commits.v1)}` }).click();
  const rollbackStarted = Date.now();
  await expect(page.getByText(`Pinned at ${short(seeded.commits.v1)} by alice`)).toBeVisible();
  const active = page.getByRole("status").filter({ hasText: `A deployment to ${TARGET} is` });
  // the page refreshes itself while the rollback runs, and drops the notice when it has ended
  await expect(active).toBeVisible();
  await expect(active).toBeHidden({ timeout: 45_000 });
  const rollbackMs = Date.now() - rollbackStarted;
  await expect(v1Row).toContainText("Running now");
  await expect(v1Row).toContainText("Pinned");
  await expect(page.getByText(`Pinned at ${short(seeded.commits.v1)} by alice`)).toBeVisible();
  const [rb] = await query<{ id: string; state: string }>("SELECT id, state::text FROM deployments WHERE target_id = $1 AND trigger = 'rollback'", [seeded.targetId]);
  expect(rb!.state).toBe("succeeded");
  await shot(page, "deploy-live-rolled-back");
  expect(await service.specImage()).toBe(`${v1.repo}:v1@${v1.digest}`);
  expect(await service.runningImages()).toEqual([v1.ref]);
  const [pin] = await query<{ current_release_id: string; pinned_release_id: string }>("SELECT current_release_id, pinned_release_id FROM targets WHERE id = $1", [seeded.targetId]);
  expect(pin).toEqual({ current_release_id: seeded.releases.v1, pinned_release_id: seeded.releases.v1 });

  // the Audit page, filtered to this target and to each deployment
  const audit = async (subjectType: string, subjectId: string, actions: string[]) => {
    await page.goto(`/audit?subjectType=${subjectType}&subjectId=${subjectId}`);
    const table = page.getByRole("table", { name: "Audit events, newest first" });
    for (const action of actions) await expect(table.getByRole("row").filter({ hasText: action }).first()).toBeVisible();
  };
  await audit("target", seeded.targetId, ["target.pinned"]);
  await audit("deployment", seeded.pending, ["deployment.approved", "deployment.started", "deployment.succeeded"]);
  await audit("deployment", rb!.id, ["deployment.rollback_requested", "deployment.succeeded"]);
  await expect(page.getByRole("table", { name: "Audit events, newest first" }).getByRole("row").filter({ hasText: "deployment.rollback_requested" })).toContainText("alice");
  test.info().annotations.push({ type: "timing", description: `deploy ${Math.round(deployMs / 100) / 10} s, rollback ${Math.round(rollbackMs / 100) / 10} s` });
  console.log(`deploy-live: the deployment took ${deployMs} ms from the click, the rollback ${rollbackMs} ms`);
});

async function shot(page: Page, name: string) {
  mkdirSync("test-results/artifacts", { recursive: true });
  await page.screenshot({ path: `test-results/artifacts/${name}.png`, fullPage: true });
}
