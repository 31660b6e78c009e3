// The inventory's entities as slipway.yml spells them (snake_case keys). The console's forms post the same
// field names, so forms, the REST API and config import all parse with these schemas. Cross-entity rules
// (a deployment rule naming a context that exists) live in lib/config/check.ts, which sees the whole document.
import { z } from "zod";
import { githubLogin, roleSchema } from "@/lib/validation/users";
import { isSecureOrLoopbackUrl } from "@/lib/validation/loopback";
import { isLinkLocalOrMetadataHost, LINK_LOCAL_PROBLEM } from "@/lib/validation/ip-address";
import {
  DEFAULT_ALBATROSS_MEMORY_MIB,
  DEFAULT_ARTIFACT_BRANCH,
  DEFAULT_KEEP_ARTIFACTS,
  DEFAULT_MAX_ARTIFACT_MIB,
  DEFAULT_UNIKERNEL_DIR,
  defaultRestartUnit,
} from "@/lib/validation/inventory-constants";
import {
  albatrossNetwork,
  architecture,
  artifactRepoPath,
  bool,
  bootArg,
  branchName,
  buildArg,
  composeProject,
  confirmLevel,
  dockerEndpoint,
  duration,
  gitUrl,
  gitUrlProblem,
  githubApiUrl,
  githubRepoName,
  hostAddress,
  httpUrl,
  imageReference,
  int,
  list,
  notificationEvent,
  optional,
  plainRepoName,
  port,
  registryUrl,
  repoDirPath,
  repoFilePath,
  resourceName,
  restartArgv,
  restartMethod,
  SERVICE_NAME_PROBLEM,
  SERVICE_NAME_RE,
  systemdUnit,
  targetName,
  UNIKERNEL_SERVICE_PROBLEM,
  UNIKERNEL_SERVICE_NAME,
  unikernelDir,
  unikernelTarget,
  unixUser,
} from "@/lib/validation/inventory-fields";

import { previewSettings } from "@/lib/validation/previews";

// kept here for the schemas' users; the browser imports them from inventory-constants.ts (no zod)
export { DEFAULT_ALBATROSS_MEMORY_MIB, DEFAULT_ARTIFACT_BRANCH, DEFAULT_KEEP_ARTIFACTS, DEFAULT_MAX_ARTIFACT_MIB, DEFAULT_UNIKERNEL_DIR, defaultRestartUnit };

/** A boolean whose absence means `def` (YAML), edited in forms with a select that always sends a value. */
function boolDefault(def: boolean) {
  return z.preprocess((v) => (v === undefined || v === null || v === "" ? def : v), bool);
}

function withDefault<T extends z.ZodType>(schema: T, def: z.input<T>) {
  return z.preprocess((v) => (v === undefined || v === null || (typeof v === "string" && v.trim() === "") ? def : v), schema);
}

const oneLine = (max: number) =>
  z
    .string()
    .trim()
    .max(max, `has at most ${max} characters`)
    .regex(/^[^\r\n\0]*$/, "must be on one line");

// ─── GitHub apps ────────────────────────────────────────────────────────────────────────────────

export const DEFAULT_GITHUB_API_URL = "https://api.github.com";
export const DEFAULT_GITHUB_WEB_URL = "https://github.com";

export const appShape = {
  name: resourceName,
  /** GitHub's numeric App ID */
  app_id: optional(int(1, Number.MAX_SAFE_INTEGER, "GitHub's numeric App ID")),
  slug: optional(z.string().trim().regex(/^[a-z0-9][a-z0-9-]{0,33}$/, "is the app's URL name, e.g. ocurrent-deployer")),
  api_url: withDefault(githubApiUrl, DEFAULT_GITHUB_API_URL),
  web_url: withDefault(httpUrl, DEFAULT_GITHUB_WEB_URL),
  /** installations of these accounts are served; empty = all */
  accounts: list(githubLogin),
};
export const appEntity = z.strictObject(appShape);
export type AppEntity = z.output<typeof appEntity>;

// ─── hosts ──────────────────────────────────────────────────────────────────────────────────────

