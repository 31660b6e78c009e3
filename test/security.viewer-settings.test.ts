// viewer-settings: the README says viewers read everything; every Settings page lets a viewer in (its server
// check asks for console.view, in the page and in any layout above it) and the data each page loads holds no
// secret value (app keys, webhook secrets, registry passwords, build secrets, Slack URLs, the deployer's
// private key), only "set" / "not set". e2e/viewer-settings.spec.ts loads the pages as a viewer in Chromium.
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/lib/db";
import { can } from "@/lib/auth/roles";
import { saveApp, saveChannel, saveRegistry, saveSecret } from "@/lib/services/inventory/entities";
import { ensureDeployerKey } from "@/lib/services/deployer-key";
import { exportInventory } from "@/lib/services/inventory/config";
import { listApps, listChannels, listRegistries, listSecrets, secretScopeChoices } from "@/lib/queries/inventory-settings";
import { listUsers, roleCounts } from "@/lib/queries/users";
import { activeDeployerKey, retiredDeployerKeys } from "@/lib/queries/deployer-key";
import { approvalLevelSetting } from "@/lib/queries/deployment-settings";
import { listRecentWorkers } from "@/lib/queries/workers";
import { actorFor, createUser, type TestUser } from "@/test/helpers/fixtures";
import { generateAppKeyPair } from "@/test/helpers/github-api";

const SETTINGS = path.resolve(import.meta.dirname, "../app/(console)/settings");

function files(dir: string, name: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const p = path.join(dir, entry);
    return statSync(p).isDirectory() ? files(p, name) : entry === name ? [p] : [];
  });
}

/** The permissions a server component asks of requirePageUser. */
function pagePermissions(file: string): string[] {
  return [...readFileSync(file, "utf8").matchAll(/requirePageUser\(\s*"([^"]+)"/g)].map((m) => m[1]!);
}

const appKey = generateAppKeyPair().privateKey;
const SECRETS = {
  webhookSecret: "whsec-viewer-0123456789abcdef",
  registryPassword: "registry-pass-viewer-Zq8",
  buildSecret: "build-secret-value-viewer-77",
  slackUrl: "https://hooks.slack.com/services/T000/B000/viewer-slack-token",
};

let admin: TestUser;
let viewer: TestUser;

beforeAll(async () => {
  admin = await createUser("admin", { login: "alice" });
  viewer = await createUser("viewer", { login: "victor" });
  const a = actorFor(admin);
  await saveApp(a, { name: "tarides", app_id: "123456", private_key: appKey, webhook_secret: SECRETS.webhookSecret });
  await saveRegistry(a, { name: "ghcr", url: "ghcr.io", username: "ci-bot", password: SECRETS.registryPassword });
  await saveSecret(a, { name: "NPM_TOKEN", scope: "global", value: SECRETS.buildSecret });
  await saveChannel(a, { name: "ops", url: SECRETS.slackUrl, events: ["deployment.succeeded"] });
  await ensureDeployerKey();
});

describe("viewer-settings", () => {
  it("every Settings page, and every layout above one, lets a viewer in", () => {
    const pages = files(SETTINGS, "page.tsx");
    expect(pages.length).toBeGreaterThanOrEqual(10);
    for (const page of pages) {
      const rel = path.relative(SETTINGS, page);
      expect(pagePermissions(page), rel).toEqual(["console.view"]);
      // the layouts between the page and Settings, Settings' own included
      for (let dir = path.dirname(page); dir.startsWith(SETTINGS); dir = path.dirname(dir)) {
        for (const layout of files(dir, "layout.tsx").filter((l) => path.dirname(l) === dir)) {
          for (const permission of pagePermissions(layout)) expect(permission, path.relative(SETTINGS, layout)).toBe("console.view");
        }
      }
    }
    expect(can(viewer, "console.view")).toBe(true);
  });

  it("what the Settings pages load holds no secret value, only whether each is set", async () => {
    const now = new Date();
    const loaded = {
      users: await listUsers(now),
      roles: await roleCounts(),
      apps: await listApps(),
      registries: await listRegistries(),
      secrets: await listSecrets(),
      scopes: await secretScopeChoices(),
      channels: await listChannels(),
      deployerKey: await activeDeployerKey(),
      retiredKeys: await retiredDeployerKeys(),
      approval: await approvalLevelSetting(),
      workers: await listRecentWorkers(7, now),
      export: await exportInventory(actorFor(viewer)),
    };
    const text = JSON.stringify(loaded);
    for (const [what, value] of Object.entries(SECRETS)) expect(text, what).not.toContain(value);
    expect(text).not.toContain("PRIVATE KEY");
    expect(text).not.toContain(appKey.split("\n")[1]!);
    // nor the sealed form of any of them
    for (const s of await getDb().secret.findMany({ where: { sealed: { not: null } }, select: { sealed: true } })) {
      expect(text).not.toContain(Buffer.from(s.sealed!).toString("base64").slice(0, 24));
    }
    // what they do say: each credential is set
    expect(loaded.apps[0]).toMatchObject({ privateKeySet: true, webhookSecretSet: true });
    expect(loaded.registries[0]).toMatchObject({ passwordSet: true, username: "ci-bot" });
    expect(loaded.secrets[0]).toMatchObject({ name: "NPM_TOKEN", valueSet: true });
    expect(loaded.channels[0]).toMatchObject({ name: "ops", urlSet: true });
    expect(loaded.deployerKey?.publicKey).toMatch(/^ssh-ed25519 /);
  });
});
