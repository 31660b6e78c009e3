// The one place the inventory is written. A change (lib/config/diff.ts) is applied to the database with an
// audit event, inside the caller's transaction; the console's forms and slipway.yml import both come here.
// References are resolved by name when the change is applied, so a change list applies in order in one
// transaction (a repository created before its build rules). Deletes never erase history: a repository,
// build rule, deployment rule or target that has some (builds, releases, deployments) is archived instead
// (archivedAt set, with whatever it holds): it leaves the inventory and never builds or deploys again, and
// its history stays readable and linked. Creating one with the natural key of an archived one restores it,
// history and all. Hosts, contexts, registries and apps still used by live entries are refused.
import { DEFAULT_PREVIEW_MAX_CONCURRENT, DEFAULT_PREVIEW_TTL_HOURS } from "@/lib/validation/previews";
import type { Tx } from "@/lib/db";
import type { Actor } from "@/lib/auth/actor";
import { recordAudit } from "@/lib/audit/record";
import type { AuditAction, AuditSubjectType } from "@/lib/audit/actions";
import { ConflictError, NotFoundError, ValidationError } from "@/lib/errors";
import type { Change, EntityKind, EntityValues } from "@/lib/config/diff";
import { kindLabels } from "@/lib/config/diff";
import { readDockerEndpoint } from "@/lib/docker/endpoint";
import { DEFAULT_KEEP_ARTIFACTS, DEFAULT_MAX_ARTIFACT_MIB, missingImageMessage } from "@/lib/validation/inventory";
import { fingerprintSha256 } from "@/lib/ssh/keys";
import { createSigningSecret } from "@/lib/services/notifications/signing";

const subjectOf: Record<EntityKind, AuditSubjectType> = {
  app: "github_app",
  host: "host",
  context: "docker_context",
  registry: "registry",
  channel: "notification_channel",
  repo: "repository",
  secret: "secret",
  build: "build_rule",
  deploy: "deployment_rule",
  target: "target",
};

/**
 * A change as the forms make it: like an import's, optionally naming the row by id (renames); for a deployment
 * rule, the stages the form renamed (old name → new), which keep their rows and so their targets.
 */
export type AppliedChange = Change & { id?: string; renamedStages?: ReadonlyMap<string, string> };

function missing(field: string, message: string): never {
  throw new ValidationError([{ path: field, message }]);
}

// ─── name → id lookups (inside the transaction, so rows created earlier in it are found) ─────────

async function appId(tx: Tx, name: string, field = "app"): Promise<string> {
  const row = await tx.githubApp.findUnique({ where: { name }, select: { id: true } });
  return row?.id ?? missing(field, `there is no GitHub app named '${name}'; add it under Settings → GitHub apps first`);
}
async function hostRow(tx: Tx, name: string, field = "host") {
  const row = await tx.host.findUnique({ where: { name } });
  return row ?? missing(field, `there is no host named '${name}'; register it under Hosts first`);
}
async function contextRow(tx: Tx, name: string, field = "context") {
  const row = await tx.dockerContext.findUnique({ where: { name } });
  return row ?? missing(field, `there is no docker context named '${name}'; add it under Docker contexts first`);
}
async function registryId(tx: Tx, name: string, field = "registry"): Promise<string> {
  const row = await tx.registry.findUnique({ where: { name }, select: { id: true } });
  return row?.id ?? missing(field, `there is no registry named '${name}'; add it under Registries first`);
}
/**
 * The entry of repository `name` under `app` (null: the entry without an app). A repository may be listed
 * under several apps; `app` undefined takes the only entry of that name and asks for the app when there are more.
 */
async function repoRow(tx: Tx, name: string, app: string | null | undefined, field = "repo") {
  const rows = await tx.repository.findMany({
    where: { name, ...(app === undefined ? {} : app === null ? { appId: null } : { app: { name: app } }) },
    include: { app: { select: { name: true } } },
    take: 10,
  });
  if (rows.length === 1) return rows[0]!;
  if (rows.length === 0) return missing(field, `there is no repository '${name}'${app ? ` under app ${app}` : app === null ? " without an app" : ""}`);
  const apps = rows.map((r) => r.app?.name ?? "(no app)").join(", ");
  return missing(field, `repository ${name} is listed under several apps (${apps}); name the app of the entry you mean`);
}
async function buildRow(tx: Tx, parent: Change["parent"], build: string) {
  const r = await repoRow(tx, parent.repo ?? "", parent.app);
  const row = await tx.buildRule.findUnique({ where: { repositoryId_name: { repositoryId: r.id, name: build } } });
  return row ?? missing("build", `repository ${parent.repo} has no build rule named '${build}'`);
}
async function deployRow(tx: Tx, parent: Change["parent"], branch: string) {
  const b = await buildRow(tx, parent, parent.build ?? "");
  const row = await tx.deploymentRule.findUnique({ where: { buildRuleId_branch: { buildRuleId: b.id, branch } } });
  return row ?? missing("branch", `build ${parent.build} of ${parent.repo} has no deployment rule for branch '${branch}'`);
}

