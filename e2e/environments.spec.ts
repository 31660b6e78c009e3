// The Environments page: with no stage anywhere, its empty state; with seeded pipelines (staging → production), the
// stages as columns with the release on each and its targets, the reason a release still soaking cannot be
// promoted (the button disabled, the words next to it), and a promotion done from the keyboard alone (Tab to the
// button, Enter, Tab to the confirmation, Enter) that says what it did and makes a promotion deployment.
// Screenshots at 1280×800 go to test-results/artifacts/environments-*.png.
import { randomBytes, randomUUID } from "node:crypto";
import { mkdirSync } from "node:fs";
import { test, expect, type Page } from "@playwright/test";
import { signInWithGitHub } from "./support/login";
import { query } from "./support/db";

const id = () => `e2e${randomUUID().replace(/-/g, "").slice(0, 21)}`;

async function shot(page: Page, name: string) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow, `${name}: the page scrolls sideways by ${overflow} px`).toBeLessThanOrEqual(0);
  mkdirSync("test-results/artifacts", { recursive: true });
  await page.screenshot({ path: `test-results/artifacts/${name}.png`, fullPage: true });
}

interface Seeded {
  repo: string;
  releaseId: string;
  sha: string;
  staging: string;
  production: string;
}

/**
 * A repository whose deployment rule has staging → production, one target each: staging runs a release (recorded
 * before signing: the engine's page, not provenance's) whose deployment there succeeded `minutesAgo` minutes ago,
 * production, whose deployments wait for approval, runs an older one.
 */
async function seed(opts: { soakSeconds: number; minutesAgo: number; message: string }): Promise<Seeded> {
  const ids = { repo: id(), rule: id(), deploy: id(), staging: id(), production: id(), stagingTarget: id(), productionTarget: id() };
  const tag = ids.repo.slice(3, 9);
  const name = `shop/web-${tag}`;
  const image = `registry.example.test/${name}`;
  await query("INSERT INTO repositories (id, name, provider, url, default_branch, poll_interval_seconds, updated_at) VALUES ($1, $2, 'git', $3, 'main', 86400, now())", [ids.repo, name, `https://git.example.test/${name}.git`]);
  await query("INSERT INTO build_rules (id, repository_id, name, kind, dockerfile, updated_at) VALUES ($1, $2, 'Dockerfile', 'docker', 'Dockerfile', now())", [ids.rule, ids.repo]);
  await query("INSERT INTO deployment_rules (id, build_rule_id, branch, image, updated_at) VALUES ($1, $2, 'main', $3, now())", [ids.deploy, ids.rule, `${image}:main`]);
  await query("INSERT INTO environments (id, deployment_rule_id, name, position, soak_seconds, check_urls, updated_at) VALUES ($1, $2, 'staging', 0, $3, '{}', now())", [ids.staging, ids.deploy, opts.soakSeconds]);
  await query("INSERT INTO environments (id, deployment_rule_id, name, position, approval_mode, min_approvers, updated_at) VALUES ($1, $2, 'production', 1, 'manual', 1, now())", [ids.production, ids.deploy]);
  const release = async (message: string, ago: number) => {
    const r = { commit: id(), build: id(), release: id(), sha: randomBytes(20).toString("hex") };
    await query("INSERT INTO commits (id, repository_id, sha, message, author) VALUES ($1, $2, $3, $4, 'dev')", [r.commit, ids.repo, r.sha, message]);
    await query(
      `INSERT INTO builds (id, build_rule_id, commit_id, state, trigger, queued_at, started_at, finished_at, updated_at) VALUES ($1, $2, $3, 'succeeded', 'poll', now() - interval '${ago + 5} minutes', now() - interval '${ago + 5} minutes', now() - interval '${ago + 2} minutes', now())`,
      [r.build, ids.rule, r.commit],
    );
    await query("INSERT INTO releases (id, build_id, deployment_rule_id, image_repo, tag, digest, recorded_before_signing) VALUES ($1, $2, $3, $4, 'main', $5, true)", [
      r.release, r.build, ids.deploy, image, `sha256:${randomBytes(32).toString("hex")}`,
    ]);
    return r;
  };
  const old = await release("Last week's shop", 7 * 24 * 60);
  const current = await release(opts.message, opts.minutesAgo);
  const staging = `web-staging-${tag}`;
  const production = `web-${tag}`;
  await query("INSERT INTO targets (id, deployment_rule_id, environment_id, name, kind, service, current_release_id, updated_at) VALUES ($1, $2, $3, $4, 'swarm_service', 'shop_staging', $5, now())", [
    ids.stagingTarget, ids.deploy, ids.staging, staging, current.release,
  ]);
  await query("INSERT INTO targets (id, deployment_rule_id, environment_id, name, kind, service, current_release_id, updated_at) VALUES ($1, $2, $3, $4, 'swarm_service', 'shop_web', $5, now())", [
    ids.productionTarget, ids.deploy, ids.production, production, old.release,
  ]);
  await query(
    `INSERT INTO deployments (id, target_id, release_id, state, started_at, finished_at, updated_at) VALUES ($1, $2, $3, 'succeeded', now() - interval '${opts.minutesAgo + 1} minutes', now() - interval '${opts.minutesAgo} minutes', now())`,
    [id(), ids.stagingTarget, current.release],
  );
  return { repo: name, releaseId: current.release, sha: current.sha, staging, production };
}

