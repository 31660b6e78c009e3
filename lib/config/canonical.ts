// The inventory in canonical form: every default filled in, every derived name computed, references by
// name. Both sides of an import diff (the database and the file) are brought to this form, so a file
// exported and imported again compares equal field by field.
import { canonPreview, type CanonPreview } from "@/lib/validation/previews";
import {
  buildRuleName,
  defaultRestartUnit,
  defaultTargetName,
  DEFAULT_ALBATROSS_MEMORY_MIB,
  DEFAULT_ARTIFACT_BRANCH,
  DEFAULT_GITHUB_WEB_URL,
  DEFAULT_KEEP_ARTIFACTS,
  DEFAULT_MAX_ARTIFACT_MIB,
  DEFAULT_UNIKERNEL_DIR,
  targetKind,
  type ApprovalPolicy,
  type EnvironmentEntity,
  type InventoryDocument,
  type TargetKind,
} from "@/lib/validation/inventory";
import type { RESTART_METHODS } from "@/lib/validation/inventory-fields";
import { parseImageReference, registryDomain } from "@/lib/validation/inventory-fields";

export interface CanonApp {
  name: string;
  app_id: number | null;
  slug: string | null;
  api_url: string;
  web_url: string;
  accounts: string[];
}
export interface CanonHost {
  name: string;
  address: string;
  port: number;
  user: string;
  /** "algorithm base64", sorted */
  host_keys: string[];
}
export interface CanonContext {
  name: string;
  endpoint: string;
  role: "build" | "swarm_manager" | "both";
  archs: string[];
  max_concurrent_builds: number;
}
export interface CanonRegistry {
  name: string;
  url: string;
  username: string | null;
}
export interface CanonSecret {
  name: string;
  scope: "global" | "app" | "repository";
  app: string | null;
  repo: string | null;
}
export interface CanonChannel {
  name: string;
  kind: "slack" | "webhook";
  events: string[];
  /** app names whose events it hears; empty = all */
  apps: string[];
  /** repository names whose events it hears; empty = all */
  repositories: string[];
  enabled: boolean;
}
/** How a unikernel target restarts its service; the keys of other methods are null or empty. */
export interface CanonRestart {
  method: (typeof RESTART_METHODS)[number];
  unit: string | null;
  memory: number | null;
  networks: string[];
  args: string[];
  argv: string[];
}
export interface CanonTarget {
  name: string;
  kind: TargetKind;
  context: string | null;
  host: string | null;
  service: string;
  compose_project: string | null;
  /** unikernel targets (null otherwise) */
  dir: string | null;
  keep: number | null;
  restart: CanonRestart | null;
  /** artifact repository targets (null otherwise) */
  artifact_repo: string | null;
  branch: string | null;
  health_url: string | null;
  health_timeout: number;
  converge_timeout: number;
  /** null: as the service's own UpdateConfig.Monitor (swarm), or the default window (lib/validation/monitor-window.ts) */
  monitor: number | null;
  /** deploy releases without signed provenance (docs/provenance.md) */
  allow_unsigned: boolean;
  /** the stage of its deployment rule it belongs to (docs/environments.md); null: none */
  environment: string | null;
}
export type CanonApproval = { mode: ApprovalPolicy["mode"]; min_approvers: number; approver_role: "operator" | "admin"; expires_after: number | null };
export type CanonConfirm = "harmless" | "mostly_harmless" | "average" | "above_average" | "dangerous";
/** A stage of a deployment rule's pipeline; a rule's list is in stage order. */
export interface CanonEnvironment {
  name: string;
  soak: number;
  checks: string[];
  approval: CanonApproval;
  confirm: CanonConfirm;
}
export interface CanonDeploy {
  branch: string;
  image: string | null;
  registry: string | null;
  approval: CanonApproval;
  confirm: CanonConfirm;
  environments: CanonEnvironment[];
  /** null: no previews (docs/previews.md) */
  preview: CanonPreview | null;
  targets: CanonTarget[];
}
export interface CanonBuild {
  name: string;
  kind: "docker" | "unikernel";
  dockerfile: string;
  context: string;
  build_args: string[];
  build_secrets: string[];
  archs: string[];
  include_git: boolean;
  timeout: number;
  target: "hvt" | "xen" | "spt" | "virtio" | "unix" | null;
  /** unikernel builds: the largest artifact, in MiB (null for docker builds) */
  max_size: number | null;
  deploy: CanonDeploy[];
}
export interface CanonRepo {
  repo: string;
  app: string | null;
  url: string;
  default_branch: string;
  poll_interval: number;
  enabled: boolean;
  builds: CanonBuild[];
}
export interface CanonDoc {
  apps: CanonApp[];
  hosts: CanonHost[];
  docker_contexts: CanonContext[];
  registries: CanonRegistry[];
  secrets: CanonSecret[];
  notifications: CanonChannel[];
  repos: CanonRepo[];
}

