// IP address literals, for the server and the browser alike (node:net's isIP is not available in the browser).
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** 203.0.113.7 (dotted decimal, no leading zeros) */
export function isIpv4(s: string): boolean {
  return IPV4.test(s);
}

/** 2001:db8::1, without brackets */
export function isIpv6(s: string): boolean {
  if (!/^[0-9A-Fa-f:.]+$/.test(s) || !s.includes(":")) return false;
  try {
    return new URL(`http://[${s}]/`).hostname.length > 2;
  } catch {
    return false;
  }
}

/** Names of cloud instance-metadata services that are not link-local addresses. */
const METADATA_NAMES = new Set(["metadata.google.internal", "metadata.goog", "metadata.azure.com", "100.100.100.200", "fd00:ec2::254"]);

/**
 * True for a link-local address (169.254.0.0/16, fe80::/10, also IPv4-mapped) or a cloud metadata service:
 * what answers there is the machine's own credentials, never a registry, a git server, Slack or a health
 * check. `hostname` as a parsed URL gives it (IPv4 normalised, so 2852039166 is 169.254.169.254 already).
 */
export function isLinkLocalOrMetadataHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, "").replace(/\.$/, "").toLowerCase();
  if (METADATA_NAMES.has(h)) return true;
  if (/^169\.254\.\d{1,3}\.\d{1,3}$/.test(h)) return true;
  if (/^fe[89ab][0-9a-f]:/.test(h)) return true;
  // ::ffff:169.254.x.y, as the URL parser writes it (::ffff:a9fe:xxxx)
  return h.startsWith("::ffff:a9fe:") || h.startsWith("::ffff:169.254.");
}

/** The words every form says when a URL names such an address. */
export const LINK_LOCAL_PROBLEM = "must not name a link-local or cloud metadata address (169.254.0.0/16, fe80::/10, metadata.google.internal …): nothing Slipway talks to lives there";
