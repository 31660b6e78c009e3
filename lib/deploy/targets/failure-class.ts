// Whether a deployment's failure is transient (a host, sshd, dockerd or registry briefly down: connection
// refused or reset, a timeout, an HTTP 5xx) and worth trying again, or a refusal that no retry will change
// (a changed host key, refused credentials, a 4xx, a validation error, a service that does not exist). The one
// place that decides it, for every target kind: the runner (lib/deploy/runner.ts) retries what this calls
// transient. Anything not recognised as transient is a refusal: a retry must be earned.
import { SshError, type SshErrorKind } from "@/lib/ssh/errors";
import { RegistryError } from "@/lib/registry/client";
import { SwarmError } from "@/lib/deploy/targets/swarm/engine";
import { ComposeError } from "@/lib/deploy/targets/compose/containers";
import { ProvenanceRefused } from "@/lib/deploy/provenance";

export type FailureClass =
  /**
   * `endpoint`: the address that did not answer (host:port), when the error names it; `registry`: the registry
   * (not the target's host or engine) is what did not answer
   */
  | { transient: true; why: string; endpoint: string | null; registry: boolean }
  | { transient: false };

/** Socket and DNS errors of a peer that is down, restarting or briefly unreachable. */
const TRANSIENT_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "EHOSTDOWN",
  "ENETUNREACH",
  "ENETDOWN",
  "EPIPE",
  "EAI_AGAIN",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
  "UND_ERR_SOCKET",
]);

const TRANSIENT_SSH: ReadonlySet<SshErrorKind> = new Set<SshErrorKind>(["timeout", "refused", "unreachable", "closed"]);

/** What an engine or registry says when the thing behind it is down (a pull from a stopped registry, a proxy's 5xx). */
const TRANSIENT_WORDS = /connection refused|connection reset|i\/o timeout|no route to host|network is unreachable|TLS handshake timeout|unexpected EOF|(?:status|HTTP)[: ]+5\d\d\b|503 Service Unavailable|502 Bad Gateway|504 Gateway Timeout/i;

/** What says "no" whatever the retry: credentials, a changed key. Checked before the transient words. */
const REFUSAL_WORDS = /host key|Host denied|unauthorized|authentication required|denied|forbidden|manifest unknown|not found/i;

interface Fields {
  message?: unknown;
  code?: unknown;
  level?: unknown;
  statusCode?: unknown;
  status?: unknown;
  address?: unknown;
  port?: unknown;
  cause?: unknown;
}

function fields(err: unknown): Fields {
  return err && typeof err === "object" ? (err as Fields) : {};
}

function endpointOf(f: Fields): string | null {
  if (typeof f.address !== "string") return null;
  const port = typeof f.port === "number" || typeof f.port === "string" ? `:${f.port}` : "";
  return f.address.includes(":") && port ? `[${f.address}]${port}` : `${f.address}${port}`;
}

type Found = { transient: true; why: string; endpoint: string | null } | { transient: false };
type Verdict = Found | "look_deeper";

function classifyOne(err: unknown): Verdict {
  const f = fields(err);
  const message = typeof f.message === "string" ? f.message : typeof err === "string" ? err : "";
  // a release whose provenance is missing or bad stays so: its words may quote the attestation, never read them
  if (err instanceof ProvenanceRefused) return { transient: false };
  if (err instanceof SshError) {
    if (TRANSIENT_SSH.has(err.kind)) return { transient: true, why: `SSH ${err.kind.replace("_", " ")}`, endpoint: null };
    // dns: a name that does not resolve stays so, unless the lookup itself failed (EAI_AGAIN, below)
    if (err.kind === "dns") return "look_deeper";
    return { transient: false };
  }
  if (err instanceof SwarmError) {
    if (err.reason === "timeout") return { transient: true, why: "the engine did not answer in time", endpoint: null };
    return err.reason === "engine_error" ? "look_deeper" : { transient: false };
  }
  if (err instanceof ComposeError) {
    if (err.reason === "timeout") return { transient: true, why: "the engine did not answer in time", endpoint: null };
    return err.reason === "engine_error" || err.reason === "pull_failed" ? "look_deeper" : { transient: false };
  }
  if (err instanceof RegistryError) {
    const status = err.status;
    if (typeof status === "number" && status >= 500) return { transient: true, why: `the registry answered HTTP ${status}`, endpoint: null };
    return status === undefined ? "look_deeper" : { transient: false };
  }
  if (typeof f.code === "string" && TRANSIENT_CODES.has(f.code)) return { transient: true, why: f.code, endpoint: endpointOf(f) };
  if (f.level === "client-timeout") return { transient: true, why: "SSH handshake timed out", endpoint: null };
  if (f.level === "client-authentication") return { transient: false };
  const status = typeof f.statusCode === "number" ? f.statusCode : typeof f.status === "number" ? f.status : null;
  if (status !== null) {
    if (status >= 400 && status < 500) return { transient: false };
    if (status === 502 || status === 503 || status === 504) {
      // a swarm that is not a manager answers 503 too: that does not pass by itself
      return /not a swarm manager|not part of a swarm/i.test(message) ? { transient: false } : { transient: true, why: `HTTP ${status}`, endpoint: null };
    }
  }
  if (message && REFUSAL_WORDS.test(message) && !TRANSIENT_WORDS.test(message)) return { transient: false };
  if (message && TRANSIENT_WORDS.test(message)) return { transient: true, why: (TRANSIENT_WORDS.exec(message)?.[0] ?? "unreachable").toLowerCase(), endpoint: null };
  return "look_deeper";
}

/** The error and its causes, outermost first (bounded). */
function chain(err: unknown): unknown[] {
  const out: unknown[] = [];
  for (let e: unknown = err; e !== undefined && e !== null && out.length < 6; e = fields(e).cause) out.push(e);
  return out;
}

/** Transient or a refusal, looking through the error's `cause` chain (drivers wrap what the adapters threw). */
export function classifyFailure(err: unknown): FailureClass {
  const errors = chain(err);
  const registry = errors.some((e) => e instanceof RegistryError || (e instanceof ComposeError && e.reason === "pull_failed"));
  for (const [i, e] of errors.entries()) {
    const v = classifyOne(e);
    if (v === "look_deeper") continue;
    if (!v.transient) return v;
    // an endpoint named further down the chain tells the user more
    const endpoint = v.endpoint ?? errors.slice(i + 1).map((c) => endpointOf(fields(c))).find((at) => at !== null) ?? null;
    return { ...v, endpoint, registry };
  }
  return { transient: false };
}
