// Deployments for the Deployments page and the dashboard: newest first, keyset-paginated on
// (created_at, id), which the deployments_created_at_id index serves.
import "server-only";
import { getDb } from "@/lib/db";
import type { DeploymentState, DeploymentTrigger, Prisma, TargetKind } from "@/lib/generated/prisma/client";
import { PAGE_SIZE, olderThan, toPage, type KeysetPage } from "@/lib/queries/paging";

export interface DeploymentListRow {
  id: string;
  state: DeploymentState;
  trigger: DeploymentTrigger;
  target: { id: string; name: string; kind: TargetKind; service: string };
  release: {
    id: string;
    imageRepo: string | null;
    tag: string | null;
    digest: string | null;
    artifactSha256: string | null;
    commitSha: string;
  };
  repository: { id: string; name: string };
  branch: string;
  requestedBy: string | null;
  reason: string | null;
  approvalExpiresAt: Date | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

const select = {
  id: true,
  state: true,
  trigger: true,
  reason: true,
  approvalExpiresAt: true,
  createdAt: true,
  startedAt: true,
  finishedAt: true,
  target: { select: { id: true, name: true, kind: true, service: true } },
  release: {
    select: {
      id: true,
      imageRepo: true,
      tag: true,
      digest: true,
      artifactSha256: true,
      build: { select: { commit: { select: { sha: true } } } },
      deploymentRule: { select: { branch: true, buildRule: { select: { repository: { select: { id: true, name: true } } } } } },
    },
  },
  requestedBy: { select: { login: true } },
} satisfies Prisma.DeploymentSelect;

type Row = Prisma.DeploymentGetPayload<{ select: typeof select }>;

function toRow(d: Row): DeploymentListRow {
  const r = d.release;
  return {
    id: d.id,
    state: d.state,
    trigger: d.trigger,
    target: d.target,
    release: {
      id: r.id,
      imageRepo: r.imageRepo,
      tag: r.tag,
      digest: r.digest,
      artifactSha256: r.artifactSha256,
      commitSha: r.build.commit.sha,
    },
    repository: r.deploymentRule.buildRule.repository,
    branch: r.deploymentRule.branch,
    requestedBy: d.requestedBy?.login ?? null,
    reason: d.reason,
    approvalExpiresAt: d.approvalExpiresAt,
    createdAt: d.createdAt,
    startedAt: d.startedAt,
    finishedAt: d.finishedAt,
  };
}

export interface DeploymentListFilter {
  /** the target's id or name */
  targetIdOrName?: string;
  /** the repository's id or name */
  repositoryIdOrName?: string;
  state?: DeploymentState;
  /** only these repositories (a repository-limited API token); absent = all */
  repositoryIds?: string[] | null;
}

function filterWhere(f: DeploymentListFilter): Prisma.DeploymentWhereInput[] {
  const and: Prisma.DeploymentWhereInput[] = [];
  if (f.targetIdOrName) and.push({ target: { OR: [{ id: f.targetIdOrName }, { name: f.targetIdOrName }] } });
  if (f.repositoryIdOrName) and.push({ target: { deploymentRule: { buildRule: { repository: { OR: [{ id: f.repositoryIdOrName }, { name: f.repositoryIdOrName }] } } } } });
  if (f.state) and.push({ state: f.state });
  if (f.repositoryIds) and.push({ target: { deploymentRule: { buildRule: { repositoryId: { in: f.repositoryIds } } } } });
  return and;
}

/** Deployments newest first, filtered. `before` is the id of the last deployment of the previous page. */
export async function listDeployments(opts: { before?: string; limit?: number; filter?: DeploymentListFilter } = {}): Promise<KeysetPage<DeploymentListRow>> {
  const db = getDb();
  const limit = opts.limit ?? PAGE_SIZE;
  const cursor = opts.before ? await db.deployment.findUnique({ where: { id: opts.before }, select: { id: true, createdAt: true } }) : null;
  const cursorNotFound = Boolean(opts.before) && !cursor;
  const where: Prisma.DeploymentWhereInput = { AND: [olderThan("createdAt", cursor) as Prisma.DeploymentWhereInput, ...filterWhere(opts.filter ?? {})] };
  const rows = await db.deployment.findMany({ where, orderBy: [{ createdAt: "desc" }, { id: "desc" }], take: limit + 1, select });
  return toPage(rows.map(toRow), limit, (r) => r.id, cursorNotFound);
}

/** The latest deployments, for the dashboard. */
export async function recentDeployments(limit = 8): Promise<DeploymentListRow[]> {
  return (await listDeployments({ limit })).rows;
}

/** One deployment as the list shows it (the API's GET /deployments/{id}), or null. */
export async function deploymentListRow(id: string): Promise<DeploymentListRow | null> {
  const d = await getDb().deployment.findUnique({ where: { id }, select });
  return d ? toRow(d) : null;
}
