// base-url-port: `npm run dev` (the same start as `npm start`, without a production build to make) with PORT set and SLIPWAY_URL unset (and a stale NEXTAUTH_URL left in the shell):
// the banner, next-auth's redirects and OAuth callback URL, and the webhook URL an admin copies into GitHub
// all say the port the console listens on, never :3000. Run in a clone of this checkout, as a user would
// (and so that its development server does not share .next with test/start.quick-start.test.ts).
import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { cloneCheckout, type Clone } from "@/test/helpers/clone";
import { npmRun, userEnv, type NpmRun } from "@/test/helpers/npm";
import { freePort } from "@/test/helpers/processes";
import { withClient } from "@/test/helpers/pg";
import { waitForExit } from "@/test/helpers/spawn";

let clone: Clone | undefined;
let start: NpmRun | undefined;

afterAll(async () => {
  if (start && start.child.exitCode === null && start.child.signalCode === null) {
    start.interrupt();
    await waitForExit(start.child, 60_000).catch(() => start?.kill());
  }
  clone?.remove();
});

describe("base-url-port", () => {
  test("with PORT and without SLIPWAY_URL, links, redirects, the banner and the webhook URL follow PORT", { timeout: 420_000 }, async () => {
    clone = cloneCheckout({ parentMode: 0o755 });
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    start = npmRun(
      clone.dir,
      ["run", "dev"],
      // GitHub login configured (a stand-in that is never called), so next-auth offers it
      userEnv({ PORT: String(port), NEXTAUTH_URL: "http://127.0.0.1:3000", GITHUB_CLIENT_ID: "Iv1.base-url-port", GITHUB_CLIENT_SECRET: "not-used", SLIPWAY_ADMINS: "port-admin", LOG_LEVEL: "warn" }),
    );
    await start.printed("stop:     Ctrl-C", 240_000);
    expect(start.output()).toContain(`Slipway is running: open ${base}\n`);
    expect(start.output()).not.toContain(":3000");

    // next-auth: the OAuth callback URL GitHub is told, and its redirect to the sign-in page
    const providers = await fetch(`${base}/api/auth/providers`, { signal: AbortSignal.timeout(120_000) });
    expect(await providers.json()).toMatchObject({ github: { signinUrl: `${base}/api/auth/signin/github`, callbackUrl: `${base}/api/auth/callback/github` } });
    const signin = await fetch(`${base}/api/auth/signin`, { redirect: "manual", signal: AbortSignal.timeout(60_000) });
    expect(signin.status).toBe(302);
    expect(new URL(signin.headers.get("location")!, base).searchParams.get("callbackUrl")).toBe(base);

    // Settings → GitHub apps shows the webhook URL to give GitHub: signed in as an admin, with one app
    const c = JSON.parse(readFileSync(path.join(clone.dir, ".slipway", "postgres.json"), "utf8")) as { user: string; password: string; port: number };
    const token = randomBytes(32).toString("base64url");
    await withClient(`postgresql://${c.user}:${encodeURIComponent(c.password)}@127.0.0.1:${c.port}/slipway`, async (db) => {
      await db.query(`INSERT INTO users (id, login, role, updated_at) VALUES ('u-port-admin', 'port-admin', 'admin', now())`);
      await db.query(`INSERT INTO sessions (id, token_hash, user_id, expires) VALUES ('s-port-admin', $1, 'u-port-admin', now() + interval '1 hour')`, [
        createHash("sha256").update(token).digest("hex"),
      ]);
      await db.query(`INSERT INTO github_apps (id, name, updated_at) VALUES ('a-port', 'portapp', now())`);
    });
    const page = await fetch(`${base}/settings/apps`, { headers: { cookie: `next-auth.session-token=${token}` }, redirect: "manual", signal: AbortSignal.timeout(180_000) });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain(`${base}/api/webhooks/github/portapp`);
    expect(html).not.toContain("127.0.0.1:3000");

    start.interrupt();
    await waitForExit(start.child, 90_000);
    expect(start.output()).toContain("slipway: stopped");
  });
});
