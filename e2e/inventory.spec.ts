// The inventory, as an admin builds it in the console: a GitHub app, a host scanned and accepted against a
// real sshd (then tested: authentication refused until the deployer key is installed), a docker context
// through that host, a repository with a build rule, a deployment rule and a target, all visible on the
// Services page. A viewer sees no edit controls (Settings pages included) and the server refuses the admin commands.
import { generateKeyPairSync } from "node:crypto";
import { appendFileSync, mkdirSync } from "node:fs";
import path from "node:path";
import { test, expect, type Page } from "@playwright/test";
import { signInWithGitHub } from "./support/login";
import { query } from "./support/db";

test.describe.configure({ mode: "serial" });

const sshd = JSON.parse(process.env.E2E_SSHD ?? "{}") as { port: number; user: string; dir: string; fingerprints: string[] };
const WEBHOOK_SECRET = "e2e-webhook-secret-0123456789abcdef";
/** a real key: the console refuses a PEM that holds none */
const PRIVATE_KEY = generateKeyPairSync("rsa", { modulusLength: 2048, publicKeyEncoding: { type: "spki", format: "pem" }, privateKeyEncoding: { type: "pkcs1", format: "pem" } }).privateKey;

/** Opens the "Add …" disclosure (it may already be open on an empty page) and returns its form. */
async function openForm(page: Page, name: string, formName: string | RegExp = name) {
  const toggle = page.getByRole("button", { name, exact: true }).first();
  await expect(toggle).toBeVisible();
  if ((await toggle.getAttribute("aria-expanded")) !== "true") await toggle.click();
  await expect(toggle).toHaveAttribute("aria-expanded", "true");
  const form = typeof formName === "string" ? page.getByRole("form", { name: formName, exact: true }) : page.getByRole("form", { name: formName });
  await expect(form).toBeVisible();
  return form;
}

async function shot(page: Page, name: string) {
  mkdirSync("test-results/artifacts", { recursive: true });
  await page.screenshot({ path: `test-results/artifacts/${name}.png`, fullPage: true });
}

test("an admin registers an app, a host (scan + accept + test), a context and a repository, and sees them on the Services page", async ({ page }) => {
  test.setTimeout(120_000);
  await signInWithGitHub(page, "alice");

  // ── a GitHub app, with its secrets write-only ────────────────────────────────────────────────
  await page.goto("/settings/apps");
  const addApp = await openForm(page, "Add GitHub app");
  await addApp.getByLabel("Name").fill("tarides");
  await addApp.getByLabel("App ID").fill("123456");
  await addApp.getByLabel("Private key (.pem)").fill(PRIVATE_KEY);
  await addApp.getByLabel("Webhook secret").fill(WEBHOOK_SECRET);
  await addApp.getByRole("button", { name: "Save" }).click();
  await expect(page.getByText("/api/webhooks/github/tarides").first()).toBeVisible();
  const appsHtml = await page.content();
  expect(appsHtml).not.toContain(WEBHOOK_SECRET);
  expect(appsHtml).not.toContain(PRIVATE_KEY.split("\n")[1]!);

  // ── a host: scan its keys, accept the one whose fingerprint we know ──────────────────────────
  await page.goto("/hosts");
  const addHost = await openForm(page, "Add host");
  await addHost.getByLabel("Name").fill("toxis");
  await addHost.getByLabel("Address").fill("127.0.0.1");
  await addHost.getByLabel("SSH port").fill(String(sshd.port));
  await addHost.getByLabel("SSH user").fill(sshd.user);
  await addHost.getByRole("button", { name: "Save" }).click();
  // a new host opens on its own page, which says what to do next
  await expect(page).toHaveURL(/\/hosts\/[^/]+$/);
  await expect(page.getByRole("heading", { name: "toxis" })).toBeVisible();

  await page.getByRole("button", { name: "Scan host keys" }).click();
  const fingerprint = sshd.fingerprints[0]!;
  await expect(page.getByText(fingerprint).first()).toBeVisible();
  await page.getByRole("checkbox").first().check();
  await page.getByRole("button", { name: "Accept selected keys" }).click();
  await expect(page.getByRole("region", { name: "Host keys" }).getByText(fingerprint).first()).toBeVisible();
  // the scanned fingerprint is on the page before the accept has committed: wait for the row itself
  await expect
    .poll(async () => (await query<{ fingerprint_sha256: string }>("SELECT k.fingerprint_sha256 FROM host_keys k JOIN hosts h ON h.id = k.host_id WHERE h.name = 'toxis'")).map((k) => k.fingerprint_sha256))
    .toEqual([fingerprint]);

  // Test connection: the deployer key is not installed yet, so authentication is refused, with the key to install
  const [deployer] = await query<{ public_key: string }>("SELECT public_key FROM deployer_keys WHERE retired_at IS NULL");
  await page.getByRole("button", { name: "Test connection" }).click();
  await expect(page.getByText(/authentication refused/i).first()).toBeVisible();
  await expect(page.getByText(deployer!.public_key.split(" ")[1]!).first()).toBeVisible();
  // install it as the host's admin would, and test again
  appendFileSync(path.join(sshd.dir, "authorized_keys"), `${deployer!.public_key}\n`);
  await page.getByRole("button", { name: "Test connection" }).click();
  await expect(page.getByText(/connected to toxis/i).first()).toBeVisible();
  await shot(page, "host");

  // ── a docker context through the host ────────────────────────────────────────────────────────
  await page.goto("/contexts");
  const addContext = await openForm(page, "Add context", /^Add (docker )?context$/);
  await addContext.getByLabel("Name").fill("toxis");
  await addContext.getByLabel("Endpoint").fill(`ssh://${sshd.user}@127.0.0.1:${sshd.port}`);
  await addContext.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("link", { name: "toxis" }).first()).toBeVisible();
  const [ctx] = await query<{ host: string }>("SELECT h.name AS host FROM docker_contexts c JOIN hosts h ON h.id = c.host_id WHERE c.name = 'toxis'");
  expect(ctx?.host).toBe("toxis");

  // ── a repository with a build rule, a deployment rule and a target ───────────────────────────
  await page.goto("/repositories");
  const addRepo = await openForm(page, "Add repository");
  await addRepo.getByLabel("GitHub app", { exact: true }).selectOption("tarides");
  await addRepo.getByLabel("Repository (owner/name)").fill("ocurrent/e2e-demo");
  await addRepo.getByRole("button", { name: "Add repository", exact: true }).click();
  await expect(page).toHaveURL(/\/repositories\/[^/]+$/);
  await expect(page.getByRole("heading", { name: "ocurrent/e2e-demo" })).toBeVisible();

  const addBuild = await openForm(page, "Add build rule");
  await addBuild.getByLabel("Dockerfile").fill("Dockerfile");
  await addBuild.getByRole("button", { name: /save|add build rule/i }).last().click();
  await expect(page.getByRole("button", { name: "Add deployment rule" }).first()).toBeVisible();

  const addRule = await openForm(page, "Add deployment rule");
  await addRule.getByLabel("Branch").fill("live");
  await addRule.getByLabel("Image to publish").fill("127.0.0.1:5000/ocurrent/e2e-demo:live");
  await addRule.getByRole("button", { name: /save|add deployment rule/i }).last().click();
  await expect(page.getByRole("button", { name: "Add target" }).first()).toBeVisible();

  const addTarget = await openForm(page, "Add target");
  await addTarget.getByLabel("Docker context").selectOption("toxis");
  await addTarget.getByRole("textbox", { name: "Swarm service" }).fill("demo_web");
  await addTarget.getByRole("button", { name: /save|add target/i }).last().click();
  await expect(page.getByText("toxis/demo_web").first()).toBeVisible();
  await shot(page, "repository");

  // ── the Services page: repository → branch → image → targets ─────────────────────────────────
  await page.goto("/services");
  const services = page.getByRole("main");
  await expect(services.getByText("ocurrent/e2e-demo").first()).toBeVisible();
  await expect(services.getByText("127.0.0.1:5000/ocurrent/e2e-demo:live").first()).toBeVisible();
  await expect(services.getByText("demo_web").first()).toBeVisible();
  await shot(page, "services");

  // every change was audited
  const actions = (await query<{ action: string }>("SELECT action FROM audit_events WHERE actor_label = 'alice'")).map((a) => a.action);
  for (const a of ["github_app.created", "github_app.credentials_set", "host.created", "host.key_pinned", "host.checked", "docker_context.created", "repository.created", "build_rule.created", "deployment_rule.created", "target.created"]) {
    expect(actions).toContain(a);
  }
  // and the export carries the names, never the secret values
  const exported = await page.request.get("/api/inventory/export");
  expect(exported.status()).toBe(200);
  const yaml = await exported.text();
  expect(yaml).toContain("repo: ocurrent/e2e-demo");
  expect(yaml).toContain(`host_keys:`);
  expect(yaml).not.toContain(WEBHOOK_SECRET);
  expect(yaml).not.toContain(PRIVATE_KEY.split("\n")[1]!);
});

