// Read models for the repository pages: one repository with its build rules, deployment rules and targets
// (the /repositories/[id] page), and the names the forms offer in their selects (apps, registries, docker
// contexts, hosts).
import "server-only";
import { getDb } from "@/lib/db";
import type { Prisma } from "@/lib/generated/prisma/client";
import { isRowId } from "@/lib/validation/ids";

export type BuildKindName = "docker" | "unikernel";
export type TargetKindName = "swarm_service" | "compose_service" | "unikernel" | "artifact_repository";
export type UnikernelTargetName = "hvt" | "xen" | "spt" | "virtio" | "unix";
export type ConfirmLevelName = "harmless" | "mostly_harmless" | "average" | "above_average" | "dangerous";
export type RestartMethodName = "systemd" | "albatross" | "command";

/** How a unikernel target runs on its host, or where an artifact repository keeps the files (null/empty for other kinds). */
export interface TargetRunFields {
  unikernelDir: string | null;
  keepArtifacts: number;
  restartMethod: RestartMethodName | null;
  restartUnit: string | null;
  memoryMib: number | null;
  networks: string[];
  bootArgs: string[];
  restartArgv: string[];
  artifactRepoPath: string | null;
  artifactRepoBranch: string | null;
}

/** The run fields of a target row (the columns have the same names). */
export function targetRunFields(t: TargetRunFields): TargetRunFields {
  return {
    unikernelDir: t.unikernelDir,
    keepArtifacts: t.keepArtifacts,
    restartMethod: t.restartMethod,
    restartUnit: t.restartUnit,
    memoryMib: t.memoryMib,
    networks: t.networks,
    bootArgs: t.bootArgs,
    restartArgv: t.restartArgv,
    artifactRepoPath: t.artifactRepoPath,
    artifactRepoBranch: t.artifactRepoBranch,
  };
}

export interface RepoTargetRow extends TargetRunFields {
  id: string;
  name: string;
  kind: TargetKindName;
  context: { id: string; name: string } | null;
  host: { id: string; name: string } | null;
  service: string;
  composeProject: string | null;
  healthUrl: string | null;
  healthTimeoutSeconds: number;
  convergeTimeoutSeconds: number;
  /** null: the default window for its kind (lib/validation/monitor-window.ts) */
  monitorSeconds: number | null;
  /** releases without signed provenance may be deployed here */
  allowUnsigned: boolean;
  /** the stage of its rule's environments it belongs to; null: none (it follows the branch) */
  environment: string | null;
  lastDeployedAt: Date | null;
  /** deployments in its history (a target with any cannot be deleted), counted up to HISTORY_COUNT_LIMIT */
  deployments: number;
}

/**
 * History counts on the repository page stop here: counting every build of a rule costs as much as its
 * history is long, and past this number the exact figure tells a reader nothing (shown as "1,000+").
 */
export const HISTORY_COUNT_LIMIT = 1000;

export interface RepoDeployRuleRow {
  id: string;
  branch: string;
  image: string | null;
  /** the registry whose credentials push the image; null = the one the image's address names */
  registry: { id: string; name: string; url: string } | null;
  approvalMode: "automatic" | "manual";
  minApprovers: number;
  approverRole: "viewer" | "operator" | "admin";
  approvalExpirySeconds: number | null;
  confirmLevel: ConfirmLevelName;
  /** releases made for this rule (a rule with any cannot be deleted), counted up to HISTORY_COUNT_LIMIT */
  releases: number;
  /** there are more than `releases` */
  releasesMore: boolean;
  /** its stages in order (docs/environments.md); empty: none */
  environments: RepoEnvironmentRow[];
  /** its previews of pull requests (docs/previews.md), as the columns hold them (off with defaults: none set) */
  preview: RepoPreviewSettings;
  targets: RepoTargetRow[];
}

/** One stage of a deployment rule, as the rule form edits it. */
export interface RepoEnvironmentRow {
  name: string;
  soakSeconds: number;
  checkUrls: string[];
  approvalMode: "automatic" | "manual";
  minApprovers: number;
  approverRole: "viewer" | "operator" | "admin";
  approvalExpirySeconds: number | null;
  confirmLevel: ConfirmLevelName;
}

export interface RepoPreviewSettings {
  enabled: boolean;
  /** the context named for previews; null: the first swarm target's */
  context: string | null;
  /** the context they run on without one: the rule's first swarm target's (as lib/deploy/preview.ts picks it) */
  defaultContext: string | null;
  url: string | null;
  labels: string[];
  port: number | null;
  network: string | null;
  ttlHours: number;
  maxConcurrent: number;
}

