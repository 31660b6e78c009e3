// The inventory as it is in the database, in canonical form (lib/config/canonical.ts): what export writes
// and what an import is compared with. Read inside the inventory lock when it feeds a change.
import { canonPreview } from "@/lib/validation/previews";
import type { Tx } from "@/lib/db";
import type { CanonDoc, CanonRepo } from "@/lib/config/canonical";
import { canonEnvironmentRow, canonKindFields, hostKeyText } from "@/lib/config/canonical";

/** Serializes every change to the inventory (forms, imports) so each sees the previous one's result. */
export const INVENTORY_LOCK = 7_341_120_003;

export async function lockInventory(tx: Tx): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${INVENTORY_LOCK}::bigint)`;
}

type Reader = Pick<Tx, "githubApp" | "host" | "dockerContext" | "registry" | "secret" | "notificationChannel" | "repository">;

export async function readInventory(db: Reader): Promise<CanonDoc> {
  const [apps, hosts, contexts, registries, secrets, channels, repos] = await Promise.all([
    db.githubApp.findMany({ orderBy: { name: "asc" } }),
    db.host.findMany({ orderBy: { name: "asc" }, include: { keys: true } }),
    db.dockerContext.findMany({ orderBy: { name: "asc" } }),
    db.registry.findMany({ orderBy: { name: "asc" } }),
    db.secret.findMany({
      where: { scope: { not: "owned" } },
      orderBy: [{ scope: "asc" }, { name: "asc" }],
      include: { app: { select: { name: true } }, repository: { select: { name: true, app: { select: { name: true } } } } },
    }),
    db.notificationChannel.findMany({ orderBy: { name: "asc" } }),
    // archived rows (removed while they had history) are not part of the inventory
    db.repository.findMany({
      where: { archivedAt: null },
      orderBy: [{ name: "asc" }, { app: { name: "asc" } }],
      include: {
        app: { select: { name: true } },
        buildRules: {
          where: { archivedAt: null },
          orderBy: [{ position: "asc" }, { name: "asc" }],
          include: {
            deploymentRules: {
              where: { archivedAt: null },
              orderBy: { branch: "asc" },
              include: {
                registry: { select: { name: true } },
                previewContext: { select: { name: true } },
                environments: { orderBy: [{ position: "asc" }, { name: "asc" }] },
                targets: {
                  where: { archivedAt: null },
                  orderBy: { name: "asc" },
                  include: { dockerContext: { select: { name: true } }, host: { select: { name: true } }, environment: { select: { name: true } } },
                },
              },
            },
          },
        },
      },
    }),
  ]);
  return {
    apps: apps.map((a) => ({
      name: a.name,
      app_id: a.appId === null ? null : Number(a.appId),
      slug: a.slug,
      api_url: a.apiUrl,
      web_url: a.webUrl,
      accounts: [...a.accountAllowlist].sort(),
    })),
    hosts: hosts.map((h) => ({
      name: h.name,
      address: h.address,
      port: h.port,
      user: h.user,
      host_keys: [...new Set(h.keys.map((k) => hostKeyText(k.algorithm, k.publicKey)))].sort(),
    })),
    docker_contexts: contexts.map((c) => ({ name: c.name, endpoint: c.endpoint, role: c.role, archs: c.archs, max_concurrent_builds: c.maxConcurrentBuilds })),
    registries: registries.map((r) => ({ name: r.name, url: r.url, username: r.username })),
    secrets: secrets.map((s) => ({
      name: s.name,
      scope: s.scope as "global" | "app" | "repository",
      // a repository-scoped secret names its repository's app: the same name may be listed under several apps
      app: (s.scope === "repository" ? s.repository?.app?.name : s.app?.name) ?? null,
      repo: s.repository?.name ?? null,
    })),
    notifications: channels.map((c) => ({ name: c.name, kind: c.kind, events: [...c.events].sort(), apps: [...c.apps].sort(), repositories: [...c.repositories].sort(), enabled: c.enabled })),
    repos: repos.map<CanonRepo>((r) => ({
      repo: r.name,
      app: r.app?.name ?? null,
      url: r.url,
      default_branch: r.defaultBranch,
      poll_interval: r.pollIntervalSeconds,
      enabled: r.enabled,
      builds: r.buildRules.map((b) => ({
        name: b.name,
        kind: b.kind,
        dockerfile: b.dockerfile,
        context: b.contextDir,
        build_args: b.buildArgs,
        build_secrets: b.buildSecrets,
        archs: b.archs,
        include_git: b.includeGit,
        timeout: b.timeoutSeconds,
        target: b.unikernelTarget,
        max_size: b.kind === "unikernel" ? b.maxArtifactMib : null,
        deploy: b.deploymentRules.map((d) => ({
          branch: d.branch,
          image: d.image,
          registry: d.registry?.name ?? null,
          approval: {
            mode: d.approvalMode,
            min_approvers: d.minApprovers,
            approver_role: d.approverRole === "admin" ? "admin" : "operator",
            expires_after: d.approvalExpirySeconds,
          },
          confirm: d.confirmLevel,
          environments: d.environments.map(canonEnvironmentRow),
          preview: canonPreview({
            enabled: d.previewEnabled,
            context: d.previewContext?.name ?? null,
            url: d.previewUrl,
            labels: d.previewLabels,
            port: d.previewPort,
            network: d.previewNetwork,
            ttl_hours: d.previewTtlHours,
            max_concurrent: d.previewMaxConcurrent,
          }),
          targets: d.targets.map((t) => ({
            name: t.name,
            kind: t.kind,
            context: t.dockerContext?.name ?? null,
            host: t.host?.name ?? null,
            service: t.service,
            compose_project: t.composeProject,
            ...canonKindFields(t.kind, t.service, {
              dir: t.unikernelDir,
              keep: t.keepArtifacts,
              restart: { method: t.restartMethod, unit: t.restartUnit, memory: t.memoryMib, networks: t.networks, args: t.bootArgs, argv: t.restartArgv },
              artifact_repo: t.artifactRepoPath,
              branch: t.artifactRepoBranch,
            }),
            health_url: t.healthUrl,
            health_timeout: t.healthTimeoutSeconds,
            converge_timeout: t.convergeTimeoutSeconds,
            monitor: t.monitorSeconds,
            allow_unsigned: t.allowUnsigned,
            environment: t.environment?.name ?? null,
          })),
        })),
      })),
    })),
  };
}