/** The host an ssh:// endpoint goes through: same address and port (and the same user, when several match). */
async function hostForEndpoint(tx: Tx, endpoint: string): Promise<string | null> {
  const ep = readDockerEndpoint(endpoint);
  if ("problem" in ep) missing("endpoint", ep.problem);
  if (ep.kind !== "ssh") return null;
  const hosts = await tx.host.findMany({ where: { address: { equals: ep.host, mode: "insensitive" }, port: ep.port } });
  if (hosts.length === 0) {
    missing("endpoint", `no registered host has address ${ep.host} and port ${ep.port}; register it under Hosts (and accept its key) first`);
  }
  return (hosts.find((h) => h.user === ep.user) ?? hosts[0]!).id;
}

async function scopeKeyOf(tx: Tx, s: EntityValues["secret"]): Promise<{ scopeKey: string; appId: string | null; repositoryId: string | null }> {
  if (s.scope === "app") {
    const id = await appId(tx, s.app ?? "");
    return { scopeKey: `app:${id}`, appId: id, repositoryId: null };
  }
  if (s.scope === "repository") {
    const r = await repoRow(tx, s.repo ?? "", s.app ?? undefined);
    return { scopeKey: `repository:${r.id}`, appId: null, repositoryId: r.id };
  }
  return { scopeKey: "global", appId: null, repositoryId: null };
}

export type Archivable = "repo" | "build" | "deploy" | "target";
const archivable = (kind: EntityKind): kind is Archivable => kind === "repo" || kind === "build" || kind === "deploy" || kind === "target";

/** When the row was archived (null: it is live; undefined: there is no such row). */
export async function archivedAtOf(tx: Tx, kind: Archivable, id: string): Promise<Date | null | undefined> {
  const select = { archivedAt: true } as const;
  const row =
    kind === "repo"
      ? await tx.repository.findUnique({ where: { id }, select })
      : kind === "build"
        ? await tx.buildRule.findUnique({ where: { id }, select })
        : kind === "deploy"
          ? await tx.deploymentRule.findUnique({ where: { id }, select })
          : await tx.target.findUnique({ where: { id }, select });
  return row ? row.archivedAt : undefined;
}

/** The archived row a create of this natural key restores, if there is one. */
async function findArchived(tx: Tx, change: AppliedChange): Promise<{ id: string } | null> {
  const after = change.after;
  if (!after || !archivable(change.kind)) return null;
  const archived = { archivedAt: { not: null } };
  switch (change.kind) {
    case "repo":
    {
      const r = after as EntityValues["repo"];
      return tx.repository.findFirst({ where: { name: r.repo, ...(r.app ? { app: { name: r.app } } : { appId: null }), ...archived }, select: { id: true } });
    }
    case "build": {
      const repo = await repoRow(tx, change.parent.repo ?? "", change.parent.app);
      return tx.buildRule.findFirst({ where: { repositoryId: repo.id, name: (after as EntityValues["build"]).name, ...archived }, select: { id: true } });
    }
    case "deploy": {
      const b = await buildRow(tx, change.parent, change.parent.build ?? "");
      return tx.deploymentRule.findFirst({ where: { buildRuleId: b.id, branch: (after as EntityValues["deploy"]).branch, ...archived }, select: { id: true } });
    }
    case "target":
      return tx.target.findFirst({ where: { name: (after as EntityValues["target"]).name, ...archived }, select: { id: true } });
  }
}

async function findExisting(tx: Tx, change: AppliedChange): Promise<{ id: string } | null> {
  const found = await findAny(tx, change);
  // an archived row is not in the inventory: it cannot be changed or removed, only restored by a create
  if (found && archivable(change.kind) && (await archivedAtOf(tx, change.kind, found.id))) return null;
  return found;
}

