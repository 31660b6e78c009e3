// Inventory commands for the console's forms and the REST API: save (create or update) and delete one
// entity. Each parses with the same schema slipway.yml uses, turns the edit into a change and applies it
// (lib/services/inventory/apply.ts) under the inventory lock, with its audit event, in one transaction.
import { z } from "zod";
import { getDb, type Tx } from "@/lib/db";
import type { Actor } from "@/lib/auth/actor";
import { authorize } from "@/lib/services/authorize";
import { recordAudit } from "@/lib/audit/record";
import { NotFoundError, ValidationError } from "@/lib/errors";
import { parseInput } from "@/lib/validation/parse";
import { ROW_ID_PROBLEM, rowId } from "@/lib/validation/ids";
import {
  appEntity,
  buildEntity,
  channelEntity,
  contextEntity,
  deployEntity,
  hostEntity,
  registryEntity,
  repoEntity,
  secretEntity,
  secretValue,
  slackWebhookUrl,
  webhookEndpointUrl,
  targetEntity,
} from "@/lib/validation/inventory";
import {
  canonApp,
  canonBuildFields,
  canonChannel,
  canonContext,
  canonDeployFields,
  canonEnvironmentRow,
  canonHost,
  canonRegistry,
  canonRepoFields,
  canonSecret,
  canonTarget,
  canonicalSecretKey,
  repoEntryName,
  sharedRepoNames,
  type CanonDoc,
} from "@/lib/config/canonical";
import { entities, kindLabels, type Change, type EntityKind, type EntityParent, type EntityValues } from "@/lib/config/diff";
import { applyChange, archivedAtOf, planStages, type AppliedChange, type Archivable } from "@/lib/services/inventory/apply";
import { secretVisibleTo } from "@/lib/config/check";
import { rsaPrivateKeyProblem } from "@/lib/github/app-key";
import { lockInventory, readInventory } from "@/lib/services/inventory/state";
import { revealSecret, setOwnedSecret, storeSecretValue } from "@/lib/services/inventory/secret-values";
import { edits, environmentsFromForm, previewFromForm } from "@/lib/services/inventory/deploy-rule-form";

// empty in a form that creates; otherwise the row's id
const idField = z.string().trim().max(64, "is too long").regex(/^[A-Za-z0-9_-]*$/, ROW_ID_PROBLEM).optional().transform((s) => (s ? s : undefined));

function userIdOf(actor: Actor): string | null {
  return actor.type === "user" || actor.type === "api_token" ? actor.userId : null;
}


/** Where a row sits in the canonical document `doc` (read in the same transaction): its kind's natural key and its parent. */
async function locate(tx: Tx, kind: EntityKind, id: string, doc: CanonDoc): Promise<{ key: string; parent: EntityParent }> {
  const notFound = () => {
    throw new NotFoundError(`That ${kindLabels[kind]} does not exist any more; reload the page.`);
  };
  const shared = sharedRepoNames(doc);
  const repoInclude = { include: { app: { select: { name: true } } } } as const;
  const at = (r: { name: string; app: { name: string } | null }) => ({ repo: r.name, app: r.app?.name ?? null });
  const entry = (r: { name: string; app: { name: string } | null }) => repoEntryName({ repo: r.name, app: r.app?.name ?? null }, shared);
  switch (kind) {
    case "app":
      return { key: (await tx.githubApp.findUnique({ where: { id } }))?.name ?? notFound(), parent: {} };
    case "host":
      return { key: (await tx.host.findUnique({ where: { id } }))?.name ?? notFound(), parent: {} };
    case "context":
      return { key: (await tx.dockerContext.findUnique({ where: { id } }))?.name ?? notFound(), parent: {} };
    case "registry":
      return { key: (await tx.registry.findUnique({ where: { id } }))?.name ?? notFound(), parent: {} };
    case "channel":
      return { key: (await tx.notificationChannel.findUnique({ where: { id } }))?.name ?? notFound(), parent: {} };
    case "repo": {
      const r = await tx.repository.findUnique({ where: { id }, ...repoInclude });
      return { key: r ? entry(r) : notFound(), parent: {} };
    }
    case "secret": {
      const s = await tx.secret.findUnique({ where: { id }, include: { app: true, repository: repoInclude } });
      if (!s || s.scope === "owned") return notFound();
      const app = (s.scope === "repository" ? s.repository?.app?.name : s.app?.name) ?? null;
      return { key: canonicalSecretKey({ scope: s.scope, app, repo: s.repository?.name ?? null, name: s.name }), parent: {} };
    }
    case "build": {
      const b = await tx.buildRule.findUnique({ where: { id }, include: { repository: repoInclude } });
      if (!b) return notFound();
      return { key: `${entry(b.repository)} ${b.name}`, parent: at(b.repository) };
    }
    case "deploy": {
      const d = await tx.deploymentRule.findUnique({ where: { id }, include: { buildRule: { include: { repository: repoInclude } } } });
      if (!d) return notFound();
      return { key: `${entry(d.buildRule.repository)} ${d.buildRule.name} ${d.branch}`, parent: { ...at(d.buildRule.repository), build: d.buildRule.name } };
    }
    case "target": {
      const t = await tx.target.findUnique({ where: { id }, include: { deploymentRule: { include: { buildRule: { include: { repository: repoInclude } } } } } });
      if (!t) return notFound();
      const d = t.deploymentRule;
      return { key: t.name, parent: { ...at(d.buildRule.repository), build: d.buildRule.name, branch: d.branch } };
    }
  }
}

