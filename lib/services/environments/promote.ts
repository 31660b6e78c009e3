// Promotion: the same release (the same image digest, the same unikernel sha256; never a rebuild) moved on
// from one stage of its rule's environments to the next. authorize → validate → check the stage before (its
// readiness in words, then its check URLs over HTTP, bounded) → rows + jobs + audit in one transaction, which
// checks the readiness again under the targets' locks. A refused promotion changes nothing. Every deployment it
// creates is checked against the release's signed provenance before the target is touched, like any other
// (lib/deploy/provenance.ts).
import { getDb, type Tx } from "@/lib/db";
import type { Actor } from "@/lib/auth/actor";
import { actorUserId } from "@/lib/auth/actor";
import { recordAudit } from "@/lib/audit/record";
import { authorize } from "@/lib/services/authorize";
import { ConflictError, NotFoundError } from "@/lib/errors";
import { parseInput } from "@/lib/validation/parse";
import { promoteReleaseInput } from "@/lib/validation/environments";
import { approvalThreshold, createDeployment, needsApprovalUnder } from "@/lib/services/deployments/schedule";
import { promotionReadiness } from "@/lib/services/environments/readiness";
import { checkUrlProblems } from "@/lib/services/environments/check-urls";
import type { DeploymentState } from "@/lib/generated/prisma/client";
import { ACTIVE_DEPLOYMENT_STATES, deploymentStateLabels } from "@/lib/validation/deployment-states";

type Reader = Pick<Tx, "release">;

export interface Promotion {
  releaseId: string;
  from: string;
  environment: string;
  deployments: { id: string; targetId: string; targetName: string; state: DeploymentState }[];
  message: string;
}

function short(sha: string): string {
  return sha.slice(0, 12);
}

/** The release, and the stage it would leave and the one it would enter; refuses in words when there is none. */
async function stagesOf(db: Reader, releaseId: string, environment: string) {
  const release = await db.release.findUnique({
    where: { id: releaseId },
    select: {
      id: true,
      digest: true,
      artifactSha256: true,
      imageRepo: true,
      tag: true,
      build: { select: { commit: { select: { sha: true } } } },
      deploymentRule: {
        select: {
          id: true,
          branch: true,
          archivedAt: true,
          environments: {
            orderBy: [{ position: "asc" }, { name: "asc" }],
            select: { id: true, name: true, soakSeconds: true, checkUrls: true, approvalMode: true, approvalExpirySeconds: true, confirmLevel: true },
          },
        },
      },
    },
  });
  if (!release) throw new NotFoundError(`There is no release with id ${releaseId}; check the id, or reload the page.`);
  const rule = release.deploymentRule;
  const sha = short(release.build.commit.sha);
  if (rule.archivedAt) throw new ConflictError(`The deployment rule of release ${sha} was removed from the inventory (archived); it deploys nothing. Nothing was changed.`);
  const envs = rule.environments;
  if (envs.length === 0) {
    throw new ConflictError(`The deployment rule of release ${sha} (branch ${rule.branch}) has no environments, so there is nothing to promote it to; add environments to it in slipway.yml. Nothing was changed.`);
  }
  const at = envs.findIndex((e) => e.name === environment);
  if (at < 0) throw new NotFoundError(`The deployment rule of release ${sha} (branch ${rule.branch}) has no environment named '${environment}'; its environments are ${envs.map((e) => e.name).join(", ")}.`);
  if (at === 0) {
    throw new ConflictError(`${environment} is the first environment: releases of branch ${rule.branch} enter it when they are built, so there is nothing to promote from. Nothing was changed.`);
  }
  return { release, sha, from: envs[at - 1]!, to: envs[at]! };
}

function refused(sha: string, to: string, reasons: string[]): ConflictError {
  return new ConflictError(`Release ${sha} cannot be promoted to ${to} yet: ${reasons.join("; ")}. Nothing was changed.`);
}