async function findAny(tx: Tx, change: AppliedChange): Promise<{ id: string } | null> {
  const key = change.before;
  if (change.id) return { id: change.id };
  if (!key) return null;
  switch (change.kind) {
    case "app":
      return tx.githubApp.findUnique({ where: { name: (key as EntityValues["app"]).name }, select: { id: true } });
    case "host":
      return tx.host.findUnique({ where: { name: (key as EntityValues["host"]).name }, select: { id: true } });
    case "context":
      return tx.dockerContext.findUnique({ where: { name: (key as EntityValues["context"]).name }, select: { id: true } });
    case "registry":
      return tx.registry.findUnique({ where: { name: (key as EntityValues["registry"]).name }, select: { id: true } });
    case "channel":
      return tx.notificationChannel.findUnique({ where: { name: (key as EntityValues["channel"]).name }, select: { id: true } });
    case "repo": {
      const r = key as EntityValues["repo"];
      return tx.repository.findFirst({ where: { name: r.repo, ...(r.app ? { app: { name: r.app } } : { appId: null }) }, select: { id: true } });
    }
    case "secret": {
      const s = key as EntityValues["secret"];
      const { scopeKey } = await scopeKeyOf(tx, s);
      return tx.secret.findUnique({ where: { scopeKey_name: { scopeKey, name: s.name } }, select: { id: true } });
    }
    case "build":
      return buildRow(tx, change.parent, (key as EntityValues["build"]).name);
    case "deploy":
      return deployRow(tx, change.parent, (key as EntityValues["deploy"]).branch);
    case "target":
      return tx.target.findUnique({ where: { name: (key as EntityValues["target"]).name }, select: { id: true } });
  }
}

// ─── writers ────────────────────────────────────────────────────────────────────────────────────

async function writeApp(tx: Tx, id: string | null, a: EntityValues["app"]): Promise<string> {
  const data = {
    name: a.name,
    appId: a.app_id === null ? null : BigInt(a.app_id),
    slug: a.slug,
    apiUrl: a.api_url,
    webUrl: a.web_url,
    accountAllowlist: a.accounts,
  };
  return id ? (await tx.githubApp.update({ where: { id }, data })).id : (await tx.githubApp.create({ data })).id;
}

async function writeHost(tx: Tx, id: string | null, h: EntityValues["host"], actor: Actor): Promise<string> {
  const data = { name: h.name, address: h.address, port: h.port, user: h.user };
  const row = id ? await tx.host.update({ where: { id }, data }) : await tx.host.create({ data });
  // Pinned keys are part of a host in slipway.yml: make the set equal.
  const want = new Map(
    h.host_keys.map((line) => {
      const [algorithm, publicKey] = line.split(" ") as [string, string];
      return [fingerprintSha256(publicKey), { algorithm, publicKey }];
    }),
  );
  const have = await tx.hostKey.findMany({ where: { hostId: row.id } });
  const gone = have.filter((k) => !want.has(k.fingerprintSha256));
  if (gone.length) await tx.hostKey.deleteMany({ where: { id: { in: gone.map((k) => k.id) } } });
  const userId = actor.type === "user" || actor.type === "api_token" ? actor.userId : null;
  for (const [fp, k] of want) {
    if (have.some((x) => x.fingerprintSha256 === fp)) continue;
    await tx.hostKey.create({ data: { hostId: row.id, algorithm: k.algorithm, publicKey: k.publicKey, fingerprintSha256: fp, acceptedById: userId } });
  }
  return row.id;
}

async function writeContext(tx: Tx, id: string | null, c: EntityValues["context"]): Promise<string> {
  const data = {
    name: c.name,
    endpoint: c.endpoint,
    hostId: await hostForEndpoint(tx, c.endpoint),
    role: c.role,
    archs: c.archs,
    maxConcurrentBuilds: c.max_concurrent_builds,
  };
  return id ? (await tx.dockerContext.update({ where: { id }, data })).id : (await tx.dockerContext.create({ data })).id;
}

async function writeRegistry(tx: Tx, id: string | null, r: EntityValues["registry"]): Promise<string> {
  const data = { name: r.name, url: r.url, username: r.username };
  return id ? (await tx.registry.update({ where: { id }, data })).id : (await tx.registry.create({ data })).id;
}

async function writeChannel(tx: Tx, id: string | null, c: EntityValues["channel"], actor: Actor): Promise<string> {
  const data = { name: c.name, kind: c.kind, events: c.events, apps: c.apps, repositories: c.repositories, enabled: c.enabled };
  const row = id ? await tx.notificationChannel.update({ where: { id }, data }) : await tx.notificationChannel.create({ data });
  // a webhook channel signs with a secret Slipway makes (slipway.yml never carries it): one is created when missing,
  // and shown under Settings → Notifications → the channel → Rotate
  if (row.kind === "webhook" && !row.signingSecretId) await createSigningSecret(tx, row.id, row.name, actor);
  return row.id;
}

