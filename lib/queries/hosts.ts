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
  /** targets that run on the host: on it directly (unikernels, artifact repositories) or on its docker contexts */
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
  _count: { select: { keys: true, dockerContexts: true } },
} satisfies Prisma.HostSelect;

/**
 * How many targets run on each host: those on it directly (unikernels, artifact repositories) and those on a
 * docker context that reaches it (swarm and compose services). One query for the page's hosts.
 */
export async function targetCountsByHost(hostIds: string[]): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  if (!hostIds.length) return counts;
  const rows = await getDb().$queryRaw<{ host_id: string; n: bigint }[]>`
    SELECT h.id AS host_id, count(t.id) AS n
      FROM hosts h
      JOIN targets t ON t.archived_at IS NULL AND (t.host_id = h.id OR t.docker_context_id IN (SELECT c.id FROM docker_contexts c WHERE c.host_id = h.id))
     WHERE h.id = ANY(${hostIds})
     GROUP BY h.id`;
  for (const r of rows) counts.set(r.host_id, Number(r.n));
  return counts;
}

/** Hosts in name order. `after` is the name of the last host of the previous page. */
export async function listHosts(opts: { after?: string; limit?: number } = {}): Promise<KeysetPage<HostListRow>> {
  const limit = opts.limit ?? PAGE_SIZE;
  const rows = await getDb().host.findMany({
    where: opts.after ? { name: { gt: opts.after } } : {},
    orderBy: { name: "asc" },
    take: limit + 1,
    select,
  });
  const targets = await targetCountsByHost(rows.map((h) => h.id));
  return toPage(
    rows.map(({ _count, ...h }) => ({ ...h, pinnedKeys: _count.keys, dockerContexts: _count.dockerContexts, targets: targets.get(h.id) ?? 0 })),
    limit,
    (h) => h.name,
  );
}
