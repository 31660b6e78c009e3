// The one place the inventory is written. A change (lib/config/diff.ts) is applied to the database with an
// audit event, inside the caller's transaction; the console's forms and slipway.yml import both come here.
// References are resolved by name when the change is applied, so a change list applies in order in one
// transaction (a repository created before its build rules). Deletes refuse to erase history.
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

/** A change as the forms make it: like an import's, optionally naming the row by id (renames). */
export type AppliedChange = Change & { id?: string };

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
async function repoRow(tx: Tx, name: string, field = "repo") {
  const row = await tx.repository.findUnique({ where: { name } });
  return row ?? missing(field, `there is no repository '${name}'`);
}
async function buildRow(tx: Tx, repo: string, build: string) {
  const r = await repoRow(tx, repo);
  const row = await tx.buildRule.findUnique({ where: { repositoryId_name: { repositoryId: r.id, name: build } } });
  return row ?? missing("build", `repository ${repo} has no build rule named '${build}'`);
}
async function deployRow(tx: Tx, repo: string, build: string, branch: string) {
  const b = await buildRow(tx, repo, build);
  const row = await tx.deploymentRule.findUnique({ where: { buildRuleId_branch: { buildRuleId: b.id, branch } } });
  return row ?? missing("branch", `build ${build} of ${repo} has no deployment rule for branch '${branch}'`);
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
    const r = await repoRow(tx, s.repo ?? "");
    return { scopeKey: `repository:${r.id}`, appId: null, repositoryId: r.id };
  }
  return { scopeKey: "global", appId: null, repositoryId: null };
}

async function findExisting(tx: Tx, change: AppliedChange): Promise<{ id: string } | null> {
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
    case "repo":
      return tx.repository.findUnique({ where: { name: (key as EntityValues["repo"]).repo }, select: { id: true } });
    case "secret": {
      const s = key as EntityValues["secret"];
      const { scopeKey } = await scopeKeyOf(tx, s);
      return tx.secret.findUnique({ where: { scopeKey_name: { scopeKey, name: s.name } }, select: { id: true } });
    }
    case "build":
      return buildRow(tx, change.parent.repo!, (key as EntityValues["build"]).name);
    case "deploy":
      return deployRow(tx, change.parent.repo!, change.parent.build!, (key as EntityValues["deploy"]).branch);
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

async function writeChannel(tx: Tx, id: string | null, c: EntityValues["channel"]): Promise<string> {
  const data = { name: c.name, kind: c.kind, events: c.events, enabled: c.enabled };
  return id ? (await tx.notificationChannel.update({ where: { id }, data })).id : (await tx.notificationChannel.create({ data })).id;
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
  const repo = await repoRow(tx, parent.repo ?? "");
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
  };
  if (id) {
    const before = await tx.buildRule.findUniqueOrThrow({ where: { id }, include: { deploymentRules: { include: { targets: true } } } });
    if (before.kind !== b.kind && before.deploymentRules.some((d) => d.targets.length)) {
      throw new ConflictError(`build ${before.name} deploys to targets of the ${before.kind} kind; remove its deployment rules before making it a ${b.kind} build`);
    }
    return (await tx.buildRule.update({ where: { id }, data })).id;
  }
  const position = await tx.buildRule.count({ where: { repositoryId: repo.id } });
  return (await tx.buildRule.create({ data: { ...data, repositoryId: repo.id, position } })).id;
}

async function writeDeploy(tx: Tx, id: string | null, d: EntityValues["deploy"], parent: Change["parent"]): Promise<string> {
  const build = await buildRow(tx, parent.repo ?? "", parent.build ?? "");
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
  };
  return id ? (await tx.deploymentRule.update({ where: { id }, data })).id : (await tx.deploymentRule.create({ data: { ...data, buildRuleId: build.id } })).id;
}

async function writeTarget(tx: Tx, id: string | null, t: EntityValues["target"], parent: Change["parent"]): Promise<string> {
  const rule = await deployRow(tx, parent.repo ?? "", parent.build ?? "", parent.branch ?? "");
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
    monitorSeconds: t.monitor,
    deploymentRuleId: rule.id,
  };
  return id ? (await tx.target.update({ where: { id }, data })).id : (await tx.target.create({ data })).id;
}

// ─── deletes ────────────────────────────────────────────────────────────────────────────────────

function plural(n: number, one: string, many = `${one}s`) {
  return `${n} ${n === 1 ? one : many}`;
}

