// The bad-input table: every case names its kind, what it sends, the edge it goes through and what the
// sender must be told (a 4xx and words that name the field or the problem). test/security.bad-input.test.ts
// runs each one against a real database and checks that nothing was written.
import { generateKeyPairSync } from "node:crypto";
import type { Actor } from "@/lib/auth/actor";
import { approveDeployment, deployRelease, rollbackTarget, unpinTarget } from "@/lib/services/deployments/commands";
import { buildNow, cancelBuild, rebuild } from "@/lib/services/builds/commands";
import {
  deleteInventoryEntity, saveApp, saveBuildRule, saveChannel, saveContext, saveDeploymentRule, saveHost, saveRegistry, saveRepository, saveSecret, saveTarget,
} from "@/lib/services/inventory/entities";
import { pinHostKeys } from "@/lib/services/inventory/hosts";
import { redeliver, rotateSigningSecret, sendTestEvent } from "@/lib/services/notifications/commands";
import { log } from "@/lib/log";
import { testRegistry } from "@/lib/services/inventory/checks";
import { MAX_CONFIG_BYTES } from "@/lib/config/yaml";
import { BODY_LIMITS } from "@/lib/http/body";
import { POST as devLoginPost } from "@/app/api/auth/dev-login/route";
import { PUT as rolePut } from "@/app/api/users/[id]/role/route";
import { GET as buildLogGet } from "@/app/api/builds/[id]/log.txt/route";
import { GET as deploymentLogGet } from "@/app/api/deployments/[id]/log.txt/route";
import { GET as artifactGet } from "@/app/api/releases/[id]/artifact/route";
import { GET as provenanceGet } from "@/app/api/releases/[id]/provenance/route";
import { GET as apiProvenanceGet } from "@/app/api/v1/releases/[id]/provenance/route";
import { GET as metricsGet } from "@/app/metrics/route";
import { GET as apiBuildGet } from "@/app/api/v1/builds/[id]/route";
import { POST as apiDeployPost } from "@/app/api/v1/targets/[id]/deploy/route";
import { POST as apiRejectPost } from "@/app/api/v1/approvals/[deploymentId]/reject/route";
import { POST as apiPromotePost } from "@/app/api/v1/releases/[id]/promote/route";
import { promoteRelease } from "@/lib/services/environments/promote";
import { GET as apiBuildsGet } from "@/app/api/v1/builds/route";
import { chunked, command, importYaml, job, request, route, signature, webhook, type Outcome } from "@/test/bad-input/edges";

export const KINDS = [
  "injection", "path traversal", "open redirect", "SSRF", "oversized body", "YAML bomb", "webhook", "hostile ref name",
  "malformed known_hosts", "invalid image reference", "IDOR", "job payload", "malformed private key",
] as const;
export type Kind = (typeof KINDS)[number];
export type Edge = "command" | "route" | "webhook" | "import" | "job";

/** One repository's chain of rows: what an IDOR case passes where another repository's belongs. */
export interface Side {
  repositoryId: string;
  buildRuleId: string;
  deploymentRuleId: string;
  targetId: string;
  releaseId: string;
  buildId: string;
  refId: string;
}

export interface Fixture {
  admin: Actor;
  operator: Actor;
  adminCookie: string;
  app: string;
  secret: string;
  /** a registered repository of the app (owner/name) */
  repo: string;
  hostId: string;
  contextId: string;
  registryId: string;
  userId: string;
  A: Side;
  B: Side;
  /** a delivery already received (ignored: its repository is not registered), for replays */
  replay: { id: string; body: string; signature: string };
  /** a valid "ssh-ed25519 AAAA…" public key */
  key: string;
  /** /api/v1 bearer tokens of the operator: deploy scope for every repository, and one limited to B's */
  apiToken: string;
  apiTokenB: string;
  /** a deployment of A's waiting for approval */
  pendingA: string;
}

export interface Case {
  kind: Kind;
  name: string;
  edge: Edge;
  run: (f: Fixture) => Promise<Outcome>;
  /** the status the sender gets */
  status: number;
  /** words the message must hold: the field or the problem, and what to do */
  says: RegExp;
}

// ─── /api/v1 with a bearer token ────────────────────────────────────────────────────────────────
type ApiHandler = (req: never, ctx: never) => Promise<Response>;
const api = (handler: unknown, method: string, path: string, params: Record<string, string>, tok: string, body?: string | ReadableStream<Uint8Array>) =>
  route(handler as ApiHandler as never, request(`/api/v1${path}`, { method, headers: { authorization: `Bearer ${tok}`, "content-type": "application/json" }, body, site: null }), params);

// ─── small builders ─────────────────────────────────────────────────────────────────────────────

const repoUrl = (url: string) => (f: Fixture) => command(saveRepository, f.admin, { repo: "plain-x", url });
const appRepoUrl = (url: string) => (f: Fixture) => command(saveRepository, f.admin, { repo: "tarides-test/other", app: f.app, url });
const build = (fields: Record<string, unknown>) => (f: Fixture) => command(saveBuildRule, f.admin, { repository_id: f.A.repositoryId, name: "x", ...fields });
const deployRule = (fields: Record<string, unknown>) => (f: Fixture) => command(saveDeploymentRule, f.admin, { build_rule_id: f.A.buildRuleId, branch: "staging", image: "127.0.0.1:5000/x:staging", ...fields });
const target = (fields: Record<string, unknown>) => (f: Fixture) => command(saveTarget, f.admin, { deployment_rule_id: f.A.deploymentRuleId, name: "t-new", context: "swarm1", service: "svc_new", ...fields });
const image = (ref: string) => deployRule({ image: ref });
const branch = (name: string) => deployRule({ branch: name });
const channel = (url: string) => (f: Fixture) => command(saveChannel, f.admin, { name: "ops", events: ["deployment.failed"], url });
const webhookChannel = (fields: Record<string, unknown>) => (f: Fixture) => command(saveChannel, f.admin, { name: "hook", kind: "webhook", events: ["deployment.failed"], url: "https://ci.example.org/slipway", ...fields });
const quiet = log.child({ test: "bad-input" });
const registry = (url: string) => (f: Fixture) => command(saveRegistry, f.admin, { name: "reg-x", url });
const knownHosts = (text: string | ((f: Fixture) => string)) => (f: Fixture) => command(pinHostKeys, f.admin, { host_id: f.hostId, known_hosts: typeof text === "string" ? text : text(f) });

/** A signed push to the fixture's repository whose ref is `ref`. */
const pushRef = (ref: string) => (f: Fixture) => {
  const body = JSON.stringify(pushPayload(f, { ref }));
  return webhook(f.app, body, { signature: signature(f.secret, body) });
};

export function pushPayload(f: Pick<Fixture, "repo">, over: Record<string, unknown> = {}): Record<string, unknown> {
  const [owner, name] = f.repo.split("/");
  return {
    ref: "refs/heads/main",
    before: "0".repeat(40),
    after: "1".repeat(40),
    created: true,
    deleted: false,
    forced: false,
    repository: { id: 4242, name, full_name: f.repo, private: false, owner: { login: owner } },
    pusher: { name: "octocat" },
    head_commit: { id: "1".repeat(40), message: "change" },
    ...over,
  };
}

