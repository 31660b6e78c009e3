// base-url-port: without SLIPWAY_URL the console's URL is where it listens (PORT, and HOST unless it means all
// interfaces), for every reader of env().SLIPWAY_URL and for next-auth, whose NEXTAUTH_URL follows it.
import { afterEach, describe, expect, test } from "vitest";
import { parseEnv, resetEnvCache } from "@/lib/env";
import { sessionCookieName } from "@/lib/auth/cookies";
import { authOptions } from "@/lib/auth/options";

const saved = { ...process.env };

afterEach(() => {
  for (const k of ["PORT", "HOST", "SLIPWAY_URL", "NEXTAUTH_URL"]) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
  resetEnvCache();
});

describe("base-url-port", () => {
  test.each([
    [{}, "http://127.0.0.1:3000"],
    [{ PORT: "4123" }, "http://127.0.0.1:4123"],
    [{ PORT: "8080", HOST: "0.0.0.0" }, "http://127.0.0.1:8080"],
    [{ PORT: "8080", HOST: "::" }, "http://127.0.0.1:8080"],
    [{ PORT: "8080", HOST: "::1" }, "http://[::1]:8080"],
    [{ PORT: "8080", HOST: "192.0.2.7" }, "http://192.0.2.7:8080"],
    [{ PORT: "8080", HOST: "localhost" }, "http://localhost:8080"],
    [{ PORT: "8080", SLIPWAY_URL: "https://deploy.example.com" }, "https://deploy.example.com"],
  ])("%o → %s", (vars, url) => {
    expect(parseEnv(vars).SLIPWAY_URL).toBe(url);
  });

  test("next-auth's NEXTAUTH_URL is SLIPWAY_URL as it follows PORT, replacing a stale one; the session cookie's name follows it too", () => {
    process.env.PORT = "4124";
    delete process.env.SLIPWAY_URL;
    process.env.NEXTAUTH_URL = "https://127.0.0.1:3000";
    resetEnvCache();
    authOptions();
    expect(process.env.NEXTAUTH_URL).toBe("http://127.0.0.1:4124");
    expect(sessionCookieName()).toBe("next-auth.session-token");
  });
});
