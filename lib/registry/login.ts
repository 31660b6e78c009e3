// Checks a registry's address and credentials the way `docker login` does, over the Docker Registry HTTP
// API v2: GET /v2/, and on 401 the challenge it names (Basic, or a Bearer token from the realm it names).
import { parseAuthChallenges, type AuthChallenge } from "@/lib/registry/challenge";
import { isLoopbackHost, RegistryAddressError, registryBaseUrl, registryDisplayName } from "@/lib/registry/address";

export { registryBaseUrl };

export type RegistryLoginResult =
  | { ok: true; message: string }
  | { ok: false; reason: "unauthorized" | "unreachable" | "timeout" | "error"; status?: number; message: string };

export interface RegistryLoginInput {
  /** host[:port] or http(s)://host[:port] */
  url: string;
  username?: string | null;
  password?: string | null;
  /** for the whole check, every request included (default 15 s) */
  timeoutMs?: number;
  /** aborting it rejects the check with the signal's reason */
  signal?: AbortSignal;
}

type Failure = Extract<RegistryLoginResult, { ok: false }>;

/** A failure found along the way; thrown to end the check, turned into its result at the top. */
class LoginFailure extends Error {
  constructor(readonly result: Failure) {
    super(result.message);
  }
}

const MAX_TOKEN_RESPONSE_BYTES = 1_000_000;
const API_VERSION_HEADER = "docker-distribution-api-version";

function fail(reason: Failure["reason"], message: string, status?: number): never {
  throw new LoginFailure(status === undefined ? { ok: false, reason, message } : { ok: false, reason, status, message });
}

/**
 * Until something has answered as a Docker registry, every failure is said the same way: refused, reset, not
 * HTTP, not TLS, an untrusted certificate, a silent port, a web server without the registry API. Telling them
 * apart would make "Test login" a port scanner of the console's network (which loopback ports are open, what
 * answers there); the words list what to check instead.
 */
function couldNotReach(name: string, what = "a Docker registry"): never {
  fail("unreachable", unreachableMessage(name, what));
}

function unreachableMessage(name: string, what = "a Docker registry"): string {
  return `Could not reach ${what} at ${name}: check the address and port, that the registry runs and the console's machine can reach it, whether it needs http:// or https://, and that its TLS certificate is trusted.`;
}

/** Network and TLS errors of fetch (undici puts the system error in `cause`). */
function networkFailure(err: unknown, target: string, what: string): never {
  const cause = (err as { cause?: { message?: string } } | undefined)?.cause;
  // decided by the client from the address alone, before connecting: no answer is revealed
  if (cause?.message === "bad port") {
    fail("unreachable", `Slipway's HTTP client refuses to connect to the port of ${target} (one of the ports browsers block for safety): run the registry on another port`);
  }
  couldNotReach(target, what);
}

async function get(url: string, headers: Record<string, string>, signal: AbortSignal, target: string, what: string): Promise<Response> {
  try {
    return await fetch(url, { method: "GET", headers: { "user-agent": "slipway", ...headers }, signal, redirect: "follow" });
  } catch (err) {
    if (signal.aborted) throw err;
    networkFailure(err, target, what);
  }
}

/** Drops a body nobody reads, so the connection is released. */
async function discard(res: Response): Promise<void> {
  await res.body?.cancel().catch(() => undefined);
}

function basic(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, "utf8").toString("base64")}`;
}

/** A registry's /v2/ answers with the API version header, whatever its status; anything else is not one. */
function isRegistry(res: Response): boolean {
  return res.headers.has(API_VERSION_HEADER);
}

/** The registry's answer to a request for /v2/ with credentials, turned into the result. */
async function judgeAuthenticated(res: Response, name: string, username: string, tokenService?: string): Promise<RegistryLoginResult> {
  if (res.status === 200) {
    await discard(res);
    return { ok: true, message: `Logged in to ${name} as ${username}.` };
  }
  await discard(res);
  if ((res.status === 401 || res.status === 403) && tokenService) {
    fail("unauthorized", `The token service ${tokenService} accepted ${username}, but ${name} refused its token: check that the registry trusts that token service (its certificate, issuer and service name).`, res.status);
  }
  if (res.status === 401 || res.status === 403) fail("unauthorized", `Login refused by ${name}: wrong username or password.`, res.status);
  fail("error", `${name} answered HTTP ${res.status} to a logged-in request for /v2/; check the registry's logs`, res.status);
}