test("the Environments page: empty state, the pipeline as columns, why a release is not promotable, and a promotion from the keyboard", async ({ page }) => {
  await signInWithGitHub(page, "alice");
  const none = (await query<{ n: string }>("SELECT count(*) AS n FROM environments"))[0]!.n === "0";
  if (none) {
    await page.goto("/environments");
    await expect(page.getByText("No environments yet", { exact: true })).toBeVisible();
    await shot(page, "environments-empty");
  }

  const soaking = await seed({ soakSeconds: 3600, minutesAgo: 10, message: "New checkout flow" });
  const ready = await seed({ soakSeconds: 600, minutesAgo: 30, message: "Faster product search" });

  // the navigation leads there
  await page.goto("/");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Environments" }).click();
  await expect(page.getByRole("heading", { name: "Environments", level: 1 })).toBeVisible();

  // a release still soaking: the button is disabled and the reason is in words
  const blocked = page.getByRole("region", { name: new RegExp(soaking.repo) });
  const blockedStaging = blocked.getByRole("listitem", { name: "Environment staging" });
  await expect(blockedStaging.getByText("New checkout flow")).toBeVisible();
  await expect(blockedStaging.getByRole("link", { name: soaking.staging })).toBeVisible();
  await expect(blockedStaging.getByRole("button", { name: `Promote ${soaking.sha.slice(0, 7)} from staging to production` })).toBeDisabled();
  await expect(blockedStaging.getByTestId("promotion-blockers")).toHaveText(/staging's soak time ends in (49|50) min/);
  await expect(blocked.getByRole("listitem", { name: "Environment production" }).getByText("Last week's shop")).toBeVisible();

  // a release past its soak time: promoted from the keyboard alone
  const region = page.getByRole("region", { name: new RegExp(ready.repo) });
  const staging = region.getByRole("listitem", { name: "Environment staging" });
  await expect(staging.getByText("Faster product search")).toBeVisible();
  await expect(staging.getByText(/soak ended/)).toBeVisible();
  await shot(page, "environments-pipeline");

  const button = staging.getByRole("button", { name: `Promote ${ready.sha.slice(0, 7)} from staging to production` });
  await expect(button).toBeEnabled();
  // reach it with Tab from the element before it
  await staging.getByRole("link", { name: ready.staging }).focus();
  for (let i = 0; i < 5; i++) {
    if (await button.evaluate((el) => el === document.activeElement)) break;
    await page.keyboard.press("Tab");
  }
  await expect(button).toBeFocused();
  await page.keyboard.press("Enter");
  const dialog = page.getByRole("dialog", { name: `Promote ${ready.sha.slice(0, 7)} to production?` });
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText(`to ${ready.production}`);
  await expect(dialog.getByRole("button", { name: "Cancel" })).toBeFocused();
  await shot(page, "environments-confirm");
  await page.keyboard.press("Tab");
  await expect(dialog.getByRole("button", { name: "Promote to production" })).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(dialog).toBeHidden();
  // production asks for approval: the promotion waits there (and no worker runs it meanwhile)
  await expect(page.getByRole("status").filter({ hasText: `Promoting ${ready.sha.slice(0, 12)} to production: the deployment to ${ready.production} waits for approval by someone else.` })).toBeVisible();

  // the refreshed page: the release is on its way, so the button waits, and says why
  await expect(button).toBeDisabled();
  await expect(staging.getByTestId("promotion-blockers")).toHaveText("it is already on its way to production (waiting for approval)");

  const rows = await query<{ trigger: string; name: string; state: string }>(
    "SELECT d.trigger, t.name, d.state FROM deployments d JOIN targets t ON t.id = d.target_id WHERE d.release_id = $1 AND d.trigger = 'promotion'",
    [ready.releaseId],
  );
  expect(rows).toEqual([{ trigger: "promotion", name: ready.production, state: "pending_approval" }]);
  const audit = await query<{ action: string }>("SELECT action FROM audit_events WHERE subject_id = $1 AND action = 'release.promoted'", [ready.releaseId]);
  expect(audit).toHaveLength(1);
  await shot(page, "environments-promoted");
});