async function writeRepo(tx: Tx, id: string | null, r: EntityValues["repo"]): Promise<string> {
  const data = {
    name: r.repo,
    provider: r.app ? ("github" as const) : ("git" as const),
    appId: r.app ? await appId(tx, r.app) : null,
    url: r.url,
    defaultBranch: r.default_branch,
    pollIntervalSeconds: r.poll_interval,
    enabled: r.enabled,
    archivedAt: null,
  };
  return id ? (await tx.repository.update({ where: { id }, data })).id : (await tx.repository.create({ data })).id;
}

async function writeSecret(tx: Tx, id: string | null, s: EntityValues["secret"], actor: Actor): Promise<string> {
  const scope = await scopeKeyOf(tx, s);
  const updatedById = actor.type === "user" || actor.type === "api_token" ? actor.userId : null;
  if (id) {
    const before = await tx.secret.findUniqueOrThrow({ where: { id } });
    if (before.scopeKey !== scope.scopeKey || before.name !== s.name) {
      // The value is sealed to the row id (lib/services/inventory/secrets.ts), so a move keeps it readable.
      await tx.secret.update({ where: { id }, data: { name: s.name, scope: s.scope, ...scope, updatedById } });
    }
    return id;
  }
  return (await tx.secret.create({ data: { name: s.name, scope: s.scope, ...scope, sealed: null, updatedById } })).id;
}

async function writeBuild(tx: Tx, id: string | null, b: EntityValues["build"], parent: Change["parent"]): Promise<string> {
  const repo = await repoRow(tx, parent.repo ?? "", parent.app);
  const data = {
    name: b.name,
    kind: b.kind,
    dockerfile: b.dockerfile,
    contextDir: b.context,
    buildArgs: b.build_args,
    buildSecrets: b.build_secrets,
    archs: b.archs,
    includeGit: b.include_git,
    timeoutSeconds: b.timeout,
    unikernelTarget: b.target,
    maxArtifactMib: b.max_size ?? DEFAULT_MAX_ARTIFACT_MIB,
    archivedAt: null,
  };
  if (id) {
    const live = { where: { archivedAt: null } };
    const before = await tx.buildRule.findUniqueOrThrow({ where: { id }, include: { deploymentRules: { ...live, include: { targets: live } } } });
    if (before.kind !== b.kind && before.deploymentRules.some((d) => d.targets.length)) {
      throw new ConflictError(`build ${before.name} deploys to targets of the ${before.kind} kind; remove its deployment rules before making it a ${b.kind} build`);
    }
    return (await tx.buildRule.update({ where: { id }, data })).id;
  }
  const position = await tx.buildRule.count({ where: { repositoryId: repo.id } });
  return (await tx.buildRule.create({ data: { ...data, repositoryId: repo.id, position } })).id;
}

async function writeDeploy(tx: Tx, id: string | null, d: EntityValues["deploy"], parent: Change["parent"], renamed?: ReadonlyMap<string, string>): Promise<string> {
  const build = await buildRow(tx, parent, parent.build ?? "");
  if (!d.image) missing("image", missingImageMessage(build.kind));
  const data = {
    branch: d.branch,
    image: d.image,
    registryId: d.registry ? await registryId(tx, d.registry) : null,
    approvalMode: d.approval.mode,
    minApprovers: d.approval.min_approvers,
    approverRole: d.approval.approver_role,
    approvalExpirySeconds: d.approval.expires_after,
    confirmLevel: d.confirm,
    previewEnabled: d.preview?.enabled ?? false,
    previewContextId: d.preview?.context ? (await contextRow(tx, d.preview.context)).id : null,
    previewUrl: d.preview?.url ?? null,
    previewLabels: d.preview?.labels ?? [],
    previewPort: d.preview?.port ?? null,
    previewNetwork: d.preview?.network ?? null,
    previewTtlHours: d.preview?.ttl_hours ?? DEFAULT_PREVIEW_TTL_HOURS,
    previewMaxConcurrent: d.preview?.max_concurrent ?? DEFAULT_PREVIEW_MAX_CONCURRENT,
    archivedAt: null,
  };
  const ruleId = id ? (await tx.deploymentRule.update({ where: { id }, data })).id : (await tx.deploymentRule.create({ data: { ...data, buildRuleId: build.id } })).id;
  await writeEnvironments(tx, ruleId, d.environments, renamed);
  return ruleId;
}

/**
 * Which of a rule's stages (`have`) a new list (`want`, by name) keeps, renames or deletes. A stage is matched by
 * its name; `renamed` (old → new, from the console's form) keeps a renamed stage's row, and a listed name that a
 * rename takes is that stage's, not the row of the same name (which goes).
 */
