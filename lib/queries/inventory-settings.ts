// Read models for Settings → GitHub apps, Registries, Secrets and Notifications. Secret values never leave
// the database here: each credential is reported only as set or not set.
import "server-only";
import { getDb } from "@/lib/db";

/** A credential row counts as set when it exists and holds a sealed value. */
async function setSecretIds(ids: (string | null)[]): Promise<Set<string>> {
  const wanted = ids.filter((i): i is string => Boolean(i));
  if (!wanted.length) return new Set();
  const rows = await getDb().secret.findMany({ where: { id: { in: wanted }, sealed: { not: null } }, select: { id: true } });
  return new Set(rows.map((r) => r.id));
}

// ─── GitHub apps ────────────────────────────────────────────────────────────────────────────────

export interface AppRow {
  id: string;
  name: string;
  /** GitHub's numeric App ID, as text (it is a bigint) */
  appId: string | null;
  slug: string | null;
  apiUrl: string;
  webUrl: string;
  accounts: string[];
  privateKeySet: boolean;
  webhookSecretSet: boolean;
  repositories: number;
  updatedAt: Date;
}

export async function listApps(): Promise<AppRow[]> {
  const apps = await getDb().githubApp.findMany({
    orderBy: { name: "asc" },
    take: 200,
    select: {
      id: true,
      name: true,
      appId: true,
      slug: true,
      apiUrl: true,
      webUrl: true,
      accountAllowlist: true,
      privateKeySecretId: true,
      webhookSecretId: true,
      updatedAt: true,
      _count: { select: { repositories: true } },
    },
  });
  const set = await setSecretIds(apps.flatMap((a) => [a.privateKeySecretId, a.webhookSecretId]));
  return apps.map((a) => ({
    id: a.id,
    name: a.name,
    appId: a.appId === null ? null : a.appId.toString(),
    slug: a.slug,
    apiUrl: a.apiUrl,
    webUrl: a.webUrl,
    accounts: a.accountAllowlist,
    privateKeySet: a.privateKeySecretId ? set.has(a.privateKeySecretId) : false,
    webhookSecretSet: a.webhookSecretId ? set.has(a.webhookSecretId) : false,
    repositories: a._count.repositories,
    updatedAt: a.updatedAt,
  }));
}

// ─── registries ─────────────────────────────────────────────────────────────────────────────────

export interface RegistryRow {
  id: string;
  name: string;
  url: string;
  username: string | null;
  passwordSet: boolean;
  lastCheckedAt: Date | null;
  lastCheckResult: string | null;
  deploymentRules: number;
}

export async function listRegistries(): Promise<RegistryRow[]> {
  const rows = await getDb().registry.findMany({
    orderBy: { name: "asc" },
    take: 200,
    select: {
      id: true,
      name: true,
      url: true,
      username: true,
      passwordSecretId: true,
      lastCheckedAt: true,
      lastCheckResult: true,
      _count: { select: { deploymentRules: true } },
    },
  });
  const set = await setSecretIds(rows.map((r) => r.passwordSecretId));
  return rows.map(({ passwordSecretId, _count, ...r }) => ({
    ...r,
    passwordSet: passwordSecretId ? set.has(passwordSecretId) : false,
    deploymentRules: _count.deploymentRules,
  }));
}

// ─── secrets ────────────────────────────────────────────────────────────────────────────────────

export type SecretScopeName = "global" | "app" | "repository";

export interface SecretRow {
  id: string;
  name: string;
  scope: SecretScopeName;
  app: string | null;
  repository: string | null;
  /** false for a secret declared (e.g. by slipway.yml) whose value nobody has set yet */
  valueSet: boolean;
  updatedAt: Date;
  updatedBy: string | null;
}

/** Build secrets (global, per app, per repository); the credentials owned by apps, registries and channels are not listed. */
export async function listSecrets(): Promise<SecretRow[]> {
  const rows = await getDb().secret.findMany({
    where: { scope: { not: "owned" } },
    orderBy: [{ scope: "asc" }, { name: "asc" }],
    take: 1000,
    select: {
      id: true,
      name: true,
      scope: true,
      updatedAt: true,
      app: { select: { name: true } },
      repository: { select: { name: true } },
      updatedBy: { select: { login: true } },
    },
  });
  const set = await setSecretIds(rows.map((r) => r.id));
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    scope: r.scope as SecretScopeName,
    app: r.app?.name ?? null,
    repository: r.repository?.name ?? null,
    valueSet: set.has(r.id),
    updatedAt: r.updatedAt,
    updatedBy: r.updatedBy?.login ?? null,
  }));
}

/** The apps and repositories a secret can be scoped to, by name. */
export async function secretScopeChoices(): Promise<{ apps: string[]; repositories: string[] }> {
  const [apps, repos] = await Promise.all([
    getDb().githubApp.findMany({ orderBy: { name: "asc" }, select: { name: true }, take: 500 }),
    getDb().repository.findMany({ orderBy: { name: "asc" }, where: { archivedAt: null }, select: { name: true }, distinct: ["name"], take: 2000 }),
  ]);
  return { apps: apps.map((a) => a.name), repositories: repos.map((r) => r.name) };
}

// ─── notification channels ──────────────────────────────────────────────────────────────────────

export interface ChannelRow {
  id: string;
  name: string;
  kind: string;
  events: string[];
  apps: string[];
  repositories: string[];
  enabled: boolean;
  urlSet: boolean;
}

export async function listChannels(): Promise<ChannelRow[]> {
  const rows = await getDb().notificationChannel.findMany({
    orderBy: { name: "asc" },
    take: 200,
    select: { id: true, name: true, kind: true, events: true, apps: true, repositories: true, enabled: true, urlSecretId: true },
  });
  const set = await setSecretIds(rows.map((r) => r.urlSecretId));
  return rows.map(({ urlSecretId, ...r }) => ({ ...r, urlSet: urlSecretId ? set.has(urlSecretId) : false }));
}
