// Deployments as people run them in the console, against the e2e server's real worker: the Approvals
// inbox (approve with a comment; your own change refused in words), the deployment page following the
// worker live to the end (state badge, reason, log), a one-click rollback on the target page behind a
// confirmation (pin banner, audit events), Unpin (confirmed) and the newest release offered, what a viewer does not
// get, the dashboard's targets and the approval level under Settings.
//
// There is no swarm here: the target's docker context is a unix socket this spec serves. It takes every
// request and answers nothing (the worker's deployment stays "deploying"; the engine's own 30 s timeout is
// longer than the checks made meanwhile), until the spec tells it to refuse: it then answers every request
// with an engine error (HTTP 500, a refusal that is not retried), and the deployment fails with the reason in
// words. (A dropped connection would be a transient failure, retried: e2e/deploy-retry.spec.ts.)
// Rows are seeded straight into the database.
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
const sha = () => randomBytes(20).toString("hex");
const digest = () => `sha256:${randomBytes(32).toString("hex")}`;
const short = (s: string) => s.slice(0, 7);

// ── a docker endpoint that takes requests and does not answer, until told to refuse ──────────────
// (then it answers each request whole with HTTP 500: a partial answer leaves docker-modem's promise unsettled)
type Mode = "hold" | "refuse";
let mode: Mode = "hold";
const held = new Set<net.Socket>();
let sockDir = "";
let sockPath = "";
const REFUSAL = JSON.stringify({ message: "rpc error: code = Unknown desc = the e2e engine refuses every request" });
const refuse = (socket: net.Socket) =>
  socket.end(`HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(REFUSAL)}\r\nConnection: close\r\n\r\n${REFUSAL}`);
const fakeDocker = net.createServer((socket) => {
  socket.on("error", () => undefined);
  if (mode === "refuse") {
    // answer once the request has arrived
    socket.once("data", () => refuse(socket));
    return;
  }
  held.add(socket);
  socket.on("close", () => held.delete(socket));
});

function hangUp() {
  mode = "refuse";
  for (const s of held) refuse(s);
}

interface Seeded {
  live: { id: string; name: string };
  canary: { id: string; name: string };
  eu: { id: string; name: string };
  commits: Record<"a" | "b" | "c" | "d", string>;
  releases: Record<"a" | "b" | "c" | "d", string>;
  pendingLive: string;
  pendingCanary: string;
}

let seeded: Seeded;

