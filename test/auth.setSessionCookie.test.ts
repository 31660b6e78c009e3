// The session cookie both console sign-ins set (development login, one-time sign-in link): its name and
// attributes, over http and over https.
import { NextResponse } from "next/server";
import { describe, expect, test } from "vitest";
import { sessionCookieName, setSessionCookie } from "@/lib/auth/cookies";

function cookieOf(baseUrl: string, expires: Date): string {
  const res = NextResponse.redirect(new URL("/", baseUrl), 303);
  setSessionCookie(res, "tok-123", expires, baseUrl);
  return res.headers.get("set-cookie") ?? "";
}

describe("setSessionCookie", () => {
  const expires = new Date("2030-01-02T03:04:05Z");

  test("over http: next-auth's plain name, HTTP-only, same-site lax, whole site, not secure, the session's expiry", () => {
    const c = cookieOf("http://127.0.0.1:3000", expires);
    expect(c.startsWith("next-auth.session-token=tok-123;")).toBe(true);
    expect(c).toMatch(/;\s*HttpOnly/i);
    expect(c).toMatch(/;\s*SameSite=lax/i);
    expect(c).toMatch(/;\s*Path=\/(;|$)/);
    expect(c).toContain("Expires=Wed, 02 Jan 2030 03:04:05 GMT");
    expect(c).not.toMatch(/;\s*Secure/i);
  });

  test("over https: the __Secure- name and the Secure attribute", () => {
    const c = cookieOf("https://slipway.example", expires);
    expect(sessionCookieName("https://slipway.example")).toBe("__Secure-next-auth.session-token");
    expect(c.startsWith("__Secure-next-auth.session-token=tok-123;")).toBe(true);
    expect(c).toMatch(/;\s*Secure/i);
    expect(c).toMatch(/;\s*HttpOnly/i);
  });
});
