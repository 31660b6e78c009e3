// viewer-settings: a viewer opens every Settings page (200, not 403), reads it without edit controls, and no
// secret value an admin set (app key and webhook secret, registry password, build secret, Slack URL) is in
// any page's HTML. test/security.viewer-settings.test.ts checks the pages' server checks and loaders.
import { generateKeyPairSync } from "node:crypto";
import { mkdirSync } from "node:fs";
import { test, expect, type Page } from "@playwright/test";
import { signInWithGitHub } from "./support/login";

test.describe.configure({ mode: "serial" });

const SECRETS = {
  // a real key (the console refuses a PEM that holds none); a line of its body is what must never show
  appKey: generateKeyPairSync("rsa", { modulusLength: 2048, publicKeyEncoding: { type: "spki", format: "pem" }, privateKeyEncoding: { type: "pkcs1", format: "pem" } }).privateKey,
  webhookSecret: "viewer-e2e-webhook-secret-0123456789",
  registryPassword: "viewer-e2e-registry-pass-Zq8",
  buildSecret: "viewer-e2e-build-secret-77",
  slackUrl: "https://hooks.slack.com/services/T000/B000/viewer-e2e-slack-token",
};
const NEEDLES = [SECRETS.appKey.split("\n")[1]!, SECRETS.webhookSecret, SECRETS.registryPassword, SECRETS.buildSecret, "viewer-e2e-slack-token"];

const PAGES = [
  "/settings",
  "/settings/users",
  "/settings/workers",
  "/settings/deployments",
  "/settings/apps",
  "/settings/registries",
  "/settings/secrets",
  "/settings/notifications",
  "/settings/deployer-key",
  "/settings/provenance-key",
  "/settings/config",
];

async function openForm(page: Page, name: string) {
  const toggle = page.getByRole("button", { name, exact: true }).first();
  await expect(toggle).toBeVisible();
  if ((await toggle.getAttribute("aria-expanded")) !== "true") await toggle.click();
  const form = page.getByRole("form", { name, exact: true });
  await expect(form).toBeVisible();
  return form;
}

test("an admin sets credentials on the Settings pages", async ({ page }) => {
  await signInWithGitHub(page, "alice");

  await page.goto("/settings/apps");
  const app = await openForm(page, "Add GitHub app");
  await app.getByLabel("Name", { exact: true }).fill("viewer-e2e");
  await app.getByLabel("App ID").fill("4242");
  await app.getByLabel("Private key (.pem)").fill(SECRETS.appKey);
  await app.getByLabel("Webhook secret").fill(SECRETS.webhookSecret);
  await app.getByRole("button", { name: "Save" }).click();
  await expect(page.getByText("/api/webhooks/github/viewer-e2e").first()).toBeVisible();

  await page.goto("/settings/registries");
  const reg = await openForm(page, "Add registry");
  await reg.getByLabel("Name", { exact: true }).fill("viewer-e2e-registry");
  await reg.getByLabel("Address").fill("registry.example.org");
  await reg.getByLabel("Username", { exact: false }).fill("ci-bot");
  await reg.getByLabel("Password or access token").fill(SECRETS.registryPassword);
  await reg.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("heading", { name: "viewer-e2e-registry" })).toBeVisible();

  await page.goto("/settings/secrets");
  const secret = await openForm(page, "Add secret");
  await secret.getByLabel("Name", { exact: true }).fill("VIEWER_E2E_TOKEN");
  await secret.getByLabel("Value").fill(SECRETS.buildSecret);
  await secret.getByRole("button", { name: "Save" }).click();
  await expect(page.getByText("VIEWER_E2E_TOKEN").first()).toBeVisible();

  await page.goto("/settings/notifications");
  const channel = await openForm(page, "Add channel");
  await channel.getByLabel("Name", { exact: true }).fill("viewer-e2e-channel");
  await channel.getByLabel("URL", { exact: true }).fill(SECRETS.slackUrl);
  await channel.getByRole("checkbox").first().check();
  await channel.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("heading", { name: "viewer-e2e-channel" })).toBeVisible();
});

test("a viewer reads every Settings page, without edit controls and without a secret value", async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signInWithGitHub(page, "vera");
  await expect(page.getByTestId("role-badge")).toHaveText(/viewer/i);

  for (const path of PAGES) {
    const res = await page.goto(path);
    expect(res?.status(), path).toBe(200);
    await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
    await expect(page.getByText(/don.t have access/i)).toHaveCount(0);
    const html = await page.content();
    for (const needle of NEEDLES) expect(html, `${path} shows ${needle}`).not.toContain(needle);
    await expect(page.getByRole("button", { name: /^(Add |Save|Delete|Edit|Set value|Rotate|Generate)/ }), path).toHaveCount(0);
  }

  // what they read: the names, and that each credential is set
  await page.goto("/settings/apps");
  await expect(page.getByText("private key: set").first()).toBeVisible();
  await page.goto("/settings/secrets");
  await expect(page.getByText("VIEWER_E2E_TOKEN")).toBeVisible();
  await page.goto("/settings/users");
  await expect(page.getByRole("combobox")).toHaveCount(0);
  await expect(page.getByRole("cell", { name: /alice/ }).or(page.getByRole("rowheader", { name: /alice/ })).first()).toBeVisible();
  mkdirSync("test-results/artifacts", { recursive: true });
  await page.screenshot({ path: "test-results/artifacts/viewer-settings-users.png", fullPage: true });
  await page.goto("/settings/secrets");
  await page.screenshot({ path: "test-results/artifacts/viewer-settings-secrets.png", fullPage: true });
  await page.goto("/settings/config");
  await expect(page.getByRole("link", { name: "Export slipway.yml" })).toBeVisible();
  await expect(page.getByText("Only admins import a file.")).toBeVisible();
  await page.screenshot({ path: "test-results/artifacts/viewer-settings-config.png", fullPage: true });
  await context.close();
});