function current<K extends EntityKind>(doc: CanonDoc, kind: K, key: string) {
  const e = entities(doc).find((x) => x.kind === kind && x.key === key);
  return (e?.value ?? null) as EntityValues[K] | null;
}

async function saveChange<K extends EntityKind>(
  tx: Tx,
  actor: Actor,
  kind: K,
  id: string | undefined,
  after: EntityValues[K],
  parent: EntityParent,
  label: string,
  extra: Pick<AppliedChange, "renamedStages"> = {},
): Promise<{ id: string; change: Change }> {
  await lockInventory(tx);
  let before: EntityValues[K] | null = null;
  let key = label;
  if (id) {
    const doc = await readInventory(tx);
    const at = await locate(tx, kind, id, doc);
    before = current(doc, kind, at.key);
    key = at.key;
    parent = at.parent;
  }
  const fields = before ? Object.keys(after).filter((k) => JSON.stringify((before as Record<string, unknown>)[k]) !== JSON.stringify((after as Record<string, unknown>)[k])) : [];
  const change = {
    kind,
    action: id ? "update" : "create",
    key,
    label: `${kindLabels[kind]} ${label}`,
    parent,
    before,
    after,
    fields,
  } as Change;
  if (id && fields.length === 0) return { id, change };
  const rowId = await applyChange(tx, actor, { ...change, ...extra, id });
  return { id: rowId, change };
}

function txn<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
  return getDb().$transaction(fn, { timeout: 30_000, maxWait: 15_000 });
}

function pick(raw: unknown, omit: string[]): Record<string, unknown> {
  const o = { ...((raw ?? {}) as Record<string, unknown>) };
  for (const k of omit) delete o[k];
  return o;
}

export interface Saved {
  id: string;
  created: boolean;
  /** the fields an update changed (empty when nothing changed) */
  fields: string[];
}

function saved(id: string | undefined, r: { id: string; change: Change }): Saved {
  return { id: r.id, created: !id, fields: r.change.fields };
}

// ─── GitHub apps ────────────────────────────────────────────────────────────────────────────────

const appCredentials = z.object({
  id: idField,
  private_key: z
    .string()
    .optional()
    .transform((s) => (s && s.trim() ? s.trim() : undefined))
    .superRefine((s, ctx) => {
      if (s === undefined) return;
      if (!/^-----BEGIN (RSA )?PRIVATE KEY-----[\s\S]+-----END (RSA )?PRIVATE KEY-----$/.test(s)) {
        return void ctx.addIssue({ code: "custom", message: "paste the whole .pem file GitHub gave you, from -----BEGIN RSA PRIVATE KEY----- to the END line" });
      }
      // the header alone proves nothing: a key cut short or mangled in the paste would fail every token later
      const problem = rsaPrivateKeyProblem(s);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    }),
  webhook_secret: z
    .string()
    .optional()
    .transform((s) => (s && s.trim() ? s.trim() : undefined))
    .refine((s) => s === undefined || s.length >= 16, { message: "use at least 16 characters (e.g. openssl rand -hex 32)" }),
});

