// The repository page's deployment rule form edits the rule's stages and previews: an admin opens a rule, adds two
// stages (moving one with the keyboard), turns previews on, is told by the URL field that the pattern lacks
// {number}, fixes it and saves; the rule's summary then shows the stages and the previews. Screenshots at 1280×800
// go to test-results/artifacts/rule-form-*.png (the form open with both fieldsets, the error, the summary).
import { randomUUID } from "node:crypto";
import { mkdirSync } from "node:fs";
import { test, expect, type Locator, type Page } from "@playwright/test";
import { signInWithGitHub } from "./support/login";
import { query } from "./support/db";

const id = () => `e2e${randomUUID().replace(/-/g, "").slice(0, 21)}`;

async function shot(page: Page, name: string) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow, `${name}: the page scrolls sideways by ${overflow} px`).toBeLessThanOrEqual(0);
  mkdirSync("test-results/artifacts", { recursive: true });
  await page.screenshot({ path: `test-results/artifacts/${name}.png`, fullPage: true });
}

/** The form's controls that stick out of it (its card clips them rather than scrolling the page). */
async function outside(form: Locator): Promise<string[]> {
  return form.evaluate((f) => {
    const box = f.getBoundingClientRect();
    return [...f.querySelectorAll<HTMLElement>("input:not([type=hidden]), select, textarea, button, label")]
      .filter((e) => {
        const r = e.getBoundingClientRect();
        return r.width > 0 && (r.right > box.right + 1 || r.left < box.left - 1);
      })
      .map((e) => e.getAttribute("name") ?? e.textContent ?? e.tagName);
  });
}

/** A repository whose docker build deploys main to one swarm service, no stages, no previews. */
async function seed() {
  const ids = { repo: id(), rule: id(), deploy: id(), context: id(), target: id() };
  const tag = ids.repo.slice(3, 9);
  const name = `shop/rules-${tag}`;
  await query("INSERT INTO repositories (id, name, provider, url, default_branch, poll_interval_seconds, updated_at) VALUES ($1, $2, 'git', $3, 'main', 86400, now())", [ids.repo, name, `https://git.example.test/${name}.git`]);
  await query("INSERT INTO build_rules (id, repository_id, name, kind, dockerfile, updated_at) VALUES ($1, $2, 'Dockerfile', 'docker', 'Dockerfile', now())", [ids.rule, ids.repo]);
  await query("INSERT INTO deployment_rules (id, build_rule_id, branch, image, updated_at) VALUES ($1, $2, 'main', $3, now())", [ids.deploy, ids.rule, `registry.example.test/${name}:main`]);
  await query("INSERT INTO docker_contexts (id, name, endpoint, role, updated_at) VALUES ($1, $2, 'unix:///var/run/docker.sock', 'swarm_manager', now())", [ids.context, `swarm-${tag}`]);
  await query("INSERT INTO targets (id, deployment_rule_id, name, kind, docker_context_id, service, updated_at) VALUES ($1, $2, $3, 'swarm_service', $4, 'shop_web', now())", [
    ids.target, ids.deploy, `rules-web-${tag}`, ids.context,
  ]);
  return { ...ids, name, context: `swarm-${tag}` };
}

test.use({ viewport: { width: 1280, height: 800 } });

