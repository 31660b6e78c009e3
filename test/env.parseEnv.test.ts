// lib/env.ts parseEnv: a bad environment stops start-up naming each bad variable and what to do.
import { afterEach, describe, expect, test, vi } from "vitest";
import { devLoginEnabled, EnvError, githubLoginEnabled, parseEnv } from "@/lib/env";

const KEY = "a".repeat(64);

function problems(source: Record<string, string | undefined>): string[] {
  try {
    parseEnv(source);
  } catch (err) {
    expect(err).toBeInstanceOf(EnvError);
    return (err as EnvError).problems;
  }
  throw new Error("the environment was accepted");
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe("parseEnv", () => {
  test("an empty environment parses, with the documented defaults", () => {
    expect(parseEnv({})).toMatchObject({
      NODE_ENV: "development",
      SLIPWAY_DATA_DIR: ".slipway",
      SLIPWAY_URL: "http://127.0.0.1:3000",
      PORT: 3000,
      HOST: "127.0.0.1",
      GITHUB_AUTHORIZATION_URL: "https://github.com/login/oauth/authorize",
      GITHUB_TOKEN_URL: "https://github.com/login/oauth/access_token",
      GITHUB_USERINFO_URL: "https://api.github.com/user",
      SLIPWAY_ADMINS: [],
      SLIPWAY_DEFAULT_ROLE: "viewer",
      SLIPWAY_DEV_LOGIN: false,
      SLIPWAY_TRUST_PROXY: false,
      SLIPWAY_SESSION_DAYS: 7,
      SLIPWAY_WORKER_CONCURRENCY: 4,
      LOG_LEVEL: "info",
    });
    const e = parseEnv({});
    for (const unset of ["DATABASE_URL", "SLIPWAY_SECRET_KEY", "GITHUB_CLIENT_ID", "GITHUB_CLIENT_SECRET"] as const) expect(e[unset]).toBeUndefined();
  });

  test("the git mirror cache: 2048 MB under the data dir unless set; 0 turns it off; a negative size is refused", () => {
    const e = parseEnv({});
    expect(e.SLIPWAY_GIT_CACHE_MB).toBe(2048);
    expect(e.SLIPWAY_GIT_CACHE_DIR).toBeUndefined();
    expect(parseEnv({ SLIPWAY_GIT_CACHE_MB: "0", SLIPWAY_GIT_CACHE_DIR: "/var/cache/slipway-git" })).toMatchObject({ SLIPWAY_GIT_CACHE_MB: 0, SLIPWAY_GIT_CACHE_DIR: "/var/cache/slipway-git" });
    expect(problems({ SLIPWAY_GIT_CACHE_MB: "-1" })[0]).toMatch(/^SLIPWAY_GIT_CACHE_MB:/);
    expect(problems({ SLIPWAY_GIT_CACHE_MB: "lots" })[0]).toMatch(/^SLIPWAY_GIT_CACHE_MB:/);
  });

  test("a complete production environment parses", () => {
    const e = parseEnv({
      NODE_ENV: "production",
      DATABASE_URL: "postgresql://slipway:pw@db.internal:5432/slipway",
      SLIPWAY_SECRET_KEY: KEY,
      SLIPWAY_URL: "https://deploy.example.com",
      PORT: "8080",
      GITHUB_CLIENT_ID: "Iv1.abc",
      GITHUB_CLIENT_SECRET: "shh",
      SLIPWAY_ADMINS: "Alice, bob",
      SLIPWAY_SESSION_DAYS: "30",
    });
    expect(e).toMatchObject({ NODE_ENV: "production", PORT: 8080, SLIPWAY_SESSION_DAYS: 30, SLIPWAY_URL: "https://deploy.example.com" });
    expect(e.DATABASE_URL).toBe("postgresql://slipway:pw@db.internal:5432/slipway");
    expect(githubLoginEnabled(e)).toBe(true);
    expect(devLoginEnabled(e)).toBe(false);
  });

  test("SLIPWAY_ADMINS \"Alice, bob\" is the logins alice and bob (any separator, lower case)", () => {
    expect(parseEnv({ SLIPWAY_ADMINS: "Alice, bob" }).SLIPWAY_ADMINS).toEqual(["alice", "bob"]);
    expect(parseEnv({ SLIPWAY_ADMINS: " Alice\tBOB,,carol-x " }).SLIPWAY_ADMINS).toEqual(["alice", "bob", "carol-x"]);
  });

  test("an admin that is not a GitHub login is refused, naming SLIPWAY_ADMINS", () => {
    expect(problems({ SLIPWAY_ADMINS: "alice, bob@example.com" })).toEqual([expect.stringMatching(/^SLIPWAY_ADMINS\.1: each login must be a GitHub login/)]);
  });

  test("production without SLIPWAY_SECRET_KEY fails naming SLIPWAY_SECRET_KEY and how to make one", () => {
    expect(problems({ NODE_ENV: "production" })).toEqual([expect.stringMatching(/^SLIPWAY_SECRET_KEY: is required in production.*openssl rand -hex 32/)]);
  });

  test("a SLIPWAY_SECRET_KEY that is not 32 bytes is refused; hex and base64 keys are accepted", () => {
    expect(problems({ SLIPWAY_SECRET_KEY: "too-short" })).toEqual([expect.stringMatching(/^SLIPWAY_SECRET_KEY: must be 32 bytes/)]);
    expect(parseEnv({ SLIPWAY_SECRET_KEY: KEY }).SLIPWAY_SECRET_KEY).toBe(KEY);
    const b64 = Buffer.alloc(32, 7).toString("base64");
    expect(parseEnv({ SLIPWAY_SECRET_KEY: b64 }).SLIPWAY_SECRET_KEY).toBe(b64);
  });

  test("a malformed DATABASE_URL is refused naming DATABASE_URL", () => {
    expect(problems({ DATABASE_URL: "mysql://root@localhost/db" })).toEqual(["DATABASE_URL: must be a postgres:// or postgresql:// URL"]);
    expect(problems({ DATABASE_URL: "localhost:5432" })[0]).toMatch(/^DATABASE_URL:/);
  });

  test("GITHUB_CLIENT_ID without GITHUB_CLIENT_SECRET names GITHUB_CLIENT_SECRET, and the other way round", () => {
    expect(problems({ GITHUB_CLIENT_ID: "Iv1.abc" })).toEqual([expect.stringMatching(/^GITHUB_CLIENT_SECRET: GitHub login needs both/)]);
    expect(problems({ GITHUB_CLIENT_SECRET: "shh" })).toEqual([expect.stringMatching(/^GITHUB_CLIENT_ID: GitHub login needs both/)]);
  });

  test("SLIPWAY_DEV_LOGIN=1 with NODE_ENV=production is refused", () => {
    expect(problems({ NODE_ENV: "production", SLIPWAY_SECRET_KEY: KEY, SLIPWAY_DEV_LOGIN: "1" })).toEqual([
      expect.stringMatching(/^SLIPWAY_DEV_LOGIN: the development login cannot be enabled with NODE_ENV=production/),
    ]);
  });

  test("every bad variable is named at once, including those the cross-variable rules catch", () => {
    const p = problems({ NODE_ENV: "production", PORT: "99999", SLIPWAY_URL: "ftp://x", DATABASE_URL: "nope", SLIPWAY_DEFAULT_ROLE: "root" });
    expect(p.map((l) => l.split(":")[0]).sort()).toEqual(["DATABASE_URL", "PORT", "SLIPWAY_DEFAULT_ROLE", "SLIPWAY_SECRET_KEY", "SLIPWAY_URL"]);
    expect(() => parseEnv({ PORT: "0" })).toThrow(/Invalid environment:\n {2}- PORT:/);
  });

  test("an empty value counts as unset", () => {
    expect(parseEnv({ DATABASE_URL: "", PORT: "", SLIPWAY_DEV_LOGIN: "" })).toMatchObject({ PORT: 3000, SLIPWAY_DEV_LOGIN: false });
    expect(parseEnv({ DATABASE_URL: "" }).DATABASE_URL).toBeUndefined();
  });
});

describe("devLoginEnabled", () => {
  test("is on only when asked for outside production", () => {
    expect(devLoginEnabled(parseEnv({ SLIPWAY_DEV_LOGIN: "1" }))).toBe(true);
    expect(devLoginEnabled(parseEnv({ SLIPWAY_DEV_LOGIN: "true" }))).toBe(true);
    expect(devLoginEnabled(parseEnv({}))).toBe(false);
    expect(devLoginEnabled(parseEnv({ SLIPWAY_DEV_LOGIN: "0" }))).toBe(false);
    expect(devLoginEnabled(parseEnv({ NODE_ENV: "production", SLIPWAY_SECRET_KEY: KEY }))).toBe(false);
  });

  test("is off when the process runs in production, whatever environment object it is given", () => {
    const e = parseEnv({ SLIPWAY_DEV_LOGIN: "1" });
    vi.stubEnv("NODE_ENV", "production");
    expect(devLoginEnabled(e)).toBe(false);
  });
});
