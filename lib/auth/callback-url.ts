// Where to send someone after signing in: only a path on the console's own origin, decided after the value
// is parsed against the base URL the way a browser would parse it. Used by the login page, the development
// login and next-auth's redirect callback, so an open redirect cannot come back through one of them.

/**
 * Tab, newline and other control characters (browsers drop them from URLs, so "/\t/evil" becomes
 * "//evil"), backslashes (browsers read them as "/"), and whitespace at either end.
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\\]|^\s|\s$/;

/**
 * The same-origin path (with query and fragment) that `value` names, or `fallback` when it names anything
 * else: another origin, "//host", "/\host", "/%09/host" (decoded), "javascript:", a malformed URL.
 * `value` may be a path or an absolute URL on `baseUrl`'s origin.
 */
export function sameOriginPath(value: unknown, baseUrl: string, fallback = "/"): string {
  if (typeof value !== "string" || value === "" || value.length > 2048 || UNSAFE.test(value)) return fallback;
  let base: URL;
  let url: URL;
  try {
    base = new URL(baseUrl);
    url = new URL(value, base);
  } catch {
    return fallback;
  }
  if (url.origin !== base.origin || (url.protocol !== "http:" && url.protocol !== "https:")) return fallback;
  // a relative value must be an absolute path: "evil.example" or "?x" would resolve against the base's path
  if (!/^https?:\/\//i.test(value) && !value.startsWith("/")) return fallback;
  const path = `${url.pathname}${url.search}${url.hash}`;
  // "/..//evil.example" resolves to the path "//evil.example", which a browser would read as another host
  return path.startsWith("//") ? fallback : path;
}