async function seed(): Promise<Seeded> {
  const repositoryId = id();
  const buildRuleId = id();
  const liveRuleId = id();
  const canaryRuleId = id();
  const contextId = id();
  const goneContextId = id();
  await query("INSERT INTO docker_contexts (id, name, endpoint, role, updated_at) VALUES ($1, 'shop-swarm', $2, 'swarm_manager', now())", [contextId, `unix://${sockPath}`]);
  await query("INSERT INTO docker_contexts (id, name, endpoint, role, updated_at) VALUES ($1, 'shop-eu-swarm', $2, 'swarm_manager', now())", [goneContextId, `unix://${sockDir}/absent.sock`]);
  // polled a moment ago, once a day: the worker leaves the unreachable example URL alone
  await query(
    "INSERT INTO repositories (id, name, provider, url, default_branch, poll_interval_seconds, last_polled_at, updated_at) VALUES ($1, 'e2e/shop', 'git', 'https://git.example.test/e2e/shop.git', 'main', 86400, now(), now())",
    [repositoryId],
  );
  await query("INSERT INTO build_rules (id, repository_id, name, kind, build_args, build_secrets, updated_at) VALUES ($1, $2, 'Dockerfile', 'docker', '{}', '{}', now())", [buildRuleId, repositoryId]);
  await query(
    `INSERT INTO deployment_rules (id, build_rule_id, branch, image, approval_mode, min_approvers, approver_role, approval_expiry_seconds, confirm_level, updated_at)
     VALUES ($1, $2, 'live', '127.0.0.1:5000/e2e/shop:live', 'manual', 1, 'operator', 86400, 'above_average', now()),
            ($3, $2, 'canary', '127.0.0.1:5000/e2e/shop:canary', 'manual', 1, 'operator', 86400, 'average', now())`,
    [liveRuleId, buildRuleId, canaryRuleId],
  );
  const commits = { a: sha(), b: sha(), c: sha(), d: sha() };
  const messages = { a: "Shop: first public release", b: "Cart: keep items across sessions", c: "Checkout: show delivery dates", d: "Canary: try the new search" };
  const pushers = { a: "bob", b: "carol", c: "dave", d: "alice" };
  const ages = { a: "3 days", b: "1 day", c: "40 minutes", d: "2 hours" };
  const releases = { a: id(), b: id(), c: id(), d: id() };
  for (const k of ["a", "b", "c", "d"] as const) {
    const commitId = id();
    const buildId = id();
    await query("INSERT INTO commits (id, repository_id, sha, message, author, pushed_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, now() - $7::interval)", [
      commitId,
      repositoryId,
      commits[k],
      messages[k],
      pushers[k],
      pushers[k],
      ages[k],
    ]);
    await query(
      `INSERT INTO builds (id, build_rule_id, commit_id, state, trigger, queued_at, started_at, finished_at, updated_at)
       VALUES ($1, $2, $3, 'succeeded', 'poll', now() - $4::interval, now() - $4::interval, now() - $4::interval + interval '90 seconds', now())`,
      [buildId, buildRuleId, commitId, ages[k]],
    );
    const branch = k === "d" ? "canary" : "live";
    await query(
      "INSERT INTO releases (id, build_id, deployment_rule_id, image_repo, tag, digest, created_at, recorded_before_signing) VALUES ($1, $2, $3, '127.0.0.1:5000/e2e/shop', $4, $5, now() - $6::interval + interval '2 minutes', true)",
      [releases[k], buildId, k === "d" ? canaryRuleId : liveRuleId, branch, digest(), ages[k]],
    );
  }
  const live = { id: id(), name: "shop-live" };
  const canary = { id: id(), name: "shop-canary" };
  const eu = { id: id(), name: "shop-eu" };
  await query(
    `INSERT INTO targets (id, deployment_rule_id, name, kind, docker_context_id, service, health_url, current_release_id, last_deployed_at, updated_at)
     VALUES ($1, $2, $3, 'swarm_service', $4, 'shop_web', 'https://shop.example.test/healthz', $5, now() - interval '1 day', now())`,
    [live.id, liveRuleId, live.name, contextId, releases.b],
  );
  await query("INSERT INTO targets (id, deployment_rule_id, name, kind, docker_context_id, service, updated_at) VALUES ($1, $2, $3, 'swarm_service', $4, 'shop_canary', now())", [
    canary.id,
    canaryRuleId,
    canary.name,
    contextId,
  ]);
  // someone changed this one by hand: the drift check saw another image (its context is unreachable, so the check leaves it so)
  await query(
    `INSERT INTO targets (id, deployment_rule_id, name, kind, docker_context_id, service, current_release_id, last_deployed_at, live_image, live_checked_at, drift_detected_at, updated_at)
     VALUES ($1, $2, $3, 'swarm_service', $4, 'shop_web', $5, now() - interval '1 day', $6, now() - interval '5 minutes', now() - interval '2 hours', now())`,
    [eu.id, liveRuleId, eu.name, goneContextId, releases.b, `127.0.0.1:5000/e2e/shop:hotfix@${digest()}`],
  );
  const deploy = async (target: string, release: string, previous: string | null, state: string, age: string, extra = "") => {
    const deploymentId = id();
    await query(
      `INSERT INTO deployments (id, target_id, release_id, previous_release_id, state, trigger, created_at, queued_at, started_at, finished_at, approval_expires_at, updated_at)
       VALUES ($1, $2, $3, $4, $5::deployment_state, 'release', now() - $6::interval,
               ${state === "succeeded" ? "now() - $6::interval" : "NULL"}, ${state === "succeeded" ? "now() - $6::interval + interval '5 seconds'" : "NULL"},
               ${state === "succeeded" ? "now() - $6::interval + interval '40 seconds'" : "NULL"}, ${extra || "NULL"}, now())`,
      [deploymentId, target, release, previous, state, age],
    );
    return deploymentId;
  };
  await deploy(live.id, releases.a, null, "succeeded", "3 days");
  await deploy(live.id, releases.b, releases.a, "succeeded", "1 day");
  await deploy(eu.id, releases.b, null, "succeeded", "1 day");
  const pendingLive = await deploy(live.id, releases.c, releases.b, "pending_approval", "38 minutes", "now() + interval '23 hours'");
  const pendingCanary = await deploy(canary.id, releases.d, null, "pending_approval", "2 hours", "now() + interval '22 hours'");
  return { live, canary, eu, commits, releases, pendingLive, pendingCanary };
}