export function planStages<H extends { name: string }>(have: readonly H[], want: readonly string[], renamed: ReadonlyMap<string, string> = new Map()): { moves: { row: H; to: string }[]; gone: H[] } {
  const wanted = new Set(want);
  const moves = have.flatMap((row) => {
    const to = renamed.get(row.name);
    return to !== undefined && to !== row.name && wanted.has(to) ? [{ row, to }] : [];
  });
  const claimed = new Set(moves.map((m) => m.to));
  const gone = have.filter((h) => !moves.some((m) => m.row === h) && (!wanted.has(h.name) || claimed.has(h.name)));
  return { moves, gone };
}

/**
 * Makes the rule's environments those listed, in that order (matched by name, so a stage's targets stay in it;
 * a stage renamed in the form keeps its row). A stage no longer listed is deleted; its targets are in no
 * environment until a target change names another (an import changes them in the same transaction, as its file
 * says; the form refuses to drop a stage that live targets are in).
 */
async function writeEnvironments(tx: Tx, ruleId: string, envs: EntityValues["deploy"]["environments"], renamed?: ReadonlyMap<string, string>): Promise<void> {
  const have = await tx.environment.findMany({ where: { deploymentRuleId: ruleId }, select: { id: true, name: true } });
  const { moves, gone } = planStages(have, envs.map((e) => e.name), renamed);
  if (gone.length) await tx.environment.deleteMany({ where: { id: { in: gone.map((g) => g.id) } } });
  // in two steps, so that stages trading names never meet on (rule, name)
  for (const m of moves) await tx.environment.update({ where: { id: m.row.id }, data: { name: `${m.row.id} (renaming)` } });
  for (const m of moves) await tx.environment.update({ where: { id: m.row.id }, data: { name: m.to } });
  for (const [position, e] of envs.entries()) {
    const data = {
      position,
      soakSeconds: e.soak,
      checkUrls: e.checks,
      approvalMode: e.approval.mode,
      minApprovers: e.approval.min_approvers,
      approverRole: e.approval.approver_role,
      approvalExpirySeconds: e.approval.expires_after,
      confirmLevel: e.confirm,
    };
    await tx.environment.upsert({ where: { deploymentRuleId_name: { deploymentRuleId: ruleId, name: e.name } }, create: { ...data, deploymentRuleId: ruleId, name: e.name }, update: data });
  }
}

async function writeTarget(tx: Tx, id: string | null, t: EntityValues["target"], parent: Change["parent"]): Promise<string> {
  const rule = await deployRow(tx, parent, parent.branch ?? "");
  const build = await tx.buildRule.findUniqueOrThrow({ where: { id: rule.buildRuleId } });
  if (build.kind === "docker" && t.host) missing("host", "a docker build deploys to a docker context, not to a host");
  if (build.kind === "unikernel" && t.context) missing("context", "a unikernel deploys to a host, not to a docker context");
  let dockerContextId: string | null = null;
  if (t.context) {
    const c = await contextRow(tx, t.context);
    if (c.role === "build" && t.kind === "swarm_service") missing("context", `context '${c.name}' is a build host only; a swarm service needs a context with the swarm_manager or both role`);
    dockerContextId = c.id;
  }
  const hostId = t.host ? (await hostRow(tx, t.host)).id : null;
  let environmentId: string | null = null;
  if (t.environment) {
    const envs = await tx.environment.findMany({ where: { deploymentRuleId: rule.id }, orderBy: { position: "asc" }, select: { id: true, name: true } });
    const env = envs.find((e) => e.name === t.environment);
    if (!env) {
      missing(
        "environment",
        envs.length
          ? `the deployment rule for branch ${rule.branch} has no environment named '${t.environment}'; its environments are ${envs.map((e) => e.name).join(", ")}`
          : `the deployment rule for branch ${rule.branch} has no environments; add '${t.environment}' to its environments first`,
      );
    }
    environmentId = env.id;
  }
  const data = {
    name: t.name,
    kind: t.kind,
    dockerContextId,
    hostId,
    service: t.service,
    composeProject: t.compose_project,
    unikernelDir: t.dir,
    keepArtifacts: t.keep ?? DEFAULT_KEEP_ARTIFACTS,
    restartMethod: t.restart?.method ?? null,
    restartUnit: t.restart?.unit ?? null,
    memoryMib: t.restart?.memory ?? null,
    networks: t.restart?.networks ?? [],
    bootArgs: t.restart?.args ?? [],
    restartArgv: t.restart?.argv ?? [],
    artifactRepoPath: t.artifact_repo,
    artifactRepoBranch: t.branch,
    healthUrl: t.health_url,
    healthTimeoutSeconds: t.health_timeout,
    convergeTimeoutSeconds: t.converge_timeout,
    monitorSeconds: t.monitor ?? null,
    allowUnsigned: t.allow_unsigned,
    environmentId,
    deploymentRuleId: rule.id,
    archivedAt: null,
  };
  return id ? (await tx.target.update({ where: { id }, data })).id : (await tx.target.create({ data })).id;
}

