// /audit/<id>: an event's own page answers 200; an id that names no event — mistyped, not a number, zero,
// negative, past the range of a bigint — answers 404 (never 500) with the not-found page in words and the
// way back to the Audit log. Signed out, every such URL goes to the sign-in page first, whether the event exists or not.
import { test, expect } from "@playwright/test";
import { signInWithGitHub } from "./support/login";
import { query } from "./support/db";

const MISSING = ["999999999999", "abc", "0", "-1", "1.5", "1e3", "9223372036854775808", "99999999999999999999999999", "%20"];

test("an audit event's page is 200; an id that names none is a 404 with the not-found page, never a 500", async ({ page }) => {
  for (const id of ["1", ...MISSING]) {
    const res = await page.request.get(`/audit/${id}`, { maxRedirects: 0 });
    expect(res.status(), `signed out: /audit/${id}`).toBe(307);
    expect(res.headers().location, `signed out: /audit/${id}`).toMatch(/^\/login\?callbackUrl=%2Faudit%2F/);
  }

  await signInWithGitHub(page, "alice");
  const [event] = await query<{ id: string }>("SELECT id::text FROM audit_events ORDER BY id DESC LIMIT 1");
  const ok = await page.request.get(`/audit/${event!.id}`);
  expect(ok.status()).toBe(200);
  expect(await ok.text()).toContain(`Audit event #${event!.id}`);

  for (const id of MISSING) {
    const res = await page.request.get(`/audit/${id}`);
    expect(res.status(), `/audit/${id}`).toBe(404);
    // rendered before the response started, so Next sends its error document with the not-found page in
    // the payload: the console's words, not the generic 404 page, and no 500
    expect(await res.text(), `/audit/${id}`).toContain("There is no such audit event");
  }

  // in the browser: the words, and the way back
  const res = await page.goto("/audit/not-a-number");
  expect(res?.status()).toBe(404);
  await expect(page.getByRole("main").getByText("There is no such audit event")).toBeVisible();
  await expect(page).toHaveTitle("Audit event not found · Slipway");
  await page.getByRole("main").getByRole("link", { name: "Go to the Audit log" }).click();
  await expect(page).toHaveURL(/\/audit$/);
});
