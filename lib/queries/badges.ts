// What a README badge shows: the state of a branch's head commit, over the latest attempt of every build
// rule of the repository.
import "server-only";
import { isActiveBuildState } from "@/lib/validation/build-states";
import { getDb } from "@/lib/db";
import { latestBuildsOfCommits } from "@/lib/queries/refs";
import type { BadgeStatus } from "@/lib/badges/status-badge";

/** failing if any rule failed, running while any is queued or running, passing when all succeeded. */
export function badgeStatusOf(states: readonly string[]): BadgeStatus {
  if (states.length === 0) return "unknown";
  if (states.includes("failed")) return "failing";
  if (states.some(isActiveBuildState)) return "running";
  if (states.every((s) => s === "succeeded")) return "passing";
  return "cancelled";
}

/**
 * The status of `branch` (the repository's default branch when omitted) of the repository named
 * `repositoryName`; "unknown" when there is no such repository or open branch, or nothing built its head.
 */
export async function branchBadgeStatus(repositoryName: string, branch?: string): Promise<BadgeStatus> {
  if (!repositoryName || repositoryName.length > 200 || (branch !== undefined && (branch === "" || branch.length > 255))) return "unknown";
  const db = getDb();
  const repo = await db.repository.findUnique({ where: { name: repositoryName }, select: { id: true, defaultBranch: true } });
  if (!repo) return "unknown";
  const ref = await db.ref.findUnique({
    where: { repositoryId_kind_name: { repositoryId: repo.id, kind: "branch", name: branch ?? repo.defaultBranch } },
    select: { headSha: true, closedAt: true },
  });
  if (!ref || ref.closedAt) return "unknown";
  const builds = (await latestBuildsOfCommits(repo.id, [ref.headSha])).get(ref.headSha) ?? [];
  return badgeStatusOf(builds.map((b) => b.state));
}
