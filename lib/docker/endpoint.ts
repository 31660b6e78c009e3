// The endpoint of a Docker context as an admin writes it: `unix:///var/run/docker.sock` for the engine on
// the console's own machine, or `ssh://user@host[:port]` for an engine reached through a registered host.
// The one parser: the engine, the forms (lib/validation/inventory-fields.ts) and slipway.yml import use it,
// so it runs in the browser too (no node: imports).
import { isIpv4, isIpv6 } from "@/lib/validation/ip-address";

export type DockerEndpoint = { kind: "unix"; socketPath: string } | { kind: "ssh"; user: string; host: string; port: number };

/** An endpoint that cannot be used; the message says what to write instead. */
export class DockerEndpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DockerEndpointError";
  }
}

/** sun_path holds 108 bytes on Linux, one of them the terminating NUL. */
const MAX_SOCKET_PATH_BYTES = 107;

const EXAMPLES = "unix:///var/run/docker.sock or ssh://deploy@build1.example.org[:port]";
const USER = /^[A-Za-z_][A-Za-z0-9_.-]{0,31}$/;
const DNS_LABEL = "[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?";
const DNS_NAME = new RegExp(`^${DNS_LABEL}(?:\\.${DNS_LABEL})*\\.?$`);

function unixEndpoint(rest: string): DockerEndpoint {
  if (rest === "") throw new DockerEndpointError("unix:// needs the socket's absolute path, such as unix:///var/run/docker.sock");
  if (!rest.startsWith("/")) {
    throw new DockerEndpointError(`the socket path "${rest}" is relative; give an absolute path with three slashes, such as unix:///var/run/docker.sock`);
  }
  if (/[\u0000-\u001f\u007f]/.test(rest)) throw new DockerEndpointError("the socket path contains control characters; give a plain absolute path");
  if (rest.split("/").includes("..")) throw new DockerEndpointError("the socket path must not contain '..'; give the socket's plain absolute path");
  if (Buffer.byteLength(rest) > MAX_SOCKET_PATH_BYTES) {
    throw new DockerEndpointError(`the socket path is longer than ${MAX_SOCKET_PATH_BYTES} bytes, which unix sockets cannot have; use a shorter path`);
  }
  return { kind: "unix", socketPath: rest };
}

/** The host part of an ssh:// endpoint, without IPv6 brackets; throws when it is not a name or an address. */
function sshHost(raw: string): string {
  if (raw === "") throw new DockerEndpointError(`the endpoint names no host; write ssh://user@host, such as ssh://deploy@build1.example.org`);
  if (raw.startsWith("[")) {
    const inner = raw.endsWith("]") ? raw.slice(1, -1) : "";
    if (!isIpv6(inner)) throw new DockerEndpointError(`"${raw}" is not an IPv6 address in brackets, such as [2001:db8::7]`);
    return inner;
  }
  if (raw.startsWith("-")) throw new DockerEndpointError(`the host "${raw}" starts with '-', which ssh would read as an option; give a host name or an address`);
  if (raw.includes(":")) throw new DockerEndpointError(`write an IPv6 address in brackets, such as ssh://deploy@[${raw}]:22`);
  if (isIpv4(raw)) return raw;
  if (/^[\d.]+$/.test(raw)) throw new DockerEndpointError(`"${raw}" is not a valid IPv4 address`);
  if (raw.length > 253 || !DNS_NAME.test(raw)) {
    throw new DockerEndpointError(`"${raw}" is not a host name or an IP address (such as build1.example.org or 203.0.113.7)`);
  }
  return raw;
}

/** "host", "host:port", "[v6]" or "[v6]:port" → host and port text; an unbracketed IPv6 address stays whole. */
function splitHostPort(s: string): [string, string | undefined] {
  if (s.startsWith("[")) {
    const close = s.indexOf("]");
    if (close < 0) return [s, undefined];
    const after = s.slice(close + 1);
    if (after !== "" && !after.startsWith(":")) throw new DockerEndpointError(`unexpected "${after}" after the address ${s.slice(0, close + 1)}`);
    return [s.slice(0, close + 1), after === "" ? undefined : after.slice(1)];
  }
  const colons = s.split(":").length - 1;
  if (colons !== 1) return [s, undefined];
  const i = s.indexOf(":");
  return [s.slice(0, i), s.slice(i + 1)];
}

