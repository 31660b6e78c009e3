// lib/metrics/access.ts metricsAccess and SLIPWAY_METRICS_ALLOW / SLIPWAY_METRICS_TOKEN as lib/env.ts parses
// them: the default serves loopback only (IPv4, IPv6, IPv4-mapped); the address checked is the last
// X-Forwarded-For entry (what the web server or the trusted proxy wrote); a token opens it from anywhere and a
// wrong one is 401; malformed ranges stop start-up with words. (test/metrics.scrape.test.ts does it over HTTP.)
import { describe, expect, test } from "vitest";
import { parseEnv, EnvError } from "@/lib/env";
import { metricsAccess, metricsClientAddress } from "@/lib/metrics/access";

const headers = (h: Record<string, string>) => new Headers(h);
const defaults = parseEnv({});
const open = (h: Record<string, string>, cfg = { token: defaults.SLIPWAY_METRICS_TOKEN, allow: defaults.SLIPWAY_METRICS_ALLOW }) => metricsAccess(headers(h), cfg);

describe("metricsAccess", () => {
  test("by default: loopback only", () => {
    expect(defaults.SLIPWAY_METRICS_ALLOW).toEqual([
      { address: "127.0.0.0", prefix: 8, family: "ipv4" },
      { address: "::1", prefix: 128, family: "ipv6" },
    ]);
    for (const ip of ["127.0.0.1", "127.9.8.7", "::1", "::ffff:127.0.0.1"]) expect(open({ "x-forwarded-for": ip }), ip).toEqual({ ok: true });
    for (const ip of ["10.0.0.1", "::2", "203.0.113.9", "not-an-address"]) {
      const a = open({ "x-forwarded-for": ip });
      expect(a.ok, ip).toBe(false);
      expect(a).toMatchObject({ status: 403 });
    }
    // no address at all (a server that did not record one): refused
    expect(open({})).toMatchObject({ ok: false, status: 403, message: expect.stringContaining("an unknown address") });
  });

  test("the last X-Forwarded-For entry is the one checked", () => {
    expect(metricsClientAddress(headers({ "x-forwarded-for": "127.0.0.1, 198.51.100.4" }))).toBe("198.51.100.4");
    expect(open({ "x-forwarded-for": "127.0.0.1, 198.51.100.4" })).toMatchObject({ ok: false, status: 403 });
    expect(open({ "x-forwarded-for": "198.51.100.4, 127.0.0.1" })).toEqual({ ok: true });
  });

  test("a token: from anywhere; a wrong one: 401, also from an allowed address", () => {
    const cfg = parseEnv({ SLIPWAY_METRICS_TOKEN: "0123456789abcdef-token", SLIPWAY_METRICS_ALLOW: "10.1.0.0/16, fd00::/8" });
    const c = { token: cfg.SLIPWAY_METRICS_TOKEN, allow: cfg.SLIPWAY_METRICS_ALLOW };
    expect(open({ "x-forwarded-for": "203.0.113.9", authorization: "Bearer 0123456789abcdef-token" }, c)).toEqual({ ok: true });
    expect(open({ "x-forwarded-for": "10.1.200.3", authorization: "bearer 0123456789abcdef-tokeN" }, c)).toMatchObject({ ok: false, status: 401 });
    expect(open({ "x-forwarded-for": "10.1.200.3" }, c)).toEqual({ ok: true });
    expect(open({ "x-forwarded-for": "fd12::5" }, c)).toEqual({ ok: true });
    expect(open({ "x-forwarded-for": "127.0.0.1" }, c)).toMatchObject({ ok: false, status: 403, message: expect.stringContaining("Authorization: Bearer <SLIPWAY_METRICS_TOKEN>") });
    // Basic credentials are not a bearer token: the address decides
    expect(open({ "x-forwarded-for": "127.0.0.1", authorization: "Basic eDp5" }, c)).toMatchObject({ status: 403 });
  });

  test("none: the token only", () => {
    const cfg = parseEnv({ SLIPWAY_METRICS_ALLOW: "none" });
    expect(cfg.SLIPWAY_METRICS_ALLOW).toEqual([]);
    expect(open({ "x-forwarded-for": "127.0.0.1" }, { token: undefined, allow: cfg.SLIPWAY_METRICS_ALLOW })).toMatchObject({ ok: false, status: 403 });
  });

  test("malformed ranges and a short token stop start-up, each named", () => {
    let err: unknown;
    try {
      parseEnv({ SLIPWAY_METRICS_ALLOW: "10.0.0.0/33, example.org, 1.2.3.4/8/9", SLIPWAY_METRICS_TOKEN: "short" });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(EnvError);
    const problems = (err as EnvError).problems;
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^SLIPWAY_METRICS_ALLOW: "10\.0\.0\.0\/33": the prefix length after "\/" must be 0 to 32/),
        expect.stringMatching(/^SLIPWAY_METRICS_ALLOW: "example\.org" does not start with an IPv4 or IPv6 address/),
        expect.stringMatching(/^SLIPWAY_METRICS_ALLOW: "1\.2\.3\.4\/8\/9" has more than one "\/"/),
        expect.stringMatching(/^SLIPWAY_METRICS_TOKEN: must be at least 16 characters/),
      ]),
    );
  });
});