/** The clone URL of a repository of a GitHub app. */
export function githubCloneUrl(webUrl: string, repo: string): string {
  return `${webUrl.replace(/\/+$/, "")}/${repo}.git`;
}

/** "ssh-ed25519 AAAA… comment" or a known_hosts line → "ssh-ed25519 AAAA…" (the part that is pinned). */
export function hostKeyText(algorithm: string, publicKey: string): string {
  return `${algorithm} ${publicKey}`;
}

/** The registry (by name) whose address an image names, if exactly one does. */
export function inferRegistry(image: string | null | undefined, registries: ReadonlyArray<{ name: string; url: string }>): string | null {
  if (!image) return null;
  const ref = parseImageReference(image);
  if ("problem" in ref) return null;
  const matches = registries.filter((r) => registryDomain(r.url) === ref.domain.toLowerCase());
  return matches.length === 1 ? matches[0]!.name : null;
}

export function canonicalSecretKey(s: { scope: string; app: string | null; repo: string | null; name: string }): string {
  if (s.scope === "app") return `app ${s.app} / ${s.name}`;
  if (s.scope === "repository") return `repository ${s.repo}${s.app ? ` (app ${s.app})` : ""} / ${s.name}`;
  return s.name;
}

/**
 * Repository names listed more than once in any of the documents (one GitHub repository under several apps):
 * their entries are told apart by app in keys and labels. A name listed once in each document keys by name
 * alone, so moving a repository to another app is an update that keeps its history.
 */
export function sharedRepoNames(...docs: ReadonlyArray<{ repos: ReadonlyArray<{ repo: string }> }>): Set<string> {
  const shared = new Set<string>();
  for (const d of docs) {
    const seen = new Set<string>();
    for (const r of d.repos) {
      if (seen.has(r.repo)) shared.add(r.repo);
      seen.add(r.repo);
    }
  }
  return shared;
}

/** A repository entry as keys and labels name it: "owner/name", or "owner/name (app tarides)" when the name is shared. */
export function repoEntryName(r: { repo: string; app?: string | null }, shared: ReadonlySet<string>): string {
  return shared.has(r.repo) ? `${r.repo} (${r.app ? `app ${r.app}` : "no app"})` : r.repo;
}

/**
 * The app of a repository-scoped secret: the one it names, else the app of the only entry of its repository
 * (so a file that leaves it out and the database, which always knows it, compare equal).
 */
function secretRepoApp(s: { scope: string; app?: string | null; repo?: string | null }, repos: ReadonlyArray<{ repo: string; app?: string | null }>): string | null {
  if (s.scope !== "repository") return s.app ?? null;
  if (s.app) return s.app;
  const entries = repos.filter((r) => r.repo === s.repo);
  return entries.length === 1 ? (entries[0]!.app ?? null) : null;
}

type Doc = InventoryDocument;
type RepoIn = Doc["repos"][number];
type BuildIn = RepoIn["builds"][number];
type DeployIn = BuildIn["deploy"][number];

