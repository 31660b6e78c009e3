// /dora in Chromium: seeded deployments (test/helpers/dora-seed.ts, placed an hour before now; figures worked
// out in test/queries.dora.test.ts) show as the four numbers in words beside their week-by-week charts, for a
// repository picked in the filter; the period switch and the filters work from the keyboard; a scope without
// deployments shows the empty state. The page at 1366x768 goes to /work/screens/dora.png.
import { mkdirSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { test, expect } from "@playwright/test";
import { signInWithGitHub } from "./support/login";
import { query } from "./support/db";
import { seedDoraWorld, type DoraWorld } from "../test/helpers/dora-seed";

let w: DoraWorld;

test.beforeAll(async () => {
  w = await seedDoraWorld((sql, params) => query(sql, params), { now: new Date(Date.now() - 3_600_000), suffix: `-${randomBytes(3).toString("hex")}` });
});

test("the DORA page shows the seeded figures beside their charts, filtered from the keyboard", async ({ page }) => {
  await page.setViewportSize({ width: 1366, height: 768 });
  await signInWithGitHub(page, "dora-viewer");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "DORA" }).click();
  await expect(page).toHaveURL(/\/dora$/);
  await expect(page.getByRole("heading", { name: "DORA", level: 1 })).toBeVisible();
  await expect(page.getByRole("link", { name: "30 days" })).toHaveAttribute("aria-current", "page");

  // pick the repository with the keyboard, then Show
  await page.getByLabel("Repository", { exact: true }).focus();
  await page.getByLabel("Repository", { exact: true }).selectOption({ label: `${w.repoA.name} (${w.appName})` });
  await page.keyboard.press("Tab");
  await page.keyboard.press("Tab");
  await expect(page.getByRole("button", { name: "Show" })).toBeFocused();
  await page.keyboard.press("Enter");
  // a plain GET form: the empty target comes along, and means all targets
  await expect(page).toHaveURL(new RegExp(`/dora\\?repository=${w.repoA.id}&target=$`));

  // acme/web over 30 days: deployments 2-9 of the seed: 4 succeeded, 4 failed or rolled back
  await expect(page.getByTestId("dora-frequency")).toHaveText("0.13 a day");
  await expect(page.getByText("4 succeeded deployments in 30 days: 0.93 a week.")).toBeVisible();
  await expect(page.getByTestId("dora-lead-time")).toHaveText("2 h");
  await expect(page.getByText("From commit to deployment succeeded, over 3 deployments of new releases; 90th percentile 19 h 36 min.")).toBeVisible();
  await expect(page.getByTestId("dora-failure-rate")).toHaveText("50 %");
  await expect(page.getByText("4 of 8 finished deployments failed or were rolled back.")).toBeVisible();
  await expect(page.getByTestId("dora-restore")).toHaveText("2 h 15 min");
  await expect(page.getByText("3 runs of failed deployments on a target; 2 restored by the next succeeded deployment there, 1 not yet.")).toBeVisible();
  // four charts drawn by recharts (svg), each named with its weekly values
  const charts = page.getByTestId("dora-chart");
  await expect(charts).toHaveCount(4);
  for (let i = 0; i < 4; i++) await expect(charts.nth(i).locator("svg.recharts-surface")).toBeVisible();
  await expect(charts.first()).toHaveAttribute("aria-label", /^Succeeded deployments, week by week: week of \d+ \w+: \d/);
  // the breakdown by target
  const targets = page.getByRole("table", { name: "DORA figures by target" });
  await expect(targets.getByRole("rowheader", { name: new RegExp(w.targetA1.name) })).toBeVisible();
  await expect(targets.getByRole("rowheader", { name: new RegExp(w.targetA2.name) })).toBeVisible();
  await expect(targets.getByRole("row")).toHaveCount(3);

  // the page must fit 1366 wide: nothing scrolls sideways
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  mkdirSync("/work/screens", { recursive: true });
  await page.screenshot({ path: "/work/screens/dora.png", fullPage: true });

  // the period switch, from the keyboard: 7 days keeps the repository
  await page.getByRole("link", { name: "7 days" }).focus();
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(new RegExp(`/dora\\?period=7&repository=${w.repoA.id}$`));
  await expect(page.getByRole("link", { name: "7 days" })).toHaveAttribute("aria-current", "page");
  // deployments 8 and 9 (a few days ago): 1 succeeded, 1 failed
  await expect(page.getByTestId("dora-failure-rate")).toHaveText("50 %");
  await expect(page.getByText("1 of 2 finished deployments failed or was rolled back.")).toBeVisible();
});

test("a scope without finished deployments shows the empty state; a bad period says so in words", async ({ page }) => {
  await signInWithGitHub(page, "dora-viewer");
  await page.goto(`/dora?period=7&target=${w.targetB1.id}`);
  await expect(page.getByText("No finished deployments in the last 7 days")).toBeVisible();
  await expect(page.getByTestId("dora-chart")).toHaveCount(0);
  await page.goto("/dora?period=14");
  await expect(page.getByRole("main").getByRole("alert")).toContainText("must be 7, 30 or 90 (days)");
  await expect(page.getByRole("link", { name: "30 days" })).toHaveAttribute("aria-current", "page");
});