// ─── deletes ────────────────────────────────────────────────────────────────────────────────────

function plural(n: number, one: string, many = `${one}s`) {
  return `${n} ${n === 1 ? one : many}`;
}

/** Archives a row and everything under it that is still live, with one timestamp. */
async function archiveRow(tx: Tx, kind: Archivable, id: string): Promise<void> {
  const archivedAt = new Date();
  const live = { archivedAt: null };
  // what was waiting to deploy there never will: cancelled (a deployment under way finishes)
  const targets =
    kind === "repo"
      ? { deploymentRule: { buildRule: { repositoryId: id } } }
      : kind === "build"
        ? { deploymentRule: { buildRuleId: id } }
        : kind === "deploy"
          ? { deploymentRuleId: id }
          : { id };
  await tx.deployment.updateMany({
    where: { state: { in: ["pending_approval", "queued"] }, target: { ...live, ...targets } },
    data: { state: "cancelled", reason: "cancelled: the target was removed from the inventory (archived)", finishedAt: archivedAt },
  });
  if (kind === "repo") {
    await tx.target.updateMany({ where: { ...live, deploymentRule: { buildRule: { repositoryId: id } } }, data: { archivedAt } });
    await tx.deploymentRule.updateMany({ where: { ...live, buildRule: { repositoryId: id } }, data: { archivedAt } });
    await tx.buildRule.updateMany({ where: { ...live, repositoryId: id }, data: { archivedAt } });
    await tx.repository.update({ where: { id }, data: { archivedAt } });
  } else if (kind === "build") {
    await tx.target.updateMany({ where: { ...live, deploymentRule: { buildRuleId: id } }, data: { archivedAt } });
    await tx.deploymentRule.updateMany({ where: { ...live, buildRuleId: id }, data: { archivedAt } });
    await tx.buildRule.update({ where: { id }, data: { archivedAt } });
  } else if (kind === "deploy") {
    await tx.target.updateMany({ where: { ...live, deploymentRuleId: id }, data: { archivedAt } });
    await tx.deploymentRule.update({ where: { id }, data: { archivedAt } });
  } else {
    await tx.target.update({ where: { id }, data: { archivedAt } });
  }
}

/** What of a row's history keeps it (archived) instead of deleting it, in words; null when it has none. */
async function historyOf(tx: Tx, kind: Archivable, id: string): Promise<string | null> {
  const archived = { archivedAt: { not: null } };
  const parts: string[] = [];
  if (kind === "repo") {
    const builds = await tx.build.count({ where: { buildRule: { repositoryId: id } } });
    if (builds) parts.push(plural(builds, "build"));
    if (!builds && (await tx.buildRule.count({ where: { repositoryId: id, ...archived } }))) parts.push("archived build rules");
  } else if (kind === "build") {
    const builds = await tx.build.count({ where: { buildRuleId: id } });
    if (builds) parts.push(plural(builds, "build"));
    if (!builds && (await tx.deploymentRule.count({ where: { buildRuleId: id, ...archived } }))) parts.push("archived deployment rules");
  } else if (kind === "deploy") {
    const releases = await tx.release.count({ where: { deploymentRuleId: id } });
    if (releases) parts.push(plural(releases, "release"));
    const deployments = await tx.deployment.count({ where: { target: { deploymentRuleId: id } } });
    if (deployments) parts.push(plural(deployments, "deployment"));
    // a rule with previews is archived, not deleted: the previews sweep then tears down their services (a delete
    // would drop their rows with the rule and leave the services running, with nothing left that knows them)
    const previews = await tx.preview.count({ where: { deploymentRuleId: id } });
    if (previews) parts.push(plural(previews, "preview"));
    if (!releases && !deployments && !previews && (await tx.target.count({ where: { deploymentRuleId: id, ...archived } }))) parts.push("archived targets");
  } else {
    const deployments = await tx.deployment.count({ where: { targetId: id } });
    if (deployments) parts.push(plural(deployments, "deployment"));
  }
  return parts.length ? parts.join(" and ") : null;
}