// One function per entity: the document's canonical form is made of them, and the console's forms use
// them for the single entity they save.
export const canonApp = (a: Doc["apps"][number]): CanonApp => ({
  name: a.name,
  app_id: a.app_id ?? null,
  slug: a.slug ?? null,
  api_url: a.api_url,
  web_url: a.web_url,
  accounts: [...new Set(a.accounts)].sort(),
});
export const canonHost = (h: Doc["hosts"][number]): CanonHost => ({ name: h.name, address: h.address, port: h.port, user: h.user, host_keys: [...new Set(h.host_keys)].sort() });
export const canonContext = (c: Doc["docker_contexts"][number]): CanonContext => ({
  name: c.name,
  endpoint: c.endpoint,
  role: c.role,
  archs: [...c.archs],
  max_concurrent_builds: c.max_concurrent_builds,
});
export const canonRegistry = (r: Doc["registries"][number]): CanonRegistry => ({ name: r.name, url: r.url, username: r.username ?? null });
export const canonSecret = (s: Doc["secrets"][number]): CanonSecret => ({ name: s.name, scope: s.scope, app: s.app ?? null, repo: s.repo ?? null });
export const canonChannel = (c: Doc["notifications"][number]): CanonChannel => ({
  name: c.name,
  kind: c.kind,
  events: [...c.events].sort(),
  apps: [...new Set(c.apps)].sort(),
  repositories: [...new Set(c.repositories)].sort(),
  enabled: c.enabled,
});

/** A repository without its builds; `webUrl` is its app's (for the default clone URL). */
export const canonRepoFields = (r: Omit<RepoIn, "builds">, webUrl: string | undefined): Omit<CanonRepo, "builds"> => ({
  repo: r.repo,
  app: r.app ?? null,
  url: r.url ?? githubCloneUrl(webUrl ?? DEFAULT_GITHUB_WEB_URL, r.repo),
  default_branch: r.default_branch,
  poll_interval: r.poll_interval,
  enabled: r.enabled,
});

export const canonBuildFields = (b: Omit<BuildIn, "deploy">): Omit<CanonBuild, "deploy"> => ({
  name: buildRuleName(b),
  kind: b.kind,
  dockerfile: b.dockerfile,
  context: b.context,
  build_args: [...b.build_args],
  build_secrets: [...b.build_secrets],
  archs: [...b.archs],
  include_git: b.include_git,
  timeout: b.timeout,
  target: b.target ?? null,
  max_size: b.kind === "unikernel" ? (b.max_size ?? DEFAULT_MAX_ARTIFACT_MIB) : null,
});

const canonApproval = (a: ApprovalPolicy): CanonApproval => ({
  mode: a.mode,
  min_approvers: a.min_approvers,
  approver_role: a.approver_role,
  expires_after: a.expires_after ?? null,
});

export const canonEnvironment = (e: EnvironmentEntity): CanonEnvironment => ({
  name: e.name,
  soak: e.soak,
  checks: [...e.checks],
  approval: canonApproval(e.approval),
  confirm: e.confirm,
});

/** An environment's row (lib/services/inventory/state.ts and the deployment rule form) in canonical form. */
export const canonEnvironmentRow = (e: {
  name: string;
  soakSeconds: number;
  checkUrls: string[];
  approvalMode: ApprovalPolicy["mode"];
  minApprovers: number;
  approverRole: string;
  approvalExpirySeconds: number | null;
  confirmLevel: CanonConfirm;
}): CanonEnvironment => ({
  name: e.name,
  soak: e.soakSeconds,
  checks: [...e.checkUrls],
  approval: { mode: e.approvalMode, min_approvers: e.minApprovers, approver_role: e.approverRole === "admin" ? "admin" : "operator", expires_after: e.approvalExpirySeconds },
  confirm: e.confirmLevel,
});

/**
 * A deployment rule without its targets; `registries` to find the one the image names. A form that does not
 * edit the environments leaves them out (undefined): the caller keeps the rule's own.
 */
