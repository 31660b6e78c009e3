// Signs in through the real next-auth GitHub flow: Slipway's sign-in page → the GitHub stand-in's
// authorize page → the callback → the console.
import { expect, type Page } from "@playwright/test";

export async function signInWithGitHub(page: Page, login: string): Promise<void> {
  await page.goto("/login");
  await page.getByRole("button", { name: /sign in with github/i }).click();
  await page.waitForURL(/\/login\/oauth\/authorize/);
  await page.getByLabel("GitHub login").fill(login);
  await page.getByRole("button", { name: "Authorize" }).click();
  await page.waitForURL((url) => !url.pathname.startsWith("/login") && !url.pathname.startsWith("/api/auth"));
  await expect(page.getByTestId("dashboard")).toBeVisible();
}