async function shot(page: Page, name: string, fullPage = true) {
  mkdirSync("test-results/artifacts", { recursive: true });
  await page.screenshot({ path: `test-results/artifacts/${name}.png`, fullPage });
}

test.beforeAll(async () => {
  sockDir = mkdtempSync(path.join(os.tmpdir(), "slipway-e2e-docker-"));
  sockPath = path.join(sockDir, "docker.sock");
  await new Promise<void>((resolve) => fakeDocker.listen(sockPath, resolve));
  seeded = await seed();
});

test.afterAll(async () => {
  hangUp();
  await new Promise<void>((resolve) => fakeDocker.close(() => resolve()));
  if (sockDir) rmSync(sockDir, { recursive: true, force: true });
});

test("approving from the inbox queues the deployment, and its page follows the worker live to the end", async ({ page }) => {
  test.setTimeout(120_000);
  await signInWithGitHub(page, "alice");
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: /Approvals\s*2 waiting/ })).toBeVisible();
  await expect(page.getByRole("region", { name: "Targets", exact: true }).getByRole("link", { name: seeded.live.name, exact: true })).toBeVisible();

  await page.goto("/approvals");
  const inbox = page.getByRole("list", { name: "Deployments waiting for approval" });
  await expect(inbox.getByRole("listitem")).toHaveCount(2);
  const row = inbox.getByRole("listitem").filter({ has: page.getByRole("heading", { name: seeded.live.name, exact: true }) });
  await expect(row).toContainText("e2e/shop live");
  await expect(row).toContainText(`${short(seeded.commits.c)} Checkout: show delivery dates`);
  await expect(row).toContainText("pushed by dave");
  await expect(row).toContainText("127.0.0.1:5000/e2e/shop:live");
  await expect(row).toContainText("0 of 1 approval");
  await expect(row).toContainText("expires in 23 h");
  await shot(page, "approvals");

  await row.getByLabel("Comment").fill("Delivery dates checked on staging");
  await row.getByRole("button", { name: `Approve the deployment to ${seeded.live.name}` }).click();
  const outcome = page.getByRole("list", { name: "Your decisions" });
  await expect(outcome).toContainText(`Approved: the deployment to ${seeded.live.name} is queued.`);
  await expect(inbox.getByRole("listitem")).toHaveCount(1);
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: /Approvals\s*1 waiting/ })).toBeVisible();
  await outcome.getByRole("link", { name: `Follow the deployment to ${seeded.live.name} →` }).click();
  await expect(page).toHaveURL(new RegExp(`/deployments/${seeded.pendingLive}$`));

  // the worker took it and is talking to the (never-answering) docker endpoint
  await expect(page.getByRole("heading", { name: `Deploy to ${seeded.live.name}` })).toBeVisible();
  await expect(page.getByTestId("deployment-state")).toHaveText("Deploying", { timeout: 20_000 });
  const log = page.getByTestId("deployment-log");
  await expect(log).toContainText(`==> deployment ${seeded.pendingLive}`);
  await expect(log).toContainText("updating the service shop_web");
  await expect(page.getByText("Live", { exact: true })).toBeVisible();
  const approvals = page.getByRole("region", { name: "Approval", exact: true });
  await expect(approvals).toContainText("alice");
  await expect(approvals).toContainText("Approved");
  await expect(approvals).toContainText("Delivery dates checked on staging");
  await expect(page.getByRole("button", { name: "Cancel deployment" })).toHaveCount(0);
  await expect(page.getByRole("link", { name: seeded.live.name, exact: true })).toHaveAttribute("href", `/targets/${seeded.live.id}`);
  await shot(page, "deployment-running");

  // meanwhile, the target cannot be rolled back: the reason is said next to the disabled button
  const other = await page.context().newPage();
  await other.goto(`/targets/${seeded.live.id}`);
  const rollbackA = other.getByRole("button", { name: `Roll back ${seeded.live.name} to ${short(seeded.commits.a)}` });
  await expect(rollbackA).toBeDisabled();
  await expect(rollbackA).toHaveAccessibleDescription(`A deployment to ${seeded.live.name} is deploying now; wait until it ends.`);
  await expect(other.getByRole("status").filter({ hasText: `A deployment to ${seeded.live.name} is deploying.` })).toBeVisible();
  await other.close();

  // the endpoint refuses: the page shows the end and why, without a reload
  hangUp();
  await expect(page.getByTestId("deployment-state")).toHaveText("Failed", { timeout: 20_000 });
  await expect(page.getByTestId("deployment-reason")).toHaveText(/^Failed.{10,}/);
  await expect(log).toContainText("==> failed");
  await expect(page.getByText("Complete", { exact: true })).toBeVisible();
  await shot(page, "deployment");
  const [d] = await query<{ state: string; reason: string }>("SELECT state::text, reason FROM deployments WHERE id = $1", [seeded.pendingLive]);
  expect(d!.state).toBe("failed");
  expect((await page.getByTestId("deployment-reason").textContent())?.toLowerCase()).toContain(d!.reason.toLowerCase());
  const [a] = await query<{ decision: string; comment: string; login: string }>(
    "SELECT a.decision::text, a.comment, u.login FROM approvals a JOIN users u ON u.id = a.user_id WHERE a.deployment_id = $1",
    [seeded.pendingLive],
  );
  expect(a).toEqual({ decision: "approved", comment: "Delivery dates checked on staging", login: "alice" });

  // the log downloads as text
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Download" }).click()]);
  expect(download.suggestedFilename()).toBe(`deployment-${seeded.pendingLive}.log`);

  // dark mode, for a look
  await page.emulateMedia({ colorScheme: "dark" });
  await shot(page, "deployment-dark");
  await page.emulateMedia({ colorScheme: "light" });
});

