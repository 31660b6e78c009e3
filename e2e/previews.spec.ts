// The Previews page: seeded previews of pull requests (one running with its address, one of a fork waiting for
// approval, one waiting under the rule's cap) listed with their pull request, commit, state and why, address and
// age; Tear down asks first and is done from the keyboard (Escape keeps it, Tab to the confirm button, Enter);
// a viewer sees the list without the buttons. Screenshots at 1280×800 in test-results/artifacts.
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
  running: { id: string; pr: number; service: string };
  fork: { id: string; pr: number };
  waiting: { id: string; pr: number };
}

/** A repository with a deployment rule that has previews, and three previews as the engine leaves them. */
async function seed(): Promise<Seeded> {
  const ids = { repo: id(), rule: id(), deploy: id() };
  const repo = `acme/shop-${ids.repo.slice(3, 9)}`;
  const image = `registry.example.test/${repo}`;
  await query("INSERT INTO repositories (id, name, provider, url, default_branch, poll_interval_seconds, updated_at) VALUES ($1, $2, 'git', $3, 'main', 86400, now())", [ids.repo, repo, `https://git.example.test/${repo}.git`]);
  await query("INSERT INTO build_rules (id, repository_id, name, kind, dockerfile, updated_at) VALUES ($1, $2, 'Dockerfile', 'docker', 'Dockerfile', now())", [ids.rule, ids.repo]);
  await query(
    "INSERT INTO deployment_rules (id, build_rule_id, branch, image, preview_enabled, preview_url, preview_max_concurrent, updated_at) VALUES ($1, $2, 'main', $3, true, 'https://pr-{number}.preview.example.com', 2, now())",
    [ids.deploy, ids.rule, `${image}:main`],
  );
  const preview = async (pr: number, state: string, extra: { fork?: boolean; reason?: string | null; running?: boolean; age: string }) => {
    const pid = id();
    const sha = randomBytes(20).toString("hex");
    await query(
      `INSERT INTO previews (id, deployment_rule_id, pr_number, head_sha, image_repo, tag, digest, service, state, reason, url, fork, deployed_at, expires_at, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::preview_state, $10, $11, $12,
               CASE WHEN $13 THEN now() - $14::interval END, CASE WHEN $13 THEN now() - $14::interval + interval '72 hours' END,
               now() - $14::interval, now() - $14::interval)`,
      [pid, ids.deploy, pr, sha, image, `pr-${pr}-${sha.slice(0, 7)}`, `sha256:${randomBytes(32).toString("hex")}`, `shop-pr-${pr}`, state, extra.reason ?? null,
        `https://pr-${pr}.preview.example.com`, extra.fork ?? false, extra.running ?? false, extra.age],
    );
    return pid;
  };
  const running = await preview(41, "running", { running: true, age: "3 hours" });
  await preview(40, "running", { running: true, age: "5 hours" });
  const fork = await preview(42, "pending_approval", { fork: true, reason: "pull request #42 comes from a fork: an operator approves commit abcdef0 under Previews before it runs", age: "20 minutes" });
  const waiting = await preview(43, "waiting", { reason: "2 previews of this rule run already, its cap is 2: this one starts when another is torn down", age: "5 minutes" });
  return { repo, running: { id: running, pr: 41, service: "shop-pr-41" }, fork: { id: fork, pr: 42 }, waiting: { id: waiting, pr: 43 } };
}

test.use({ viewport: { width: 1280, height: 800 } });

test("the previews list, its empty state, and Tear down from the keyboard", async ({ page }) => {
  await signInWithGitHub(page, "alice");
  const before = await query<{ n: number }>("SELECT count(*)::int AS n FROM previews");
  if (before[0]!.n === 0) {
    await page.goto("/previews");
    await expect(page.getByText("No previews", { exact: true })).toBeVisible();
    await shot(page, "previews-empty");
  }
  const s = await seed();
  await page.goto("/previews");
  await expect(page.getByRole("heading", { name: "Previews", level: 1 })).toBeVisible();
  await expect(page.getByRole("link", { name: "Previews", exact: true })).toHaveAttribute("aria-current", "page");
  const table = page.getByRole("table", { name: "Pull request previews" });
  const row = (pr: number) => table.getByRole("row").filter({ has: page.getByRole("rowheader", { name: new RegExp(`${s.repo}#${pr}\\b`) }) });
  await expect(row(41)).toContainText("Running");
  await expect(row(41).getByRole("link", { name: "pr-41.preview.example.com" })).toHaveAttribute("href", "https://pr-41.preview.example.com");
  await expect(row(41)).toContainText("3 h ago");
  await expect(row(41)).toContainText("torn down in 3 days");
  await expect(row(42)).toContainText("Waiting for approval");
  await expect(row(42)).toContainText("fork");
  await expect(row(42).getByRole("button", { name: `Approve the preview of ${s.repo}#42` })).toBeVisible();
  await expect(row(43)).toContainText("its cap is 2: this one starts when another is torn down");
  await shot(page, "previews-list");

  // Tear down asks first; Escape keeps the preview
  const trigger = page.getByRole("button", { name: `Tear down the preview of ${s.repo}#41` });
  await expect(trigger).toHaveAttribute("aria-haspopup", "dialog");
  await trigger.focus();
  await page.keyboard.press("Enter");
  const dialog = page.getByRole("dialog", { name: `Tear down ${s.running.service}?` });
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText("The pull request's next push brings the preview back");
  await expect(dialog.getByRole("button", { name: "Cancel" })).toBeFocused();
  await shot(page, "previews-teardown-dialog");
  await page.keyboard.press("Escape");
  await expect(dialog).toBeHidden();
  const state = async () => (await query<{ state: string }>("SELECT state::text AS state FROM previews WHERE id = $1", [s.running.id]))[0]!.state;
  expect(await state()).toBe("running");

  // Tab to the confirm button, Enter: torn down, in words, audited
  await trigger.focus();
  await page.keyboard.press("Enter");
  await expect(dialog.getByRole("button", { name: "Cancel" })).toBeFocused();
  await page.keyboard.press("Tab");
  await expect(dialog.getByRole("button", { name: "Tear down", exact: true })).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(page.getByText(`Tearing down ${s.running.service} (${s.repo}#41); it comes back with the pull request's next push.`)).toBeVisible();
  expect(["tearing_down", "torn_down"]).toContain(await state());
  const audit = (await query<{ action: string }>("SELECT action FROM audit_events WHERE subject_id = $1", [s.running.id])).map((r) => r.action);
  expect(audit).toContain("preview.teardown_requested");
  await expect(row(41)).toContainText(/Tearing down|Torn down/);
  await expect(row(41).getByRole("button", { name: /Tear down/ })).toHaveCount(0);
  await shot(page, "previews-after-teardown");
});

test("a viewer reads the list without Tear down or Approve", async ({ page }) => {
  await signInWithGitHub(page, "victor");
  await page.goto("/previews");
  await expect(page.getByRole("table", { name: "Pull request previews" })).toBeVisible();
  await expect(page.getByRole("button", { name: /Tear down|Approve/ })).toHaveCount(0);
});
