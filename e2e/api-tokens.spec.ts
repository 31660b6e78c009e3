// api-tokens: a user creates an API token on Settings → API tokens, sees it once (with a copy button), uses
// it against /api/v1, finds it listed by its prefix only after a reload, revokes it, and the API refuses it.
// Also: the API reference page renders the OpenAPI document.
import { test, expect, type Page } from "@playwright/test";
import { signInWithGitHub } from "./support/login";

test.describe.configure({ mode: "serial" });

/** The page does not scroll sideways, and no table is cut off inside its frame. */
async function fits(page: Page, what: string) {
  const o = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
    cut: Array.from(document.querySelectorAll("main table")).filter((t) => t.parentElement && t.parentElement.scrollWidth > t.parentElement.clientWidth + 1).length,
  }));
  expect(o.scrollWidth, `${what} scrolls sideways at ${o.innerWidth}px`).toBeLessThanOrEqual(o.innerWidth);
  expect(o.cut, `${what}: a table is cut off`).toBe(0);
}

test("create a token, see it once, use it, revoke it", async ({ page }) => {
  await signInWithGitHub(page, "alice");
  await page.goto("/settings/api-tokens");
  await expect(page.getByRole("heading", { name: "API tokens" })).toBeVisible();

  const form = page.getByRole("form", { name: "New API token" });
  await form.getByLabel("Name").fill("e2e-release-job");
  await form.getByLabel("Scope").selectOption("deploy");
  await form.getByLabel("Expires in (days)").fill("30");
  await form.getByRole("button", { name: "Create token" }).click();

  const shown = page.getByRole("region", { name: "The new token" });
  await expect(shown).toBeVisible();
  const token = (await shown.locator("code").first().innerText()).trim();
  expect(token).toMatch(/^slw_[A-Za-z0-9_-]{43}$/);
  await expect(shown.getByRole("button", { name: "Copy token e2e-release-job" })).toBeVisible();
  await page.setViewportSize({ width: 1366, height: 768 });
  await page.screenshot({ path: "/work/screens/api-tokens-created.png", fullPage: true });
  await fits(page, "Settings → API tokens");

  // the token works against the API, as alice with at most the deploy scope
  const me = await page.request.get("/api/v1/me", { headers: { authorization: `Bearer ${token}` } });
  expect(me.status()).toBe(200);
  const body = (await me.json()) as { user: { login: string }; token: { name: string; scope: string } };
  expect(body.user.login).toBe("alice");
  expect(body.token).toMatchObject({ name: "e2e-release-job", scope: "deploy" });

  // shown once: after a reload only its prefix is on the page
  await page.reload();
  await expect(page.getByRole("region", { name: "The new token" })).toHaveCount(0);
  expect(await page.content()).not.toContain(token);
  const row = page.locator("tr", { hasText: "e2e-release-job" });
  await expect(row).toContainText(token.slice(0, 10));
  await expect(row).toContainText("active");

  await row.getByRole("button", { name: /Revoke token e2e-release-job/ }).click();
  const dialog = page.getByRole("dialog");
  await expect(dialog).toBeVisible();
  await dialog.getByRole("button", { name: "Revoke token" }).click();
  await expect(row).toContainText("revoked");
  await page.screenshot({ path: "/work/screens/api-tokens-revoked.png", fullPage: true });

  const refused = await page.request.get("/api/v1/me", { headers: { authorization: `Bearer ${token}` } });
  expect(refused.status()).toBe(401);
  expect(((await refused.json()) as { error: { code: string; message: string } }).error).toMatchObject({ code: "unauthenticated" });
});

test("the API reference page shows every operation", async ({ page }) => {
  await signInWithGitHub(page, "alice");
  await page.setViewportSize({ width: 1366, height: 768 });
  await page.goto("/settings/api");
  await expect(page.getByRole("heading", { name: "API reference" })).toBeVisible();
  const doc = (await (await page.request.get("/api/v1/openapi.json")).json()) as { paths: Record<string, Record<string, unknown>> };
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const method of Object.keys(methods)) {
      await expect(page.locator("article h3", { hasText: `/api/v1${path}` }).filter({ hasText: method.toUpperCase() }).first()).toBeVisible();
    }
  }
  await expect(page.locator("#schema-Build")).toBeVisible();
  await fits(page, "Settings → API reference");
  await page.screenshot({ path: "/work/screens/api-reference.png" });
});
