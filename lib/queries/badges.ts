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
 * Whether a repository's public badge tells anything: always for a repository GitHub says is public and for
 * a plain git repository (its name is Slipway's own); for a private GitHub repository, or one whose privacy
 * Slipway has not learned yet, only when an admin turned the badge on (Repositories → the repository).
 */
export function badgeShown(repo: { provider: string; isPrivate: boolean | null; privateBadge: boolean }): boolean {
  if (repo.privateBadge) return true;
  if (repo.isPrivate === null) return repo.provider !== "github";
  return !repo.isPrivate;
}

/**
 * The status of `branch` (each entry's default branch when omitted) of the repository named `repositoryName`;
 * "unknown" when there is no such repository or open branch, or nothing built its head. A repository listed
 * under several apps has one entry per app: `app` names the one to show; without it the badge covers every
 * entry (failing if any app's rules failed), so an address never means one app today and another tomorrow.
 * A private entry (badgeShown) answers "unknown", as if it did not exist, and so does a badge covering it.
 */
export async function branchBadgeStatus(repositoryName: string, branch?: string, app?: string): Promise<BadgeStatus> {
  if (!repositoryName || repositoryName.length > 200 || (branch !== undefined && (branch === "" || branch.length > 255))) return "unknown";
  if (app !== undefined && (app === "" || app.length > 100)) return "unknown";
  const db = getDb();
  const entries = await db.repository.findMany({
    where: { name: repositoryName, ...(app === undefined ? {} : { app: { name: app } }) },
    select: { id: true, defaultBranch: true, provider: true, isPrivate: true, privateBadge: true },
    take: 20,
  });
  // a private repository answers as if it did not exist, unless an admin showed its badge
  if (entries.some((e) => !badgeShown(e))) return "unknown";
  const states: string[] = [];
  for (const repo of entries) {
    const ref = await db.ref.findUnique({
      where: { repositoryId_kind_name: { repositoryId: repo.id, kind: "branch", name: branch ?? repo.defaultBranch } },
      select: { headSha: true, closedAt: true },
    });
    if (!ref || ref.closedAt) continue;
    const builds = (await latestBuildsOfCommits(repo.id, [ref.headSha])).get(ref.headSha) ?? [];
    states.push(...builds.map((b) => b.state));
  }
  return badgeStatusOf(states);
}
