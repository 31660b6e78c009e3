// Issue 13's web security items as a browser meets them on the built console: `open-redirect` (a signed-in
// user sent to /login?callbackUrl=<an off-site form> stays on the console, and so does one who signs in
// through GitHub with such a callbackUrl), `login-csrf` (/login?message= shows no text from the URL), and
// `private-badge` (a private GitHub repository's badge answers "unknown" until an admin shows it, audited).
import { randomUUID } from "node:crypto";
import { test, expect } from "@playwright/test";
import { signInWithGitHub } from "./support/login";
import { query } from "./support/db";

test.describe.configure({ mode: "serial" });

const offSite = ["/%09/evil.example", "/%5Cevil.example", "/\\evil.example", "//evil.example", "/%2F%2Fevil.example", "javascript:alert(1)", "https://evil.example/"];

test("open-redirect: signing in through GitHub with an off-site callbackUrl lands on the console", async ({ page, baseURL }) => {
  await page.goto(`/login?callbackUrl=${encodeURIComponent("/%09/evil.example")}`);
  await page.getByRole("button", { name: /sign in with github/i }).click();
  await page.waitForURL(/\/login\/oauth\/authorize/);
  await page.getByLabel("GitHub login").fill("websec-user");
  await page.getByRole("button", { name: "Authorize" }).click();
  await page.waitForURL((url) => !url.pathname.startsWith("/login") && !url.pathname.startsWith("/api/auth"));
  expect(new URL(page.url()).origin).toBe(new URL(baseURL!).origin);
});

test("open-redirect: a signed-in user sent to /login with each known bypass form stays on the console", async ({ page, baseURL }) => {
  await signInWithGitHub(page, "websec-user");
  for (const v of offSite) {
    await page.goto(`/login?callbackUrl=${v.startsWith("/%") ? v : encodeURIComponent(v)}`);
    expect(new URL(page.url()).origin, v).toBe(new URL(baseURL!).origin);
    await expect(page.getByTestId("dashboard"), v).toBeVisible();
  }
  await page.goto("/login?callbackUrl=%2Fbuilds");
  expect(new URL(page.url()).pathname).toBe("/builds");
});

test("login-csrf: /login shows its own words for a code, never text from the URL", async ({ page }) => {
  await page.goto("/login?error=DevLogin&message=Your%20account%20is%20locked.%20Call%20%2B1%20555%200100");
  const notice = page.locator('[role="alert"]:not(#__next-route-announcer__)');
  await expect(notice).toContainText("The development login failed. Try again.");
  await expect(page.getByText("555")).toHaveCount(0);
  await page.goto("/login?error=Call%20555%200100");
  await expect(notice).toContainText("Signing in failed. Try again.");
  await expect(page.getByText("555")).toHaveCount(0);
});

test("private-badge: unknown until an admin shows it on the repository page; the switch is audited", async ({ page, request }) => {
  const id = () => `e2e${randomUUID().replace(/-/g, "").slice(0, 21)}`;
  const appId = id();
  const repositoryId = id();
  await query("INSERT INTO github_apps (id, name, account_allowlist, updated_at) VALUES ($1, 'websec-app', '{}', now())", [appId]);
  await query(
    "INSERT INTO repositories (id, name, provider, app_id, url, default_branch, is_private, updated_at) VALUES ($1, 'websec/secret', 'github', $2, 'https://github.com/websec/secret.git', 'main', true, now())",
    [repositoryId, appId],
  );
  const ruleId = id();
  const commitId = id();
  await query("INSERT INTO build_rules (id, repository_id, name, kind, build_args, build_secrets, updated_at) VALUES ($1, $2, 'Dockerfile', 'docker', '{}', '{}', now())", [ruleId, repositoryId]);
  await query("INSERT INTO commits (id, repository_id, sha) VALUES ($1, $2, $3)", [commitId, repositoryId, "b".repeat(40)]);
  await query("INSERT INTO builds (id, build_rule_id, commit_id, trigger, state, updated_at) VALUES ($1, $2, $3, 'webhook', 'succeeded', now())", [id(), ruleId, commitId]);
  await query("INSERT INTO refs (id, repository_id, kind, name, head_sha, updated_at) VALUES ($1, $2, 'branch', 'main', $3, now())", [id(), repositoryId, "b".repeat(40)]);

  const badgeWord = async () => (await (await request.get("/api/badges/websec/secret.svg")).text()).match(/aria-label="build: (\w+)"/)?.[1];
  expect(await badgeWord()).toBe("unknown");

  // a viewer reads why, and has no switch
  await signInWithGitHub(page, "websec-viewer");
  await page.goto(`/repositories/${repositoryId}`);
  const section = page.getByRole("region", { name: "README badge" });
  await expect(section.getByText(/GitHub says this repository is private, so its badge answers “unknown” to everyone/)).toBeVisible();
  await expect(section.getByRole("button")).toHaveText(["Copy"]);
  await page.context().clearCookies();

  await signInWithGitHub(page, "alice"); // SLIPWAY_ADMINS in e2e/support/serve.ts
  await page.goto(`/repositories/${repositoryId}`);
  await section.getByRole("button", { name: "Show the public badge anyway" }).click();
  await expect(section.getByText("The public badge of websec/secret now shows its state to anyone.")).toBeVisible();
  await expect(section.getByText(/an admin showed its badge anyway/)).toBeVisible();
  await section.scrollIntoViewIfNeeded();
  await page.screenshot({ path: "test-results/websec-private-badge.png", fullPage: false });
  expect(await badgeWord()).toBe("passing");
  const events = await query<{ summary: string }>("SELECT summary FROM audit_events WHERE action = 'repository.badge_changed' AND subject_id = $1", [repositoryId]);
  expect(events).toHaveLength(1);
  await section.getByRole("button", { name: "Hide the public badge" }).click();
  await expect(section.getByText(/now answers “unknown”/)).toBeVisible();
  expect(await badgeWord()).toBe("unknown");
});
