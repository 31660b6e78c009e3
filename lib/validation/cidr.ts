// Address ranges written as CIDRs (203.0.113.0/24, 2001:db8::/32; a bare address is one host), as
// SLIPWAY_METRICS_ALLOW lists them. Pure, so the environment check and the /metrics route share it.
import { isIpv4, isIpv6 } from "@/lib/validation/ip-address";

export interface Cidr {
  address: string;
  prefix: number;
  family: "ipv4" | "ipv6";
}

/** One range, or a sentence saying what is wrong with it. */
export function parseCidr(text: string): Cidr | string {
  const s = text.trim();
  const [address = "", prefixText, extra] = s.split("/");
  if (extra !== undefined) return `"${s}" has more than one "/"`;
  const family = isIpv4(address) ? "ipv4" : isIpv6(address) ? "ipv6" : null;
  if (!family) return `"${s}" does not start with an IPv4 or IPv6 address (write 10.0.0.0/8 or fd00::/8)`;
  const max = family === "ipv4" ? 32 : 128;
  if (prefixText === undefined) return { address, prefix: max, family };
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > max) return `"${s}": the prefix length after "/" must be 0 to ${max}`;
  return { address, prefix: Number(prefixText), family };
}

/** A comma-separated list; "none" is the empty list. Throws nothing: the problems come back in words. */
export function parseCidrList(text: string): { ranges: Cidr[]; problems: string[] } {
  const ranges: Cidr[] = [];
  const problems: string[] = [];
  if (text.trim().toLowerCase() === "none") return { ranges, problems };
  for (const part of text.split(",").map((p) => p.trim()).filter(Boolean)) {
    const r = parseCidr(part);
    if (typeof r === "string") problems.push(r);
    else ranges.push(r);
  }
  return { ranges, problems };
}
