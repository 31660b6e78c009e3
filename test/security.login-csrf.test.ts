// Regression test for `login-csrf` (issue 13, item 22): the development login accepted a cross-site POST, so
// another site could sign a visitor in as a user of its choosing; and /login?message= showed any text.
// The route now takes the same same-origin check as every other cookie write (lib/http/same-origin.ts),
// and the login page shows only its own words, chosen by code.
import { NextRequest } from "next/server";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { getDb } from "@/lib/db";
import { resetEnvCache } from "@/lib/env";
import { POST as devLoginPost } from "@/app/api/auth/dev-login/route";
import { signInErrorMessage } from "@/components/login/sign-in-errors";

const BASE = "http://127.0.0.1:3917";
const saved = { url: process.env.SLIPWAY_URL, dev: process.env.SLIPWAY_DEV_LOGIN };
beforeAll(() => {
  process.env.SLIPWAY_URL = BASE;
  process.env.SLIPWAY_DEV_LOGIN = "1";
  resetEnvCache();
});
afterAll(() => {
  for (const [k, v] of [["SLIPWAY_URL", saved.url], ["SLIPWAY_DEV_LOGIN", saved.dev]] as const) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  resetEnvCache();
});

function post(headers: Record<string, string>, fields: Record<string, string> = { login: "csrf-victim", role: "admin", callbackUrl: "/" }) {
  return devLoginPost(
    new NextRequest(`${BASE}/api/auth/dev-login`, {
      method: "POST",
      body: new URLSearchParams(fields),
      headers: { "content-type": "application/x-www-form-urlencoded", host: "127.0.0.1:3917", ...headers },
    }),
  );
}
const sessions = () => getDb().session.count();

describe("login-csrf: the development login refuses cross-site posts", () => {
  test.each([
    ["Sec-Fetch-Site: cross-site", { "sec-fetch-site": "cross-site", origin: "https://evil.example" }],
    ["Sec-Fetch-Site: same-site (a sibling host)", { "sec-fetch-site": "same-site", origin: "http://other.127.0.0.1:3917" }],
    ["no Sec-Fetch-Site, Origin of another site", { origin: "https://evil.example" }],
    ["no Sec-Fetch-Site, Origin null (sandboxed frame)", { origin: "null" }],
    ["neither Sec-Fetch-Site nor Origin", {}],
  ])("%s → 403, no session, no user", async (_name, headers) => {
    const before = await sessions();
    const res = await post(headers);
    expect(res.status).toBe(403);
    expect(res.headers.get("set-cookie")).toBeNull();
    expect(await sessions()).toBe(before);
    expect(await getDb().user.findUnique({ where: { login: "csrf-victim" } })).toBeNull();
  });

  test("the console's own form (same-origin) signs in", async () => {
    const res = await post({ "sec-fetch-site": "same-origin", origin: BASE });
    expect(res.status).toBe(303);
    expect(res.headers.get("set-cookie")).toContain("next-auth.session-token=");
    const ok = await post({ origin: BASE }); // an older browser without Sec-Fetch-Site
    expect(ok.status).toBe(303);
  });
});

describe("login-csrf: the login page shows only known messages, by code", () => {
  test("a refused development login redirects with a code and no text of its own", async () => {
    const res = await post({ "sec-fetch-site": "same-origin" }, { login: "-not a login-", role: "admin" });
    expect(res.status).toBe(303);
    const to = new URL(res.headers.get("location")!);
    expect(to.pathname).toBe("/login");
    expect([...to.searchParams.keys()]).toEqual(["error"]);
    expect(signInErrorMessage(to.searchParams.get("error")!)).toMatch(/GitHub-style login/);
  });

  test("unknown codes, and names on Object's prototype, give the default words", () => {
    for (const code of ["Visit evil.example to re-verify your account", "__proto__", "constructor", "toString", ""]) {
      expect(signInErrorMessage(code)).toBe("Signing in failed. Try again.");
    }
  });

  test("the signature takes no free text", () => {
    expect(signInErrorMessage.length).toBe(1);
    // @ts-expect-error -- a second argument (the old ?message=) is no longer accepted
    expect(signInErrorMessage("DevLogin", "Call +1 555 0100 to restore access")).not.toContain("555");
  });
});
