// The foundation, as a person uses it: GitHub sign-in, roles enforced on the server, the audit log.
import { mkdirSync } from "node:fs";
import { test, expect } from "@playwright/test";
import { signInWithGitHub } from "./support/login";
import { query } from "./support/db";

test.describe.configure({ mode: "serial" });

test("an admin signs in with GitHub and sees the dashboard", async ({ page }, testInfo) => {
  await signInWithGitHub(page, "alice");
  await expect(page.getByText("alice").first()).toBeVisible();
  await expect(page.getByTestId("role-badge")).toHaveText(/admin/i);
  mkdirSync("test-results/artifacts", { recursive: true });
  const shot = await page.screenshot({ path: "test-results/artifacts/dashboard.png", fullPage: true });
  await testInfo.attach("dashboard", { body: shot, contentType: "image/png" });
  const [alice] = await query<{ role: string }>("SELECT role::text FROM users WHERE login = 'alice'");
  expect(alice?.role).toBe("admin");
});

test("a viewer cannot reach admin actions, and a forged request is refused with nothing written", async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signInWithGitHub(page, "bob");
  await expect(page.getByTestId("role-badge")).toHaveText(/viewer/i);

  // viewers read Settings → Users, without the role and disable controls; the commands are refused below
  const res = await page.goto("/settings/users");
  expect(res?.status()).toBe(200);
  await expect(page.getByRole("combobox")).toHaveCount(0);
  await expect(page.getByRole("button", { name: /save|disable/i })).toHaveCount(0);

  const [bob] = await query<{ id: string }>("SELECT id FROM users WHERE login = 'bob'");
  const [alice] = await query<{ id: string }>("SELECT id FROM users WHERE login = 'alice'");
  const [{ count: before }] = (await query<{ count: string }>("SELECT count(*) FROM audit_events")) as [{ count: string }];

  // forge the admin command from bob's session, from the console's own origin
  for (const target of [bob!.id, alice!.id]) {
    const forged = await page.request.put(`/api/users/${target}/role`, {
      data: { role: target === bob!.id ? "admin" : "viewer" },
      headers: { Origin: new URL(page.url()).origin },
    });
    expect(forged.status()).toBe(403);
    expect((await forged.json()).error).toMatch(/admin/i);
  }
  // (other specs sign in other users; these two are the ones the forged requests aimed at)
  const roles = await query<{ login: string; role: string }>("SELECT login, role::text FROM users WHERE login IN ('alice', 'bob') ORDER BY login");
  expect(roles).toEqual([
    { login: "alice", role: "admin" },
    { login: "bob", role: "viewer" },
  ]);
  const [{ count: after }] = (await query<{ count: string }>("SELECT count(*) FROM audit_events")) as [{ count: string }];
  expect(after).toBe(before);
  await context.close();
});

