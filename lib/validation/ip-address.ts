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
