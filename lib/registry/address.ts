// Where a registry's HTTP API lives, from the address an admin writes (`ghcr.io`, `127.0.0.1:5000`,
// `http://registry.lan:5000`): the same choice of scheme dockerd makes by default.
import { isLoopbackHost } from "@/lib/validation/loopback";

/** A registry address that cannot be used; the message says what to write instead. */
export class RegistryAddressError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RegistryAddressError";
  }
}

const DOCKER_HUB_ALIASES = new Set(["docker.io", "index.docker.io", "registry-1.docker.io"]);
const DOCKER_HUB_API = "https://registry-1.docker.io";
const EXAMPLES = "ghcr.io, 127.0.0.1:5000 or https://registry.example.org:5443";

/** localhost, 127.0.0.0/8 and ::1: the registries dockerd talks to over plain HTTP without being told. */
export { isLoopbackHost };

/**
 * The base URL of a registry's API (scheme, host, port; no trailing slash). `host[:port]` means https,
 * except loopback addresses, which mean http (dockerd's default insecure registries are 127.0.0.0/8);
 * an explicit `http://` or `https://` is kept. Docker Hub's names map to its API host.
 */
export function registryBaseUrl(url: string): string {
  const text = url.trim().replace(/\/+$/, "");
  if (text === "") throw new RegistryAddressError(`no registry address given; write one such as ${EXAMPLES}`);
  const schemeMatch = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(text);
  const scheme = schemeMatch?.[1]?.toLowerCase();
  if (scheme !== undefined && scheme !== "http" && scheme !== "https") {
    throw new RegistryAddressError(`${scheme}:// is not a registry address; write host[:port] or an http(s):// URL, such as ${EXAMPLES}`);
  }
  let parsed: URL;
  try {
    parsed = new URL(scheme ? text : `https://${text}`);
  } catch {
    throw new RegistryAddressError(`"${text}" is not a registry address; write one such as ${EXAMPLES}`);
  }
  if (parsed.username || parsed.password) {
    // never echo the address: it holds a password
    throw new RegistryAddressError("the registry address must not carry a user or password; give them in the username and password fields");
  }
  if (parsed.pathname !== "/" || parsed.search || parsed.hash) {
    throw new RegistryAddressError(`give the registry's host[:port] only, without a path (the image's repository is named elsewhere), such as ${EXAMPLES}`);
  }
  if (!scheme && DOCKER_HUB_ALIASES.has(parsed.host.toLowerCase())) return DOCKER_HUB_API;
  if (scheme && DOCKER_HUB_ALIASES.has(parsed.host.toLowerCase()) && scheme === "https") return DOCKER_HUB_API;
  const protocol = scheme ?? (isLoopbackHost(parsed.hostname) ? "http" : "https");
  return `${protocol}://${parsed.host}`;
}

/** The host[:port] of a base URL, as messages name the registry. */
export function registryDisplayName(baseUrl: string): string {
  return new URL(baseUrl).host;
}