export async function saveApp(actor: Actor, raw: unknown): Promise<Saved> {
  authorize(actor, "inventory.edit");
  const creds = parseInput(appCredentials, raw);
  const entity = parseInput(appEntity, pick(raw, ["id", "private_key", "webhook_secret"]));
  const after = canonApp(entity);
  return txn(async (tx) => {
    const r = await saveChange(tx, actor, "app", creds.id, after, {}, after.name);
    const set: string[] = [];
    const owner = { scopeKey: `github_app:${r.id}`, appId: r.id };
    if (creds.private_key) {
      const secretId = await setOwnedSecret(tx, owner, "private_key", creds.private_key, userIdOf(actor));
      await tx.githubApp.update({ where: { id: r.id }, data: { privateKeySecretId: secretId } });
      set.push("private key");
    }
    if (creds.webhook_secret) {
      const secretId = await setOwnedSecret(tx, owner, "webhook_secret", creds.webhook_secret, userIdOf(actor));
      await tx.githubApp.update({ where: { id: r.id }, data: { webhookSecretId: secretId } });
      set.push("webhook secret");
    }
    if (set.length) {
      await recordAudit(tx, {
        actor,
        action: "github_app.credentials_set",
        subjectType: "github_app",
        subjectId: r.id,
        summary: `GitHub app ${after.name}: ${set.join(" and ")} set`,
        after: { set },
      });
    }
    return saved(creds.id, r);
  });
}

// ─── hosts ──────────────────────────────────────────────────────────────────────────────────────

export async function saveHost(actor: Actor, raw: unknown): Promise<Saved> {
  authorize(actor, "inventory.edit");
  const { id } = parseInput(z.object({ id: idField }), raw);
  const entity = parseInput(hostEntity.omit({ host_keys: true }).strict(), pick(raw, ["id", "host_keys"]));
  return txn(async (tx) => {
    // Pinned keys are managed by scan/accept/paste (lib/services/inventory/hosts.ts), not by this form.
    let keys: string[] = [];
    if (id) {
      const doc = await readInventory(tx);
      const at = await locate(tx, "host", id, doc);
      keys = current(doc, "host", at.key)?.host_keys ?? [];
    }
    const after = { ...canonHost({ ...entity, host_keys: [] }), host_keys: keys };
    return saved(id, await saveChange(tx, actor, "host", id, after, {}, after.name));
  });
}

// ─── docker contexts ────────────────────────────────────────────────────────────────────────────

export async function saveContext(actor: Actor, raw: unknown): Promise<Saved> {
  authorize(actor, "inventory.edit");
  const { id } = parseInput(z.object({ id: idField }), raw);
  const entity = parseInput(contextEntity, pick(raw, ["id"]));
  const after = canonContext(entity);
  return txn(async (tx) => saved(id, await saveChange(tx, actor, "context", id, after, {}, after.name)));
}

// ─── registries ─────────────────────────────────────────────────────────────────────────────────

export async function saveRegistry(actor: Actor, raw: unknown): Promise<Saved> {
  authorize(actor, "inventory.edit");
  const { id, password } = parseInput(
    z.object({ id: idField, password: z.string().max(4096, "is too long").refine((s) => !s.includes("\0"), "must not contain a NUL byte (\\0): the registry would see a shorter password").optional().transform((s) => (s ? s : undefined)) }),
    raw,
  );
  const entity = parseInput(registryEntity, pick(raw, ["id", "password"]));
  const after = canonRegistry(entity);
  return txn(async (tx) => {
    const r = await saveChange(tx, actor, "registry", id, after, {}, after.name);
    if (password) {
      const secretId = await setOwnedSecret(tx, { scopeKey: `registry:${r.id}` }, "password", password, userIdOf(actor));
      await tx.registry.update({ where: { id: r.id }, data: { passwordSecretId: secretId } });
      await recordAudit(tx, { actor, action: "registry.password_set", subjectType: "registry", subjectId: r.id, summary: `registry ${after.name}: password set` });
    }
    return saved(id, r);
  });
}