export const hostShape = {
  name: resourceName,
  address: hostAddress,
  port: withDefault(port, 22),
  user: withDefault(unixUser, "root"),
  /** pinned host keys: "ssh-ed25519 AAAA…" or known_hosts lines (checked against address and port) */
  host_keys: list(z.string().trim().min(1), { commas: false }),
};
export const hostEntity = z.strictObject(hostShape);
export type HostEntity = z.output<typeof hostEntity>;

// ─── docker contexts ────────────────────────────────────────────────────────────────────────────

export const CONTEXT_ROLES = ["build", "swarm_manager", "both"] as const;

const archList = list(architecture).transform((a) => (a.length ? [...new Set(a)] : ["amd64" as const]));

export const contextShape = {
  name: resourceName,
  /** unix:///var/run/docker.sock or ssh://user@host[:port] (the host must be registered) */
  endpoint: dockerEndpoint,
  role: withDefault(z.enum(CONTEXT_ROLES, { error: "must be build, swarm_manager or both" }), "swarm_manager"),
  archs: archList,
  max_concurrent_builds: withDefault(int(1, 64), 2),
};
export const contextEntity = z.strictObject(contextShape);
export type ContextEntity = z.output<typeof contextEntity>;

// ─── registries ─────────────────────────────────────────────────────────────────────────────────

export const registryShape = {
  name: resourceName,
  /** host[:port] (http:// or https:// may precede it) */
  url: registryUrl,
  username: optional(oneLine(255)),
};
export const registryEntity = z.strictObject(registryShape);
export type RegistryEntity = z.output<typeof registryEntity>;

// ─── secrets ────────────────────────────────────────────────────────────────────────────────────

export const SECRET_SCOPES = ["global", "app", "repository"] as const;

export const secretShape = {
  name: resourceName,
  scope: withDefault(z.enum(SECRET_SCOPES, { error: "must be global, app or repository" }), "global"),
  app: optional(resourceName),
  // a repository entry's name (checked against the inventory); PostgreSQL takes no NUL byte in a lookup
  repo: optional(oneLine(255)),
};

export function checkSecretScope(s: { scope: string; app?: string; repo?: string }, ctx: z.RefinementCtx) {
  if (s.scope === "app" && !s.app) ctx.addIssue({ code: "custom", path: ["app"], message: "an app-scoped secret names its app" });
  if (s.scope === "repository" && !s.repo) ctx.addIssue({ code: "custom", path: ["repo"], message: "a repository-scoped secret names its repository" });
  // a repository-scoped secret may name the app of its repository's entry (needed when the repository is listed under several apps)
  if (s.scope === "global" && s.app) ctx.addIssue({ code: "custom", path: ["app"], message: "only app- and repository-scoped secrets name an app (set scope: app)" });
  if (s.scope !== "repository" && s.repo) ctx.addIssue({ code: "custom", path: ["repo"], message: "only repository-scoped secrets name a repository (set scope: repository)" });
}
export const secretEntity = z.strictObject(secretShape).superRefine(checkSecretScope);
export type SecretEntity = z.output<typeof secretEntity>;

/** A secret value typed into the console: any text up to 64 KiB (PEM keys included). */
export const secretValue = z
  .string()
  .min(1, "is required")
  .max(65536, "has at most 64 KiB")
  // a value reaches programs as an environment variable or a file line: a NUL byte would cut it short there
  .refine((s) => !s.includes("\0"), "must not contain a NUL byte (\\0): paste the value as text");

// ─── notification channels ──────────────────────────────────────────────────────────────────────

export const CHANNEL_KINDS = ["slack", "webhook"] as const;

/** A repository name in a channel's filter: owner/name, or any path-like name of a repository not on GitHub. */
const filterRepoName = z
  .string()
  .trim()
  .min(1, "is required")
  .max(140, "has at most 140 characters")
  .regex(/^[A-Za-z0-9][A-Za-z0-9._/-]*$/, "must be a repository's name as Slipway lists it, e.g. ocurrent/ocurrent-deployer");

const sortedUnique = (xs: string[]) => [...new Set(xs)].sort();

