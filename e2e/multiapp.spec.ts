// One GitHub repository listed under two apps, as an admin sees it: the Repositories page lists both entries
// with their app, each entry's page says which app it belongs to, and its README badge names that app, so
// the address shows that entry's builds. Seeded straight into the database.
import { mkdirSync } from "node:fs";
import { randomUUID } from "node:crypto";
import { test, expect, request as playwrightRequest, type Page } from "@playwright/test";
import { signInWithGitHub } from "./support/login";
import { query } from "./support/db";

test.describe.configure({ mode: "serial" });

const REPO = "e2e/multi-app";
const entries: Record<"alpha" | "beta", string> = { alpha: "", beta: "" };

async function shot(page: Page, name: string) {
  mkdirSync("test-results/artifacts", { recursive: true });
  await page.screenshot({ path: `test-results/artifacts/${name}.png`, fullPage: true });
}

test.beforeAll(async () => {
  const id = () => `e2e${randomUUID().replace(/-/g, "").slice(0, 21)}`;
  for (const app of ["alpha", "beta"] as const) {
    const appId = id();
    entries[app] = id();
    await query("INSERT INTO github_apps (id, name, account_allowlist, updated_at) VALUES ($1, $2, '{}', now())", [appId, `e2e-${app}`]);
    await query("INSERT INTO repositories (id, name, provider, app_id, url, default_branch, updated_at) VALUES ($1, $2, 'github', $3, $4, 'main', now())", [
      entries[app],
      REPO,
      appId,
      `https://github.com/${REPO}.git`,
    ]);
    await query("INSERT INTO build_rules (id, repository_id, name, kind, build_args, build_secrets, updated_at) VALUES ($1, $2, $3, 'docker', '{}', '{}', now())", [
      id(),
      entries[app],
      `Dockerfile.${app}`,
    ]);
  }
});

test("the repository under two apps is listed twice, each entry with its app and its own badge address", async ({ page, baseURL }) => {
  await signInWithGitHub(page, "alice");
  await page.goto("/repositories");
  const rows = page.getByRole("row").filter({ hasText: REPO });
  await expect(rows).toHaveCount(2);
  await expect(rows.filter({ hasText: "e2e-alpha" })).toHaveCount(1);
  await expect(rows.filter({ hasText: "e2e-beta" })).toHaveCount(1);
  await shot(page, "multiapp-repositories");

  for (const app of ["alpha", "beta"] as const) {
    await page.goto(`/repositories/${entries[app]}`);
    await expect(page.getByRole("heading", { name: REPO, level: 1 })).toBeVisible();
    await expect(page.getByText(`A GitHub repository of the e2e-${app} app.`)).toBeVisible();
    await expect(page.getByText(`Dockerfile.${app}`).first()).toBeVisible();
    const markdown = `[![build](${baseURL}/api/badges/e2e/multi-app.svg?branch=main&app=e2e-${app})](${baseURL}/builds?repository=e2e%2Fmulti-app&branch=main)`;
    await expect(page.getByText(markdown)).toBeVisible();
    await expect(page.getByRole("img", { name: "build status of main" })).toHaveAttribute("src", new RegExp(`^/api/badges/e2e/multi-app\\.svg\\?branch=main&app=e2e-${app}(&shown=[01])?$`));
  }
  await page.getByRole("heading", { name: "README badge" }).scrollIntoViewIfNeeded();
  await shot(page, "multiapp-repository-badge");

  // each badge address answers, without a session
  const anonymous = await playwrightRequest.newContext({ baseURL });
  const badge = await anonymous.get("/api/badges/e2e/multi-app.svg?branch=main&app=e2e-beta");
  expect(badge.status()).toBe(200);
  expect(await badge.text()).toContain('aria-label="build: unknown"');
  await anonymous.dispose();
});