test("a viewer sees the inventory without edit controls, and the server refuses admin commands", async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signInWithGitHub(page, "victor");
  await expect(page.getByTestId("role-badge")).toHaveText(/viewer/i);

  await page.goto("/hosts");
  await expect(page.getByRole("link", { name: "toxis" }).first()).toBeVisible();
  await expect(page.getByRole("button", { name: "Add host" })).toHaveCount(0);
  await page.getByRole("link", { name: "toxis" }).first().click();
  await expect(page.getByRole("button", { name: "Scan host keys" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: /delete/i })).toHaveCount(0);

  await page.goto("/repositories");
  await expect(page.getByRole("button", { name: "Add repository" })).toHaveCount(0);
  await page.getByRole("link", { name: "ocurrent/e2e-demo" }).first().click();
  await expect(page.getByRole("button", { name: /add build rule|add target|edit|delete/i })).toHaveCount(0);

  // viewers read these pages too (e2e/viewer-settings.spec.ts), without controls or secret values
  for (const settings of ["/settings/apps", "/settings/secrets", "/settings/config"]) {
    const res = await page.goto(settings);
    expect(res?.status(), settings).toBe(200);
    await expect(page.getByRole("button", { name: /^(Add |Save|Delete|Edit)/ }), settings).toHaveCount(0);
    const html = await page.content();
    expect(html).not.toContain(WEBHOOK_SECRET);
    expect(html).not.toContain(PRIVATE_KEY.split("\n")[1]!);
  }
  const nonAuthEvents = async () => (await query<{ count: string }>("SELECT count(*) FROM audit_events WHERE action NOT LIKE 'auth.%'"))[0]!.count;
  const before = await nonAuthEvents();
  const origin = new URL(page.url()).origin;
  const imported = await page.request.post("/api/inventory/import", {
    data: "hosts: [{ name: evil, address: 192.0.2.66 }]\n",
    headers: { "Content-Type": "text/yaml", Origin: origin },
  });
  expect(imported.status()).toBe(403);
  expect(await query("SELECT 1 FROM hosts WHERE name = 'evil'")).toEqual([]);
  expect(await nonAuthEvents()).toBe(before);
  await context.close();
});
