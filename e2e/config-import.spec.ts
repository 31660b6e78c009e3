// Settings → Config, as an admin meets it with a broken slipway.yml: every problem at once, each with its
// path and line and column (import-all-errors), and an alias bomb answered in words, not a 500
// (yaml-alias-bomb). Nothing is written.
import { mkdirSync } from "node:fs";
import { test, expect } from "@playwright/test";
import { signInWithGitHub } from "./support/login";
import { query } from "./support/db";

const broken = `hosts:
  - name: toxis
    address: "bad host"
repos:
  - repo: infra/status
    poll_interval: 5s
    builds:
      - build_secrets: [npm-token]
`;
const bomb = ["a: &a [x, x, x, x, x, x, x, x, x]"]
  .concat("bcdefghi".split("").map((k, i) => `${k}: &${k} [${Array(9).fill(`*${"abcdefghi"[i]}`).join(", ")}]`))
  .join("\n");

test("the import page lists every problem with its line and column, and answers an alias bomb in words", async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await signInWithGitHub(page, "alice");
  await page.goto("/settings/config");
  const text = page.getByLabel("slipway.yml", { exact: true });

  await text.fill(broken);
  await page.getByRole("button", { name: "Preview changes" }).click();
  const alert = page.getByRole("alert").filter({ hasText: "Nothing was changed" });
  await expect(alert).toContainText("the file has 4 problems");
  const problems: Array<[string, string]> = [
    ["hosts[0].address", "line 3, column 14"],
    ["repos[0].poll_interval", "line 6, column 20"],
    ["repos[0].url", "line 5, column 5"],
    ["repos[0].builds[0].build_secrets[0]", "line 8, column 25"],
  ];
  for (const [path, where] of problems) {
    await expect(alert.getByRole("listitem").filter({ hasText: path })).toContainText(where);
  }
  mkdirSync("test-results/artifacts", { recursive: true });
  await page.screenshot({ path: "test-results/artifacts/config-import-all-errors.png", fullPage: true });

  await text.fill(bomb);
  await page.getByRole("button", { name: "Preview changes" }).click();
  const refused = page.getByRole("alert").filter({ hasText: "Nothing was changed" });
  await expect(refused).toContainText("aliases expand to more than 200,000 values");
  await expect(refused).toContainText("line 9, column 8");
  await page.screenshot({ path: "test-results/artifacts/config-import-alias-bomb.png", fullPage: true });
  expect(await query("SELECT 1 FROM hosts WHERE name = 'toxis'")).toEqual([]);
});