test("approving your own change is refused, in words, and changes nothing", async ({ page }) => {
  await signInWithGitHub(page, "alice");
  await page.goto("/approvals");
  const row = page.getByRole("list", { name: "Deployments waiting for approval" }).getByRole("listitem").filter({ has: page.getByRole("heading", { name: seeded.canary.name, exact: true }) });
  await expect(row).toContainText("pushed by alice");
  await row.getByRole("button", { name: `Approve the deployment to ${seeded.canary.name}` }).click();
  const alert = row.getByRole("alert");
  await expect(alert).toHaveText(
    `You cannot approve your own change: you pushed commit ${seeded.commits.d.slice(0, 12)}. Another approver must approve it. Nothing was changed.`,
  );
  await expect(alert).toBeFocused();
  const [d] = await query<{ state: string; n: string }>("SELECT d.state::text, (SELECT count(*) FROM approvals WHERE deployment_id = d.id)::text AS n FROM deployments d WHERE d.id = $1", [
    seeded.pendingCanary,
  ]);
  expect(d).toEqual({ state: "pending_approval", n: "0" });
});

test("rolling back takes one confirmed click: the target is pinned, and the audit log says so", async ({ page }) => {
  await signInWithGitHub(page, "alice");
  await page.goto(`/targets/${seeded.live.id}`);
  await expect(page.getByRole("heading", { name: seeded.live.name, level: 1 })).toBeVisible();
  const history = page.getByRole("table", { name: /Releases shop-live ran/ });
  await expect(history.getByRole("row")).toHaveCount(4);
  await expect(history.getByRole("row").nth(2)).toContainText("Running now");
  await expect(history.getByRole("button", { name: `Roll back ${seeded.live.name} to ${short(seeded.commits.b)}` })).toHaveCount(0);
  await shot(page, "target");

  // the dialog says what will happen; Escape leaves everything as it was
  const trigger = history.getByRole("button", { name: `Roll back ${seeded.live.name} to ${short(seeded.commits.a)}` });
  await trigger.click();
  const dialog = page.getByRole("dialog", { name: `Roll back ${seeded.live.name} to ${short(seeded.commits.a)}?` });
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText(
    `This deploys ${short(seeded.commits.a)} to ${seeded.live.name} without rebuilding and pins the target there; new releases will build but not deploy until someone unpins it.`,
  );
  await expect(dialog.getByRole("button", { name: "Cancel" })).toBeFocused();
  await page.keyboard.press("Tab");
  await expect(dialog.getByRole("button", { name: `Roll back to ${short(seeded.commits.a)}` })).toBeFocused();
  await shot(page, "target-rollback-dialog", false);
  await page.keyboard.press("Escape");
  await expect(dialog).toBeHidden();
  expect((await query<{ p: string | null }>("SELECT pinned_release_id AS p FROM targets WHERE id = $1", [seeded.live.id]))[0]!.p).toBeNull();

  await trigger.click();
  await dialog.getByRole("button", { name: `Roll back to ${short(seeded.commits.a)}` }).click();
  // the pin's banner; a newer release than a exists, so it also names the release the pin holds back
  await expect(page.getByText(new RegExp(`^(Pinned|Newer release [0-9a-f]{7} is waiting: pinned) at ${short(seeded.commits.a)} by alice$`))).toBeVisible();
  await expect(page.getByRole("button", { name: `Unpin ${seeded.live.name}` })).toBeVisible();
  // (the rollback fails at once here, and puts the pin back: the pin's row is checked in the audit log below)
  await shot(page, "target-pinned");
  // the rollback deployment runs (and fails here: the docker endpoint refuses now)
  const [rb] = await query<{ id: string }>("SELECT id FROM deployments WHERE target_id = $1 AND trigger = 'rollback'", [seeded.live.id]);
  await expect.poll(async () => (await query<{ state: string }>("SELECT state::text FROM deployments WHERE id = $1", [rb!.id]))[0]!.state, { timeout: 20_000 }).toBe("failed");
  // failed-rollback-pin: the pin is as it was before (none); the page says what happened and offers the retry
  await page.reload();
  await expect(page.getByText(/^Pinned at /)).toHaveCount(0);
  expect((await query<{ p: string | null }>("SELECT pinned_release_id AS p FROM targets WHERE id = $1", [seeded.live.id]))[0]!.p).toBeNull();
  const failed = page.getByTestId("failed-rollback");
  await expect(page.getByText(`The rollback to ${short(seeded.commits.a)} failed`)).toBeVisible();
  await expect(failed).toContainText("the e2e engine refuses every request");
  await expect(failed).toContainText(`${seeded.live.name} does not run ${short(seeded.commits.a)}, so the pin is as it was before the rollback: not pinned.`);
  await shot(page, "target-rollback-failed");
  // Retry rollback is one click: the same rollback again, pinned again while it runs
  await failed.getByRole("button", { name: `Retry rollback of ${seeded.live.name} to ${short(seeded.commits.a)}` }).click();
  await expect.poll(async () => (await query<{ n: string }>("SELECT count(*)::text AS n FROM deployments WHERE target_id = $1 AND trigger = 'rollback'", [seeded.live.id]))[0]!.n).toBe("2");
  const [retried] = await query<{ id: string; requested: string }>(
    "SELECT d.id, u.login AS requested FROM deployments d JOIN users u ON u.id = d.requested_by_id WHERE d.target_id = $1 AND d.trigger = 'rollback' AND d.id <> $2",
    [seeded.live.id, rb!.id],
  );
  expect(retried!.requested).toBe("alice");
  await expect.poll(async () => (await query<{ state: string }>("SELECT state::text FROM deployments WHERE id = $1", [retried!.id]))[0]!.state, { timeout: 20_000 }).toBe("failed");
  expect((await query<{ p: string | null }>("SELECT pinned_release_id AS p FROM targets WHERE id = $1", [seeded.live.id]))[0]!.p).toBeNull();
  // the cases below need a pinned target: pinned at a, as a rollback that succeeded leaves it
  await query("UPDATE targets SET pinned_release_id = $2, pinned_by_id = (SELECT id FROM users WHERE login = 'alice'), pinned_at = now() WHERE id = $1", [seeded.live.id, seeded.releases.a]);

  await page.goto(`/audit?subjectType=target&subjectId=${seeded.live.id}`);
  await expect(page.getByRole("link", { name: "target pinned" }).first()).toBeVisible();
  await expect(page.getByRole("link", { name: "pin put back after a rollback that did not succeed" }).first()).toBeVisible();
  // (other specs roll back too: this rollback's row)
  await page.goto(`/audit?action=deployment.rollback_requested`);
  await expect(page.getByRole("row").filter({ hasText: rb!.id }).getByRole("link", { name: "rollback requested" })).toBeVisible();
  const actions = (await query<{ action: string }>("SELECT action FROM audit_events WHERE subject_id = ANY($1)", [[seeded.live.id, rb!.id]])).map((r) => r.action);
  expect(actions).toEqual(expect.arrayContaining(["target.pinned", "deployment.rollback_requested"]));
});