// ─── notification channels ──────────────────────────────────────────────────────────────────────

export async function saveChannel(actor: Actor, raw: unknown): Promise<Saved & { signingSecret: string | null }> {
  authorize(actor, "inventory.edit");
  const entity = parseInput(channelEntity, pick(raw, ["id", "url"]));
  const urlSchema = entity.kind === "webhook" ? webhookEndpointUrl : slackWebhookUrl;
  const { id, url } = parseInput(z.object({ id: idField, url: z.preprocess((v) => (v === "" ? undefined : v), urlSchema.optional()) }), raw);
  const after = canonChannel(entity);
  return txn(async (tx) => {
    if (!id && !url) throw new ValidationError([{ path: "url", message: entity.kind === "webhook" ? "a new webhook channel needs the URL of its endpoint" : "a new channel needs its Slack incoming-webhook URL" }]);
    const before = id ? await tx.notificationChannel.findUnique({ where: { id }, select: { signingSecretId: true, kind: true } }) : null;
    if (id && before && before.kind !== after.kind && !url) throw new ValidationError([{ path: "url", message: `enter the ${after.kind === "webhook" ? "endpoint's" : "Slack webhook"} URL: the channel changes kind` }]);
    const r = await saveChange(tx, actor, "channel", id, after, {}, after.name);
    if (url) {
      const secretId = await setOwnedSecret(tx, { scopeKey: `notification_channel:${r.id}` }, "url", url, userIdOf(actor));
      await tx.notificationChannel.update({ where: { id: r.id }, data: { urlSecretId: secretId } });
      await recordAudit(tx, { actor, action: "notification_channel.url_set", subjectType: "notification_channel", subjectId: r.id, summary: `notification channel ${after.name}: webhook URL set` });
    }
    // a signing secret made by this save (a new webhook channel) is shown once, now
    const row = await tx.notificationChannel.findUniqueOrThrow({ where: { id: r.id }, select: { signingSecretId: true } });
    const fresh = row.signingSecretId && row.signingSecretId !== before?.signingSecretId ? await revealSecret(row.signingSecretId, tx) : null;
    return { ...saved(id, r), signingSecret: fresh };
  });
}

// ─── secrets ────────────────────────────────────────────────────────────────────────────────────

export async function saveSecret(actor: Actor, raw: unknown): Promise<Saved> {
  authorize(actor, "inventory.edit");
  const { id, value } = parseInput(z.object({ id: idField, value: z.preprocess((v) => (v === "" ? undefined : v), secretValue.optional()) }), raw);
  const entity = parseInput(secretEntity, pick(raw, ["id", "value"]));
  const after = canonSecret(entity);
  return txn(async (tx) => {
    if (after.scope === "repository" && !after.app) {
      // the app of the repository's entry, as the inventory names it (asked for when the repository is under several apps)
      const entries = await tx.repository.findMany({ where: { name: after.repo ?? "" }, select: { app: { select: { name: true } } }, take: 2 });
      if (entries.length === 1) after.app = entries[0]!.app?.name ?? null;
    }
    const r = await saveChange(tx, actor, "secret", id, after, {}, after.name);
    if (value !== undefined) {
      await storeSecretValue(tx, r.id, value, userIdOf(actor));
      await recordAudit(tx, { actor, action: "secret.value_set", subjectType: "secret", subjectId: r.id, summary: `secret ${after.name}: value set` });
    }
    return saved(id, r);
  });
}

// ─── repositories and their rules ───────────────────────────────────────────────────────────────

