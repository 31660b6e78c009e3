// Repositories for the Repositories page: by name, keyset-paginated on (name, id): one name may be listed
// under several apps.
import "server-only";
import { getDb } from "@/lib/db";
import type { Prisma, RepositoryProvider } from "@/lib/generated/prisma/client";
import { PAGE_SIZE, toPage, type KeysetPage } from "@/lib/queries/paging";

export interface RepositoryListRow {
  id: string;
  name: string;
  provider: RepositoryProvider;
  url: string;
  defaultBranch: string;
  enabled: boolean;
  /** the GitHub App ("flavour") the repository belongs to */
  app: string | null;
  appId: string | null;
  buildRules: number;
  pollIntervalSeconds: number;
  lastPolledAt: Date | null;
  lastPollError: string | null;
  createdAt: Date;
}

const select = {
  id: true,
  name: true,
  provider: true,
  url: true,
  defaultBranch: true,
  enabled: true,
  pollIntervalSeconds: true,
  lastPolledAt: true,
  lastPollError: true,
  createdAt: true,
  appId: true,
  app: { select: { name: true } },
  _count: { select: { buildRules: true } },
} satisfies Prisma.RepositorySelect;

/**
 * Repositories in name order; the entries of a repository listed under several apps by id after that. `after`
 * is the id of the last repository of the previous page (an older link's name works too).
 */
export async function listRepositories(opts: { after?: string; limit?: number; repositoryIds?: string[] | null } = {}): Promise<KeysetPage<RepositoryListRow>> {
  const limit = opts.limit ?? PAGE_SIZE;
  const db = getDb();
  const cursor = opts.after ? await db.repository.findUnique({ where: { id: opts.after }, select: { id: true, name: true } }) : null;
  const page: Prisma.RepositoryWhereInput = cursor
    ? { OR: [{ name: { gt: cursor.name } }, { name: cursor.name, id: { gt: cursor.id } }] }
    : opts.after
      ? { name: { gt: opts.after } }
      : {};
  const where: Prisma.RepositoryWhereInput = { archivedAt: null, ...page, ...(opts.repositoryIds ? { id: { in: opts.repositoryIds } } : {}) };
  const rows = await db.repository.findMany({ where, orderBy: [{ name: "asc" }, { id: "asc" }], take: limit + 1, select });
  return toPage(
    rows.map(({ app, _count, ...r }) => ({ ...r, app: app?.name ?? null, buildRules: _count.buildRules })),
    limit,
    (r) => r.id,
  );
}
