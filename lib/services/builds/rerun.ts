// "Re-run" on GitHub (check_run or check_suite rerequested): the next attempt of the builds that check
// reports on, unless one is still queued or running.
import { getDb } from "@/lib/db";
import { systemActor } from "@/lib/auth/actor";
import { recordAudit } from "@/lib/audit/record";
import type { NormalizedEvent } from "@/lib/github/webhook-events";
import { createBuild, isActiveBuildState, lockLatestAttempt } from "@/lib/services/builds/schedule";

export async function rerunFromGithub(e: NormalizedEvent): Promise<{ rebuilt: string[]; skipped: string }> {
  return getDb().$transaction(async (tx) => {
    const repo = await tx.repository.findUnique({ where: { id: e.repositoryId }, select: { id: true, name: true, appId: true, enabled: true, archivedAt: true } });
    if (!repo) return { rebuilt: [], skipped: "the repository was deleted" };
    if (!repo.enabled) return { rebuilt: [], skipped: "the repository is disabled" };
    if (repo.archivedAt) return { rebuilt: [], skipped: "the repository is archived" };
    // the build the check run reports on, else the latest attempt of each rule on the commit
    let builds = e.checkRunId
      ? await tx.build.findMany({ where: { checkRunId: BigInt(e.checkRunId), buildRule: { repositoryId: repo.id } }, include: { refs: true, commit: true, buildRule: true } })
      : [];
    if (builds.length === 0 && e.headSha) {
      const all = await tx.build.findMany({
        where: { commit: { repositoryId: repo.id, sha: e.headSha } },
        orderBy: { attempt: "desc" },
        include: { refs: true, commit: true, buildRule: true },
      });
      const seen = new Set<string>();
      builds = all.filter((b) => !seen.has(b.buildRuleId) && seen.add(b.buildRuleId));
    }
    if (builds.length === 0) return { rebuilt: [], skipped: "no build of that check run or commit" };
    const rebuilt: string[] = [];
    for (const b of builds) {
      const latest = await lockLatestAttempt(tx, b.buildRuleId, b.commitId);
      if (latest && isActiveBuildState(latest.state)) continue;
      const id = await createBuild(tx, { buildRuleId: b.buildRuleId, commitId: b.commitId, refIds: b.refs.map((r) => r.refId), trigger: "rerun", repositoryHasApp: repo.appId !== null });
      await recordAudit(tx, {
        actor: systemActor("GitHub re-run"),
        action: "build.rebuilt",
        subjectType: "build",
        subjectId: id,
        summary: `${repo.name} ${b.buildRule.name} at ${b.commit.sha.slice(0, 12)}, re-run from GitHub (delivery ${e.deliveryId})`,
        after: { previousBuildId: b.id, sha: b.commit.sha, deliveryId: e.deliveryId },
      });
      rebuilt.push(id);
    }
    return { rebuilt, skipped: rebuilt.length ? "" : "already queued or running" };
  });
}