export interface RepoBuildRuleRow {
  id: string;
  name: string;
  kind: BuildKindName;
  dockerfile: string;
  contextDir: string;
  buildArgs: string[];
  buildSecrets: string[];
  archs: string[];
  includeGit: boolean;
  timeoutSeconds: number;
  unikernelTarget: UnikernelTargetName | null;
  /** unikernel builds: the largest artifact accepted, in MiB */
  maxArtifactMib: number;
  /** builds run with this rule, counted up to HISTORY_COUNT_LIMIT */
  builds: number;
  /** there are more than `builds` */
  buildsMore: boolean;
  deploymentRules: RepoDeployRuleRow[];
}

export interface RepositoryDetail {
  id: string;
  name: string;
  provider: "github" | "git";
  app: { id: string; name: string; webUrl: string } | null;
  url: string;
  /** GitHub's private flag; null until learned */
  isPrivate: boolean | null;
  /** an admin showed the public badge although the repository is (or may be) private */
  privateBadge: boolean;
  defaultBranch: string;
  pollIntervalSeconds: number;
  enabled: boolean;
  /** removed from the inventory with its history kept (its builds and deployments stay readable) */
  archived: boolean;
  lastPolledAt: Date | null;
  lastPollError: string | null;
  createdAt: Date;
  updatedAt: Date;
  buildRules: RepoBuildRuleRow[];
}

const detailInclude = {
  app: { select: { id: true, name: true, webUrl: true } },
  // the inventory: what was archived (removed with history) is not part of it
  buildRules: {
    where: { archivedAt: null },
    orderBy: [{ position: "asc" }, { name: "asc" }],
    include: {
      deploymentRules: {
        where: { archivedAt: null },
        orderBy: { branch: "asc" },
        include: {
          registry: { select: { id: true, name: true, url: true } },
          previewContext: { select: { name: true } },
          environments: {
            orderBy: [{ position: "asc" }, { name: "asc" }],
            select: { name: true, soakSeconds: true, checkUrls: true, approvalMode: true, minApprovers: true, approverRole: true, approvalExpirySeconds: true, confirmLevel: true },
          },
          targets: {
            where: { archivedAt: null },
            orderBy: { name: "asc" },
            include: {
              dockerContext: { select: { id: true, name: true } },
              host: { select: { id: true, name: true } },
              environment: { select: { name: true } },
            },
          },
        },
      },
    },
  },
} satisfies Prisma.RepositoryInclude;

/** One repository with everything under it, or null when there is none with that id. */
export async function getRepositoryDetail(id: string): Promise<RepositoryDetail | null> {
  if (!isRowId(id)) return null; // a NUL byte would fail the lookup itself
  const r = await getDb().repository.findUnique({ where: { id }, include: detailInclude });
  if (!r) return null;
  const rules = r.buildRules;
  const [builds, releases, deployments] = await Promise.all([
    historyCounts("builds", "build_rule_id", rules.map((b) => b.id)),
    historyCounts("releases", "deployment_rule_id", rules.flatMap((b) => b.deploymentRules.map((d) => d.id))),
    historyCounts("deployments", "target_id", rules.flatMap((b) => b.deploymentRules.flatMap((d) => d.targets.map((t) => t.id)))),
  ]);
  return {
    id: r.id,
    name: r.name,
    isPrivate: r.isPrivate,
    privateBadge: r.privateBadge,
    provider: r.provider,
    app: r.app,
    url: r.url,
    defaultBranch: r.defaultBranch,
    pollIntervalSeconds: r.pollIntervalSeconds,
    enabled: r.enabled,
    archived: r.archivedAt !== null,
    lastPolledAt: r.lastPolledAt,
    lastPollError: r.lastPollError,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    buildRules: r.buildRules.map((b) => ({
      id: b.id,
      name: b.name,
      kind: b.kind,
      dockerfile: b.dockerfile,
      contextDir: b.contextDir,
      buildArgs: b.buildArgs,
      buildSecrets: b.buildSecrets,
      archs: b.archs,
      includeGit: b.includeGit,
      timeoutSeconds: b.timeoutSeconds,
      unikernelTarget: b.unikernelTarget,
      maxArtifactMib: b.maxArtifactMib,
      builds: Math.min(builds.get(b.id) ?? 0, HISTORY_COUNT_LIMIT),
      buildsMore: (builds.get(b.id) ?? 0) > HISTORY_COUNT_LIMIT,
      deploymentRules: b.deploymentRules.map((d) => ({
        id: d.id,
        branch: d.branch,
        image: d.image,
        registry: d.registry,
        approvalMode: d.approvalMode,
        minApprovers: d.minApprovers,
        approverRole: d.approverRole,
        approvalExpirySeconds: d.approvalExpirySeconds,
        confirmLevel: d.confirmLevel,
        releases: Math.min(releases.get(d.id) ?? 0, HISTORY_COUNT_LIMIT),
        releasesMore: (releases.get(d.id) ?? 0) > HISTORY_COUNT_LIMIT,
        environments: d.environments,
        preview: {
          enabled: d.previewEnabled,
          context: d.previewContext?.name ?? null,
          defaultContext: firstSwarmContext(d.targets),
          url: d.previewUrl,
          labels: d.previewLabels,
          port: d.previewPort,
          network: d.previewNetwork,
          ttlHours: d.previewTtlHours,
          maxConcurrent: d.previewMaxConcurrent,
        },
        targets: d.targets.map((t) => ({
          id: t.id,
          name: t.name,
          kind: t.kind,
          context: t.dockerContext,
          host: t.host,
          service: t.service,
          composeProject: t.composeProject,
          ...targetRunFields(t),
          healthUrl: t.healthUrl,
          healthTimeoutSeconds: t.healthTimeoutSeconds,
          convergeTimeoutSeconds: t.convergeTimeoutSeconds,
          monitorSeconds: t.monitorSeconds,
          allowUnsigned: t.allowUnsigned,
          environment: t.environment?.name ?? null,
          lastDeployedAt: t.lastDeployedAt,
          deployments: Math.min(deployments.get(t.id) ?? 0, HISTORY_COUNT_LIMIT),
        })),
      })),
    })),
  };
}