export const channelShape = {
  name: resourceName,
  kind: withDefault(z.enum(CHANNEL_KINDS, { error: "must be slack or webhook" }), "slack"),
  events: list(notificationEvent).refine((e) => e.length > 0, "pick at least one event").transform((e) => [...new Set(e)].sort()),
  /** app names whose events the channel hears; empty = all */
  apps: list(resourceName).transform(sortedUnique).refine((a) => a.length <= 100, "lists at most 100 apps"),
  /** repository names whose events the channel hears; empty = all */
  repositories: list(filterRepoName).transform(sortedUnique).refine((r) => r.length <= 500, "lists at most 500 repositories"),
  enabled: boolDefault(true),
};
export const channelEntity = z.strictObject(channelShape);
export type ChannelEntity = z.output<typeof channelEntity>;

/** A generic webhook endpoint's URL: https only (http to a loopback address), no user or password, no link-local address. */
export const webhookEndpointUrl = urlChecked("must be the https:// URL of the endpoint that receives the events");

/** A Slack incoming-webhook URL. */
export const slackWebhookUrl = urlChecked("must be the incoming-webhook URL Slack gave you, https://hooks.slack.com/services/…");

function urlChecked(notAUrl: string) {
  return z
  .string()
  .trim()
  .max(2048, "has at most 2048 characters")
  .superRefine((s, ctx) => {
    let u: URL;
    try {
      u = new URL(s);
      if (u.protocol !== "https:" && u.protocol !== "http:") throw new Error();
    } catch {
      return void ctx.addIssue({ code: "custom", message: notAUrl });
    }
    // postSlack refuses these at use (lib/notify/slack.ts): refused here, the form says so before the URL is kept
    if (!isSecureOrLoopbackUrl(u)) {
      ctx.addIssue({ code: "custom", message: "must be an https:// URL: the URL is the channel's credential (http:// only to a loopback address such as 127.0.0.1)" });
    } else if (u.username || u.password) {
      ctx.addIssue({ code: "custom", message: "must not carry a user or password" });
    } else if (isLinkLocalOrMetadataHost(u.hostname)) {
      ctx.addIssue({ code: "custom", message: LINK_LOCAL_PROBLEM });
    }
  });
}

// ─── repositories ───────────────────────────────────────────────────────────────────────────────

export const repoShape = {
  /** owner/name for a repository of a GitHub app; any name for a plain git URL */
  repo: z.string({ error: "is required" }).trim().min(1, "is required"),
  app: optional(resourceName),
  url: optional(gitUrl),
  default_branch: withDefault(branchName, "main"),
  poll_interval: withDefault(duration(30, 86400), 300),
  enabled: boolDefault(true),
};

export function checkRepo(r: { repo: string; app?: string; url?: string }, ctx: z.RefinementCtx) {
  if (r.app) {
    const ok = githubRepoName.safeParse(r.repo);
    if (!ok.success) ctx.addIssue({ code: "custom", path: ["repo"], message: ok.error.issues[0]!.message });
    // a webhook (anyone who can sign one) starts its fetches: never from this machine's own files
    const problem = r.url ? gitUrlProblem(r.url, { allowFile: false }) : null;
    if (problem) ctx.addIssue({ code: "custom", path: ["url"], message: problem });
  } else {
    const ok = plainRepoName.safeParse(r.repo);
    if (!ok.success) ctx.addIssue({ code: "custom", path: ["repo"], message: ok.error.issues[0]!.message });
    if (!r.url) ctx.addIssue({ code: "custom", path: ["url"], message: "a repository without an app needs the git URL to poll" });
  }
}
export const repoEntity = z.strictObject(repoShape).superRefine(checkRepo);
export type RepoEntity = z.output<typeof repoEntity>;

// ─── build rules ────────────────────────────────────────────────────────────────────────────────

export const buildShape = {
  /** unique in the repository; defaults to the unikernel target or the Dockerfile path */
  name: optional(
    z
      .string()
      .trim()
      .max(100, "has at most 100 characters")
      .regex(/^[A-Za-z0-9][A-Za-z0-9._/-]*$/, "use letters, digits, '.', '_', '/' and '-'"),
  ),
  kind: withDefault(z.enum(["docker", "unikernel"], { error: "must be docker or unikernel" }), "docker"),
  dockerfile: withDefault(repoFilePath, "Dockerfile"),
  /** the build context: a directory of the repository ("" = its root) */
  context: withDefault(repoDirPath, ""),
  build_args: list(buildArg, { commas: false }),
  build_secrets: list(resourceName).transform((s) => [...new Set(s)]),
  archs: archList,
  include_git: bool,
  timeout: withDefault(duration(60, 86400), 3000),
  /** unikernel target: hvt, xen, spt, virtio or unix */
  target: optional(unikernelTarget),
  /** unikernel builds: the largest artifact accepted, in MiB (default DEFAULT_MAX_ARTIFACT_MIB) */
  max_size: optional(int(1, 4096, "a whole number of MiB, from 1 to 4096")),
};


