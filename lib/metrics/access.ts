// Who may read /metrics: a request with `Authorization: Bearer <SLIPWAY_METRICS_TOKEN>` (compared in constant
// time) from anywhere, or any request from an address in SLIPWAY_METRICS_ALLOW (default: loopback only).
// The address is the last X-Forwarded-For entry: scripts/lib/web-server.ts drops the client's own
// X-Forwarded-* headers and writes the socket's address there unless SLIPWAY_TRUST_PROXY=1, and then the last
// entry is the one the reverse proxy in front appended (earlier ones are whatever the client sent).
import "server-only";
import { createHash, timingSafeEqual } from "node:crypto";
import { BlockList } from "node:net";
import { env } from "@/lib/env";
import type { Cidr } from "@/lib/validation/cidr";

export type MetricsAccess = { ok: true } | { ok: false; status: 401 | 403; message: string };

type HeaderSource = { get(name: string): string | null };

export interface MetricsAccessConfig {
  token?: string;
  allow: Cidr[];
}

/** The client's address as the web server recorded it, without the IPv4-mapped prefix; null when unknown. */
export function metricsClientAddress(h: HeaderSource): string | null {
  const entries = (h.get("x-forwarded-for") ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  const last = entries[entries.length - 1];
  return last ? last.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, "") : null;
}

function sameSecret(given: string, expected: string): boolean {
  // digests of equal length, so neither the comparison nor its length check tells how much matched
  return timingSafeEqual(createHash("sha256").update(given).digest(), createHash("sha256").update(expected).digest());
}

function allowed(address: string | null, ranges: Cidr[]): boolean {
  if (!address) return false;
  const list = new BlockList();
  for (const r of ranges) list.addSubnet(r.address, r.prefix, r.family);
  const family = address.includes(":") ? "ipv6" : "ipv4";
  try {
    return list.check(address, family);
  } catch {
    return false;
  }
}

export function metricsAccess(h: HeaderSource, config: MetricsAccessConfig = { token: env().SLIPWAY_METRICS_TOKEN, allow: env().SLIPWAY_METRICS_ALLOW }): MetricsAccess {
  const auth = h.get("authorization");
  const bearer = auth && /^bearer\s+/i.test(auth) ? auth.replace(/^bearer\s+/i, "").trim() : null;
  if (bearer !== null && config.token) {
    if (sameSecret(bearer, config.token)) return { ok: true };
    return { ok: false, status: 401, message: "The bearer token is not SLIPWAY_METRICS_TOKEN: send `Authorization: Bearer <the token set on the web server>`." };
  }
  const address = metricsClientAddress(h);
  if (allowed(address, config.allow)) return { ok: true };
  const how = config.token
    ? "send `Authorization: Bearer <SLIPWAY_METRICS_TOKEN>`, or add the address to SLIPWAY_METRICS_ALLOW"
    : "add the address (or its network, as a CIDR) to SLIPWAY_METRICS_ALLOW on the web server, or set SLIPWAY_METRICS_TOKEN and send it as a bearer token";
  return { ok: false, status: 403, message: `Metrics are not served to ${address ?? "an unknown address"}: ${how}.` };
}
