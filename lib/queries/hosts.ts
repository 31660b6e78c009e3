// Hosts for the Hosts page: by name, keyset-paginated on the (unique) name.
import "server-only";
import { getDb } from "@/lib/db";
import type { Prisma } from "@/lib/generated/prisma/client";
import { PAGE_SIZE, toPage, type KeysetPage } from "@/lib/queries/paging";

export interface HostListRow {
  id: string;
  name: string;
  address: string;
  port: number;
  user: string;
  /** SSH host keys an admin accepted; a host with none cannot be connected to */
  pinnedKeys: number;
  dockerContexts: number;
  targets: number;
  lastCheckedAt: Date | null;
  lastCheckResult: string | null;
  createdAt: Date;
}

const select = {
  id: true,
  name: true,
  address: true,
  port: true,
  user: true,
  lastCheckedAt: true,
  lastCheckResult: true,
  createdAt: true,
  _count: { select: { keys: true, dockerContexts: true, targets: { where: { archivedAt: null } } } },
} satisfies Prisma.HostSelect;

/** Hosts in name order. `after` is the name of the last host of the previous page. */
export async function listHosts(opts: { after?: string; limit?: number } = {}): Promise<KeysetPage<HostListRow>> {
  const limit = opts.limit ?? PAGE_SIZE;
  const rows = await getDb().host.findMany({
    where: opts.after ? { name: { gt: opts.after } } : {},
    orderBy: { name: "asc" },
    take: limit + 1,
    select,
  });
  return toPage(
    rows.map(({ _count, ...h }) => ({ ...h, pinnedKeys: _count.keys, dockerContexts: _count.dockerContexts, targets: _count.targets })),
    limit,
    (h) => h.name,
  );
}