test("the rule form edits stages and previews: add and move stages, a bad preview URL told by its field, then saved and summarised", async ({ page }) => {
  const s = await seed();
  await signInWithGitHub(page, "alice");
  await page.goto(`/repositories/${s.repo}`);
  await expect(page.getByRole("heading", { name: s.name })).toBeVisible();

  // the summary before: no stages, previews off
  const block = page.getByRole("region", { name: "Branch main" });
  await expect(block.getByText("none: every target follows the branch")).toBeVisible();

  await page.getByRole("button", { name: "Edit deployment rule for branch main of Dockerfile" }).click();
  const form = page.getByRole("form", { name: "Edit deployment rule for branch main" });
  await expect(form).toBeVisible();
  const stages = form.getByRole("group", { name: "Environments" });
  await expect(stages).toContainText("None: every target follows the branch.");

  // two stages; the new row's name takes the focus
  await stages.getByRole("button", { name: "Add stage" }).click();
  const first = stages.getByRole("listitem").nth(0);
  await expect(first.getByLabel("Name")).toBeFocused();
  await first.getByLabel("Name").fill("production");
  await first.getByLabel("Deploys into it").selectOption("manual");
  await first.getByLabel("Approvals needed").fill("2");
  await stages.getByRole("button", { name: "Add stage" }).click();
  const second = stages.getByRole("listitem").nth(1);
  await second.getByLabel("Name").fill("staging");
  await second.getByLabel("Soak time").fill("30m");
  await second.getByLabel("Check URLs").fill("https://staging.shop.example.test/healthz");

  // staging first, from the keyboard: its Up button keeps the focus while the row moves
  const up = stages.getByRole("button", { name: "Move staging up" });
  await up.focus();
  await page.keyboard.press("Enter");
  await expect(stages.getByRole("listitem").nth(0)).toHaveAccessibleName("Stage 1: staging");
  await expect(stages.getByRole("listitem").nth(1)).toHaveAccessibleName("Stage 2: production");
  await expect(stages.getByRole("button", { name: "Move staging down" })).toBeFocused();
  await expect(stages.getByRole("listitem").nth(0).getByLabel("Soak time")).toHaveValue("30m");
  await expect(stages.getByRole("button", { name: "Move staging up" })).toBeDisabled();

  // previews: the settings show once ticked
  const previews = form.getByRole("group", { name: "Previews" });
  await expect(previews.getByLabel("URL pattern")).toHaveCount(0);
  await previews.getByLabel("Run a preview of each pull request").check();
  await expect(previews.getByLabel("Preview context")).toHaveValue("");
  await expect(previews.getByLabel("Preview context").locator("option").first()).toHaveText(`The first swarm target's (${s.context})`);
  await expect(previews.getByLabel("Time to live (hours)")).toHaveValue("72");
  await expect(previews.getByLabel("Max concurrent")).toHaveValue("5");
  await previews.getByLabel("URL pattern").fill("https://preview.shop.example.test");
  await previews.getByLabel("Port").fill("8080");
  await previews.getByLabel("Labels").fill("traefik.enable=true\ntraefik.http.routers.{service}.rule=Host(`{host}`)");
  await shot(page, "rule-form-open");
  await form.screenshot({ path: "test-results/artifacts/rule-form-fields.png" });
  expect(await outside(form)).toEqual([]);

  // a URL without {number}: refused, said next to the URL field, nothing written
  await form.getByRole("button", { name: "Save" }).click();
  const url = previews.getByLabel("URL pattern");
  await expect(url).toHaveAttribute("aria-invalid", "true");
  await expect(url).toHaveAccessibleDescription(/must contain \{number\}/);
  await expect(form.getByRole("alert").first()).toContainText("preview.url");
  expect(await query("SELECT 1 FROM environments WHERE deployment_rule_id = $1", [s.deploy])).toHaveLength(0);
  await url.scrollIntoViewIfNeeded();
  await shot(page, "rule-form-error");

  await url.fill("https://pr-{number}.shop.example.test");
  await form.getByRole("button", { name: "Save" }).click();
  await expect(form).toHaveCount(0);
  await expect(block.getByRole("link", { name: "staging → production" })).toBeVisible();
  await expect(block).toContainText("staging soaks 30m, 1 check · production after approval");
  await expect(block.getByRole("link", { name: "on", exact: true })).toBeVisible();
  await expect(block).toContainText("https://pr-{number}.shop.example.test");
  await shot(page, "rule-form-saved");

  const envs = await query<{ name: string; position: number; soak_seconds: number; approval_mode: string; min_approvers: number }>(
    "SELECT name, position, soak_seconds, approval_mode::text, min_approvers FROM environments WHERE deployment_rule_id = $1 ORDER BY position",
    [s.deploy],
  );
  expect(envs).toEqual([
    { name: "staging", position: 0, soak_seconds: 1800, approval_mode: "automatic", min_approvers: 1 },
    { name: "production", position: 1, soak_seconds: 0, approval_mode: "manual", min_approvers: 2 },
  ]);
  const [rule] = await query<{ preview_enabled: boolean; preview_url: string; preview_port: number; preview_labels: string[] }>(
    "SELECT preview_enabled, preview_url, preview_port, preview_labels FROM deployment_rules WHERE id = $1",
    [s.deploy],
  );
  expect(rule).toEqual({ preview_enabled: true, preview_url: "https://pr-{number}.shop.example.test", preview_port: 8080, preview_labels: ["traefik.enable=true", "traefik.http.routers.{service}.rule=Host(`{host}`)"] });
});
