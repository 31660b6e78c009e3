// one-time-link: `npm start` as a user runs it, without GitHub login: it serves the production build (built
// here first only when the checkout has no current one, as `npm start` itself would), prints a one-time
// sign-in link, and that link opened in Chromium lands on the dashboard signed in as local-admin. The same
// link opened again is refused; Enter/SIGUSR2 prints a new one; the development login is off.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium, type Browser } from "@playwright/test";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { getDb } from "@/lib/db";
import { ensureProductionBuild } from "@/scripts/lib/production-build";
import { npmRun, userEnv, type NpmRun } from "@/test/helpers/npm";
import { freePort } from "@/test/helpers/processes";
import { waitForExit } from "@/test/helpers/spawn";

const dataDir = mkdtempSync(path.join(os.tmpdir(), "slipway-one-time-link-"));
let start: NpmRun | undefined;
let browser: Browser | undefined;

const LINK = /^ {12}(http:\/\/\S+\/api\/auth\/link\?token=[A-Za-z0-9_-]{43})$/gm;

function links(output: string): string[] {
  return [...output.matchAll(LINK)].map((m) => m[1]!);
}

beforeAll(async () => {
  // a checkout that has never been built (a fresh machine's `npm test`) builds once, here
  await ensureProductionBuild(process.cwd(), { say: (l) => console.log(l), everyMs: 30_000 });
}, 900_000);

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  if (start && start.child.exitCode === null && start.child.signalCode === null) {
    start.interrupt();
    await waitForExit(start.child, 60_000).catch(() => start?.kill());
  }
  rmSync(dataDir, { recursive: true, force: true });
});

describe("one-time-link", () => {
  test("npm start without GitHub login prints a link that signs in once in Chromium; the development login is off", { timeout: 300_000 }, async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    start = npmRun(process.cwd(), ["start"], userEnv({ PORT: String(port), DATABASE_URL: process.env.DATABASE_URL!, SLIPWAY_DATA_DIR: dataDir, LOG_LEVEL: "warn" }));
    await start.printed("stop:     Ctrl-C", 180_000);
    const out = start.output();
    // the build in the checkout was reused, not made again
    expect(out).not.toContain("building the console");
    expect(out).toContain("mode:     production build");
    expect(out).not.toContain("development login");
    const [link] = links(out);
    expect(link, out).toBeDefined();
    expect(link!.startsWith(`${base}/api/auth/link?token=`)).toBe(true);
    // printed once, on its own line, and nowhere else
    expect(out.split(link!.split("token=")[1]!).length - 1).toBe(1);

    // the development login is refused in production mode, even from the console's own origin
    const dev = await fetch(`${base}/api/auth/dev-login`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", "sec-fetch-site": "same-origin" },
      body: "login=intruder&role=admin",
      redirect: "manual",
      signal: AbortSignal.timeout(60_000),
    });
    expect(dev.status).toBe(404);
    expect(await getDb().user.count({ where: { login: "intruder" } })).toBe(0);

    // a page on another site cannot use a link on the visitor's behalf
    const crossSite = await fetch(link!.replace(/token=.*/, `token=${"A".repeat(43)}`), { headers: { "sec-fetch-site": "cross-site" }, redirect: "manual", signal: AbortSignal.timeout(60_000) });
    expect(crossSite.status).toBe(403);

    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
    });
    const page = await (await browser.newContext()).newPage();
    await page.goto(link!, { timeout: 120_000 });
    expect(new URL(page.url()).pathname).toBe("/");
    await page.getByTestId("dashboard").waitFor({ timeout: 60_000 });
    expect(await page.getByTitle("local-admin").first().textContent()).toContain("local-admin");

    const user = await getDb().user.findUniqueOrThrow({ where: { login: "local-admin" } });
    expect(user.role).toBe("admin");
    const login = await getDb().auditEvent.findFirstOrThrow({ where: { action: "auth.login", actorId: user.id } });
    expect(login).toMatchObject({ summary: "local-admin signed in with a one-time sign-in link", ip: "127.0.0.1" });

    // the same link in another browser: refused, and the sign-in page says what to do
    const again = await (await browser.newContext()).newPage();
    await again.goto(link!, { timeout: 60_000 });
    expect(new URL(again.url()).pathname).toBe("/login");
    await again.getByText("That sign-in link did not work: each link works once").waitFor();
    await again.getByText("Open the one-time sign-in link").waitFor();

    // SIGUSR2 (as the banner says) prints a new link, which works
    const pid = Number(/kill -USR2 (\d+)/.exec(out)?.[1]);
    expect(pid).toBeGreaterThan(0);
    process.kill(pid, "SIGUSR2");
    const deadline = Date.now() + 10_000;
    while (links(start.output()).length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const fresh = links(start.output())[1];
    expect(fresh).toBeDefined();
    expect(fresh).not.toBe(link);
    const third = await (await browser.newContext()).newPage();
    await third.goto(fresh!, { timeout: 60_000 });
    await third.getByTestId("dashboard").waitFor({ timeout: 60_000 });

    start.interrupt();
    await waitForExit(start.child, 90_000);
    expect(start.output()).toContain("slipway: stopped");
  });
});
