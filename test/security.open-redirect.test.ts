// Regression test for `open-redirect` (issue 13, item 16): a callbackUrl such as "/%09/evil.example" or
// "/\evil.example" sent a signed-in user off-site. One function (lib/auth/callback-url.ts) decides, after
// parsing the value against the base URL; the development login and next-auth's redirect callback use it.
import { NextRequest } from "next/server";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { sameOriginPath } from "@/lib/auth/callback-url";
import { authOptions } from "@/lib/auth/options";
import { resetEnvCache } from "@/lib/env";
import { POST as devLoginPost } from "@/app/api/auth/dev-login/route";

const BASE = "http://127.0.0.1:3917";

/** Every form seen used, or known, to leave a site through a "same-site" redirect check. */
const offSite: string[] = [
  "//evil.example",
  "///evil.example",
  "////evil.example/x",
  "/\\evil.example",
  "\\\\evil.example",
  "/\\/evil.example",
  "\\/evil.example",
  "/\t/evil.example",
  decodeURIComponent("/%09/evil.example"),
  decodeURIComponent("/%0a/evil.example"),
  decodeURIComponent("/%0d%0a/evil.example"),
  "/%09/evil.example".replace("%09", "\u0000"),
  " //evil.example",
  "//evil.example ",
  decodeURIComponent("%2F%2Fevil.example"),
  decodeURIComponent("/%5Cevil.example"),
  "/..//evil.example",
  "/a/../..//evil.example",
  "https://evil.example/",
  "http://evil.example",
  "https:evil.example",
  "http:/\\evil.example",
  "HTTPS://evil.example",
  "http://127.0.0.1:3917@evil.example/",
  "http://127.0.0.1:3918/",
  "https://127.0.0.1:3917/",
  "javascript:alert(document.domain)",
  "JaVaScRiPt:alert(1)",
  "java\tscript:alert(1)",
  "data:text/html,<script>alert(1)</script>",
  "evil.example",
  "\u3002evil.example",
];

describe("open-redirect: sameOriginPath", () => {
  test.each(offSite.map((v) => [JSON.stringify(v), v]))("refuses %s", (_label, value) => {
    expect(sameOriginPath(value, BASE)).toBe("/");
    expect(sameOriginPath(value, BASE, "/fallback")).toBe("/fallback");
  });

  test.each([
    ["/builds", "/builds"],
    ["/builds?state=failed#top", "/builds?state=failed#top"],
    ["/repos/tarides-test%2Fsite", "/repos/tarides-test%2Fsite"],
    ["/%2F%2Fevil.example", "/%2F%2Fevil.example"], // one path segment on this host: stays here
    ["/a/../deployments", "/deployments"],
    [`${BASE}/deployments?x=1`, "/deployments?x=1"],
  ])("keeps the same-origin path %s", (value, path) => {
    expect(sameOriginPath(value, BASE)).toBe(path);
  });

  test("anything but a string is the fallback", () => {
    for (const v of [undefined, null, 42, ["/builds"], {}, ""]) expect(sameOriginPath(v, BASE)).toBe("/");
  });
});

describe("open-redirect: next-auth's redirect callback", () => {
  test("sends every off-site form back to the console's root, and keeps same-origin paths", async () => {
    const redirect = authOptions().callbacks!.redirect!;
    for (const url of offSite) expect(new URL(await redirect({ url, baseUrl: BASE })).origin).toBe(BASE);
    for (const url of offSite) expect(await redirect({ url, baseUrl: BASE })).toBe(`${BASE}/`);
    expect(await redirect({ url: "/builds?state=failed", baseUrl: BASE })).toBe(`${BASE}/builds?state=failed`);
    expect(await redirect({ url: `${BASE}/login`, baseUrl: BASE })).toBe(`${BASE}/login`);
  });
});

describe("open-redirect: the development login", () => {
  const saved = { url: process.env.SLIPWAY_URL, dev: process.env.SLIPWAY_DEV_LOGIN };
  beforeAll(() => {
    process.env.SLIPWAY_URL = BASE;
    process.env.SLIPWAY_DEV_LOGIN = "1";
    resetEnvCache();
  });
  afterAll(() => {
    process.env.SLIPWAY_URL = saved.url;
    process.env.SLIPWAY_DEV_LOGIN = saved.dev;
    if (saved.url === undefined) delete process.env.SLIPWAY_URL;
    if (saved.dev === undefined) delete process.env.SLIPWAY_DEV_LOGIN;
    resetEnvCache();
  });

  async function signIn(callbackUrl: string): Promise<Response> {
    const body = new URLSearchParams({ login: "redirect-probe", role: "viewer", callbackUrl });
    return devLoginPost(
      new NextRequest(`${BASE}/api/auth/dev-login`, {
        method: "POST",
        body,
        headers: { "content-type": "application/x-www-form-urlencoded", "sec-fetch-site": "same-origin", origin: BASE, host: "127.0.0.1:3917" },
      }),
    );
  }

  test.each(offSite.map((v) => [JSON.stringify(v), v]))("signs in and stays on the console for %s", async (_label, value) => {
    const res = await signIn(value);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`${BASE}/`);
  });

  test("a same-origin path is where it goes", async () => {
    const res = await signIn("/deployments?state=failed");
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`${BASE}/deployments?state=failed`);
  });
});