export async function saveRepository(actor: Actor, raw: unknown): Promise<Saved> {
  authorize(actor, "inventory.edit");
  const { id } = parseInput(z.object({ id: idField }), raw);
  const entity = parseInput(repoEntity, pick(raw, ["id"]));
  return txn(async (tx) => {
    const apps = entity.app ? await tx.githubApp.findMany({ where: { name: entity.app } }) : [];
    if (entity.app && apps.length === 0) throw new ValidationError([{ path: "app", message: `there is no GitHub app named '${entity.app}'` }]);
    const after = canonRepoFields(entity, apps[0]?.webUrl);
    return saved(id, await saveChange(tx, actor, "repo", id, after, {}, after.repo));
  });
}

const parentIds = z.object({ id: idField, repository_id: idField, build_rule_id: idField, deployment_rule_id: idField });

export async function saveBuildRule(actor: Actor, raw: unknown): Promise<Saved> {
  authorize(actor, "inventory.edit");
  const ids = parseInput(parentIds, raw);
  const entity = parseInput(buildEntity, pick(raw, ["id", "repository_id"]));
  const after = canonBuildFields(entity);
  return txn(async (tx) => {
    let parent: EntityParent = {};
    if (!ids.id) {
      const repo = ids.repository_id ? await tx.repository.findUnique({ where: { id: ids.repository_id }, include: { app: { select: { name: true } } } }) : null;
      if (!repo) throw new NotFoundError("That repository does not exist any more; reload the page.");
      parent = { repo: repo.name, app: repo.app?.name ?? null };
    }
    if (after.build_secrets.length) {
      // slipway.yml's check refuses a build secret no secret entry provides (lib/config/check.ts); the form
      // must too, or the next export would not import again
      await lockInventory(tx);
      const doc = await readInventory(tx);
      const at = ids.id ? (await locate(tx, "build", ids.id, doc)).parent : parent;
      const issues = after.build_secrets
        .map((name, i) => ({ name, i }))
        .filter(({ name }) => !doc.secrets.some((s) => s.name === name && secretVisibleTo(s, at)))
        .map(({ name, i }) => ({ path: `build_secrets[${i}]`, message: `no secret '${name}' is declared for ${at.repo ?? "this repository"}, its app, or globally; add it under Settings → Secrets first` }));
      if (issues.length) throw new ValidationError(issues);
    }
    return saved(ids.id, await saveChange(tx, actor, "build", ids.id, after, parent, after.name));
  });
}

/** Form fields of a deployment rule's approval policy (flat in the form, nested in slipway.yml). */
function approvalFromForm(raw: Record<string, unknown>): Record<string, unknown> {
  if (raw.approval !== undefined) return raw;
  const { approval_mode, min_approvers, approver_role, approval_expiry, ...rest } = raw;
  return { ...rest, approval: { mode: approval_mode || "automatic", min_approvers, approver_role, expires_after: approval_expiry } };
}

/**
 * Saves a deployment rule (the console's form, the API). Its stages and its preview settings are replaced when
 * the input carries them: `environments` / `preview` themselves, or the form's markers `edits_environments=1` /
 * `edits_preview=1` with its flat fields (./deploy-rule-form.ts; no stage rows = no stages, previews unticked =
 * off). Without them (an API client, an older form, a unikernel rule's form for previews) the rule keeps its
 * own. A stage renamed in the form keeps its row and its targets; dropping a stage that live targets are in is
 * refused in words.
 */