test("an admin changes a role in Settings → Users and the Audit page shows the sign-ins and the change", async ({ page }) => {
  await signInWithGitHub(page, "alice");
  await page.getByRole("link", { name: "Settings" }).click();
  await page.getByRole("link", { name: "Users" }).first().click();
  await expect(page).toHaveURL(/\/settings\/users/);
  const row = page.getByRole("row", { name: /bob/ });
  await row.getByRole("combobox").selectOption("operator");
  await row.getByRole("button", { name: /save/i }).click();
  await expect(page.getByRole("status").filter({ hasText: /operator/i })).toBeVisible();
  const [bob] = await query<{ role: string }>("SELECT role::text FROM users WHERE login = 'bob'");
  expect(bob?.role).toBe("operator");

  await page.getByRole("link", { name: "Audit" }).click();
  await expect(page).toHaveURL(/\/audit/);
  const table = page.getByRole("table");
  await expect(table.getByText(/bob: Viewer → Operator/)).toBeVisible();
  await expect(table.getByText(/alice signed in with GitHub/).first()).toBeVisible();
  await expect(table.getByText(/bob signed in with GitHub/).first()).toBeVisible();

  // filter to role changes only
  await page.goto("/audit?action=user.role_changed");
  await expect(page.getByRole("table").getByText(/bob: Viewer → Operator/)).toBeVisible();
  await expect(page.getByRole("table").getByText(/signed in with GitHub/)).toHaveCount(0);

  // bad input to the admin command: a clear 400 and nothing written
  const origin = { Origin: new URL(page.url()).origin };
  const [bobRow] = await query<{ id: string }>("SELECT id FROM users WHERE login = 'bob'");
  const [{ count: beforeBad }] = (await query<{ count: string }>("SELECT count(*) FROM audit_events")) as [{ count: string }];
  const badRole = await page.request.put(`/api/users/${bobRow!.id}/role`, { data: { role: "root" }, headers: origin });
  expect(badRole.status()).toBe(400);
  expect((await badRole.json()).error).toMatch(/viewer, operator or admin/);
  const badJson = await page.request.put(`/api/users/${bobRow!.id}/role`, { data: Buffer.from("{not json"), headers: { ...origin, "Content-Type": "application/json" } });
  expect(badJson.status()).toBe(400);
  expect((await badJson.json()).error).toMatch(/not valid JSON/);
  const notObject = await page.request.put(`/api/users/${bobRow!.id}/role`, { data: Buffer.from('"admin"'), headers: { ...origin, "Content-Type": "application/json" } });
  expect(notObject.status()).toBe(400);
  expect((await notObject.json()).error).toMatch(/must be a JSON object/);
  const unknown = await page.request.put("/api/users/no-such-user/role", { data: { role: "viewer" }, headers: origin });
  expect(unknown.status()).toBe(404);
  const crossSite = await page.request.put(`/api/users/${bobRow!.id}/role`, { data: { role: "admin" }, headers: { Origin: "https://evil.example" } });
  expect(crossSite.status()).toBe(403);
  const badFilter = await page.request.get("/api/audit/export?format=csv&from=yesterday-ish");
  expect(badFilter.status()).toBe(400);
  expect((await badFilter.json()).error).toMatch(/from: must be a date/);
  expect((await query<{ role: string }>("SELECT role::text FROM users WHERE login = 'bob'"))[0]?.role).toBe("operator");
  const [{ count: afterBad }] = (await query<{ count: string }>("SELECT count(*) FROM audit_events")) as [{ count: string }];
  expect(afterBad).toBe(beforeBad);

  // export
  const csv = await page.request.get("/api/audit/export?format=csv&action=user.role_changed");
  expect(csv.status()).toBe(200);
  expect(await csv.text()).toContain("bob: Viewer → Operator");
});

test("signing out ends the session and is audited", async ({ page }) => {
  await signInWithGitHub(page, "alice");
  await page.getByRole("button", { name: /sign out/i }).click();
  await page.waitForURL(/\/login/);
  const res = await page.goto("/");
  expect(new URL(page.url()).pathname).toBe("/login");
  expect(res?.status()).toBeLessThan(400);
  const events = await query<{ summary: string }>("SELECT summary FROM audit_events WHERE action = 'auth.logout'");
  expect(events.map((e) => e.summary)).toContain("alice signed out");
});

test("a signed-out visitor comes back to the page they asked for, and the console is usable by keyboard", async ({ page }) => {
  await page.goto("/audit?action=auth.login");
  await expect(page).toHaveURL(/\/login\?callbackUrl=/);
  await page.getByRole("button", { name: /sign in with github/i }).click();
  await page.getByLabel("GitHub login").fill("alice");
  await page.getByRole("button", { name: "Authorize" }).click();
  await page.waitForURL(/\/audit\?action=auth\.login/);
  // the first Tab reaches the skip link, which moves focus to the page's content
  await page.keyboard.press("Tab");
  const skip = page.getByRole("link", { name: /skip to/i });
  await expect(skip).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/#/);
});