export const canonDeployFields = (d: Omit<DeployIn, "targets">, registries: ReadonlyArray<{ name: string; url: string }>): Omit<CanonDeploy, "targets"> => ({
  branch: d.branch,
  image: d.image ?? null,
  registry: d.registry ?? inferRegistry(d.image, registries),
  approval: canonApproval(d.approval),
  confirm: d.confirm,
  environments: (d.environments ?? []).map(canonEnvironment),
  preview: canonPreview(d.preview),
});

type Given<T> = { [K in keyof T]?: T[K] | null };

/**
 * The fields of a target's kind with their defaults, the others null: from a parsed file or form, and from
 * the database's columns (lib/services/inventory/state.ts), so both sides compare equal.
 */
export function canonKindFields(
  kind: TargetKind,
  service: string,
  t: { dir?: string | null; keep?: number | null; restart?: Given<CanonRestart> | null; artifact_repo?: string | null; branch?: string | null },
): Pick<CanonTarget, "dir" | "keep" | "restart" | "artifact_repo" | "branch"> {
  const r = t.restart ?? {};
  const method = r.method ?? "systemd";
  const unikernel = kind === "unikernel";
  const repo = kind === "artifact_repository";
  return {
    dir: unikernel ? (t.dir ?? DEFAULT_UNIKERNEL_DIR) : null,
    keep: unikernel ? (t.keep ?? DEFAULT_KEEP_ARTIFACTS) : null,
    restart: unikernel
      ? {
          method,
          unit: method === "systemd" ? (r.unit ?? defaultRestartUnit(service)) : null,
          memory: method === "albatross" ? (r.memory ?? DEFAULT_ALBATROSS_MEMORY_MIB) : null,
          networks: method === "albatross" ? [...(r.networks ?? [])] : [],
          args: method === "albatross" ? [...(r.args ?? [])] : [],
          argv: method === "command" ? [...(r.argv ?? [])] : [],
        }
      : null,
    artifact_repo: repo ? (t.artifact_repo ?? null) : null,
    branch: repo ? (t.branch ?? DEFAULT_ARTIFACT_BRANCH) : null,
  };
}

export const canonTarget = (t: DeployIn["targets"][number]): CanonTarget => ({
  name: t.name ?? defaultTargetName(t),
  kind: targetKind(t),
  context: t.context ?? null,
  host: t.host ?? null,
  service: t.service,
  compose_project: t.compose_project ?? null,
  ...canonKindFields(targetKind(t), t.service, t),
  health_url: t.health_url ?? null,
  health_timeout: t.health_timeout,
  converge_timeout: t.converge_timeout,
  monitor: t.monitor ?? null,
  allow_unsigned: t.allow_unsigned,
  environment: t.environment ?? null,
});

/**
 * A parsed document in canonical form. Host keys must already be normalized to "algorithm base64"
 * (lib/config/check.ts does it while checking them against the host's address).
 */
export function canonicalize(doc: InventoryDocument): CanonDoc {
  const apps = doc.apps.map(canonApp);
  const webUrlOf = new Map(apps.map((a) => [a.name, a.web_url]));
  const registries = doc.registries.map(canonRegistry);
  return {
    apps,
    hosts: doc.hosts.map(canonHost),
    docker_contexts: doc.docker_contexts.map(canonContext),
    registries,
    secrets: doc.secrets.map((s) => ({ ...canonSecret(s), app: secretRepoApp(s, doc.repos) })),
    notifications: doc.notifications.map(canonChannel),
    repos: doc.repos.map((r) => ({
      ...canonRepoFields(r, webUrlOf.get(r.app ?? "")),
      builds: r.builds.map((b) => ({
        ...canonBuildFields(b),
        deploy: b.deploy.map((d) => ({ ...canonDeployFields(d, registries), targets: d.targets.map(canonTarget) })),
      })),
    })),
  };
}
