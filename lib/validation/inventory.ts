// The inventory's entities as slipway.yml spells them (snake_case keys). The console's forms post the same
// field names, so forms, the REST API and config import all parse with these schemas. Cross-entity rules
// (a deployment rule naming a context that exists) live in lib/config/check.ts, which sees the whole document.
import { z } from "zod";
import { githubLogin, roleSchema } from "@/lib/validation/users";
import {
  architecture,
  bool,
  branchName,
  buildArg,
  composeProject,
  confirmLevel,
  dockerEndpoint,
  duration,
  gitUrl,
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
  serviceName,
  targetName,
  unikernelTarget,
  unixUser,
} from "@/lib/validation/inventory-fields";

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
  api_url: withDefault(httpUrl, DEFAULT_GITHUB_API_URL),
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
  repo: optional(z.string().trim().min(1)),
};

export function checkSecretScope(s: { scope: string; app?: string; repo?: string }, ctx: z.RefinementCtx) {
  if (s.scope === "app" && !s.app) ctx.addIssue({ code: "custom", path: ["app"], message: "an app-scoped secret names its app" });
  if (s.scope === "repository" && !s.repo) ctx.addIssue({ code: "custom", path: ["repo"], message: "a repository-scoped secret names its repository" });
  if (s.scope !== "app" && s.app) ctx.addIssue({ code: "custom", path: ["app"], message: "only app-scoped secrets name an app (set scope: app)" });
  if (s.scope !== "repository" && s.repo) ctx.addIssue({ code: "custom", path: ["repo"], message: "only repository-scoped secrets name a repository (set scope: repository)" });
}
export const secretEntity = z.strictObject(secretShape).superRefine(checkSecretScope);
export type SecretEntity = z.output<typeof secretEntity>;

/** A secret value typed into the console: any text up to 64 KiB (PEM keys included). */
export const secretValue = z.string().min(1, "is required").max(65536, "has at most 64 KiB");

// ─── notification channels ──────────────────────────────────────────────────────────────────────

export const channelShape = {
  name: resourceName,
  kind: withDefault(z.enum(["slack"], { error: "must be slack" }), "slack"),
  events: list(notificationEvent).refine((e) => e.length > 0, "pick at least one event").transform((e) => [...new Set(e)].sort()),
  enabled: boolDefault(true),
};
export const channelEntity = z.strictObject(channelShape);
export type ChannelEntity = z.output<typeof channelEntity>;

/** A Slack incoming-webhook URL. */
export const slackWebhookUrl = z
  .string()
  .trim()
  .superRefine((s, ctx) => {
    try {
      const u = new URL(s);
      if (u.protocol !== "https:" && u.protocol !== "http:") throw new Error();
    } catch {
      ctx.addIssue({ code: "custom", message: "must be the incoming-webhook URL Slack gave you, https://hooks.slack.com/services/…" });
    }
  });

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
};

export function checkBuild(b: { kind: string; target?: string }, ctx: z.RefinementCtx) {
  if (b.kind === "unikernel" && !b.target) ctx.addIssue({ code: "custom", path: ["target"], message: "a unikernel build names its target (hvt, xen, spt, virtio or unix)" });
  if (b.kind === "docker" && b.target) ctx.addIssue({ code: "custom", path: ["target"], message: "only unikernel builds have a target; remove it or set kind: unikernel" });
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

export const deployShape = {
  branch: branchName,
  /** registry/repo:tag to publish, for docker builds */
  image: optional(imageReference),
  /** the registry whose credentials push the image; by default the one whose address the image names */
  registry: optional(resourceName),
  approval: approvalPolicy,
  confirm: withDefault(confirmLevel, "average"),
};
export const deployEntity = z.strictObject(deployShape);
export type DeployEntity = z.output<typeof deployEntity>;

// ─── targets ────────────────────────────────────────────────────────────────────────────────────

export const targetShape = {
  /** unique; GitHub's deployment environment. Default: "<context or host>/<service>" */
  name: optional(targetName),
  context: optional(resourceName),
  host: optional(resourceName),
  service: serviceName,
  compose_project: optional(composeProject),
  health_url: optional(httpUrl),
  health_timeout: withDefault(duration(5, 3600), 60),
  converge_timeout: withDefault(duration(10, 7200), 600),
  monitor: withDefault(duration(0, 600), 10),
};

export function checkTarget(t: { context?: string; host?: string; compose_project?: string }, ctx: z.RefinementCtx) {
  if (t.context && t.host) ctx.addIssue({ code: "custom", path: ["host"], message: "a target is on a docker context (swarm or compose service) or on a host (unikernel), not both" });
  if (!t.context && !t.host) ctx.addIssue({ code: "custom", path: ["context"], message: "a target names its docker context (for a swarm or compose service) or its host (for a unikernel)" });
  if (t.compose_project && !t.context) ctx.addIssue({ code: "custom", path: ["compose_project"], message: "a compose service runs on a docker context" });
}
export const targetEntity = z.strictObject(targetShape).superRefine(checkTarget);
export type TargetEntity = z.output<typeof targetEntity>;

export type TargetKind = "swarm_service" | "compose_service" | "unikernel" | "artifact_repository";

export function targetKind(t: { host?: string; compose_project?: string }): TargetKind {
  return t.host ? "unikernel" : t.compose_project ? "compose_service" : "swarm_service";
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
