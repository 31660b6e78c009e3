// What an import would change: the current inventory and the desired one, both canonical, compared entity
// by entity (by name), giving creates, updates (with the fields that differ) and deletes. Changes come in
// the order they can be applied: creates and updates parents first, deletes children first.
import type {
  CanonApp,
  CanonBuild,
  CanonChannel,
  CanonContext,
  CanonDeploy,
  CanonDoc,
  CanonHost,
  CanonRegistry,
  CanonRepo,
  CanonSecret,
  CanonTarget,
} from "@/lib/config/canonical";
import { canonicalSecretKey, repoEntryName, sharedRepoNames } from "@/lib/config/canonical";

export type EntityKind = "app" | "host" | "context" | "registry" | "channel" | "repo" | "secret" | "build" | "deploy" | "target";

/** Entities without their children (a repo's builds are separate changes). */
export type RepoFields = Omit<CanonRepo, "builds">;
export type BuildFields = Omit<CanonBuild, "deploy">;
export type DeployFields = Omit<CanonDeploy, "targets">;

export interface EntityValues {
  app: CanonApp;
  host: CanonHost;
  context: CanonContext;
  registry: CanonRegistry;
  channel: CanonChannel;
  repo: RepoFields;
  secret: CanonSecret;
  build: BuildFields;
  deploy: DeployFields;
  target: CanonTarget;
}

/**
 * Where an entity sits: a repo's name and app for builds; repo, app and build for deployment rules; and the
 * branch too for targets. The app tells apart the entries of a repository listed under several apps.
 */
export interface EntityParent {
  repo?: string;
  app?: string | null;
  build?: string;
  branch?: string;
}

export type Change = {
  [K in EntityKind]: {
    kind: K;
    action: "create" | "update" | "delete";
    /** how people name it: "host toxis", "deployment rule live of ocurrent/x (Dockerfile)" */
    label: string;
    key: string;
    parent: EntityParent;
    before: EntityValues[K] | null;
    after: EntityValues[K] | null;
    /** for updates: the fields that differ */
    fields: string[];
  };
}[EntityKind];

export const kindLabels: Record<EntityKind, string> = {
  app: "GitHub app",
  host: "host",
  context: "docker context",
  registry: "registry",
  channel: "notification channel",
  repo: "repository",
  secret: "secret",
  build: "build rule",
  deploy: "deployment rule",
  target: "target",
};

interface Entry<K extends EntityKind> {
  kind: K;
  key: string;
  label: string;
  parent: EntityParent;
  value: EntityValues[K];
}
type AnyEntry = { [K in EntityKind]: Entry<K> }[EntityKind];

/**
 * Every entity of a document, keyed by kind and natural key. `shared`: repository names whose entries are
 * keyed by app too (lib/config/canonical.ts sharedRepoNames; by default those listed twice in `doc`).
 */
export function entities(doc: CanonDoc, shared: ReadonlySet<string> = sharedRepoNames(doc)): AnyEntry[] {
  const out: AnyEntry[] = [];
  for (const a of doc.apps) out.push({ kind: "app", key: a.name, label: `GitHub app ${a.name}`, parent: {}, value: a });
  for (const h of doc.hosts) out.push({ kind: "host", key: h.name, label: `host ${h.name}`, parent: {}, value: h });
  for (const c of doc.docker_contexts) out.push({ kind: "context", key: c.name, label: `docker context ${c.name}`, parent: {}, value: c });
  for (const r of doc.registries) out.push({ kind: "registry", key: r.name, label: `registry ${r.name}`, parent: {}, value: r });
  for (const c of doc.notifications) out.push({ kind: "channel", key: c.name, label: `notification channel ${c.name}`, parent: {}, value: c });
  for (const s of doc.secrets) {
    const key = canonicalSecretKey(s);
    out.push({ kind: "secret", key, label: `secret ${key}`, parent: {}, value: s });
  }
  for (const { builds, ...repo } of doc.repos) {
    const name = repoEntryName(repo, shared);
    const at = { repo: repo.repo, app: repo.app };
    out.push({ kind: "repo", key: name, label: `repository ${name}`, parent: {}, value: repo });
    for (const { deploy, ...build } of builds) {
      out.push({ kind: "build", key: `${name} ${build.name}`, label: `build ${build.name} of ${name}`, parent: at, value: build });
      for (const { targets, ...rule } of deploy) {
        out.push({
          kind: "deploy",
          key: `${name} ${build.name} ${rule.branch}`,
          label: `deployment of branch ${rule.branch} (${name}, ${build.name})`,
          parent: { ...at, build: build.name },
          value: rule,
        });
        for (const t of targets) {
          out.push({ kind: "target", key: t.name, label: `target ${t.name}`, parent: { ...at, build: build.name, branch: rule.branch }, value: t });
        }
      }
    }
  }
  return out;
}

const createOrder: EntityKind[] = ["app", "host", "context", "registry", "channel", "repo", "secret", "build", "deploy", "target"];

function changedFields(a: object, b: object): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].filter((k) => JSON.stringify((a as Record<string, unknown>)[k]) !== JSON.stringify((b as Record<string, unknown>)[k])).sort();
}

/** The changes that turn `current` into `desired`. */
export function diffInventory(current: CanonDoc, desired: CanonDoc): Change[] {
  // a repository listed under several apps on either side is matched entry by entry (by app)
  const shared = sharedRepoNames(current, desired);
  const now = new Map(entities(current, shared).map((e) => [`${e.kind}\u0000${e.key}`, e]));
  const want = new Map(entities(desired, shared).map((e) => [`${e.kind}\u0000${e.key}`, e]));
  const place = (p: EntityParent) => `${p.repo === undefined ? "" : repoEntryName({ repo: p.repo, app: p.app }, shared)} ${p.build ?? ""} ${p.branch ?? ""}`;
  const upserts: Change[] = [];
  const deletes: Change[] = [];
  for (const [id, w] of want) {
    const n = now.get(id);
    if (!n) {
      upserts.push({ kind: w.kind, action: "create", key: w.key, label: w.label, parent: w.parent, before: null, after: w.value, fields: [] } as Change);
      continue;
    }
    // a target that moved to another deployment rule is an update of its parent too
    const fields = changedFields(n.value, w.value);
    if (w.kind === "target" && place(n.parent) !== place(w.parent)) fields.push("deployment rule");
    if (fields.length) {
      upserts.push({ kind: w.kind, action: "update", key: w.key, label: w.label, parent: w.parent, before: n.value, after: w.value, fields } as Change);
    }
  }
  for (const [id, n] of now) {
    if (!want.has(id)) deletes.push({ kind: n.kind, action: "delete", key: n.key, label: n.label, parent: n.parent, before: n.value, after: null, fields: [] } as Change);
  }
  const rank = (k: EntityKind) => createOrder.indexOf(k);
  upserts.sort((a, b) => rank(a.kind) - rank(b.kind));
  deletes.sort((a, b) => rank(b.kind) - rank(a.kind));
  return [...upserts, ...deletes];
}

export function summarizeChanges(changes: Change[]): { create: number; update: number; delete: number } {
  return {
    create: changes.filter((c) => c.action === "create").length,
    update: changes.filter((c) => c.action === "update").length,
    delete: changes.filter((c) => c.action === "delete").length,
  };
}