/** The context of the rule's first swarm target by creation, the one previews run on without their own. */
function firstSwarmContext(targets: ReadonlyArray<{ kind: string; createdAt: Date; dockerContext: { name: string } | null }>): string | null {
  const swarm = targets.filter((t) => t.kind === "swarm_service").sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  return swarm[0]?.dockerContext?.name ?? null;
}

type CountedTable = "builds" | "releases" | "deployments";
type CountedColumn = "build_rule_id" | "deployment_rule_id" | "target_id";

/**
 * Rows of `table` per owner id, each counted up to HISTORY_COUNT_LIMIT + 1 (so "more than the limit" can be
 * told): each count walks at most that many entries of the (owner, time) index, whatever the history's length.
 * A relation count (`_count`) would group the whole table instead.
 */
async function historyCounts(table: CountedTable, column: CountedColumn, ids: string[]): Promise<Map<string, number>> {
  if (!ids.length) return new Map();
  // table and column come from the two unions above, never from input
  const rows = await getDb().$queryRawUnsafe<{ id: string; n: bigint }[]>(
    `SELECT o.id, (SELECT count(*) FROM (SELECT 1 FROM "${table}" x WHERE x."${column}" = o.id LIMIT $2) c) AS n FROM unnest($1::text[]) AS o(id)`,
    ids,
    HISTORY_COUNT_LIMIT + 1,
  );
  return new Map(rows.map((r) => [r.id, Number(r.n)]));
}

export interface InventoryChoices {
  apps: { name: string; webUrl: string }[];
  registries: { name: string; url: string }[];
  contexts: { name: string; role: "build" | "swarm_manager" | "both"; endpoint: string }[];
  hosts: { name: string; address: string }[];
}

/** What the repository forms offer in their selects, by name. */
export async function inventoryChoices(): Promise<InventoryChoices> {
  const db = getDb();
  const [apps, registries, contexts, hosts] = await Promise.all([
    db.githubApp.findMany({ orderBy: { name: "asc" }, select: { name: true, webUrl: true } }),
    db.registry.findMany({ orderBy: { name: "asc" }, select: { name: true, url: true } }),
    db.dockerContext.findMany({ orderBy: { name: "asc" }, select: { name: true, role: true, endpoint: true } }),
    db.host.findMany({ orderBy: { name: "asc" }, select: { name: true, address: true } }),
  ]);
  return { apps, registries, contexts, hosts };
}

/** The GitHub apps a new repository may belong to (the "Add repository" form). */
export async function appChoices(): Promise<{ name: string; webUrl: string }[]> {
  return getDb().githubApp.findMany({ orderBy: { name: "asc" }, select: { name: true, webUrl: true } });
}