export async function saveDeploymentRule(actor: Actor, raw: unknown): Promise<Saved> {
  authorize(actor, "inventory.edit");
  const ids = parseInput(parentIds, raw);
  // the form's flat stage and preview fields, nested as slipway.yml nests them (./deploy-rule-form.ts)
  const stages = environmentsFromForm(pick(raw, ["id", "build_rule_id"]));
  const entity = parseInput(deployEntity, approvalFromForm(previewFromForm(stages.raw)));
  const editsPreview = edits(raw, "preview");
  return txn(async (tx) => {
    // first: the checks below read targets and contexts that a concurrent save could change before this one writes
    await lockInventory(tx);
    let parent: EntityParent = {};
    let buildKind: "docker" | "unikernel";
    if (!ids.id) {
      const b = ids.build_rule_id
        ? await tx.buildRule.findUnique({ where: { id: ids.build_rule_id }, include: { repository: { include: { app: { select: { name: true } } } } } })
        : null;
      if (!b) throw new NotFoundError("That build rule does not exist any more; reload the page.");
      parent = { repo: b.repository.name, app: b.repository.app?.name ?? null, build: b.name };
      buildKind = b.kind;
    } else {
      const d = await tx.deploymentRule.findUnique({ where: { id: ids.id }, select: { buildRule: { select: { kind: true } } } });
      if (!d) throw new NotFoundError("That deployment rule does not exist any more; reload the page.");
      buildKind = d.buildRule.kind;
    }
    const registries = await tx.registry.findMany({ select: { name: true, url: true } });
    let after = canonDeployFields(entity, registries);
    const renamedStages = new Map<string, string>();
    if (entity.environments === undefined && ids.id) {
      // stages not posted (an API client, a form without the stage editor): the rule keeps its own
      const rows = await tx.environment.findMany({ where: { deploymentRuleId: ids.id }, orderBy: [{ position: "asc" }, { name: "asc" }] });
      after.environments = rows.map(canonEnvironmentRow);
    } else if (ids.id) {
      // a form row renamed: its stage keeps its row, and the targets in it stay there
      stages.was?.forEach((was, i) => {
        const now = after.environments[i]?.name;
        if (was && now && was !== now && !renamedStages.has(was)) renamedStages.set(was, now);
      });
      await refuseOrphanedTargets(tx, ids.id, after.environments, renamedStages);
    }
    if (ids.id && !editsPreview) {
      // preview settings not posted (a unikernel rule's form, an API client): the rule keeps its previews as they are
      const doc = await readInventory(tx);
      const at = await locate(tx, "deploy", ids.id, doc);
      const before = current(doc, "deploy", at.key) as EntityValues["deploy"] | null;
      if (before) after = { ...after, preview: before.preview };
    } else if (after.preview) {
      await checkPreviewPlace(tx, buildKind, after.preview);
    }
    return saved(ids.id, await saveChange(tx, actor, "deploy", ids.id, after, parent, `${after.branch}`, { renamedStages }));
  });
}

/**
 * A stage the list drops is deleted, and the targets in it would be in none: they would follow the branch (a
 * production target would get every push). slipway.yml import refuses a target naming a stage its rule lacks;
 * the form cannot move the targets in the same save, so it refuses, naming them and what to do.
 */
async function refuseOrphanedTargets(tx: Tx, ruleId: string, envs: readonly { name: string }[], renamed: ReadonlyMap<string, string>): Promise<void> {
  const have = await tx.environment.findMany({
    where: { deploymentRuleId: ruleId },
    orderBy: { position: "asc" },
    select: { name: true, targets: { where: { archivedAt: null }, orderBy: { name: "asc" }, select: { name: true } } },
  });
  const { gone } = planStages(have, envs.map((e) => e.name), renamed);
  const problems = gone
    .filter((stage) => stage.targets.length > 0)
    .map((stage) => {
      const names = stage.targets.map((t) => t.name);
      const one = names.length === 1;
      return `${one ? `target ${names[0]} is` : `targets ${names.join(", ")} are`} in stage '${stage.name}': removing it would leave ${one ? "it" : "them"} in no stage, deployed on every push to the branch. Move ${one ? "it" : "them"} to another stage (Edit target → Environment) first, or keep the stage`;
    });
  // one problem for the list (a form shows one message per path)
  if (problems.length) throw new ValidationError([{ path: "environments", message: problems.join("; ") }]);
}

/**
 * What slipway.yml's check says of a rule's previews (lib/config/check.ts), at the form's paths. Not its "no
 * context and no swarm target" rule: in the console a rule is saved before its targets are added (the previews
 * engine says so in words if a pull request comes first).
 */