export function checkBuild(b: { kind: string; target?: string; max_size?: number }, ctx: z.RefinementCtx) {
  if (b.kind === "unikernel" && !b.target) ctx.addIssue({ code: "custom", path: ["target"], message: "a unikernel build names its target (hvt, xen, spt, virtio or unix)" });
  if (b.kind === "docker" && b.target) ctx.addIssue({ code: "custom", path: ["target"], message: "only unikernel builds have a target; remove it or set kind: unikernel" });
  if (b.kind === "docker" && b.max_size !== undefined) {
    ctx.addIssue({ code: "custom", path: ["max_size"], message: "max_size limits a unikernel's artifact; a docker build has none: remove it or set kind: unikernel" });
  }
}
export const buildEntity = z.strictObject(buildShape).superRefine(checkBuild);
export type BuildEntity = z.output<typeof buildEntity>;

export function buildRuleName(b: { name?: string; kind: string; dockerfile: string; target?: string }): string {
  return b.name ?? (b.kind === "unikernel" && b.target ? b.target : b.dockerfile);
}

// ─── deployment rules ───────────────────────────────────────────────────────────────────────────

const approvalObject = z.strictObject({
  mode: z.enum(["automatic", "manual"], { error: "must be automatic or manual" }),
  min_approvers: withDefault(int(1, 10), 1),
  approver_role: withDefault(z.enum(["operator", "admin"], { error: "must be operator or admin" }), "operator"),
  /** how long an approval request stays open; absent = until a newer release supersedes it */
  expires_after: optional(duration(60, 30 * 86400)),
});

export const approvalPolicy = z.preprocess(
  (v) => (v === undefined || v === null || v === "" ? { mode: "automatic" } : typeof v === "string" ? { mode: v.trim() } : v),
  approvalObject,
);
export type ApprovalPolicy = z.output<typeof approvalObject>;

// ─── environments (stages of a deployment rule) ─────────────────────────────────────────────────

/** One stage of a deployment rule's pipeline; the list's order is the stages' order (docs/environments.md). */
export const environmentShape = {
  /** unique within the deployment rule, e.g. staging or production; targets name it (environment: staging) */
  name: resourceName,
  /** how long a release must have run here (after its last success here) before it can be promoted to the next stage */
  soak: withDefault(duration(0, 30 * 86400), 0),
  /** http(s) URLs that must answer 2xx, each within 10 s, when a release is promoted from here */
  checks: list(httpUrl),
  /** who approves deployments into this stage (its first stage's from the branch, the others' promotions) */
  approval: approvalPolicy,
  confirm: withDefault(confirmLevel, "average"),
};
export const environmentEntity = z.strictObject(environmentShape);
export type EnvironmentEntity = z.output<typeof environmentEntity>;

const environmentList = z.array(environmentEntity, { error: "must be a list" }).superRefine((envs, ctx) => {
  const seen = new Set<string>();
  envs.forEach((e, i) => {
    if (seen.has(e.name)) ctx.addIssue({ code: "custom", path: [i, "name"], message: `environment '${e.name}' is listed twice; list each stage once` });
    seen.add(e.name);
  });
});

export const deployShape = {
  branch: branchName,
  /** registry/repo:tag: the image a docker build publishes, or the registry repository that keeps a unikernel build's artifacts */
  image: optional(imageReference),
  /** the registry whose credentials push the image; by default the one whose address the image names */
  registry: optional(resourceName),
  approval: approvalPolicy,
  confirm: withDefault(confirmLevel, "average"),
  /** ordered stages (staging, then production): absent in a form that does not edit them (they are kept) */
  environments: z.preprocess((v) => (v === null ? undefined : v), environmentList.optional()),
  /** previews of pull requests into this branch (docs/previews.md); absent: none */
  preview: previewSettings,
};
export const deployEntity = z.strictObject(deployShape);
export type DeployEntity = z.output<typeof deployEntity>;