const yamlApps = (body: string) => `version: 1\napps:\n${body}`;
/** A document whose nesting is `depth` flow sequences deep. */
const deepFlow = (depth: number) => `apps: ${"[".repeat(depth)}${"]".repeat(depth)}\n`;
const billionLaughs = () => {
  const lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"];
  for (let i = 1; i < 12; i++) lines.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill(`*${String.fromCharCode(96 + i)}`).join(", ")}]`);
  return lines.join("\n") + "\n";
};

const ROLE = (f: Fixture, body: string | ReadableStream<Uint8Array>, type = "application/json") =>
  route(rolePut as never, request(`/api/users/${f.userId}/role`, { method: "PUT", cookie: f.adminCookie, body, headers: { "content-type": type } }), { id: f.userId });

const devLogin = (form: Record<string, string>, site: string | null = "same-origin") =>
  route(devLoginPost as never, request("/api/auth/dev-login", { body: new URLSearchParams(form).toString(), headers: { "content-type": "application/x-www-form-urlencoded" }, site }), {});

const SQLI = "' OR '1'='1' --";

// ─── the table ──────────────────────────────────────────────────────────────────────────────────

export const cases: Case[] = [
  // injection: option, shell and SQL injection through names, URLs and ids
  { kind: "injection", name: "git URL with the ext:: remote helper", edge: "command", run: repoUrl("ext::sh -c touch% /tmp/pwned"), status: 400, says: /url: remote-helper transports such as ext:: are refused/ },
  { kind: "injection", name: "git URL that is an option (--upload-pack=)", edge: "command", run: repoUrl("--upload-pack=touch /tmp/pwned"), status: 400, says: /url: must not start with '-'/ },
  { kind: "injection", name: "ssh:// host that is an ssh option (-oProxyCommand)", edge: "command", run: repoUrl("ssh://-oProxyCommand=touch%20pwned/repo"), status: 400, says: /url: the host must not start with '-'/ },
  { kind: "injection", name: "scp-like git URL whose host is an option", edge: "command", run: repoUrl("git@-oProxyCommand.example:repo"), status: 400, says: /url: the host must not start with '-'/ },
  { kind: "injection", name: "git URL with a newline and a second option", edge: "command", run: repoUrl("https://git.example.org/a.git\n--upload-pack=x"), status: 400, says: /url: a git URL has no spaces or control characters/ },
  { kind: "injection", name: "host address that is an ssh option", edge: "command", run: (f) => command(saveHost, f.admin, { name: "evil", address: "-oProxyCommand=sh" }), status: 400, says: /address: address must not start with '-'/ },
  { kind: "injection", name: "ssh user with a shell command", edge: "command", run: (f) => command(saveHost, f.admin, { name: "evil", address: "203.0.113.9", user: "root;reboot" }), status: 400, says: /user: must be a user name such as root/ },
  { kind: "injection", name: "context name with a shell metacharacter", edge: "command", run: (f) => command(saveContext, f.admin, { name: "ctx$(id)", endpoint: "unix:///var/run/docker.sock" }), status: 400, says: /name: use letters, digits/ },
  { kind: "injection", name: "docker endpoint tcp:// with a command after it", edge: "command", run: (f) => command(saveContext, f.admin, { name: "ctx2", endpoint: "tcp://1.2.3.4:2375;id" }), status: 400, says: /endpoint: tcp:\/\/ endpoints are not supported: use ssh:\/\/user@host/ },
  { kind: "injection", name: "swarm service name with a shell command", edge: "command", run: target({ service: "web; docker rm -f db" }), status: 400, says: /service: use letters, digits, '_', '\.' and '-'/ },
  { kind: "injection", name: "systemd unit that is an option", edge: "command", run: (f) => command(saveTarget, f.admin, { deployment_rule_id: f.A.deploymentRuleId, name: "u1", host: "toxis", service: "www", restart: { method: "systemd", unit: "--no-block reboot.target" } }), status: 400, says: /restart\.unit: must be a systemd unit name/ },
  { kind: "injection", name: "build argument that is not NAME=value", edge: "command", run: build({ build_args: ["--network=host"] }), status: 400, says: /build_args\[0\]: must be NAME=value/ },
  { kind: "injection", name: "build argument with a newline", edge: "command", run: build({ build_args: ["A=1\nRUN curl evil"] }), status: 400, says: /build_args\[0\]: a build argument must be on one line/ },
  { kind: "injection", name: "SQL in a deployment id", edge: "command", run: (f) => command(approveDeployment, f.operator, { deploymentId: SQLI }), status: 400, says: /deploymentId: is not an id Slipway gave out .*; reload the page/ },
  { kind: "injection", name: "SQL in a user id (role API)", edge: "route", run: (f) => route(rolePut as never, request(`/api/users/${encodeURIComponent(SQLI)}/role`, { method: "PUT", cookie: f.adminCookie, body: '{"role":"admin"}', headers: { "content-type": "application/json" } }), { id: SQLI }), status: 400, says: /userId: is not an id Slipway gave out/ },
  { kind: "injection", name: "a NUL byte in a deployment id (PostgreSQL refuses it in a lookup)", edge: "command", run: (f) => command(approveDeployment, f.operator, { deploymentId: "abc\u0000" }), status: 400, says: /deploymentId: is not an id Slipway gave out/ },
  { kind: "injection", name: "a NUL byte in a user id (role API)", edge: "route", run: (f) => route(rolePut as never, request("/api/users/a%00b/role", { method: "PUT", cookie: f.adminCookie, body: '{"role":"admin"}', headers: { "content-type": "application/json" } }), { id: "a\u0000b" }), status: 400, says: /userId: is not an id Slipway gave out/ },
  { kind: "injection", name: "a NUL byte in the id of a host being edited", edge: "command", run: (f) => command(saveHost, f.admin, { id: "a\u0000b", name: "toxis", address: "127.0.0.1" }), status: 400, says: /^id: is not an id Slipway gave out/ },
  { kind: "injection", name: "a NUL byte in the id of an entity being deleted", edge: "command", run: (f) => command(deleteInventoryEntity, f.admin, { kind: "host", id: "a\u0000b" }), status: 400, says: /^id: is not an id Slipway gave out/ },
  { kind: "injection", name: "a NUL byte in a repository-scoped secret's repository", edge: "command", run: (f) => command(saveSecret, f.admin, { name: "tok", scope: "repository", repo: "repo-a\u0000", value: "x" }), status: 400, says: /^repo: must be on one line/ },
  { kind: "injection", name: "a NUL byte in a build log's id", edge: "route", run: (f) => route(buildLogGet as never, request("/api/builds/a%00b/log.txt", { method: "GET", cookie: f.adminCookie }), { id: "a\u0000b" }), status: 404, says: /There is no build with id/ },
  { kind: "injection", name: "a NUL byte in a deployment log's id", edge: "route", run: (f) => route(deploymentLogGet as never, request("/api/deployments/a%00b/log.txt", { method: "GET", cookie: f.adminCookie }), { id: "a\u0000b" }), status: 404, says: /There is no deployment with id/ },
  { kind: "injection", name: "a NUL byte in a release artifact's id", edge: "route", run: (f) => route(artifactGet as never, request("/api/releases/a%00b/artifact", { method: "GET", cookie: f.adminCookie }), { id: "a\u0000b" }), status: 400, says: /releaseId: is not an id Slipway gave out/ },
  { kind: "injection", name: "a NUL byte in a build secret's value", edge: "command", run: (f) => command(saveSecret, f.admin, { name: "tok-nul", scope: "global", value: "abc\u0000def" }), status: 400, says: /^value: must not contain a NUL byte/ },
  { kind: "injection", name: "a NUL byte in a registry password", edge: "command", run: (f) => command(saveRegistry, f.admin, { name: "reg-nul", url: "registry.example.com", username: "u", password: "pass\u0000word" }), status: 400, says: /^password: must not contain a NUL byte/ },
  { kind: "malformed private key", name: "a GitHub App key with the right header and a garbled body", edge: "command", run: (f) => command(saveApp, f.admin, { name: "garbled-app", private_key: "-----BEGIN RSA PRIVATE KEY-----\nbm90IGEga2V5\n-----END RSA PRIVATE KEY-----" }), status: 400, says: /^private_key: this \.pem cannot be used: its contents are not a readable key/ },
  { kind: "malformed private key", name: "a GitHub App key that is an EC key", edge: "command", run: (f) => command(saveApp, f.admin, { name: "ec-app", private_key: generateKeyPairSync("ec", { namedCurve: "P-256", publicKeyEncoding: { type: "spki", format: "pem" }, privateKeyEncoding: { type: "pkcs8", format: "pem" } }).privateKey.trim() }), status: 400, says: /^private_key: this key is of type ec, not RSA/ },
  { kind: "malformed private key", name: "a GitHub App key encrypted with a passphrase", edge: "command", run: (f) => command(saveApp, f.admin, { name: "enc-app", private_key: generateKeyPairSync("rsa", { modulusLength: 2048, publicKeyEncoding: { type: "spki", format: "pem" }, privateKeyEncoding: { type: "pkcs1", format: "pem", cipher: "aes-256-cbc", passphrase: "secret" } }).privateKey.trim() }), status: 400, says: /^private_key: this \.pem cannot be used: it is encrypted with a passphrase/ },
  { kind: "malformed private key", name: "a GitHub App key of 1024 bits", edge: "command", run: (f) => command(saveApp, f.admin, { name: "short-app", private_key: generateKeyPairSync("rsa", { modulusLength: 1024, publicKeyEncoding: { type: "spki", format: "pem" }, privateKeyEncoding: { type: "pkcs1", format: "pem" } }).privateKey.trim() }), status: 400, says: /^private_key: this RSA key has 1024 bits; GitHub requires at least 2048/ },
  { kind: "malformed private key", name: "an OpenSSH key pasted as the GitHub App key", edge: "command", run: (f) => command(saveApp, f.admin, { name: "ssh-app", private_key: "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----" }), status: 400, says: /^private_key: paste the whole \.pem file GitHub gave you/ },
  { kind: "injection", name: "/metrics with a loopback address forged before the real one in X-Forwarded-For", edge: "route", run: () => route(metricsGet as never, request("/metrics", { method: "GET", headers: { "x-forwarded-for": "127.0.0.1, 203.0.113.9" } }), {}), status: 403, says: /^Metrics are not served to 203\.0\.113\.9: add the address .* to SLIPWAY_METRICS_ALLOW/ },
  { kind: "injection", name: "/metrics with a made-up bearer token when none is configured", edge: "route", run: () => route(metricsGet as never, request("/metrics", { method: "GET", headers: { "x-forwarded-for": "203.0.113.9", authorization: "Bearer ' OR 1=1 --" } }), {}), status: 403, says: /Metrics are not served to 203\.0\.113\.9/ },
  { kind: "injection", name: "compose project with a path", edge: "command", run: target({ compose_project: "../../etc" }), status: 400, says: /compose_project: a compose project name has lowercase letters/ },

  // path traversal: files in the repository, paths on hosts, ids in URLs
  { kind: "path traversal", name: "Dockerfile outside the repository (..)", edge: "command", run: build({ dockerfile: "../../etc/passwd" }), status: 400, says: /dockerfile: path must stay inside the repository/ },
  { kind: "path traversal", name: "Dockerfile at an absolute path", edge: "command", run: build({ dockerfile: "/etc/shadow" }), status: 400, says: /dockerfile: path must be relative to the repository/ },
  { kind: "path traversal", name: "build context escaping after a directory", edge: "command", run: build({ context: "docker/../../.." }), status: 400, says: /context: path must stay inside the repository/ },
  { kind: "path traversal", name: "Dockerfile with backslashes", edge: "command", run: build({ dockerfile: "..\\..\\windows\\win.ini" }), status: 400, says: /dockerfile: path uses '\/' between directories/ },
  { kind: "path traversal", name: "Dockerfile with a NUL byte", edge: "command", run: build({ dockerfile: "Dockerfile\u0000.txt" }), status: 400, says: /dockerfile: path must not contain control characters/ },
  { kind: "path traversal", name: "unikernel dir with ..", edge: "command", run: (f) => command(saveTarget, f.admin, { deployment_rule_id: f.A.deploymentRuleId, name: "u2", host: "toxis", service: "www", dir: "/var/lib/../../etc" }), status: 400, says: /dir: path must not contain '\.\.'/ },
  { kind: "path traversal", name: "artifact repository under another user's home", edge: "command", run: (f) => command(saveTarget, f.admin, { deployment_rule_id: f.A.deploymentRuleId, name: "u3", host: "toxis", service: "www", artifact_repo: "~root/.ssh" }), status: 400, says: /artifact_repo: path may start with ~\/ .* not ~user/ },
  { kind: "path traversal", name: "a build secret named like a path", edge: "command", run: build({ build_secrets: ["../../id_rsa"] }), status: 400, says: /build_secrets\[0\]: use letters, digits/ },
  { kind: "path traversal", name: "build log of an id that is a path", edge: "route", run: (f) => route(buildLogGet as never, request("/api/builds/..%2F..%2Fetc%2Fpasswd/log.txt", { method: "GET", cookie: f.adminCookie }), { id: "../../etc/passwd" }), status: 404, says: /There is no build with id \.\.\/\.\.\/etc\/passwd/ },
  { kind: "path traversal", name: "release artifact of an id that is a path", edge: "route", run: (f) => route(artifactGet as never, request("/api/releases/..%2F..%2Froot/artifact", { method: "GET", cookie: f.adminCookie }), { id: "../../root" }), status: 400, says: /releaseId: is not an id Slipway gave out/ },
  { kind: "path traversal", name: "release provenance of an id that is a path", edge: "route", run: (f) => route(provenanceGet as never, request("/api/releases/..%2F..%2Froot/provenance", { method: "GET", cookie: f.adminCookie }), { id: "../../root" }), status: 400, says: /releaseId: is not an id Slipway gave out/ },
  { kind: "injection", name: "a NUL byte in a release provenance's id", edge: "route", run: (f) => route(provenanceGet as never, request("/api/releases/a%00b/provenance", { method: "GET", cookie: f.adminCookie }), { id: "a\u0000b" }), status: 400, says: /releaseId: is not an id Slipway gave out/ },
  { kind: "injection", name: "allow_unsigned that is not a boolean", edge: "command", run: (f) => command(saveTarget, f.admin, { deployment_rule_id: f.A.deploymentRuleId, name: "u-unsigned", context: "swarm1", service: "web-unsigned", allow_unsigned: "sometimes" }), status: 400, says: /allow_unsigned: must be true or false/ },

  // open redirect: a sign-in that would leave the site is refused, or lands on the console's own page
  { kind: "open redirect", name: "cross-site dev login with an off-site callbackUrl", edge: "route", run: () => devLogin({ login: "mallory", callbackUrl: "https://evil.example/" }, "cross-site"), status: 403, says: /Cross-site request refused; sign in from the console's own login page/ },
  { kind: "open redirect", name: "dev login without Sec-Fetch-Site or Origin, //evil.example", edge: "route", run: () => devLogin({ login: "mallory", callbackUrl: "//evil.example" }, null), status: 403, says: /Cross-site request refused/ },
  { kind: "open redirect", name: "invalid login with /\\evil.example: back to the login page", edge: "route", run: () => devLogin({ login: "-bad-", callbackUrl: "/\\evil.example" }), status: 303, says: /^http:\/\/127\.0\.0\.1:3420\/login\?error=DevLoginInvalid$/ },
  { kind: "open redirect", name: "invalid role with javascript: callbackUrl", edge: "route", run: () => devLogin({ login: "mallory", role: "root", callbackUrl: "javascript:alert(1)" }), status: 303, says: /^http:\/\/127\.0\.0\.1:3420\/login\?error=DevLoginInvalid$/ },
  { kind: "open redirect", name: "invalid login with a tab-smuggled //evil.example", edge: "route", run: () => devLogin({ login: "a b", callbackUrl: "/\t/evil.example" }), status: 303, says: /^http:\/\/127\.0\.0\.1:3420\/login\?error=DevLoginInvalid$/ },

  // SSRF: URLs Slipway fetches from the console or the workers
  { kind: "SSRF", name: "health URL at the cloud metadata address", edge: "command", run: target({ health_url: "http://169.254.169.254/latest/meta-data/iam/security-credentials/" }), status: 400, says: /health_url: must not name a link-local or cloud metadata address/ },
  { kind: "SSRF", name: "health URL at metadata.google.internal", edge: "command", run: target({ health_url: "http://metadata.google.internal/computeMetadata/v1/" }), status: 400, says: /health_url: must not name a link-local or cloud metadata address/ },
  { kind: "SSRF", name: "health URL at the metadata address written as a decimal number", edge: "command", run: target({ health_url: "http://2852039166/latest/" }), status: 400, says: /health_url: must not name a link-local/ },
  { kind: "SSRF", name: "health URL at an IPv4-mapped IPv6 metadata address", edge: "command", run: target({ health_url: "http://[::ffff:169.254.169.254]/" }), status: 400, says: /health_url: must not name a link-local/ },
  { kind: "SSRF", name: "health URL at an IPv6 link-local address", edge: "command", run: target({ health_url: "http://[fe80::1]/healthz" }), status: 400, says: /health_url: must not name a link-local/ },
  { kind: "SSRF", name: "health URL with file:", edge: "command", run: target({ health_url: "file:///etc/passwd" }), status: 400, says: /health_url: must be an http:\/\/ or https:\/\/ URL/ },
  { kind: "SSRF", name: "health URL with gopher: to a local Redis", edge: "command", run: target({ health_url: "gopher://127.0.0.1:6379/_FLUSHALL" }), status: 400, says: /health_url: must be an http:\/\/ or https:\/\/ URL/ },
  { kind: "SSRF", name: "an environment's check URL at the cloud metadata address", edge: "command", run: deployRule({ environments: [{ name: "staging", checks: ["http://169.254.169.254/latest/meta-data/"] }] }), status: 400, says: /environments\[0\]\.checks\[0\]: must not name a link-local or cloud metadata address/ },
  { kind: "SSRF", name: "an environment's check URL with file:", edge: "command", run: deployRule({ environments: [{ name: "staging", checks: ["file:///etc/passwd"] }] }), status: 400, says: /environments\[0\]\.checks\[0\]: must be an http:\/\/ or https:\/\/ URL/ },
  { kind: "SSRF", name: "Slack webhook over plain http to another host", edge: "command", run: channel("http://hooks.slack.com.evil.example/services/T/B/x"), status: 400, says: /url: must be an https:\/\/ URL: the URL is the channel's credential/ },
  { kind: "SSRF", name: "Slack webhook at the metadata address", edge: "command", run: channel("https://169.254.169.254/latest/meta-data/"), status: 400, says: /url: must not name a link-local or cloud metadata address/ },
  { kind: "SSRF", name: "Slack webhook with file:", edge: "command", run: channel("file:///etc/passwd"), status: 400, says: /url: must be the incoming-webhook URL Slack gave you/ },
  { kind: "SSRF", name: "Slack webhook with gopher:", edge: "command", run: channel("gopher://127.0.0.1:11211/_stats"), status: 400, says: /url: must be the incoming-webhook URL Slack gave you/ },
  { kind: "SSRF", name: "webhook channel over plain http to another host", edge: "command", run: webhookChannel({ url: "http://ci.example.org/slipway" }), status: 400, says: /url: must be an https:\/\/ URL/ },
  { kind: "SSRF", name: "webhook channel at the metadata address", edge: "command", run: webhookChannel({ url: "https://169.254.169.254/latest/meta-data/" }), status: 400, says: /url: must not name a link-local or cloud metadata address/ },
  { kind: "SSRF", name: "webhook channel URL with a user and password", edge: "command", run: webhookChannel({ url: "https://user:pw@ci.example.org/slipway" }), status: 400, says: /url: must not carry a user or password/ },
  { kind: "SSRF", name: "webhook channel with file:", edge: "command", run: webhookChannel({ url: "file:///etc/passwd" }), status: 400, says: /url: must be the https:\/\/ URL of the endpoint/ },
  { kind: "injection", name: "webhook channel filter with a repository name holding a newline and a shell", edge: "command", run: webhookChannel({ repositories: ["acme/site$(id)"] }), status: 400, says: /repositories\[0\]: must be a repository's name as Slipway lists it/ },
  { kind: "injection", name: "webhook channel with an unknown kind", edge: "command", run: webhookChannel({ kind: "email" }), status: 400, says: /kind: must be slack or webhook/ },
  { kind: "SSRF", name: "registry at the metadata address", edge: "command", run: registry("169.254.169.254"), status: 400, says: /url: must not name a link-local or cloud metadata address/ },
  { kind: "SSRF", name: "registry at an IPv6 link-local address", edge: "command", run: registry("http://[fe80::1]:5000"), status: 400, says: /url: must not name a link-local/ },
  { kind: "SSRF", name: "registry as a file: URL", edge: "command", run: registry("file:///var/run/docker.sock"), status: 400, says: /url: must be a registry host\[:port\]/ },
  { kind: "SSRF", name: "git URL at the metadata address", edge: "command", run: repoUrl("http://169.254.169.254/latest/meta-data.git"), status: 400, says: /url: the host must not name a link-local or cloud metadata address/ },
  { kind: "SSRF", name: "scp-like git URL at the metadata address", edge: "command", run: repoUrl("git@169.254.169.254:repo.git"), status: 400, says: /url: the host must not name a link-local/ },
  { kind: "SSRF", name: "git URL with gopher:", edge: "command", run: repoUrl("gopher://127.0.0.1:25/x"), status: 400, says: /url: the gopher:\/\/ scheme is not supported/ },
  { kind: "SSRF", name: "file:// git URL for a repository a webhook drives", edge: "command", run: appRepoUrl("file:///etc"), status: 400, says: /url: file:\/\/ URLs are only for repositories polled by URL/ },
  { kind: "SSRF", name: "GitHub API URL over plain http to another host", edge: "command", run: (f) => command(saveApp, f.admin, { name: "evil-app", api_url: "http://api.github.com.evil.example" }), status: 400, says: /api_url: must be an https:\/\/ URL: the app's credentials are sent to it/ },
  { kind: "SSRF", name: "GitHub API URL at the metadata address", edge: "command", run: (f) => command(saveApp, f.admin, { name: "evil-app", api_url: "https://169.254.169.254/" }), status: 400, says: /api_url: must not name a link-local/ },

  // oversized and chunked bodies
  { kind: "oversized body", name: "API: deploy body past the JSON limit", edge: "route", run: (f) => api(apiDeployPost, "POST", `/targets/${f.A.targetId}/deploy`, { id: f.A.targetId }, f.apiToken, `{"releaseId":"${"a".repeat(BODY_LIMITS.json)}"}`), status: 413, says: /"payload_too_large".*larger than 64 KiB/ },
  { kind: "oversized body", name: "API: chunked deploy body with no length past the limit", edge: "route", run: (f) => api(apiDeployPost, "POST", `/targets/${f.A.targetId}/deploy`, { id: f.A.targetId }, f.apiToken, chunked(BODY_LIMITS.json * 4, 8 * 1024)), status: 413, says: /"payload_too_large".*larger than 64 KiB/ },
  { kind: "injection", name: "API: SQL in a build id", edge: "route", run: (f) => api(apiBuildGet, "GET", "/builds/x", { id: "1' OR '1'='1" }, f.apiToken), status: 422, says: /"validation_failed".*"path":"id".*is not an id Slipway gave out/ },
  { kind: "injection", name: "API: a NUL byte in a release id of a deploy", edge: "route", run: (f) => api(apiDeployPost, "POST", `/targets/${f.A.targetId}/deploy`, { id: f.A.targetId }, f.apiToken, JSON.stringify({ releaseId: "a\u0000b" })), status: 422, says: /"path":"releaseId".*is not an id Slipway gave out/ },
  { kind: "injection", name: "API: a shell command in a commit filter", edge: "route", run: (f) => api(apiBuildsGet, "GET", "/builds?commit=$(id)", {}, f.apiToken), status: 422, says: /"path":"commit".*must be a commit sha/ },
  { kind: "oversized body", name: "role API: Content-Length past the JSON limit", edge: "route", run: (f) => ROLE(f, `{"role":"admin","pad":"${"a".repeat(BODY_LIMITS.json)}"}`), status: 413, says: /the request body is larger than 64 KiB; send less/ },
  { kind: "oversized body", name: "role API: chunked body with no length past the limit", edge: "route", run: (f) => ROLE(f, chunked(BODY_LIMITS.json * 4, 8 * 1024)), status: 413, says: /the request body is larger than 64 KiB; send less/ },
  { kind: "oversized body", name: "role API: body that is not JSON", edge: "route", run: (f) => ROLE(f, "role=admin"), status: 400, says: /the request body is not valid JSON/ },
  { kind: "oversized body", name: "role API: a JSON array", edge: "route", run: (f) => ROLE(f, '["admin"]'), status: 400, says: /the request body must be a JSON object/ },
  { kind: "oversized body", name: "role API: an unknown role", edge: "route", run: (f) => ROLE(f, '{"role":"root"}'), status: 400, says: /role must be viewer, operator or admin/ },
  { kind: "oversized body", name: "import: chunked slipway.yml past 2 MiB", edge: "import", run: (f) => importYaml(f.adminCookie, chunked(MAX_CONFIG_BYTES + 256 * 1024, 64 * 1024, "#")), status: 413, says: /slipway\.yml is larger than 2 MiB; send less/ },
  { kind: "oversized body", name: "import: Content-Length past 2 MiB", edge: "import", run: (f) => importYaml(f.adminCookie, "#".repeat(MAX_CONFIG_BYTES + 1)), status: 413, says: /slipway\.yml is larger than 2 MiB; send less/ },
  { kind: "oversized body", name: "import: JSON content type", edge: "import", run: (f) => importYaml(f.adminCookie, '{"apps":[]}', "application/json"), status: 415, says: /Send slipway\.yml as the request body with Content-Type: text\/yaml/ },
  { kind: "oversized body", name: "import: empty body", edge: "import", run: (f) => importYaml(f.adminCookie, "  \n"), status: 400, says: /the request body is empty; send the contents of slipway\.yml/ },

  // YAML bombs and hostile documents into the inventory import
  { kind: "YAML bomb", name: "billion laughs (nested aliases)", edge: "import", run: (f) => importYaml(f.adminCookie, billionLaughs()), status: 400, says: /line 12, column \d+: YAML: more than 100 aliases \(\*name\); slipway\.yml needs none/ },
  { kind: "YAML bomb", name: "a few aliases that expand to millions of values", edge: "import", run: (f) => importYaml(f.adminCookie, "a: &a [x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"), status: 400, says: /YAML: aliases expand to more than 200,000 values \(this alias alone stands for [\d,]+, at line 5/ },
  { kind: "YAML bomb", name: "flow sequences nested 10,000 deep", edge: "import", run: (f) => importYaml(f.adminCookie, deepFlow(10_000)), status: 400, says: /nested more than 64 levels deep/ },
  { kind: "YAML bomb", name: "block mappings nested 200 deep", edge: "import", run: (f) => importYaml(f.adminCookie, Array.from({ length: 200 }, (_, i) => `${" ".repeat(i)}k${i}:`).join("\n") + " x\n"), status: 400, says: /nested more than 64 levels deep/ },
  { kind: "YAML bomb", name: "300,000 values under 2 MiB", edge: "import", run: (f) => importYaml(f.adminCookie, `apps: [${Array(300_000).fill("1").join(",")}]\n`), status: 400, says: /line 1, column \d+: YAML: more than 200,000 values; slipway\.yml holds a few hundred/ },
  { kind: "YAML bomb", name: "a merge-key alias bomb", edge: "import", run: (f) => importYaml(f.adminCookie, `a: &a {${Array.from({ length: 50 }, (_, i) => `k${i}: v`).join(", ")}}\n` + Array.from({ length: 120 }, (_, i) => `m${i}: {<<: *a}`).join("\n") + "\n"), status: 400, says: /YAML: more than 100 aliases/ },
  { kind: "YAML bomb", name: "a recursive alias (an anchor inside itself)", edge: "import", run: (f) => importYaml(f.adminCookie, "apps: &a\n  - *a\n"), status: 400, says: /^apps\[0\]: .*expected object/ },
  { kind: "YAML bomb", name: "language-specific tags (!!js/function, !!python/object)", edge: "import", run: (f) => importYaml(f.adminCookie, yamlApps("  - name: !!js/function 'function(){return process.exit()}'\n  - name: !!python/object/apply:os.system ['id']\n")), status: 400, says: /apps\[0\]\.name: use letters, digits.*apps\[1\]\.name: is required/ },
  { kind: "YAML bomb", name: "two documents in one file", edge: "import", run: (f) => importYaml(f.adminCookie, "apps: []\n---\napps: [{name: x}]\n"), status: 400, says: /YAML: slipway\.yml is one YAML document; remove the '---' line/ },
  { kind: "YAML bomb", name: "an app name of 1 MiB", edge: "import", run: (f) => importYaml(f.adminCookie, yamlApps(`  - name: ${"a".repeat(1024 * 1024)}\n`)), status: 400, says: /apps\[0\]\.name: has at most 63 characters/ },

  // webhooks: forged, replayed, truncated, wrong type, huge, chunked
  { kind: "webhook", name: "no signature", edge: "webhook", run: (f) => webhook(f.app, JSON.stringify(pushPayload(f)), { signature: null }), status: 401, says: /X-Hub-Signature-256 is missing or does not match the app's webhook secret/ },
  { kind: "webhook", name: "signed with another secret", edge: "webhook", run: (f) => { const b = JSON.stringify(pushPayload(f)); return webhook(f.app, b, { signature: signature("guessed-secret-0123456789", b) }); }, status: 401, says: /X-Hub-Signature-256 is missing or does not match/ },
  { kind: "webhook", name: "only the old SHA-1 X-Hub-Signature", edge: "webhook", run: (f) => { const b = JSON.stringify(pushPayload(f)); return webhook(f.app, b, { signature: null, headers: { "x-hub-signature": "sha1=" + "0".repeat(40) } }); }, status: 401, says: /X-Hub-Signature-256 is missing/ },
  { kind: "webhook", name: "body changed after signing (another branch)", edge: "webhook", run: (f) => { const b = JSON.stringify(pushPayload(f)); return webhook(f.app, b.replace("refs/heads/main", "refs/heads/live"), { signature: signature(f.secret, b) }); }, status: 401, says: /does not match the app's webhook secret/ },
  { kind: "webhook", name: "signature truncated to half", edge: "webhook", run: (f) => { const b = JSON.stringify(pushPayload(f)); return webhook(f.app, b, { signature: signature(f.secret, b).slice(0, 39) }); }, status: 401, says: /does not match/ },
  { kind: "webhook", name: "body truncated in transit (signature of the whole)", edge: "webhook", run: (f) => { const b = JSON.stringify(pushPayload(f)); return webhook(f.app, b.slice(0, b.length - 20), { signature: signature(f.secret, b) }); }, status: 401, says: /does not match/ },
  { kind: "webhook", name: "truncated body signed as sent (not JSON)", edge: "webhook", run: (f) => { const b = JSON.stringify(pushPayload(f)).slice(0, 100); return webhook(f.app, b, { signature: signature(f.secret, b) }); }, status: 400, says: /^the body is not valid JSON$/ },
  { kind: "webhook", name: "form-encoded delivery (content type application/x-www-form-urlencoded)", edge: "webhook", run: (f) => { const b = new URLSearchParams({ payload: JSON.stringify(pushPayload(f)) }).toString(); return webhook(f.app, b, { type: "application/x-www-form-urlencoded", signature: signature(f.secret, b) }); }, status: 400, says: /the body is form-encoded \(payload=…\); set the webhook's Content type to application\/json/ },
  { kind: "webhook", name: "a JSON array, signed", edge: "webhook", run: (f) => webhook(f.app, "[1,2]", { signature: signature(f.secret, "[1,2]") }), status: 400, says: /^the body is not a JSON object$/ },
  { kind: "webhook", name: "Content-Length past the limit", edge: "webhook", run: (f) => { const b = " ".repeat(26 * 1024 * 1024); return webhook(f.app, b, { signature: signature(f.secret, b) }); }, status: 413, says: /payload is larger than \d+ bytes/ },
  { kind: "webhook", name: "chunked body with no length past the limit", edge: "webhook", run: (f) => webhook(f.app, chunked(26 * 1024 * 1024, 256 * 1024, " "), { signature: "sha256=" + "0".repeat(64) }), status: 413, says: /payload is larger than \d+ bytes/ },
  { kind: "webhook", name: "no X-GitHub-Event", edge: "webhook", run: (f) => { const b = JSON.stringify(pushPayload(f)); return webhook(f.app, b, { event: null, signature: signature(f.secret, b) }); }, status: 400, says: /X-GitHub-Delivery and X-GitHub-Event headers are required/ },
  { kind: "webhook", name: "delivery id with spaces and quotes", edge: "webhook", run: (f) => { const b = JSON.stringify(pushPayload(f)); return webhook(f.app, b, { id: "x' OR 1=1 --", signature: signature(f.secret, b) }); }, status: 400, says: /is not a GitHub delivery id or event name/ },
  { kind: "webhook", name: "app name that is a path", edge: "webhook", run: (f) => { const b = JSON.stringify(pushPayload(f)); return webhook("../../etc", b, { signature: signature(f.secret, b) }); }, status: 404, says: /no GitHub app of that name is registered in Slipway; check the webhook URL/ },
  { kind: "webhook", name: "replayed delivery id with a changed body and the old signature", edge: "webhook", run: (f) => webhook(f.app, f.replay.body.replace("}", ',"x":1}'), { id: f.replay.id, signature: f.replay.signature }), status: 401, says: /does not match/ },
  { kind: "webhook", name: "replayed delivery, unchanged: recorded once, answered as a duplicate", edge: "webhook", run: (f) => webhook(f.app, f.replay.body, { id: f.replay.id, signature: f.replay.signature }), status: 200, says: /"duplicate":true/ },

  // hostile ref names: in the forms and in signed webhooks
  { kind: "hostile ref name", name: "deploy branch that is a git option", edge: "command", run: branch("--upload-pack=touch /tmp/x"), status: 400, says: /branch: branch name must not start with '-' \(git would read it as an option\)/ },
  { kind: "hostile ref name", name: "deploy branch written as refs/heads/…", edge: "command", run: branch("refs/heads/live"), status: 400, says: /branch: branch name is the branch name alone, without refs\/heads\// },
  { kind: "hostile ref name", name: "deploy branch with a reflog selector @{1}", edge: "command", run: branch("live@{1}"), status: 400, says: /branch: branch name must not contain '@\{'/ },
  { kind: "hostile ref name", name: "deploy branch with ~ and ^", edge: "command", run: branch("live~1^2"), status: 400, says: /branch: branch name must not contain spaces, control characters or any of/ },
  { kind: "hostile ref name", name: "default branch with a part starting with '.'", edge: "command", run: (f) => command(saveRepository, f.admin, { repo: "plain-y", url: "https://git.example.org/y.git", default_branch: "feature/.git" }), status: 400, says: /default_branch: branch name must not have a part starting with '\.'/ },
  { kind: "hostile ref name", name: "artifact branch '@'", edge: "command", run: (f) => command(saveTarget, f.admin, { deployment_rule_id: f.A.deploymentRuleId, name: "u4", host: "toxis", service: "www", artifact_repo: "/srv/git/a.git", branch: "@" }), status: 400, says: /branch: branch name must not be '@'/ },
  { kind: "hostile ref name", name: "pushed branch that is a git option", edge: "webhook", run: pushRef("refs/heads/--upload-pack=x"), status: 400, says: /push payload has fields Slipway cannot take: ref \(/ },
  { kind: "hostile ref name", name: "pushed branch with @{0}", edge: "webhook", run: pushRef("refs/heads/main@{0}"), status: 400, says: /cannot take: ref \(/ },
  { kind: "hostile ref name", name: "pushed branch with a colon (refspec)", edge: "webhook", run: pushRef("refs/heads/a:refs/heads/b"), status: 400, says: /cannot take: ref \(/ },
  { kind: "hostile ref name", name: "pushed branch of 300 characters", edge: "webhook", run: pushRef(`refs/heads/${"b".repeat(300)}`), status: 400, says: /cannot take: ref \(/ },

  // malformed known_hosts pasted for a host
  { kind: "malformed known_hosts", name: "a line that is no key", edge: "command", run: knownHosts("hello world"), status: 400, says: /known_hosts: line 1: "world" is not an SSH key type; expected 'HOST ALGORITHM KEY'/ },
  { kind: "malformed known_hosts", name: "an unknown key type", edge: "command", run: knownHosts((f) => `[127.0.0.1]:2222 ssh-foo ${f.key.split(" ")[1]}`), status: 400, says: /known_hosts: line 1: .*ssh-foo/ },
  { kind: "malformed known_hosts", name: "key that is not base64", edge: "command", run: knownHosts("[127.0.0.1]:2222 ssh-ed25519 !!!notbase64!!!"), status: 400, says: /known_hosts: line 1: .*base64/ },
  { kind: "malformed known_hosts", name: "a truncated key", edge: "command", run: knownHosts((f) => `[127.0.0.1]:2222 ${f.key.slice(0, 40)}`), status: 400, says: /known_hosts: line 1: the ssh-ed25519 key data is truncated or malformed/ },
  { kind: "malformed known_hosts", name: "ssh-rsa label on an ed25519 key", edge: "command", run: knownHosts((f) => `[127.0.0.1]:2222 ssh-rsa ${f.key.split(" ")[1]}`), status: 400, says: /known_hosts: line 1: the line says ssh-rsa but the key data says ssh-ed25519; copy the whole line again/ },
  { kind: "malformed known_hosts", name: "a line for another host", edge: "command", run: knownHosts((f) => `other.example.org ${f.key}`), status: 400, says: /known_hosts: line 1: is for other\.example\.org, not 127\.0\.0\.1:2222/ },
  { kind: "malformed known_hosts", name: "a hashed line with a broken hash", edge: "command", run: knownHosts((f) => `|1|notbase64|alsonot ${f.key}`), status: 400, says: /known_hosts: line 1: the hashed host name .* is malformed \(expected \|1\|salt\|hash/ },
  { kind: "malformed known_hosts", name: "@revoked marker", edge: "command", run: knownHosts((f) => `@revoked [127.0.0.1]:2222 ${f.key}`), status: 400, says: /known_hosts: line 1: @revoked lines are not supported; leave the line out/ },
  { kind: "malformed known_hosts", name: "a good line and a bad one: nothing pinned", edge: "command", run: knownHosts((f) => `[127.0.0.1]:2222 ${f.key}\ngarbage`), status: 400, says: /known_hosts: line 2: expected 'HOST ALGORITHM KEY' or 'ALGORITHM KEY', found only "garbage"/ },
  { kind: "malformed known_hosts", name: "pasted text past 64 KiB", edge: "command", run: knownHosts((f) => `127.0.0.1 ${f.key}\n`.repeat(1200)), status: 400, says: /known_hosts: is too long/ },

  // invalid image references
  { kind: "invalid image reference", name: "no tag", edge: "command", run: image("127.0.0.1:5000/app"), status: 400, says: /image: image needs a tag, e\.g\./ },
  { kind: "invalid image reference", name: "a digest instead of a tag", edge: "command", run: image(`127.0.0.1:5000/app@sha256:${"a".repeat(64)}`), status: 400, says: /image: image names the tag to publish, not a digest/ },
  { kind: "invalid image reference", name: "upper-case repository", edge: "command", run: image("ocurrent/Base-Images:live"), status: 400, says: /image: image repository 'ocurrent\/Base-Images' must be lowercase/ },
  { kind: "invalid image reference", name: "tag starting with '-'", edge: "command", run: image("ocurrent/base:-rm"), status: 400, says: /image: image tag '-rm' must be letters, digits/ },
  { kind: "invalid image reference", name: "a space and a shell command in the tag", edge: "command", run: image("ocurrent/base:live;rm -rf /"), status: 400, says: /image: image must not contain ';': use letters, digits/ },
  { kind: "invalid image reference", name: "empty path component (a//b)", edge: "command", run: image("registry.example.org//b:live"), status: 400, says: /image: image repository/ },
  { kind: "invalid image reference", name: "registry host starting with '-'", edge: "command", run: image("-reg.example.org:5000/app:live"), status: 400, says: /image: image (registry|repository)/ },
  { kind: "invalid image reference", name: "a reference of 600 characters", edge: "command", run: image(`reg.example.org/${"a".repeat(600)}:live`), status: 400, says: /image: image is too long/ },

  // IDOR: ids of another repository's (or another kind's) rows where a form expects its own
  { kind: "IDOR", name: "API: a token limited to B reads A's build", edge: "route", run: (f) => api(apiBuildGet, "GET", `/builds/${f.A.buildId}`, { id: f.A.buildId }, f.apiTokenB), status: 404, says: /"not_found".*There is no build with id .* that this token can reach/ },
  { kind: "IDOR", name: "API: a token limited to B reads A's release provenance", edge: "route", run: (f) => api(apiProvenanceGet, "GET", `/releases/${f.A.releaseId}/provenance`, { id: f.A.releaseId }, f.apiTokenB), status: 404, says: /"not_found".*There is no release with id .* that this token can reach/ },
  { kind: "IDOR", name: "API: a token limited to B deploys to A's target", edge: "route", run: (f) => api(apiDeployPost, "POST", `/targets/${f.A.targetId}/deploy`, { id: f.A.targetId }, f.apiTokenB, JSON.stringify({ releaseId: f.A.releaseId })), status: 403, says: /"forbidden".*limited to some repositories.*belongs to another one/ },
  { kind: "IDOR", name: "API: a token limited to B rejects A's deployment", edge: "route", run: (f) => api(apiRejectPost, "POST", `/approvals/${f.pendingA}/reject`, { deploymentId: f.pendingA }, f.apiTokenB, "{}"), status: 403, says: /"forbidden".*limited to some repositories/ },
  { kind: "IDOR", name: "API: deploy A's release to B's target", edge: "route", run: (f) => api(apiDeployPost, "POST", `/targets/${f.B.targetId}/deploy`, { id: f.B.targetId }, f.apiToken, JSON.stringify({ releaseId: f.A.releaseId })), status: 409, says: /"conflict".*built for another deployment rule/ },
  { kind: "IDOR", name: "API: a token limited to B promotes A's release", edge: "route", run: (f) => api(apiPromotePost, "POST", `/releases/${f.A.releaseId}/promote`, { id: f.A.releaseId }, f.apiTokenB, JSON.stringify({ environment: "production" })), status: 403, says: /"forbidden".*limited to some repositories/ },
  { kind: "IDOR", name: "promote a target id as a release", edge: "command", run: (f) => command(promoteRelease, f.operator, { releaseId: f.B.targetId, environment: "production" }), status: 404, says: /There is no release with id .*check the id, or reload the page/ },
  { kind: "IDOR", name: "deploy repository A's release to repository B's target", edge: "command", run: (f) => command(deployRelease, f.operator, { targetId: f.B.targetId, releaseId: f.A.releaseId }), status: 409, says: /That release was built for another deployment rule, not for .*Nothing was changed/ },
  { kind: "IDOR", name: "roll B's target back to A's release", edge: "command", run: (f) => command(rollbackTarget, f.operator, { targetId: f.B.targetId, releaseId: f.A.releaseId }), status: 409, says: /built for another deployment rule/ },
  { kind: "IDOR", name: "A's build rule id in the deployment rule form's build_rule_id… of a target", edge: "command", run: (f) => command(saveTarget, f.admin, { deployment_rule_id: f.A.buildRuleId, name: "t-x", context: "swarm1", service: "svc_x" }), status: 404, says: /That deployment rule does not exist any more; reload the page/ },
  { kind: "IDOR", name: "a host id redelivered as a notification delivery", edge: "command", run: (f) => command((a, raw) => redeliver(a, raw, quiet), f.admin, { delivery_id: f.hostId }), status: 404, says: /That delivery does not exist any more; reload the page/ },
  { kind: "IDOR", name: "a test event to a host id as a channel", edge: "command", run: (f) => command((a, raw) => sendTestEvent(a, raw, quiet), f.admin, { channel_id: f.hostId }), status: 404, says: /That channel does not exist any more; reload the page/ },
  { kind: "IDOR", name: "rotate the signing secret of a registry id as a channel", edge: "command", run: (f) => command(rotateSigningSecret, f.admin, { channel_id: f.registryId }), status: 404, says: /That channel does not exist any more; reload the page/ },
  { kind: "IDOR", name: "a target id saved as a build rule", edge: "command", run: (f) => command(saveBuildRule, f.admin, { id: f.B.targetId, name: "x" }), status: 404, says: /That build rule does not exist any more; reload the page/ },
  { kind: "IDOR", name: "a repository id as a deployment rule's build rule", edge: "command", run: (f) => command(saveDeploymentRule, f.admin, { build_rule_id: f.B.repositoryId, branch: "live", image: "127.0.0.1:5000/x:live" }), status: 404, says: /That build rule does not exist any more/ },
  { kind: "IDOR", name: "delete a target by a release id", edge: "command", run: (f) => command(deleteInventoryEntity, f.admin, { kind: "target", id: f.A.releaseId }), status: 404, says: /does not exist any more; reload the page/ },
  { kind: "IDOR", name: "approve by a release id", edge: "command", run: (f) => command(approveDeployment, f.operator, { deploymentId: f.B.releaseId }), status: 404, says: /There is no deployment with id/ },
  { kind: "IDOR", name: "cancel a build by a deployment rule id", edge: "command", run: (f) => command(cancelBuild, f.operator, { buildId: f.A.deploymentRuleId }), status: 404, says: /There is no build with id .* Reload the page/ },
  { kind: "IDOR", name: "rebuild by a release id", edge: "command", run: (f) => command(rebuild, f.operator, { buildId: f.A.releaseId }), status: 404, says: /There is no build with id .* Reload the page/ },
  { kind: "IDOR", name: "build now on a repository id instead of a ref", edge: "command", run: (f) => command(buildNow, f.operator, { refId: f.B.repositoryId }), status: 404, says: /There is no branch or pull request with id .*reload the page/ },
  { kind: "IDOR", name: "unpin by a release id", edge: "command", run: (f) => command(unpinTarget, f.operator, { targetId: f.A.releaseId }), status: 404, says: /There is no target with id/ },
  { kind: "IDOR", name: "pin host keys on a context id", edge: "command", run: (f) => command(pinHostKeys, f.admin, { host_id: f.contextId, known_hosts: `127.0.0.1 ${f.key}` }), status: 404, says: /That host does not exist any more; reload the page/ },
  { kind: "IDOR", name: "a build secret of another repository", edge: "command", run: build({ build_secrets: ["b-only"] }), status: 400, says: /build_secrets\[0\]: no secret 'b-only' is declared for repo-a, its app, or globally; add it under Settings → Secrets first/ },
  { kind: "IDOR", name: "editing a build rule to use another repository's secret", edge: "command", run: (f) => command(saveBuildRule, f.admin, { id: f.A.buildRuleId, name: "Dockerfile", build_secrets: ["b-only"] }), status: 400, says: /build_secrets\[0\]: no secret 'b-only' is declared for repo-a/ },
  { kind: "IDOR", name: "test a registry by a host id", edge: "command", run: (f) => command(testRegistry, f.admin, { registry_id: f.hostId }), status: 404, says: /That registry does not exist any more; reload the page/ },

  // job payloads through the worker's own schema
  { kind: "job payload", name: "build_run with an empty build id", edge: "job", run: () => job("build_run", { buildId: "" }), status: 400, says: /buildId: is required/ },
  { kind: "job payload", name: "deploy_run with an extra key", edge: "job", run: () => job("deploy_run", { deploymentId: "d1", command: "rm -rf /" }), status: 400, says: /Unrecognized key: "command"/ },
  { kind: "job payload", name: "notification_deliver with a delivery id holding a quote", edge: "job", run: () => job("notification_deliver", { deliveryId: "dlv_x' OR '1'='1" }), status: 400, says: /deliveryId: is not an id Slipway gave out/ },
  { kind: "job payload", name: "deploy_notify with an unknown event", edge: "job", run: () => job("deploy_notify", { deploymentId: "d1", event: "deployment.$(id)" }), status: 400, says: /event: / },
  { kind: "job payload", name: "repository_poll with a 1 MiB id", edge: "job", run: () => job("repository_poll", { repositoryId: "r".repeat(1024 * 1024) }), status: 400, says: /repositoryId: is too long/ },
  { kind: "job payload", name: "github.event push to a hostile branch", edge: "job", run: (f) => job("github.event", { deliveryId: "d1", repositoryId: f.A.repositoryId, seq: 1, kind: "push", branch: "--upload-pack=x", headSha: "1".repeat(40) }), status: 400, says: /branch: / },
  { kind: "job payload", name: "deploy_verify with a NUL byte in the id (the handler's lookup would throw, retried 25 times)", edge: "job", run: () => job("deploy_verify", { deploymentId: "d\u0000" }), status: 400, says: /deploymentId: is not an id Slipway gave out/ },
  { kind: "job payload", name: "preview_run with a preview id holding a shell word", edge: "job", run: () => job("preview_run", { previewId: "p1;docker service rm x" }), status: 400, says: /previewId: is not an id Slipway gave out/ },
  { kind: "job payload", name: "maintenance with a forged cron timestamp", edge: "job", run: () => job("maintenance", { _cron: { ts: 5 } }), status: 400, says: /_cron\.ts: / },
];