async function deleteRow(tx: Tx, kind: EntityKind, id: string, label: string): Promise<void> {
  const refuse = (why: string) => {
    throw new ConflictError(`${label} cannot be deleted: ${why}`);
  };
  switch (kind) {
    case "app": {
      const repos = await tx.repository.count({ where: { appId: id } });
      if (repos) refuse(`${plural(repos, "repository", "repositories")} belong to it; move or delete them first`);
      const app = await tx.githubApp.update({ where: { id }, data: { privateKeySecretId: null, webhookSecretId: null } });
      await tx.secret.deleteMany({ where: { scopeKey: `github_app:${app.id}` } });
      await tx.githubApp.delete({ where: { id } });
      return;
    }
    case "host": {
      const [contexts, targets] = await Promise.all([tx.dockerContext.count({ where: { hostId: id } }), tx.target.count({ where: { hostId: id } })]);
      if (contexts || targets) refuse(`${plural(contexts, "docker context")} and ${plural(targets, "target")} use it; change them first`);
      await tx.host.delete({ where: { id } });
      return;
    }
    case "context": {
      const targets = await tx.target.count({ where: { dockerContextId: id } });
      if (targets) refuse(`${plural(targets, "target")} deploy through it; change them first`);
      await tx.dockerContext.delete({ where: { id } });
      return;
    }
    case "registry": {
      const rules = await tx.deploymentRule.count({ where: { registryId: id } });
      if (rules) refuse(`${plural(rules, "deployment rule")} push with it; change them first`);
      await tx.registry.update({ where: { id }, data: { passwordSecretId: null } });
      await tx.secret.deleteMany({ where: { scopeKey: `registry:${id}` } });
      await tx.registry.delete({ where: { id } });
      return;
    }
    case "channel":
      await tx.notificationChannel.update({ where: { id }, data: { urlSecretId: null } });
      await tx.secret.deleteMany({ where: { scopeKey: `notification_channel:${id}` } });
      await tx.notificationChannel.delete({ where: { id } });
      return;
    case "secret":
      await tx.secret.delete({ where: { id } });
      return;
    case "repo": {
      const releases = await tx.release.count({ where: { build: { buildRule: { repositoryId: id } } } });
      if (releases) refuse(`it has ${plural(releases, "release")}; Slipway keeps release history. Disable the repository instead (enabled: false)`);
      await tx.repository.delete({ where: { id } });
      return;
    }
    case "build": {
      const releases = await tx.release.count({ where: { build: { buildRuleId: id } } });
      if (releases) refuse(`it has ${plural(releases, "release")}; Slipway keeps release history`);
      await tx.buildRule.delete({ where: { id } });
      return;
    }
    case "deploy": {
      const releases = await tx.release.count({ where: { deploymentRuleId: id } });
      if (releases) refuse(`it has ${plural(releases, "release")}; Slipway keeps release history`);
      await tx.deploymentRule.delete({ where: { id } });
      return;
    }
    case "target": {
      const deployments = await tx.deployment.count({ where: { targetId: id } });
      if (deployments) refuse(`it has ${plural(deployments, "deployment")} in its history, which Slipway keeps`);
      await tx.target.delete({ where: { id } });
      return;
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
    case "repo":
      field = "repo";
      other = await tx.repository.findUnique({ where: { name: (after as EntityValues["repo"]).repo }, select: { id: true } });
      break;
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
      const repo = await repoRow(tx, change.parent.repo ?? "");
      other = await tx.buildRule.findUnique({ where: { repositoryId_name: { repositoryId: repo.id, name: (after as EntityValues["build"]).name } }, select: { id: true } });
      break;
    }
    case "deploy": {
      field = "branch";
      const b = await buildRow(tx, change.parent.repo ?? "", change.parent.build ?? "");
      other = await tx.deploymentRule.findUnique({ where: { buildRuleId_branch: { buildRuleId: b.id, branch: (after as EntityValues["deploy"]).branch } }, select: { id: true } });
      break;
    }
  }
  if (other && other.id !== existingId) {
    throw new ValidationError([{ path: field, message: `a ${kindLabels[change.kind]} with this ${field === "branch" ? "branch" : "name"} already exists; choose another` }]);
  }
}

function describe(change: AppliedChange): string {
  if (change.action === "create") return `${kindLabels[change.kind]} created: ${change.label.replace(/^[^ ]+ /, "")}`;
  if (change.action === "delete") return `${change.label} deleted`;
  return `${change.label} changed: ${change.fields.join(", ")}`;
}

/** Applies one change with its audit event, in the caller's transaction; returns the row id. */
export async function applyChange(tx: Tx, actor: Actor, change: AppliedChange): Promise<string> {
  const existing = change.action === "create" ? null : await findExisting(tx, change);
  if (change.action !== "create" && !existing) throw new NotFoundError(`${change.label} does not exist any more; reload the page.`);
  const id = existing?.id ?? null;
  if (change.action === "delete") {
    await deleteRow(tx, change.kind, id!, change.label);
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
        rowId = await writeChannel(tx, id, change.after!);
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
        rowId = await writeDeploy(tx, id, change.after!, change.parent);
        break;
      case "target":
        rowId = await writeTarget(tx, id, change.after!, change.parent);
        break;
    }
  }
  const subject = subjectOf[change.kind];
  const verb = change.action === "create" ? "created" : change.action === "update" ? "updated" : "deleted";
  await recordAudit(tx, {
    actor,
    action: `${subject}.${verb}` as AuditAction,
    subjectType: subject,
    subjectId: rowId,
    summary: describe(change),
    before: change.before ?? undefined,
    after: change.after ?? undefined,
  });
  return rowId!;
}