/** What a deployment rule without an image is told (slipway.yml's check and the console's save say the same). */
export function missingImageMessage(buildKind: "docker" | "unikernel"): string {
  return buildKind === "docker"
    ? "a docker build's deployment names the image to publish, e.g. ocurrent/base-images:live"
    : "a unikernel build's deployment names the registry repository that keeps its artifacts, e.g. ocurrentbuilder/staging:live-mirage-hvt";
}

// ─── targets ────────────────────────────────────────────────────────────────────────────────────


/** Which restart method each key of `restart` belongs to. */
const restartKeyMethod = { unit: "systemd", memory: "albatross", networks: "albatross", args: "albatross", argv: "command" } as const;

export const restartShape = {
  /** systemd (default), albatross or command */
  method: withDefault(restartMethod, "systemd"),
  /** systemd: the unit to restart; default unikernel@<service> */
  unit: optional(systemdUnit),
  /** albatross: --mem, in MiB; default DEFAULT_ALBATROSS_MEMORY_MIB */
  memory: optional(int(16, 65536, "a whole number of MiB, from 16 to 65536")),
  /** albatross: --net entries, name or name:bridge */
  networks: list(albatrossNetwork).superRefine((nets, ctx) => {
    const seen = new Set<string>();
    nets.forEach((n, i) => {
      const name = n.split(":")[0]!;
      if (seen.has(name)) ctx.addIssue({ code: "custom", path: [i], message: `network '${name}' is listed twice; list each network once` });
      seen.add(name);
    });
  }),
  /** albatross: --arg entries, the unikernel's boot arguments */
  args: list(bootArg, { commas: false }),
  /** command: the program and its arguments; {service} {file} {sha256} {commit} as whole arguments */
  argv: restartArgv,
};

export function checkRestart(r: { method: string; unit?: string; memory?: number; networks: string[]; args: string[]; argv: string[] }, ctx: z.RefinementCtx) {
  for (const [key, method] of Object.entries(restartKeyMethod)) {
    const v = r[key as keyof typeof restartKeyMethod];
    const given = Array.isArray(v) ? v.length > 0 : v !== undefined;
    if (given && method !== r.method) {
      ctx.addIssue({ code: "custom", path: [key], message: `${key} belongs to the ${method} method, and this target restarts with ${r.method}: remove ${key}, or set method: ${method}` });
    }
  }
  if (r.method === "command" && r.argv.length === 0) {
    ctx.addIssue({ code: "custom", path: ["argv"], message: 'the command method runs argv: give the program and its arguments, e.g. [mirage-redeploy, "{service}"]' });
  }
}
export const restartEntity = z.strictObject(restartShape).superRefine(checkRestart);
export type RestartEntity = z.output<typeof restartEntity>;

export const targetShape = {
  /** unique; GitHub's deployment environment. Default: "<context or host>/<service>" */
  name: optional(targetName),
  context: optional(resourceName),
  host: optional(resourceName),
  /** its pattern depends on the kind (checkTarget) */
  service: z.string({ error: "is required" }).trim().min(1, "is required").max(63, "has at most 63 characters"),
  compose_project: optional(composeProject),
  /** unikernel hosts: files live in <dir>/<service>/; default DEFAULT_UNIKERNEL_DIR */
  dir: optional(unikernelDir),
  /** unikernel hosts: files kept per service; default DEFAULT_KEEP_ARTIFACTS */
  keep: optional(int(1, 100, "a whole number of files, from 1 to 100")),
  /** unikernel hosts: how the service is restarted on its new file */
  restart: z.preprocess((v) => (v === null ? undefined : v), restartEntity.optional()),
  /** artifact repositories: the git repository's path on the host (absolute or ~/relative) */
  artifact_repo: optional(artifactRepoPath),
  /** artifact repositories: the branch to commit to; default DEFAULT_ARTIFACT_BRANCH */
  branch: optional(branchName),
  health_url: optional(httpUrl),
  health_timeout: withDefault(duration(5, 3600), 60),
  converge_timeout: withDefault(duration(10, 7200), 600),
  /** none: a swarm service waits as long as its own UpdateConfig.Monitor, others DEFAULT_MONITOR_SECONDS (lib/validation/monitor-window.ts) */
  monitor: optional(duration(0, 600)),
  /** deploy a release whose signed provenance is missing from the registry (a bad one is still refused); default false */
  allow_unsigned: bool,
  /** the stage of its deployment rule's environments it belongs to; none: it follows the branch and is never promoted to */
  environment: optional(resourceName),
};