function sshEndpoint(rest: string): DockerEndpoint {
  if (/[/?#]/.test(rest.replace(/\/$/, ""))) {
    throw new DockerEndpointError("an ssh:// endpoint is only ssh://user@host[:port], without a path, query or fragment");
  }
  const authority = rest.replace(/\/$/, "");
  const at = authority.lastIndexOf("@");
  if (at < 0) throw new DockerEndpointError(`the endpoint names no user; write ssh://user@${authority || "host"}, with the user Slipway logs in as`);
  const user = authority.slice(0, at);
  if (user.includes(":")) {
    // never echo it: the part after ':' is a password
    throw new DockerEndpointError("the endpoint must not carry a password (user:password@); Slipway logs in with its deployer key: write ssh://user@host");
  }
  if (!USER.test(user)) {
    throw new DockerEndpointError(`"${user}" is not a user name; use letters, digits, '_', '.' and '-', not starting with '-' or a digit (such as deploy)`);
  }
  const [rawHost, rawPort] = splitHostPort(authority.slice(at + 1));
  const host = sshHost(rawHost);
  let port = 22;
  if (rawPort !== undefined) {
    if (!/^\d{1,5}$/.test(rawPort) || Number(rawPort) < 1 || Number(rawPort) > 65535) {
      throw new DockerEndpointError(`the port "${rawPort}" is not a port number from 1 to 65535`);
    }
    port = Number(rawPort);
  }
  return { kind: "ssh", user, host, port };
}

/**
 * Parses a Docker context's endpoint. Throws DockerEndpointError, with what to write instead, for anything
 * else: tcp:// (unauthenticated, or TLS without the pinned host keys Slipway relies on), relative socket
 * paths, ssh:// without a user, ports out of range, hosts that look like options.
 */
export function parseDockerEndpoint(text: string): DockerEndpoint {
  const s = text.trim();
  if (s === "") throw new DockerEndpointError(`no endpoint given; write ${EXAMPLES}`);
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(s)?.[1]?.toLowerCase();
  const rest = scheme === undefined ? "" : s.slice(scheme.length + 3);
  switch (scheme) {
    case "unix":
      return unixEndpoint(rest);
    case "ssh":
      return sshEndpoint(rest);
    case "tcp":
    case "http":
    case "https":
      throw new DockerEndpointError(
        `${scheme}:// endpoints are not supported: use ssh://user@host through a registered host so its pinned keys apply`,
      );
    case "npipe":
      throw new DockerEndpointError("npipe:// (Windows named pipes) is not supported; use ssh://user@host through a registered host");
    case undefined:
      if (s.startsWith("/")) throw new DockerEndpointError(`write unix://${s} for a socket path`);
      throw new DockerEndpointError(`"${s}" has no scheme; write ${EXAMPLES}`);
    default:
      throw new DockerEndpointError(`${scheme}:// is not a Docker endpoint Slipway uses; write ${EXAMPLES}`);
  }
}

/** parseDockerEndpoint for forms and imports: the endpoint, or what is wrong with it in words. */
export function readDockerEndpoint(text: string): DockerEndpoint | { problem: string } {
  try {
    return parseDockerEndpoint(text);
  } catch (err) {
    if (err instanceof DockerEndpointError) return { problem: err.message };
    throw err;
  }
}

/** The endpoint in its written form (what parseDockerEndpoint reads back), with IPv6 in brackets. */
export function formatDockerEndpoint(e: DockerEndpoint): string {
  if (e.kind === "unix") return `unix://${e.socketPath}`;
  const host = e.host.includes(":") ? `[${e.host}]` : e.host;
  return e.port === 22 ? `ssh://${e.user}@${host}` : `ssh://${e.user}@${host}:${e.port}`;
}
