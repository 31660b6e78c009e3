// The services inventory: every repository's builds, which branch each deploys, the image it publishes and
// the targets it upgrades, grouped by app (flavour) then repository. Builds that deploy nowhere are listed
// too ("built, not deployed"). The Markdown download (lib/config/services-markdown.ts) reads it whole; the
// /services page reads a page of it (lib/queries/services-page.ts) with readServiceRepos and serviceRepoRow.
import "server-only";
import { getDb } from "@/lib/db";
import type { Prisma } from "@/lib/generated/prisma/client";
import { targetRunFields, type TargetRunFields } from "@/lib/queries/inventory-repos";

export interface ServiceTargetRow extends TargetRunFields {
  id: string;
  name: string;
  kind: "swarm_service" | "compose_service" | "unikernel" | "artifact_repository";
  context: { id: string; name: string } | null;
  host: { id: string; name: string } | null;
  service: string;
  composeProject: string | null;
  healthUrl: string | null;
}

export interface ServiceDeployRow {
  id: string;
  branch: string;
  image: string | null;
  registry: { name: string; url: string } | null;
  approvalMode: "automatic" | "manual";
  targets: ServiceTargetRow[];
}

export interface ServiceBuildRow {
  id: string;
  name: string;
  kind: "docker" | "unikernel";
  dockerfile: string;
  contextDir: string;
  archs: string[];
  unikernelTarget: "hvt" | "xen" | "spt" | "virtio" | "unix" | null;
  deploys: ServiceDeployRow[];
}

export interface ServiceRepoRow {
  id: string;
  name: string;
  provider: "github" | "git";
  url: string;
  /** the repository's web page on GitHub (null for plain git URLs) */
  webUrl: string | null;
  enabled: boolean;
  builds: ServiceBuildRow[];
}

export interface ServiceAppGroup {
  /** null: repositories without an app (plain git URLs, polled) */
  app: string | null;
  repos: ServiceRepoRow[];
}

export interface ServicesInventory {
  groups: ServiceAppGroup[];
  counts: { repos: number; builds: number; deploys: number; targets: number; notDeployed: number };
}

const include = {
  app: { select: { name: true, webUrl: true } },
  buildRules: {
    where: { archivedAt: null },
    orderBy: [{ position: "asc" }, { name: "asc" }],
    include: {
      deploymentRules: {
        where: { archivedAt: null },
        orderBy: { branch: "asc" },
        include: {
          registry: { select: { name: true, url: true } },
          targets: {
            where: { archivedAt: null },
            orderBy: { name: "asc" },
            include: { dockerContext: { select: { id: true, name: true } }, host: { select: { id: true, name: true } } },
          },
        },
      },
    },
  },
} satisfies Prisma.RepositoryInclude;

type RepositoryWithRules = Prisma.RepositoryGetPayload<{ include: typeof include }>;

/** Reads these repositories (not archived) with their build rules, deployment rules and targets, in the order asked. */
export async function readServiceRepos(where: Prisma.RepositoryWhereInput, orderBy: Prisma.RepositoryOrderByWithRelationInput = { name: "asc" }): Promise<RepositoryWithRules[]> {
  return getDb().repository.findMany({ where: { AND: [{ archivedAt: null }, where] }, orderBy, include });
}

/** A repository's row of the inventory: its builds, what each deploys and where. */
export function serviceRepoRow(r: RepositoryWithRules): ServiceRepoRow {
  return {
    id: r.id,
    name: r.name,
    provider: r.provider,
    url: r.url,
    webUrl: r.provider === "github" && r.app ? `${r.app.webUrl.replace(/\/+$/, "")}/${r.name}` : null,
    enabled: r.enabled,
    builds: r.buildRules.map((b) => ({
      id: b.id,
      name: b.name,
      kind: b.kind,
      dockerfile: b.dockerfile,
      contextDir: b.contextDir,
      archs: b.archs,
      unikernelTarget: b.unikernelTarget,
      deploys: b.deploymentRules.map((d) => ({
        id: d.id,
        branch: d.branch,
        image: d.image,
        registry: d.registry,
        approvalMode: d.approvalMode,
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
        })),
      })),
    })),
  };
}

/** The whole services inventory (it is small: one row per repository, build rule, rule and target); the Markdown download. */
export async function servicesInventory(): Promise<ServicesInventory> {
  const repos = await readServiceRepos({});
  const byApp = new Map<string | null, ServiceRepoRow[]>();
  const counts = { repos: 0, builds: 0, deploys: 0, targets: 0, notDeployed: 0 };
  for (const r of repos) {
    const row = serviceRepoRow(r);
    counts.repos++;
    for (const b of row.builds) {
      counts.builds++;
      if (b.deploys.length === 0) counts.notDeployed++;
      for (const d of b.deploys) {
        counts.deploys++;
        counts.targets += d.targets.length;
      }
    }
    const key = r.app?.name ?? null;
    byApp.set(key, [...(byApp.get(key) ?? []), row]);
  }
  const groups = [...byApp.entries()]
    .sort(([a], [b]) => (a === null ? 1 : b === null ? -1 : a.localeCompare(b)))
    .map(([app, rows]) => ({ app, repos: rows }));
  return { groups, counts };
}
