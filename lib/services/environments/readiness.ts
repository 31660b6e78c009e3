// Whether a release can move on from one stage of its rule's pipeline to the next, in words. The promote
// command (promote.ts) refuses with these reasons, and the Environments page (lib/queries/environments.ts)
// shows them. The stage's check URLs are not fetched here: they are asked at promote time (check-urls.ts).
import type { Tx } from "@/lib/db";
import { deploymentStateLabels, isActiveDeploymentState } from "@/lib/validation/deployment-states";
import { durationWords } from "@/lib/validation/duration-words";

type Reader = Pick<Tx, "target" | "deployment">;

export interface StageForReadiness {
  id: string;
  name: string;
  soakSeconds: number;
}

export interface Readiness {
  /** why it cannot be promoted from this stage yet; empty: it can (once the stage's check URLs answer 2xx) */
  blockers: string[];
  /** when the soak time ends (or ended), once every target runs the release; null otherwise */
  soakEndsAt: Date | null;
}

function short(sha: string): string {
  return sha.slice(0, 12);
}

/**
 * Release `releaseId` can leave stage `stage` when every live target of the stage runs it (its current release)
 * after a succeeded deployment of it, none of its deployments there failed or was rolled back since, no target
 * drifted away from it, and the newest of those successes finished at least the stage's soak time before `now`.
 */
export async function promotionReadiness(db: Reader, releaseId: string, stage: StageForReadiness, now: Date): Promise<Readiness> {
  const targets = await db.target.findMany({
    where: { environmentId: stage.id, archivedAt: null },
    orderBy: { name: "asc" },
    select: {
      id: true,
      name: true,
      currentReleaseId: true,
      driftDetectedAt: true,
      liveImage: true,
      currentRelease: { select: { build: { select: { commit: { select: { sha: true } } } } } },
    },
  });
  if (targets.length === 0) {
    return { blockers: [`${stage.name} has no targets: give it one (a target with environment: ${stage.name}) before promoting from it`], soakEndsAt: null };
  }
  const deployments = await db.deployment.findMany({
    where: { releaseId, targetId: { in: targets.map((t) => t.id) } },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    select: { targetId: true, state: true, finishedAt: true },
  });
  const blockers: string[] = [];
  let lastSuccess: Date | null = null;
  for (const t of targets) {
    const mine = deployments.filter((d) => d.targetId === t.id);
    const active = mine.find((d) => isActiveDeploymentState(d.state));
    const successes = mine.filter((d) => d.state === "succeeded" && d.finishedAt);
    const success = successes.at(-1)?.finishedAt ?? null;
    if (active) {
      blockers.push(`${t.name} is still deploying it (${deploymentStateLabels[active.state].toLowerCase()})`);
      continue;
    }
    if (t.currentReleaseId !== releaseId) {
      const sha = t.currentRelease?.build.commit.sha;
      blockers.push(sha ? `${t.name} runs release ${short(sha)}, not this one` : `nothing runs on ${t.name} yet`);
      continue;
    }
    if (!success) {
      blockers.push(`${t.name} has no succeeded deployment of this release`);
      continue;
    }
    const bad = mine.filter((d) => (d.state === "failed" || d.state === "rolled_back") && d.finishedAt && d.finishedAt > success).at(-1);
    if (bad) {
      blockers.push(`a deployment of this release to ${t.name} ${bad.state === "failed" ? "failed" : "was rolled back"} after it succeeded there; deploy it there again`);
      continue;
    }
    if (t.driftDetectedAt) {
      blockers.push(`${t.name} drifted: it runs ${t.liveImage ?? "another image"}, not this release`);
      continue;
    }
    if (!lastSuccess || success > lastSuccess) lastSuccess = success;
  }
  if (blockers.length || !lastSuccess) return { blockers, soakEndsAt: null };
  const soakEndsAt = new Date(lastSuccess.getTime() + stage.soakSeconds * 1000);
  if (soakEndsAt > now) blockers.push(`${stage.name}'s soak time ends in ${durationWords(Math.max(1000, soakEndsAt.getTime() - now.getTime()))}`);
  return { blockers, soakEndsAt };
}