/** Deletes a row, or archives it when it has history; says which (and why, for an archive). */
async function deleteRow(tx: Tx, kind: EntityKind, id: string, label: string): Promise<{ archived: string | null }> {
  const refuse = (why: string) => {
    throw new ConflictError(`${label} cannot be deleted: ${why}`);
  };
  const live = { archivedAt: null };
  const archived = { archivedAt: { not: null } };
  switch (kind) {
    case "app": {
      const repos = await tx.repository.count({ where: { appId: id, ...live } });
      if (repos) refuse(`${plural(repos, "repository", "repositories")} belong to it; move or delete them first`);
      // archived repositories keep their history, not their app
      await tx.repository.updateMany({ where: { appId: id, ...archived }, data: { appId: null } });
      const app = await tx.githubApp.update({ where: { id }, data: { privateKeySecretId: null, webhookSecretId: null } });
      await tx.secret.deleteMany({ where: { scopeKey: `github_app:${app.id}` } });
      await tx.githubApp.delete({ where: { id } });
      return { archived: null };
    }
    case "host": {
      const [contexts, targets] = await Promise.all([tx.dockerContext.count({ where: { hostId: id } }), tx.target.count({ where: { hostId: id, ...live } })]);
      if (contexts || targets) refuse(`${plural(contexts, "docker context")} and ${plural(targets, "target")} use it; change them first`);
      await tx.target.updateMany({ where: { hostId: id, ...archived }, data: { hostId: null } });
      await tx.host.delete({ where: { id } });
      return { archived: null };
    }
    case "context": {
      const targets = await tx.target.count({ where: { dockerContextId: id, ...live } });
      if (targets) refuse(`${plural(targets, "target")} deploy through it; change them first`);
      await tx.target.updateMany({ where: { dockerContextId: id, ...archived }, data: { dockerContextId: null } });
      await tx.dockerContext.delete({ where: { id } });
      return { archived: null };
    }
    case "registry": {
      const rules = await tx.deploymentRule.count({ where: { registryId: id, ...live } });
      if (rules) refuse(`${plural(rules, "deployment rule")} push with it; change them first`);
      await tx.deploymentRule.updateMany({ where: { registryId: id, ...archived }, data: { registryId: null } });
      await tx.registry.update({ where: { id }, data: { passwordSecretId: null } });
      await tx.secret.deleteMany({ where: { scopeKey: `registry:${id}` } });
      await tx.registry.delete({ where: { id } });
      return { archived: null };
    }
    case "channel":
      await tx.notificationChannel.update({ where: { id }, data: { urlSecretId: null, signingSecretId: null } });
      await tx.secret.deleteMany({ where: { scopeKey: `notification_channel:${id}` } });
      await tx.notificationChannel.delete({ where: { id } });
      return { archived: null };
    case "secret":
      await tx.secret.delete({ where: { id } });
      return { archived: null };
    case "repo":
    case "build":
    case "deploy":
    case "target": {
      const history = await historyOf(tx, kind, id);
      if (history) {
        await archiveRow(tx, kind, id);
        return { archived: history };
      }
      if (kind === "repo") await tx.repository.delete({ where: { id } });
      else if (kind === "build") await tx.buildRule.delete({ where: { id } });
      else if (kind === "deploy") await tx.deploymentRule.delete({ where: { id } });
      else await tx.target.delete({ where: { id } });
      return { archived: null };
    }
  }
}

// ─── apply ──────────────────────────────────────────────────────────────────────────────────────