test("a viewer reads deployments and targets but gets no Approve, Reject, Roll back or Unpin", async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signInWithGitHub(page, "victor");
  await page.goto("/approvals");
  const row = page.getByRole("list", { name: "Deployments waiting for approval" }).getByRole("listitem").first();
  await expect(row).toContainText(seeded.canary.name);
  await expect(page.getByRole("button", { name: /approve|reject/i })).toHaveCount(0);
  await page.goto(`/deployments/${seeded.pendingCanary}`);
  await expect(page.getByTestId("deployment-state")).toHaveText("Pending approval");
  await expect(page.getByText("Operators and admins approve deployments; you can read them.")).toBeVisible();
  await expect(page.getByRole("button", { name: /approve|reject|cancel deployment/i })).toHaveCount(0);
  await page.goto(`/targets/${seeded.live.id}`);
  await expect(page.getByText(new RegExp(`^(Pinned|Newer release [0-9a-f]{7} is waiting: pinned) at ${short(seeded.commits.a)} by alice$`))).toBeVisible();
  await expect(page.getByRole("button", { name: /roll back|unpin|deploy/i })).toHaveCount(0);
  await context.close();
});

test("unpinning lets the target follow its branch again and offers the newest release", async ({ page }) => {
  await signInWithGitHub(page, "alice");
  await page.goto(`/targets/${seeded.live.id}`);
  // the pin holds back the newest release, and says so next to Unpin
  await expect(page.getByTestId("pin-controls")).toContainText(`Newer release ${short(seeded.commits.c)} is waiting: pinned at ${short(seeded.commits.a)} by alice`);
  await page.getByRole("button", { name: `Unpin ${seeded.live.name}` }).click();
  await page.getByRole("dialog", { name: `Unpin ${seeded.live.name}?` }).getByRole("button", { name: "Unpin", exact: true }).click();
  await expect(page.getByText(`${seeded.live.name} follows its branch again.`)).toBeVisible();
  await expect(page.getByText(/^Pinned at /)).toHaveCount(0);
  const offer = page.getByRole("button", { name: `Deploy the newest release (${short(seeded.commits.c)})` });
  await expect(offer).toBeVisible();
  expect((await query<{ p: string | null }>("SELECT pinned_release_id AS p FROM targets WHERE id = $1", [seeded.live.id]))[0]!.p).toBeNull();
  await shot(page, "target-unpinned");

  // deploying it follows the rule: manual approval, so it waits in the inbox
  await offer.click();
  const dialog = page.getByRole("dialog", { name: `Deploy ${short(seeded.commits.c)} to ${seeded.live.name}?` });
  await dialog.getByRole("button", { name: `Deploy ${short(seeded.commits.c)}` }).click();
  // the offer becomes a link to the deployment that now waits (Deploy again would only replace it)
  await expect(page.getByRole("link", { name: "Its deployment waits for approval" })).toHaveAttribute("href", /^\/deployments\/\w+$/);
  await expect(page.getByRole("button", { name: `Deploy the newest release (${short(seeded.commits.c)})` })).toHaveCount(0);
  await page.goto("/approvals");
  await expect(page.getByRole("heading", { name: seeded.live.name, exact: true })).toBeVisible();
  const audit = (await query<{ action: string }>("SELECT action FROM audit_events WHERE subject_id = $1", [seeded.live.id])).map((r) => r.action);
  expect(audit).toContain("target.unpinned");
});

