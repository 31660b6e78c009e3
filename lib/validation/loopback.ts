// Loopback addresses (localhost, 127.0.0.0/8, ::1): the only places Slipway sends credentials over plain HTTP
// (a registry or a GitHub stand-in on the same machine). Pure, so forms and servers share it.

/** `hostname` as a parsed URL gives it (`new URL(u).hostname`: IPv4 normalised, IPv6 in brackets). */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (h === "localhost" || h.endsWith(".localhost")) return true;
  if (/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h)) return true;
  return h === "::1" || h === "0:0:0:0:0:0:0:1";
}

/** https://, or http:// to a loopback address: where a secret may be sent. */
export function isSecureOrLoopbackUrl(url: URL): boolean {
  return url.protocol === "https:" || (url.protocol === "http:" && isLoopbackHost(url.hostname));
}
