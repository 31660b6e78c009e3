// Outgoing webhooks in the console: a webhook channel is added (its signing secret shown once, never in a
// page afterwards), a test event that the endpoint refuses with 500 is listed as pending with the error in
// words, and "Redeliver" sends it again under the same Slipway-Delivery id, signed as docs/webhooks.md says
// (checked here with the documented algorithm, not with Slipway's signer). Screenshot: /work/screens/webhooks.png.
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { test, expect } from "@playwright/test";
import { signInWithGitHub } from "./support/login";
import { query } from "./support/db";

interface Hit {
  headers: IncomingHttpHeaders;
  body: string;
}

let server: Server;
let url = "";
const hits: Hit[] = [];
let answer = 500;

test.beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      hits.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      res.writeHead(answer, { "content-type": "text/plain" }).end(answer === 200 ? "ok" : "busy, try later");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slipway-events`;
});
test.afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
});

/** docs/webhooks.md: v1 = hex HMAC-SHA256(secret, "<t>.<raw body>"); t no older than 5 minutes. */
function verified(secret: string, hit: Hit): boolean {
  const header = String(hit.headers["slipway-signature"] ?? "");
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
  if (!m) return false;
  if (Math.abs(Date.now() / 1000 - Number(m[1])) > 300) return false;
  const expected = createHmac("sha256", secret).update(`${m[1]}.${hit.body}`).digest("hex");
  return timingSafeEqual(Buffer.from(m[2]!), Buffer.from(expected));
}

test("add a webhook channel, send a test event the endpoint refuses, redeliver it", async ({ page }) => {
  await page.setViewportSize({ width: 1366, height: 768 });
  await signInWithGitHub(page, "alice");
  await page.goto("/settings/notifications");
  const toggle = page.getByRole("button", { name: "Add channel", exact: true }).first();
  if ((await toggle.getAttribute("aria-expanded")) !== "true") await toggle.click();
  const form = page.getByRole("form", { name: "Add channel", exact: true });
  await form.getByLabel("Name").fill("ci-hook");
  await form.getByLabel("Kind").selectOption("webhook");
  await form.getByLabel("URL", { exact: true }).fill(url);
  await form.getByLabel("A build failed").check();
  await form.getByRole("button", { name: "Save" }).click();

  const shown = page.getByTestId("signing-secret").locator("code");
  await expect(shown).toHaveText(/^whsec_[A-Za-z0-9_-]{43}$/);
  const secret = (await shown.textContent())!.trim();

  await page.screenshot({ path: "/work/screens/webhooks-created.png", fullPage: true });

  // the secret is shown once: not in any page after a reload, nor on the channel's page
  await page.reload();
  expect(await page.content()).not.toContain(secret);
  await page.getByRole("link", { name: "Deliveries of channel ci-hook" }).click();
  await expect(page.getByRole("heading", { name: "ci-hook", level: 1 })).toBeVisible();
  expect(await page.content()).not.toContain(secret);
  await expect(page.getByText("No deliveries yet")).toBeVisible();

  // the endpoint answers 500: the delivery waits for its retry, the error in words
  answer = 500;
  await page.getByRole("button", { name: "Send test event" }).click();
  await expect(page.getByText(/Test event: Not delivered yet: the webhook of channel ci-hook answered HTTP 500/)).toBeVisible();
  await page.reload();
  const row = page.locator("tr[data-delivery]").first();
  await expect(row.getByText("pending")).toBeVisible();
  await expect(row.getByText(/answered HTTP 500: busy, try later; Slipway will try again/)).toBeVisible();
  // (the worker's own retry, 10 s later, may have come in meanwhile: every hit is the same delivery)
  expect(hits.length).toBeGreaterThanOrEqual(1);
  const deliveryId = await row.getAttribute("data-delivery");
  expect(hits[0]!.headers["slipway-delivery"]).toBe(deliveryId);
  expect(verified(secret, hits[0]!)).toBe(true);

  // the payload as sent can be read
  await row.getByText("Payload").click();
  await expect(row.locator("pre")).toContainText('"test": true');

  // fixed endpoint: Redeliver sends it again under the same delivery id
  answer = 200;
  const before = hits.length;
  await row.getByRole("button", { name: /^Redeliver / }).click();
  await expect(page.getByText("Redelivered: Delivered (HTTP 200).")).toBeVisible();
  expect(hits.length).toBe(before + 1);
  expect(hits.map((h) => h.headers["slipway-delivery"])).toEqual(hits.map(() => deliveryId));
  const last = hits.at(-1)!;
  expect(last.headers["slipway-event"]).toBe(JSON.parse(last.body).event);
  expect(verified(secret, last)).toBe(true);
  await page.reload();
  const done = page.locator(`tr[data-delivery="${deliveryId}"]`);
  await expect(done.getByText("delivered", { exact: true })).toBeVisible();

  const audit = await query<{ action: string }>("SELECT action FROM audit_events WHERE summary LIKE 'notification channel ci-hook:%' ORDER BY id");
  expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(["notification_channel.secret_set", "notification_channel.test_sent", "notification.redelivered"]));

  await page.screenshot({ path: "/work/screens/webhooks.png", fullPage: false });
});
