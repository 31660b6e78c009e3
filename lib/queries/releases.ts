// Releases newest first (the API's GET /releases), keyset-paginated on (created_at, id), and one release.
import "server-only";
import { getDb } from "@/lib/db";
import type { Prisma } from "@/lib/generated/prisma/client";
import { PAGE_SIZE, olderThan, toPage, type KeysetPage } from "@/lib/queries/paging";

export interface ReleaseListRow {
  id: string;
  buildId: string;
  deploymentRuleId: string;
  repositoryId: string;
  commitSha: string;
  imageRepo: string | null;
  tag: string | null;
  digest: string | null;
  createdAt: Date;
}

export interface ReleaseListFilter {
  /** the repository's id or name */
  repositoryIdOrName?: string;
  /** a commit sha or its first 7+ hex digits (lower case) */
  commitPrefix?: string;
  deploymentRuleId?: string;
  /** only these repositories (a repository-limited API token); absent = all */
  repositoryIds?: string[] | null;
}

const select = {
  id: true,
  buildId: true,
  deploymentRuleId: true,
  imageRepo: true,
  tag: true,
  digest: true,
  createdAt: true,
  build: { select: { commit: { select: { sha: true, repositoryId: true } } } },
} satisfies Prisma.ReleaseSelect;

type Row = Prisma.ReleaseGetPayload<{ select: typeof select }>;

function toRow(r: Row): ReleaseListRow {
  const { build, ...rest } = r;
  return { ...rest, repositoryId: build.commit.repositoryId, commitSha: build.commit.sha };
}

function filterWhere(f: ReleaseListFilter): Prisma.ReleaseWhereInput[] {
  const and: Prisma.ReleaseWhereInput[] = [];
  if (f.repositoryIdOrName) and.push({ deploymentRule: { buildRule: { repository: { OR: [{ id: f.repositoryIdOrName }, { name: f.repositoryIdOrName }] } } } });
  if (f.commitPrefix) and.push({ build: { commit: { sha: { startsWith: f.commitPrefix } } } });
  if (f.deploymentRuleId) and.push({ deploymentRuleId: f.deploymentRuleId });
  if (f.repositoryIds) and.push({ deploymentRule: { buildRule: { repositoryId: { in: f.repositoryIds } } } });
  return and;
}

export async function listReleases(opts: { before?: string; limit?: number; filter?: ReleaseListFilter } = {}): Promise<KeysetPage<ReleaseListRow>> {
  const db = getDb();
  const limit = opts.limit ?? PAGE_SIZE;
  const cursor = opts.before ? await db.release.findUnique({ where: { id: opts.before }, select: { id: true, createdAt: true } }) : null;
  const and = [olderThan("createdAt", cursor) as Prisma.ReleaseWhereInput, ...filterWhere(opts.filter ?? {})];
  const rows = await db.release.findMany({ where: { AND: and }, orderBy: [{ createdAt: "desc" }, { id: "desc" }], take: limit + 1, select });
  return toPage(rows.map(toRow), limit, (r) => r.id, Boolean(opts.before) && !cursor);
}

export async function releaseListRow(id: string): Promise<ReleaseListRow | null> {
  const r = await getDb().release.findUnique({ where: { id }, select });
  return r ? toRow(r) : null;
}
