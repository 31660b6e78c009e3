// Targets for the API (GET /targets, /targets/{id}, /deployment-rules/{id}): each with its pin, what runs there
// and its newest deployment. In name order, keyset-paginated on the name (unique).
import "server-only";
import { getDb } from "@/lib/db";
import type { ApprovalMode, DeploymentState, Prisma, TargetKind } from "@/lib/generated/prisma/client";
import { PAGE_SIZE, toPage, type KeysetPage } from "@/lib/queries/paging";

export interface TargetRow {
  id: string;
  name: string;
  kind: TargetKind;
  deploymentRuleId: string;
  repositoryId: string;
  pinnedReleaseId: string | null;
  currentReleaseId: string | null;
  latestDeployment: { id: string; state: DeploymentState; releaseId: string } | null;
}

const select = {
  id: true,
  name: true,
  kind: true,
  deploymentRuleId: true,
  pinnedReleaseId: true,
  currentReleaseId: true,
  deploymentRule: { select: { buildRule: { select: { repositoryId: true } } } },
  deployments: { orderBy: [{ createdAt: "desc" }, { id: "desc" }], take: 1, select: { id: true, state: true, releaseId: true } },
} satisfies Prisma.TargetSelect;

type Row = Prisma.TargetGetPayload<{ select: typeof select }>;

function toRow(t: Row): TargetRow {
  const { deploymentRule, deployments, ...rest } = t;
  return { ...rest, repositoryId: deploymentRule.buildRule.repositoryId, latestDeployment: deployments[0] ?? null };
}

export interface TargetListFilter {
  /** the repository's id or name */
  repositoryIdOrName?: string;
  /** only these repositories (a repository-limited API token); absent = all */
  repositoryIds?: string[] | null;
}

/** Targets that are not archived, by name. `after` is the id of the last target of the previous page. */
export async function listTargets(opts: { after?: string; limit?: number; filter?: TargetListFilter } = {}): Promise<KeysetPage<TargetRow>> {
  const db = getDb();
  const limit = opts.limit ?? PAGE_SIZE;
  const f = opts.filter ?? {};
  const cursor = opts.after ? await db.target.findUnique({ where: { id: opts.after }, select: { name: true } }) : null;
  const and: Prisma.TargetWhereInput[] = [{ archivedAt: null }];
  if (cursor) and.push({ name: { gt: cursor.name } });
  if (f.repositoryIdOrName) and.push({ deploymentRule: { buildRule: { repository: { OR: [{ id: f.repositoryIdOrName }, { name: f.repositoryIdOrName }] } } } });
  if (f.repositoryIds) and.push({ deploymentRule: { buildRule: { repositoryId: { in: f.repositoryIds } } } });
  const rows = await db.target.findMany({ where: { AND: and }, orderBy: { name: "asc" }, take: limit + 1, select });
  return toPage(rows.map(toRow), limit, (r) => r.id, Boolean(opts.after) && !cursor);
}

export async function targetRow(id: string): Promise<TargetRow | null> {
  const t = await getDb().target.findFirst({ where: { id, archivedAt: null }, select });
  return t ? toRow(t) : null;
}

export interface DeploymentRuleRow {
  id: string;
  buildRuleId: string;
  branch: string;
  image: string | null;
  approvalMode: ApprovalMode;
  targetIds: string[];
}

export async function deploymentRuleRow(id: string): Promise<DeploymentRuleRow | null> {
  const r = await getDb().deploymentRule.findFirst({
    where: { id, archivedAt: null },
    select: { id: true, buildRuleId: true, branch: true, image: true, approvalMode: true, targets: { where: { archivedAt: null }, orderBy: { name: "asc" }, select: { id: true } } },
  });
  if (!r) return null;
  const { targets, ...rest } = r;
  return { ...rest, targetIds: targets.map((t) => t.id) };
}
