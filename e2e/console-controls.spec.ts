// The controls on target, build and deployment pages (e2e/support/console-data.ts seeds them):
// - pinned-newer-release: a pinned target with a newer release held back says so ("Newer release <sha> is
//   waiting: pinned at <sha> by <who>") with Unpin right there; a viewer reads it without the button.
// - control-confirmations: Unpin and a Rebuild that would deploy ask first in a dialog (keyboard reachable,
//   Escape changes nothing); each control shows only where it means something: no Pause or Follow on a log
//   that ended, no Cancel on an ended build or deployment, no "Deploy the newest release" while a deployment
//   of it already waits for approval.
import { mkdirSync } from "node:fs";
import { test, expect, type Page } from "@playwright/test";
import { signInWithGitHub } from "./support/login";
import { query } from "./support/db";
import { retireConsole, seedConsole, type ConsoleData } from "./support/console-data";

test.describe.configure({ mode: "serial" });

const short = (s: string) => s.slice(0, 7);
let data: ConsoleData;

async function shot(page: Page, name: string, fullPage = true) {
  mkdirSync("test-results/artifacts", { recursive: true });
  await page.screenshot({ path: `test-results/artifacts/${name}.png`, fullPage });
}

test.beforeAll(async ({ browser }) => {
  // alice signs in first: the seeded pin is hers
  const page = await browser.newPage();
  await signInWithGitHub(page, "alice");
  await page.close();
  data = await seedConsole();
});

test.afterAll(async () => {
  await retireConsole(data);
});

test.describe("pinned-newer-release", () => {
  test("a pinned target shows the newer release it holds back, who pinned it, and Unpin right there", async ({ page }) => {
    await signInWithGitHub(page, "alice");
    await page.goto(`/targets/${data.targets.web.id}`);
    const banner = page.getByTestId("pin-controls");
    await expect(banner).toContainText(`Newer release ${short(data.commits.newest)} is waiting: pinned at ${short(data.commits.pinned)} by alice`);
    await expect(banner.getByTestId("held-back-release")).toContainText(
      `${short(data.commits.newest)} Rewrite the status page: one row per platform, failures first, with links to the logs, released`,
    );
    await expect(banner.getByRole("button", { name: `Unpin ${data.targets.web.name}` })).toBeVisible();
    await expect(banner.getByRole("link", { name: `Release ${short(data.commits.newest)}` })).toHaveAttribute("href", `/releases/${data.releases.newest}`);
    await shot(page, "target-pinned-newer-release");
    // the Targets list says so too
    await page.goto("/targets");
    const row = page.getByRole("table", { name: "Targets" }).getByRole("row").filter({ has: page.getByRole("link", { name: data.targets.web.name, exact: true }) });
    await expect(row).toContainText(`Pinned at ${short(data.commits.pinned)} by alice`);
    await expect(row).toContainText(`Newer release ${short(data.commits.newest)} waiting`);

    // a target pinned at its newest release holds nothing back: the plain pin banner
    await query("UPDATE targets SET pinned_release_id = $1, pinned_by_id = (SELECT id FROM users WHERE login = 'alice'), pinned_at = now() WHERE id = $2", [
      data.releases.kernel,
      data.targets.www.id,
    ]);
    await page.goto(`/targets/${data.targets.www.id}`);
    await expect(page.getByTestId("pin-controls")).toContainText(`Pinned at ${short(data.commits.current)} by alice`);
    await expect(page.getByTestId("held-back-release")).toHaveCount(0);
    await expect(page.getByText(/newer release .* is waiting/i)).toHaveCount(0);
  });

  test("a viewer reads what waits, without Unpin", async ({ browser }) => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signInWithGitHub(page, "victor");
    await page.goto(`/targets/${data.targets.web.id}`);
    await expect(page.getByTestId("pin-controls")).toContainText(`Newer release ${short(data.commits.newest)} is waiting`);
    await expect(page.getByRole("button", { name: /unpin/i })).toHaveCount(0);
    await context.close();
  });
});