type TargetPlace = { context?: string; host?: string; compose_project?: string; artifact_repo?: string };
type TargetIn = TargetPlace & { service: string; dir?: string; keep?: number; restart?: unknown; branch?: string };

export function checkTarget(t: TargetIn, ctx: z.RefinementCtx) {
  const add = (path: string, message: string) => ctx.addIssue({ code: "custom", path: [path], message });
  if (t.context && t.host) add("host", "a target is on a docker context (swarm or compose service) or on a host (unikernel), not both");
  if (!t.context && !t.host) add("context", "a target names its docker context (for a swarm or compose service) or its host (for a unikernel)");
  if (t.compose_project && !t.context) add("compose_project", "a compose service runs on a docker context");
  if (t.host ? !UNIKERNEL_SERVICE_NAME.test(t.service) : !SERVICE_NAME_RE.test(t.service)) add("service", t.host ? UNIKERNEL_SERVICE_PROBLEM : SERVICE_NAME_PROBLEM);
  const kind = targetKind(t);
  for (const key of ["dir", "keep", "restart"] as const) {
    if (t[key] === undefined || kind === "unikernel") continue;
    add(
      key,
      kind === "artifact_repository"
        ? `${key} is for a unikernel run on the host; an artifact repository keeps the files in git: remove ${key}, or remove artifact_repo to deploy to the host itself`
        : `${key} is for a unikernel target on a host (host: NAME); a swarm or compose service has none: remove it`,
    );
  }
  if (t.artifact_repo && t.context) add("artifact_repo", "artifact_repo is a unikernel build's git repository on a host (host: NAME); a swarm or compose service has none: remove it");
  if (t.branch !== undefined && !t.artifact_repo) add("branch", "branch is the artifact repository's branch: add artifact_repo: PATH, or remove branch");
}
export const targetEntity = z.strictObject(targetShape).superRefine(checkTarget);
export type TargetEntity = z.output<typeof targetEntity>;

export type TargetKind = "swarm_service" | "compose_service" | "unikernel" | "artifact_repository";

export function targetKind(t: TargetPlace): TargetKind {
  if (t.host) return t.artifact_repo ? "artifact_repository" : "unikernel";
  return t.compose_project ? "compose_service" : "swarm_service";
}

export function defaultTargetName(t: { context?: string; host?: string; compose_project?: string; service: string }): string {
  return `${t.context ?? t.host}/${t.compose_project ? `${t.compose_project}/` : ""}${t.service}`;
}

// ─── the whole document ─────────────────────────────────────────────────────────────────────────

export const targetInDoc = targetEntity;
export const deployInDoc = z.strictObject({ ...deployShape, targets: z.array(targetInDoc, { error: "must be a list" }).default([]) });
export const buildInDoc = z.strictObject({ ...buildShape, deploy: z.array(deployInDoc, { error: "must be a list" }).default([]) }).superRefine(checkBuild);
export const repoInDoc = z.strictObject({ ...repoShape, builds: z.array(buildInDoc, { error: "must be a list" }).default([]) }).superRefine(checkRepo);

export const inventoryDocument = z.strictObject({
  /** format version; 1 */
  version: z.literal(1, { error: "must be 1 (the only version of slipway.yml so far)" }).default(1),
  apps: z.array(appEntity, { error: "must be a list" }).default([]),
  hosts: z.array(hostEntity, { error: "must be a list" }).default([]),
  docker_contexts: z.array(contextEntity, { error: "must be a list" }).default([]),
  registries: z.array(registryEntity, { error: "must be a list" }).default([]),
  secrets: z.array(secretEntity, { error: "must be a list" }).default([]),
  notifications: z.array(channelEntity, { error: "must be a list" }).default([]),
  repos: z.array(repoInDoc, { error: "must be a list" }).default([]),
});
export type InventoryDocument = z.output<typeof inventoryDocument>;

export { roleSchema };