test("the dashboard shows the targets and the inbox; admins set the approval level", async ({ page }) => {
  await signInWithGitHub(page, "alice");
  const targets = page.getByRole("region", { name: "Targets", exact: true });
  await expect(targets.getByRole("link", { name: seeded.eu.name, exact: true })).toHaveAttribute("href", `/targets/${seeded.eu.id}`);
  await expect(targets.getByRole("row").filter({ hasText: seeded.eu.name })).toContainText("Drifted");
  await expect(page.getByRole("link", { name: "Open Approvals" })).toHaveAttribute("href", "/approvals");
  await shot(page, "dashboard");

  await page.goto(`/targets/${seeded.eu.id}`);
  // a target saved without a monitor window shows what it waits for instead: the service's own watch
  await expect(page.getByTestId("monitor-window")).toContainText("the service's UpdateConfig.Monitor");
  await expect(page.getByTestId("monitor-window")).toContainText("swarm's default 5 s when it sets none");
  await expect(page.getByText(/^Runs 127\.0\.0\.1:5000\/e2e\/shop:hotfix@sha256:[0-9a-f]{64}, not its last release$/)).toBeVisible();
  await page.setViewportSize({ width: 1024, height: 800 });
  await shot(page, "target-drift-1024");
  await page.goto(`/deployments/${seeded.pendingLive}`);
  await shot(page, "deployment-1024");
  await page.setViewportSize({ width: 1280, height: 800 });

  await page.goto("/deployments");
  await expect(page.getByRole("link", { name: `Deployment of ${short(seeded.commits.c)} to ${seeded.live.name}` }).first()).toHaveAttribute("href", /^\/deployments\/\w+$/);
  await expect(page.getByRole("link", { name: seeded.eu.name, exact: true }).first()).toHaveAttribute("href", `/targets/${seeded.eu.id}`);
  await shot(page, "deployments");

  await page.goto("/targets");
  for (const t of [seeded.live, seeded.canary, seeded.eu]) await expect(page.getByRole("table", { name: "Targets" }).getByRole("link", { name: t.name, exact: true })).toBeVisible();

  await page.goto("/settings/deployments");
  await expect(page.getByTestId("approval-level")).toContainText("Above average");
  await page.getByLabel("Deployments wait for approval from confirm level").selectOption("dangerous");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByText("Rules at dangerous or above now wait for approval.")).toBeVisible();
  await expect(page.getByTestId("approval-level")).toContainText("Dangerous");
  await shot(page, "settings-deployments");
  const [s] = await query<{ value: string }>("SELECT value #>> '{}' AS value FROM settings WHERE key = 'deploy.approval_confirm_level'");
  expect(s!.value).toBe("dangerous");
  await page.getByLabel("Deployments wait for approval from confirm level").selectOption("above_average");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByTestId("approval-level")).toContainText("Above average");
});