/** The Bearer token flow: credentials to the realm, which answers with a token for the registry. */
async function bearerToken(challenge: AuthChallenge, name: string, username: string, password: string, signal: AbortSignal): Promise<{ token: string; realmName: string }> {
  const realm = challenge.params.realm;
  if (!realm) fail("error", `${name} asks for a Bearer token but names no token service (realm); check the registry's auth configuration`);
  let realmUrl: URL;
  try {
    realmUrl = new URL(realm);
  } catch {
    fail("error", `${name} names a token service "${realm}" that is not a URL; check the registry's auth configuration`);
  }
  if (realmUrl.protocol !== "https:" && !(realmUrl.protocol === "http:" && isLoopbackHost(realmUrl.hostname))) {
    fail("error", `${name} asks for the password to be sent to ${realmUrl.origin}, which is not HTTPS; Slipway refuses to send it there: configure the token service with HTTPS`);
  }
  if (challenge.params.service) realmUrl.searchParams.set("service", challenge.params.service);
  if (challenge.params.scope) realmUrl.searchParams.set("scope", challenge.params.scope);
  realmUrl.searchParams.set("account", username);

  const realmName = realmUrl.host;
  const res = await get(realmUrl.href, { authorization: basic(username, password) }, signal, realmName, "the token service");
  if (res.status === 401 || res.status === 403) {
    await discard(res);
    fail("unauthorized", `Login refused by ${name} (token service ${realmName}): wrong username or password.`, res.status);
  }
  if (res.status !== 200) {
    await discard(res);
    // the registry names the realm: what answers there is not echoed either
    fail("error", `Could not get a token from the token service ${realmName} of ${name}: check that it is up and that the registry's auth configuration names it`);
  }
  const text = await res.text();
  let token: unknown;
  try {
    if (text.length > MAX_TOKEN_RESPONSE_BYTES) throw new Error("too long");
    const body = JSON.parse(text) as { token?: unknown; access_token?: unknown };
    token = body.token ?? body.access_token;
  } catch {
    token = undefined;
  }
  if (typeof token !== "string" || token === "") {
    fail("error", `the token service ${realmName} of ${name} answered without a token; check the registry's auth configuration`);
  }
  return { token, realmName };
}

async function login(input: RegistryLoginInput, signal: AbortSignal): Promise<RegistryLoginResult> {
  let base: string;
  try {
    base = registryBaseUrl(input.url);
  } catch (err) {
    if (err instanceof RegistryAddressError) fail("error", err.message);
    throw err;
  }
  const name = registryDisplayName(base);
  const v2 = `${base}/v2/`;
  const username = input.username?.trim() || undefined;
  const password = input.password ?? undefined;

  const first = await get(v2, {}, signal, name, "a Docker registry");
  if (!isRegistry(first)) {
    await discard(first);
    couldNotReach(name);
  }
  if (first.status === 200) {
    await discard(first);
    return {
      ok: true,
      message: username ? `${name} answers without a login: the registry needs no login (the username is not used).` : `${name} answers: the registry needs no login.`,
    };
  }
  if (first.status !== 401) {
    await discard(first);
    fail("error", `${name} answered HTTP ${first.status} for /v2/; check that the registry is healthy`, first.status);
  }

  const challenges = parseAuthChallenges(first.headers.get("www-authenticate") ?? "");
  await discard(first);
  if (challenges.length === 0) {
    fail("error", `${name} asks for a login (HTTP 401) without saying how (no WWW-Authenticate header); check the registry's auth configuration`, 401);
  }
  if (!username || password === undefined || password === "") {
    fail("unauthorized", `${name} needs a login: give the registry's username and password.`, 401);
  }

  const bearer = challenges.find((c) => c.scheme === "bearer");
  if (bearer) {
    const { token, realmName } = await bearerToken(bearer, name, username, password, signal);
    return judgeAuthenticated(await get(v2, { authorization: `Bearer ${token}` }, signal, name, "a Docker registry"), name, username, realmName);
  }
  if (challenges.some((c) => c.scheme === "basic")) {
    return judgeAuthenticated(await get(v2, { authorization: basic(username, password) }, signal, name, "a Docker registry"), name, username);
  }
  fail("error", `${name} asks for a login by ${challenges.map((c) => c.scheme).join(", ")}, which Slipway does not speak (it speaks Basic and Bearer token auth)`, 401);
}

/**
 * Tests a registry's address and credentials. Never throws for the registry's sake (the result says what
 * went wrong, in words, and never contains the password); rejects only when `signal` aborts.
 */
export async function testRegistryLogin(input: RegistryLoginInput): Promise<RegistryLoginResult> {
  const timeoutMs = input.timeoutMs ?? 15_000;
  input.signal?.throwIfAborted();
  const deadline = AbortSignal.timeout(timeoutMs);
  const signal = input.signal ? AbortSignal.any([input.signal, deadline]) : deadline;
  try {
    return await login(input, signal);
  } catch (err) {
    if (err instanceof LoginFailure) return err.result;
    input.signal?.throwIfAborted();
    // a silent port, or a body cut off: said as any other place without a registry (see couldNotReach)
    return { ok: false, reason: deadline.aborted ? "timeout" : "unreachable", message: unreachableMessage(safeName(input.url)) };
  }
}

function safeName(url: string): string {
  try {
    return registryDisplayName(registryBaseUrl(url));
  } catch {
    return "the registry";
  }
}
