// Which build host (a docker context with the build role) runs a build: one that builds every architecture
// the rule asks for, the least busy first (running builds per its max_concurrent_builds). A host at its
// limit still takes the build when no other can (the daemon queues it), so nothing waits forever on a
// context that is merely busy.
import type { Tx } from "@/lib/db";

export interface BuildHostChoice {
  contextId: string;
  name: string;
  running: number;
  max: number;
}

export const BUILD_HOST_LOCK = 7_341_120_004;

/** A choice, or the reason there is none, in words. Call in the claiming transaction. */
export async function chooseBuildHost(tx: Tx, archs: readonly string[]): Promise<BuildHostChoice | string> {
  // claims serialize here, so two workers do not both see the same host as idle
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${BUILD_HOST_LOCK}::bigint)`;
  const rows = await tx.$queryRaw<{ id: string; name: string; max: number; archs: string[]; running: bigint }[]>`
    SELECT c.id, c.name, c.max_concurrent_builds AS max, c.archs,
           (SELECT count(*) FROM builds b WHERE b.docker_context_id = c.id AND b.state IN ('fetching', 'building', 'pushing')) AS running
    FROM docker_contexts c
    WHERE c.role IN ('build', 'both')
    ORDER BY c.name`;
  if (rows.length === 0) return "there is no docker context with the build role: add one under Contexts (role build or both)";
  const able = rows.filter((r) => archs.every((a) => r.archs.includes(a)));
  if (able.length === 0) {
    return `no build host builds ${archs.map((a) => `linux/${a}`).join(" and ")}: the build contexts are ${rows.map((r) => `${r.name} (${r.archs.join(", ")})`).join(", ")}; add the architecture to one of them under Contexts`;
  }
  const load = (r: (typeof able)[number]) => Number(r.running) / Math.max(1, r.max);
  able.sort((a, b) => load(a) - load(b) || Number(a.running) - Number(b.running) || a.name.localeCompare(b.name));
  const best = able[0]!;
  return { contextId: best.id, name: best.name, running: Number(best.running), max: best.max };
}