/** Promotes a release to the environment named: one deployment of it per target of that stage. */
export async function promoteRelease(actor: Actor, raw: unknown): Promise<Promotion> {
  authorize(actor, "deployment.promote");
  const input = parseInput(promoteReleaseInput, raw);
  // checked before the URLs are asked (a release still soaking gets its answer without waiting on them) ...
  const first = await stagesOf(getDb(), input.releaseId, input.environment);
  const early = await promotionReadiness(getDb(), first.release.id, first.from, new Date());
  if (early.blockers.length) throw refused(first.sha, first.to.name, early.blockers);
  const problems = await checkUrlProblems(first.from.checkUrls);
  if (problems.length) throw refused(first.sha, first.to.name, problems.map((p) => `${first.from.name}'s check ${p}`));
  // ... and again in the transaction, where the rows are written
  return getDb().$transaction(async (tx) => {
    const { release, sha, from, to } = await stagesOf(tx, input.releaseId, input.environment);
    // the stage before cannot move under the check: a deployment that would change what its targets run waits
    await tx.$queryRaw`SELECT id FROM targets WHERE environment_id = ${from.id} AND archived_at IS NULL ORDER BY name FOR UPDATE`;
    const ready = await promotionReadiness(tx, release.id, from, new Date());
    if (ready.blockers.length) throw refused(sha, to.name, ready.blockers);
    const targets = await tx.target.findMany({
      where: { environmentId: to.id, archivedAt: null },
      orderBy: { name: "asc" },
      select: { id: true, name: true, currentReleaseId: true, pinnedReleaseId: true, pinnedBy: { select: { login: true } } },
    });
    if (targets.length === 0) throw refused(sha, to.name, [`${to.name} has no targets: give it one (a target with environment: ${to.name})`]);
    const pinned = targets.filter((t) => t.pinnedReleaseId && t.pinnedReleaseId !== release.id);
    if (pinned.length) {
      throw refused(sha, to.name, pinned.map((t) => `${t.name} is pinned by ${t.pinnedBy?.login ?? "someone"} to another release; unpin it first`));
    }
    // a target already being given this release (a promotion waiting for approval, queued or running) keeps that deployment
    const under = await tx.deployment.findMany({
      where: { releaseId: release.id, targetId: { in: targets.map((t) => t.id) }, state: { in: [...ACTIVE_DEPLOYMENT_STATES] } },
      select: { targetId: true, state: true },
    });
    const todo = targets.filter((t) => t.currentReleaseId !== release.id && !under.some((d) => d.targetId === t.id));
    if (todo.length === 0) {
      throw new ConflictError(
        under.length
          ? `Release ${sha} is already on its way to ${to.name} (${deploymentStateLabels[under[0]!.state].toLowerCase()}); follow it on the Deployments page. Nothing was changed.`
          : `Every target of ${to.name} already runs release ${sha}; nothing to promote. Nothing was changed.`,
      );
    }
    const needsApproval = needsApprovalUnder(to, await approvalThreshold(tx));
    const image = release.artifactSha256 ? `unikernel ${short(release.artifactSha256)}` : `${release.imageRepo}:${release.tag}@${release.digest}`;
    const deployments: Promotion["deployments"] = [];
    for (const t of todo) {
      const d = await createDeployment(tx, {
        targetId: t.id,
        releaseId: release.id,
        previousReleaseId: t.currentReleaseId,
        trigger: "promotion",
        needsApproval,
        approvalExpirySeconds: to.approvalExpirySeconds,
        requestedById: actorUserId(actor),
        actor,
        summary: `${t.name}: promote ${sha} (${image}) from ${from.name} to ${to.name}${needsApproval ? ", waiting for approval" : ""}`,
      });
      deployments.push({ id: d.id, targetId: t.id, targetName: t.name, state: d.state });
    }
    await recordAudit(tx, {
      actor,
      action: "release.promoted",
      subjectType: "release",
      subjectId: release.id,
      summary: `${sha} promoted from ${from.name} to ${to.name}: ${deployments.map((d) => d.targetName).join(", ")}${needsApproval ? " (waiting for approval)" : ""}`,
      before: { environment: from.name, soakEndedAt: ready.soakEndsAt?.toISOString() ?? null, checkUrls: from.checkUrls },
      after: { environment: to.name, digest: release.digest, artifactSha256: release.artifactSha256, deployments: deployments.map((d) => ({ id: d.id, target: d.targetName, state: d.state })) },
    });
    const names = deployments.map((d) => d.targetName).join(", ");
    return {
      releaseId: release.id,
      from: from.name,
      environment: to.name,
      deployments,
      message: needsApproval
        ? `Promoting ${sha} to ${to.name}: the deployment${deployments.length === 1 ? "" : "s"} to ${names} wait${deployments.length === 1 ? "s" : ""} for approval by someone else.`
        : `Promoting ${sha} to ${to.name}: deploying to ${names}.`,
    };
  });
}