async function checkPreviewPlace(tx: Tx, buildKind: "docker" | "unikernel", p: NonNullable<EntityValues["deploy"]["preview"]>): Promise<void> {
  if (p.enabled && buildKind !== "docker") throw new ValidationError([{ path: "preview", message: "previews run docker images: only a docker build's deployment rule has them" }]);
  if (!p.context) return;
  const c = await tx.dockerContext.findUnique({ where: { name: p.context }, select: { role: true } });
  if (!c) throw new ValidationError([{ path: "preview.context", message: `there is no docker context named '${p.context}'; add it under Docker contexts first` }]);
  if (c.role === "build") throw new ValidationError([{ path: "preview.context", message: `context '${p.context}' is a build host only; previews run on a swarm manager (role swarm_manager or both)` }]);
}

/** Form fields of a unikernel target's restart (flat in the form, nested in slipway.yml). */
const restartFormFields = {
  restart_method: "method",
  restart_unit: "unit",
  restart_memory: "memory",
  restart_networks: "networks",
  restart_args: "args",
  restart_argv: "argv",
} as const;

function restartFromForm(raw: Record<string, unknown>): Record<string, unknown> {
  if (raw.restart !== undefined) return raw;
  const out = { ...raw };
  const restart: Record<string, unknown> = {};
  for (const [field, key] of Object.entries(restartFormFields)) {
    if (!(field in raw)) continue;
    restart[key] = raw[field];
    delete out[field];
  }
  return Object.keys(restart).length ? { ...out, restart } : out;
}

export async function saveTarget(actor: Actor, raw: unknown): Promise<Saved> {
  authorize(actor, "inventory.edit");
  const ids = parseInput(parentIds, raw);
  const entity = parseInput(targetEntity, restartFromForm(pick(raw, ["id", "deployment_rule_id"])));
  const t = canonTarget(entity);
  const keepsEnvironment = typeof raw !== "object" || raw === null || !("environment" in raw);
  return txn(async (tx) => {
    // a form without the field keeps the target's stage (slipway.yml and the API set it)
    if (keepsEnvironment && ids.id) {
      const row = await tx.target.findUnique({ where: { id: ids.id }, select: { environment: { select: { name: true } } } });
      t.environment = row?.environment?.name ?? null;
    }
    let parent: EntityParent = {};
    if (!ids.id) {
      const d = ids.deployment_rule_id
        ? await tx.deploymentRule.findUnique({
            where: { id: ids.deployment_rule_id },
            include: { buildRule: { include: { repository: { include: { app: { select: { name: true } } } } } } },
          })
        : null;
      if (!d) throw new NotFoundError("That deployment rule does not exist any more; reload the page.");
      parent = { repo: d.buildRule.repository.name, app: d.buildRule.repository.app?.name ?? null, build: d.buildRule.name, branch: d.branch };
    }
    return saved(ids.id, await saveChange(tx, actor, "target", ids.id, t, parent, t.name));
  });
}

async function isArchived(tx: Tx, kind: Archivable, id: string): Promise<boolean> {
  return Boolean(await archivedAtOf(tx, kind, id));
}

// ─── delete ─────────────────────────────────────────────────────────────────────────────────────

export const deletableKinds = ["app", "host", "context", "registry", "channel", "secret", "repo", "build", "deploy", "target"] as const;

/**
 * Deletes one entity; a repository, rule or target with history is archived instead (`archived` says so).
 * Refused, with the reason, while live entries use it.
 */
export async function deleteInventoryEntity(actor: Actor, raw: unknown): Promise<{ label: string; archived: boolean }> {
  authorize(actor, "inventory.edit");
  const { kind, id } = parseInput(z.object({ kind: z.enum(deletableKinds, { error: "unknown kind" }), id: rowId }), raw);
  return txn(async (tx) => {
    await lockInventory(tx);
    const doc = await readInventory(tx);
    const at = await locate(tx, kind, id, doc);
    const before = current(doc, kind, at.key);
    const label = `${kindLabels[kind]} ${kind === "deploy" ? `for branch ${(before as EntityValues["deploy"] | null)?.branch}` : at.key}`;
    await applyChange(tx, actor, { kind, action: "delete", key: at.key, label, parent: at.parent, before, after: null, fields: [], id } as Change & { id: string });
    const archived = kind === "repo" || kind === "build" || kind === "deploy" || kind === "target" ? await isArchived(tx, kind, id) : false;
    return { label, archived };
  });
}