async function ensureNameFree(tx: Tx, change: AppliedChange, existingId: string | null): Promise<void> {
  const after = change.after;
  if (!after) return;
  let other: { id: string } | null = null;
  let field = "name";
  switch (change.kind) {
    case "app":
      other = await tx.githubApp.findUnique({ where: { name: (after as EntityValues["app"]).name }, select: { id: true } });
      break;
    case "host":
      other = await tx.host.findUnique({ where: { name: (after as EntityValues["host"]).name }, select: { id: true } });
      break;
    case "context":
      other = await tx.dockerContext.findUnique({ where: { name: (after as EntityValues["context"]).name }, select: { id: true } });
      break;
    case "registry":
      other = await tx.registry.findUnique({ where: { name: (after as EntityValues["registry"]).name }, select: { id: true } });
      break;
    case "channel":
      other = await tx.notificationChannel.findUnique({ where: { name: (after as EntityValues["channel"]).name }, select: { id: true } });
      break;
    case "repo": {
      // one entry per repository and app: a second one under the same app is refused (merge them)
      const r = after as EntityValues["repo"];
      other = await tx.repository.findFirst({ where: { name: r.repo, ...(r.app ? { app: { name: r.app } } : { appId: null }) }, select: { id: true } });
      if (other && other.id !== existingId) {
        throw new ValidationError([
          { path: "repo", message: `repository ${r.repo} is already listed ${r.app ? `under app ${r.app}` : "without an app"}; add these build rules to that entry instead` },
        ]);
      }
      break;
    }
    case "target":
      other = await tx.target.findUnique({ where: { name: (after as EntityValues["target"]).name }, select: { id: true } });
      break;
    case "secret": {
      const s = after as EntityValues["secret"];
      const { scopeKey } = await scopeKeyOf(tx, s);
      other = await tx.secret.findUnique({ where: { scopeKey_name: { scopeKey, name: s.name } }, select: { id: true } });
      break;
    }
    case "build": {
      const repo = await repoRow(tx, change.parent.repo ?? "", change.parent.app);
      other = await tx.buildRule.findUnique({ where: { repositoryId_name: { repositoryId: repo.id, name: (after as EntityValues["build"]).name } }, select: { id: true } });
      break;
    }
    case "deploy": {
      field = "branch";
      const b = await buildRow(tx, change.parent, change.parent.build ?? "");
      other = await tx.deploymentRule.findUnique({ where: { buildRuleId_branch: { buildRuleId: b.id, branch: (after as EntityValues["deploy"]).branch } }, select: { id: true } });
      break;
    }
  }
  if (other && other.id !== existingId) {
    throw new ValidationError([{ path: field, message: `a ${kindLabels[change.kind]} with this ${field === "branch" ? "branch" : "name"} already exists; choose another` }]);
  }
}

function describe(change: AppliedChange, how: { archived: string | null; restored: boolean }): string {
  const name = change.label.replace(/^[^ ]+ /, "");
  if (change.action === "create") return how.restored ? `${kindLabels[change.kind]} restored from the archive: ${name}` : `${kindLabels[change.kind]} created: ${name}`;
  if (change.action === "delete") {
    return how.archived
      ? `${change.label} archived: it has ${how.archived}, which Slipway keeps; it no longer builds or deploys, and its history stays readable`
      : `${change.label} deleted`;
  }
  return `${change.label} changed: ${change.fields.join(", ")}`;
}

/** Applies one change with its audit event, in the caller's transaction; returns the row id. */
export async function applyChange(tx: Tx, actor: Actor, change: AppliedChange): Promise<string> {
  let existing = change.action === "create" ? null : await findExisting(tx, change);
  if (change.action !== "create" && !existing) throw new NotFoundError(`${change.label} does not exist any more; reload the page.`);
  // a create with the natural key of an archived row restores that row (its history continues)
  const restored = change.action === "create" ? await findArchived(tx, change) : null;
  if (restored) existing = restored;
  const id = existing?.id ?? null;
  let archived: string | null = null;
  if (change.action === "delete") {
    archived = (await deleteRow(tx, change.kind, id!, change.label)).archived;
  } else {
    await ensureNameFree(tx, change, id);
  }
  let rowId = id;
  if (change.action !== "delete") {
    switch (change.kind) {
      case "app":
        rowId = await writeApp(tx, id, change.after!);
        break;
      case "host":
        rowId = await writeHost(tx, id, change.after!, actor);
        break;
      case "context":
        rowId = await writeContext(tx, id, change.after!);
        break;
      case "registry":
        rowId = await writeRegistry(tx, id, change.after!);
        break;
      case "channel":
        rowId = await writeChannel(tx, id, change.after!, actor);
        break;
      case "repo":
        rowId = await writeRepo(tx, id, change.after!);
        break;
      case "secret":
        rowId = await writeSecret(tx, id, change.after!, actor);
        break;
      case "build":
        rowId = await writeBuild(tx, id, change.after!, change.parent);
        break;
      case "deploy":
        rowId = await writeDeploy(tx, id, change.after!, change.parent, change.renamedStages);
        break;
      case "target":
        rowId = await writeTarget(tx, id, change.after!, change.parent);
        break;
    }
  }
  const subject = subjectOf[change.kind];
  const verb = change.action === "create" ? (restored ? "restored" : "created") : change.action === "update" ? "updated" : archived ? "archived" : "deleted";
  await recordAudit(tx, {
    actor,
    action: `${subject}.${verb}` as AuditAction,
    subjectType: subject,
    subjectId: rowId,
    summary: describe(change, { archived, restored: restored !== null }),
    before: change.before ?? undefined,
    after: change.after ?? undefined,
  });
  return rowId!;
}