test.describe("control-confirmations", () => {
  test("Unpin asks first; Escape keeps the pin; confirming from the keyboard unpins, audited", async ({ page }) => {
    await signInWithGitHub(page, "alice");
    await page.goto(`/targets/${data.targets.web.id}`);
    const trigger = page.getByRole("button", { name: `Unpin ${data.targets.web.name}` });
    await expect(trigger).toHaveAttribute("aria-haspopup", "dialog");
    await trigger.focus();
    await page.keyboard.press("Enter");
    const dialog = page.getByRole("dialog", { name: `Unpin ${data.targets.web.name}?` });
    await expect(dialog).toBeVisible();
    await expect(dialog).toContainText(`Unpinning does not deploy the waiting release ${short(data.commits.newest)} by itself`);
    await expect(dialog.getByRole("button", { name: "Keep the pin" })).toBeFocused();
    await shot(page, "target-unpin-dialog", false);
    await page.keyboard.press("Escape");
    await expect(dialog).toBeHidden();
    const pinned = async () => (await query<{ p: string | null }>("SELECT pinned_release_id AS p FROM targets WHERE id = $1", [data.targets.web.id]))[0]!.p;
    expect(await pinned()).toBe(data.releases.pinned);

    await trigger.focus();
    await page.keyboard.press("Enter");
    await expect(dialog.getByRole("button", { name: "Keep the pin" })).toBeFocused();
    await page.keyboard.press("Tab");
    await expect(dialog.getByRole("button", { name: "Unpin", exact: true })).toBeFocused();
    await page.keyboard.press("Enter");
    await expect(page.getByText(`${data.targets.web.name} follows its branch again.`)).toBeVisible();
    expect(await pinned()).toBeNull();
    await expect(page.getByRole("button", { name: `Deploy the newest release (${short(data.commits.newest)})` })).toBeVisible();
    const audit = (await query<{ action: string }>("SELECT action FROM audit_events WHERE subject_id = $1", [data.targets.web.id])).map((r) => r.action);
    expect(audit).toContain("target.unpinned");
  });

  test("Rebuild of the head of a deployment branch asks first and names the targets; Cancel queues nothing", async ({ page }) => {
    await signInWithGitHub(page, "alice");
    await page.goto(`/builds/${data.builds.newest}`);
    const rebuild = page.getByRole("button", { name: "Rebuild" });
    await expect(rebuild).toHaveAttribute("aria-haspopup", "dialog");
    await rebuild.click();
    const dialog = page.getByRole("dialog", { name: `Rebuild ${short(data.commits.newest)} and deploy it?` });
    await expect(dialog).toBeVisible();
    // every target of live's rule (by name), web unpinned above
    await expect(dialog).toContainText(`${short(data.commits.newest)} is still the head of live`);
    await expect(dialog).toContainText(`deployed to ${data.targets.api.name}, ${data.targets.worker.name} and ${data.targets.web.name}`);
    await shot(page, "build-rebuild-dialog", false);
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await expect(dialog).toBeHidden();
    const [n] = await query<{ n: string }>("SELECT count(*)::text AS n FROM builds WHERE commit_id = (SELECT commit_id FROM builds WHERE id = $1)", [data.builds.newest]);
    expect(n!.n).toBe("1");

    // an ended build's log: nothing to pause or follow; no Cancel build
    await expect(page.getByRole("link", { name: "Download" })).toBeVisible();
    await expect(page.getByRole("button", { name: /^(pause|follow)$/i })).toHaveCount(0);
    await expect(page.getByRole("button", { name: "Cancel build" })).toHaveCount(0);

    // a pull request's build deploys nowhere: Rebuild runs at once, no dialog
    await page.goto(`/builds/${data.builds.failed}`);
    await expect(page.getByRole("button", { name: "Rebuild" })).toBeVisible();
    await expect(page.getByRole("button", { name: "Rebuild" })).not.toHaveAttribute("aria-haspopup", "dialog");
  });

  test("Cancel shows only on a deployment that waits; Deploy is not offered while one of the newest waits for approval", async ({ page }) => {
    await signInWithGitHub(page, "alice");
    await page.goto(`/deployments/${data.deployments.pending}`);
    await expect(page.getByRole("button", { name: "Cancel deployment" })).toHaveAttribute("aria-haspopup", "dialog");
    // waiting for approval: no log yet, nothing to pause or follow
    await expect(page.getByTestId("deployment-log")).toContainText("The log starts once the deployment is approved");
    await expect(page.getByRole("button", { name: /^(pause|follow)$/i })).toHaveCount(0);
    await page.goto(`/deployments/${data.deployments.failed}`);
    await expect(page.getByTestId("deployment-state")).toHaveText("Failed");
    await expect(page.getByRole("button", { name: /cancel deployment|pause|follow/i })).toHaveCount(0);

    await page.goto(`/targets/${data.targets.worker.id}`);
    const waiting = page.getByRole("link", { name: "Its deployment waits for approval" });
    await expect(waiting).toHaveAttribute("href", `/deployments/${data.deployments.pending}`);
    await expect(page.getByRole("button", { name: /deploy the newest release/i })).toHaveCount(0);
  });
});
