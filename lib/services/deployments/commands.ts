// Deployment commands from people: approve, reject, cancel, roll back (with a pin), unpin, deploy a release.
// authorize → validate → rows + jobs + audit in one transaction. A refused command changes nothing.
import { getDb, type Tx } from "@/lib/db";
import type { Actor } from "@/lib/auth/actor";
import { actorRole } from "@/lib/auth/actor";
import { atLeast, roleLabels } from "@/lib/auth/roles";
import { recordAudit } from "@/lib/audit/record";
import { authorize } from "@/lib/services/authorize";
import { ConflictError, ForbiddenError, NotFoundError } from "@/lib/errors";
import { parseInput } from "@/lib/validation/parse";
import {
  approvalLevelInput,
  approveDeploymentInput,
  cancelDeploymentInput,
  deployReleaseInput,
  rejectDeploymentInput,
  pinInput,
  rollbackInput,
  unpinInput,
} from "@/lib/validation/deployments";
import { deploymentStateLabels, isRunningDeploymentState, RUNNING_DEPLOYMENT_STATES } from "@/lib/validation/deployment-states";
import { APPROVAL_LEVEL_SETTING, approvalThreshold, createDeployment, enqueueDeployment, needsApprovalUnder } from "@/lib/services/deployments/schedule";
import { pinBeforeRollback, restorePinAfterRollback } from "@/lib/services/deployments/rollback-pin";

function actorUser(actor: Actor): { id: string; login: string } | null {
  return actor.type === "user" || actor.type === "api_token" ? { id: actor.userId, login: actor.login } : null;
}

function short(sha: string): string {
  return sha.slice(0, 12);
}

async function lockDeployment(tx: Tx, deploymentId: string) {
  const rows = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM deployments WHERE id = ${deploymentId} FOR UPDATE`;
  if (rows.length === 0) throw new NotFoundError(`There is no deployment with id ${deploymentId}; it may have been removed with its target. Reload the page.`);
  return tx.deployment.findUniqueOrThrow({
    where: { id: deploymentId },
    include: {
      target: { select: { id: true, name: true, environment: { select: { minApprovers: true, approverRole: true } } } },
      approvals: { select: { userId: true, decision: true } },
      release: {
        select: {
          id: true,
          build: { select: { triggeredById: true, commit: { select: { sha: true, pushedBy: true } } } },
          deploymentRule: { select: { minApprovers: true, approverRole: true } },
        },
      },
    },
  });
}

type LockedDeployment = Awaited<ReturnType<typeof lockDeployment>>;

/** Refuses a decision on a deployment that no longer waits for one, or whose approval window has passed. */
function assertDecidable(d: LockedDeployment, verb: string): void {
  if (d.state !== "pending_approval") {
    const why =
      d.state === "superseded"
        ? "a newer release for the same target superseded it"
        : `it is ${deploymentStateLabels[d.state].toLowerCase()}${d.state === "cancelled" && d.reason ? ` (${d.reason})` : ""}`;
    throw new ConflictError(`This deployment to ${d.target.name} cannot be ${verb}: ${why}. Nothing was changed.`);
  }
  if (d.approvalExpiresAt && d.approvalExpiresAt.getTime() <= Date.now()) {
    throw new ConflictError(
      `The approval window of this deployment to ${d.target.name} closed at ${d.approvalExpiresAt.toISOString()}; it can no longer be ${verb}. Deploy the release again from the target's page if it is still wanted.`,
    );
  }
}

/** Who made the change being deployed: they may not approve it themselves. */
function changeMadeBy(d: LockedDeployment, user: { id: string; login: string }): string | null {
  const build = d.release.build;
  if (d.requestedById === user.id) return "you requested this deployment";
  if (build.triggeredById === user.id) return "you started the build of this release";
  if (build.commit.pushedBy && build.commit.pushedBy.toLowerCase() === user.login.toLowerCase()) return `you pushed commit ${short(build.commit.sha)}`;
  return null;
}

export interface DecisionResult {
  state: string;
  approvals: number;
  needed: number;
  message: string;
}

export async function approveDeployment(actor: Actor, raw: unknown): Promise<DecisionResult> {
  authorize(actor, "deployment.approve");
  const input = parseInput(approveDeploymentInput, raw);
  const user = actorUser(actor);
  if (!user) throw new ForbiddenError("Only a person can approve a deployment.");
  return getDb().$transaction(async (tx) => {
    const d = await lockDeployment(tx, input.deploymentId);
    assertDecidable(d, "approved");
    // a target in an environment is approved under the environment's policy, the others under the rule's
    const rule = d.target.environment ?? d.release.deploymentRule;
    if (!atLeast(actorRole(actor), rule.approverRole)) {
      throw new ForbiddenError(`Deployments to ${d.target.name} are approved by the ${roleLabels[rule.approverRole]} role; you are ${roleLabels[actorRole(actor)].toLowerCase()}. Nothing was changed.`);
    }
    const own = changeMadeBy(d, user);
    if (own) throw new ForbiddenError(`You cannot approve your own change: ${own}. Another approver must approve it. Nothing was changed.`);
    if (d.approvals.some((a) => a.userId === user.id)) throw new ConflictError(`You already decided on this deployment to ${d.target.name}. Nothing was changed.`);
    await tx.approval.create({ data: { deploymentId: d.id, userId: user.id, decision: "approved", comment: input.comment ?? null } });
    const approvals = d.approvals.filter((a) => a.decision === "approved").length + 1;
    const needed = Math.max(1, rule.minApprovers);
    const ready = approvals >= needed;
    if (ready) {
      await tx.deployment.update({ where: { id: d.id }, data: { state: "queued", queuedAt: new Date() } });
      await enqueueDeployment(tx, d.id, d.target.id);
    }
    await recordAudit(tx, {
      actor,
      action: "deployment.approved",
      subjectType: "deployment",
      subjectId: d.id,
      summary: `${d.target.name}: approval ${approvals} of ${needed}${ready ? ", queued" : ""}${input.comment ? `: ${input.comment}` : ""}`,
      before: { state: d.state },
      after: { state: ready ? "queued" : d.state, approvals, needed, comment: input.comment ?? null },
    });
    return {
      state: ready ? "queued" : d.state,
      approvals,
      needed,
      message: ready ? `Approved: the deployment to ${d.target.name} is queued.` : `Approved (${approvals} of ${needed}); it waits for ${needed - approvals} more approval${needed - approvals === 1 ? "" : "s"}.`,
    };
  });
}

export async function rejectDeployment(actor: Actor, raw: unknown): Promise<DecisionResult> {
  authorize(actor, "deployment.approve");
  const input = parseInput(rejectDeploymentInput, raw);
  const user = actorUser(actor);
  if (!user) throw new ForbiddenError("Only a person can reject a deployment.");
  return getDb().$transaction(async (tx) => {
    const d = await lockDeployment(tx, input.deploymentId);
    assertDecidable(d, "rejected");
    if (d.approvals.some((a) => a.userId === user.id)) throw new ConflictError(`You already decided on this deployment to ${d.target.name}. Nothing was changed.`);
    await tx.approval.create({ data: { deploymentId: d.id, userId: user.id, decision: "rejected", comment: input.comment ?? null } });
    const reason = `rejected by ${user.login}${input.comment ? `: ${input.comment}` : ""}`;
    await tx.deployment.update({ where: { id: d.id }, data: { state: "cancelled", reason, cancelledById: user.id, finishedAt: new Date() } });
    await recordAudit(tx, {
      actor,
      action: "deployment.rejected",
      subjectType: "deployment",
      subjectId: d.id,
      summary: `${d.target.name}: ${reason}`,
      before: { state: d.state },
      after: { state: "cancelled", comment: input.comment ?? null },
    });
    return { state: "cancelled", approvals: 0, needed: d.release.deploymentRule.minApprovers, message: `Rejected: the deployment to ${d.target.name} will not run.` };
  });
}

/** Cancels a deployment that waits for approval or is queued. A running one is not interrupted (the target would be left half-changed). */
export async function cancelDeployment(actor: Actor, raw: unknown): Promise<{ message: string }> {
  authorize(actor, "deployment.approve");
  const input = parseInput(cancelDeploymentInput, raw);
  const user = actorUser(actor);
  return getDb().$transaction(async (tx) => {
    const d = await lockDeployment(tx, input.deploymentId);
    if (d.state !== "pending_approval" && d.state !== "queued") {
      const running = isRunningDeploymentState(d.state);
      throw new ConflictError(
        running
          ? `The deployment to ${d.target.name} is already ${deploymentStateLabels[d.state].toLowerCase()}; it is not interrupted half-way. Roll back once it ends if you do not want it.`
          : `The deployment to ${d.target.name} has ended (${deploymentStateLabels[d.state].toLowerCase()}); there is nothing to cancel.`,
      );
    }
    const reason = `cancelled by ${user?.login ?? "the system"}`;
    await tx.deployment.update({ where: { id: d.id }, data: { state: "cancelled", reason, cancelledById: user?.id ?? null, finishedAt: new Date() } });
    await recordAudit(tx, { actor, action: "deployment.cancelled", subjectType: "deployment", subjectId: d.id, summary: `${d.target.name}: ${reason}`, before: { state: d.state }, after: { state: "cancelled" } });
    const unpinned = await restorePinAfterRollback(tx, d.id, actor);
    return { message: `Cancelled the deployment to ${d.target.name}.${unpinned ? " Its pin is back to what it was before the rollback." : ""}` };
  });
}

async function lockTarget(tx: Tx, targetId: string) {
  const rows = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM targets WHERE id = ${targetId} FOR UPDATE`;
  if (rows.length === 0) throw new NotFoundError(`There is no target with id ${targetId}; it may have been removed. Reload the page.`);
  const target = await tx.target.findUniqueOrThrow({
    where: { id: targetId },
    select: {
      id: true,
      name: true,
      archivedAt: true,
      kind: true,
      deploymentRuleId: true,
      currentReleaseId: true,
      pinnedReleaseId: true,
      pinnedById: true,
      pinnedAt: true,
      pinnedBy: { select: { login: true } },
      deploymentRule: { select: { approvalMode: true, approvalExpirySeconds: true, confirmLevel: true } },
      environment: {
        select: {
          id: true,
          name: true,
          approvalMode: true,
          approvalExpirySeconds: true,
          confirmLevel: true,
          deploymentRule: { select: { environments: { orderBy: [{ position: "asc" }, { name: "asc" }], take: 1, select: { id: true } } } },
        },
      },
    },
  });
  if (target.archivedAt) {
    throw new ConflictError(`Target ${target.name} is archived (removed from the inventory with its history kept); it deploys nothing. Add it back (slipway.yml or Repositories) to deploy to it again.`);
  }
  return target;
}

type LockedTarget = Awaited<ReturnType<typeof lockTarget>>;

async function releaseOfTarget(tx: Tx, target: { name: string; deploymentRuleId: string }, releaseId: string) {
  const release = await tx.release.findUnique({
    where: { id: releaseId },
    select: { id: true, deploymentRuleId: true, imageRepo: true, tag: true, digest: true, build: { select: { commit: { select: { sha: true } } } } },
  });
  if (!release) throw new NotFoundError(`There is no release with id ${releaseId}; reload the page.`);
  if (release.deploymentRuleId !== target.deploymentRuleId) {
    throw new ConflictError(`That release was built for another deployment rule, not for ${target.name}; choose one from ${target.name}'s history. Nothing was changed.`);
  }
  if (!release.digest) throw new ConflictError(`That release has no image digest, so it cannot be deployed to ${target.name}.`);
  return release;
}

async function assertNothingRunning(tx: Tx, target: { id: string; name: string }, verb: string): Promise<void> {
  const running = await tx.deployment.findFirst({ where: { targetId: target.id, state: { in: [...RUNNING_DEPLOYMENT_STATES] } }, select: { id: true, state: true } });
  if (running) {
    throw new ConflictError(`A deployment to ${target.name} is ${deploymentStateLabels[running.state].toLowerCase()} now; wait until it ends, then ${verb}. Nothing was changed.`);
  }
}

/** The release of the target's newest successful deployment other than what runs there now: what "roll back" goes to by default. */
async function previousGoodRelease(tx: Tx, target: { id: string; name: string; currentReleaseId: string | null }): Promise<string> {
  const d = await tx.deployment.findFirst({
    where: { targetId: target.id, state: "succeeded", ...(target.currentReleaseId ? { releaseId: { not: target.currentReleaseId } } : {}) },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    select: { releaseId: true },
  });
  if (!d) throw new ConflictError(`${target.name} has no earlier successful deployment to roll back to; name the release to roll back to. Nothing was changed.`);
  return d.releaseId;
}

/** "Roll back to this": deploys the release without rebuilding and pins the target to it. */
export async function rollbackTarget(actor: Actor, raw: unknown): Promise<{ deploymentId: string; message: string }> {
  authorize(actor, "deployment.rollback");
  const input = parseInput(rollbackInput, raw);
  const user = actorUser(actor);
  return getDb().$transaction(async (tx) => {
    const target = await lockTarget(tx, input.targetId);
    const release = await releaseOfTarget(tx, target, input.releaseId ?? (await previousGoodRelease(tx, target)));
    await assertNothingRunning(tx, target, "roll back");
    const sha = short(release.build.commit.sha);
    // read before createDeployment supersedes a waiting rollback, whose remembered pin this one inherits
    const pinBefore = await pinBeforeRollback(tx, target);
    const d = await createDeployment(tx, {
      targetId: target.id,
      releaseId: release.id,
      previousReleaseId: target.currentReleaseId,
      trigger: "rollback",
      needsApproval: false,
      approvalExpirySeconds: null,
      requestedById: user?.id ?? null,
      actor,
      summary: `${target.name}: roll back to ${release.imageRepo}:${release.tag} (${sha})`,
    });
    await tx.deployment.update({ where: { id: d.id }, data: pinBefore });
    await pinAt(tx, actor, target, release.id, sha);
    return { deploymentId: d.id, message: `Rolling ${target.name} back to ${sha}; it is pinned there until someone unpins it.` };
  });
}

/** Pins `target` at release `releaseId` (short sha `sha` for the words), audited `target.pinned`: the rollback's pin and pinTarget's. */
async function pinAt(tx: Tx, actor: Actor, target: { id: string; name: string; pinnedReleaseId: string | null }, releaseId: string, sha: string): Promise<void> {
  await tx.target.update({ where: { id: target.id }, data: { pinnedReleaseId: releaseId, pinnedById: actorUser(actor)?.id ?? null, pinnedAt: new Date() } });
  await recordAudit(tx, {
    actor,
    action: "target.pinned",
    subjectType: "target",
    subjectId: target.id,
    summary: `${target.name} pinned at ${sha}: new releases of its branch build but do not deploy there until it is unpinned`,
    before: { pinnedReleaseId: target.pinnedReleaseId },
    after: { pinnedReleaseId: releaseId },
  });
}

/** Pins the target to a release (default: the one running there) without deploying: new releases of its branch build but do not deploy there. */
export async function pinTarget(actor: Actor, raw: unknown): Promise<{ message: string }> {
  authorize(actor, "deployment.rollback");
  const input = parseInput(pinInput, raw);
  return getDb().$transaction(async (tx) => {
    const target = await lockTarget(tx, input.targetId);
    const releaseId = input.releaseId ?? target.currentReleaseId;
    if (!releaseId) throw new ConflictError(`Nothing runs on ${target.name} yet, so there is nothing to pin it at; name a release. Nothing was changed.`);
    const release = await releaseOfTarget(tx, target, releaseId);
    const sha = short(release.build.commit.sha);
    if (target.pinnedReleaseId === release.id) return { message: `${target.name} is already pinned at ${sha}.` };
    await pinAt(tx, actor, target, release.id, sha);
    const running = release.id === target.currentReleaseId;
    return { message: `${target.name} is pinned at ${sha}${running ? "" : " (not running there yet: deploy it to run it)"}; it stays there until someone unpins it.` };
  });
}

/** Lets the target follow its branch again. The newest release is offered, not deployed by itself. */
export async function unpinTarget(actor: Actor, raw: unknown): Promise<{ message: string; newestReleaseId: string | null }> {
  authorize(actor, "deployment.rollback");
  const input = parseInput(unpinInput, raw);
  return getDb().$transaction(async (tx) => {
    const target = await lockTarget(tx, input.targetId);
    if (!target.pinnedReleaseId) throw new ConflictError(`${target.name} is not pinned; nothing was changed.`);
    await tx.target.update({ where: { id: target.id }, data: { pinnedReleaseId: null, pinnedById: null, pinnedAt: null } });
    // a later stage's target follows promotions, not the branch
    const stage = laterStage(target);
    await recordAudit(tx, {
      actor,
      action: "target.unpinned",
      subjectType: "target",
      subjectId: target.id,
      summary: `${target.name} unpinned (was pinned by ${target.pinnedBy?.login ?? "someone"}): ${stage ? `the next release promoted to ${stage} deploys there` : "the next release of its branch deploys there"}`,
      before: { pinnedReleaseId: target.pinnedReleaseId },
      after: { pinnedReleaseId: null },
    });
    if (stage) return { message: `${target.name} is unpinned: the next release promoted to ${stage} deploys there.`, newestReleaseId: null };
    const newest = await tx.release.findFirst({ where: { deploymentRuleId: target.deploymentRuleId, digest: { not: null } }, orderBy: { createdAt: "desc" }, select: { id: true } });
    const offer = newest && newest.id !== target.currentReleaseId ? newest.id : null;
    return { message: `${target.name} follows its branch again.${offer ? " The newest release is not running there yet: deploy it from the target's page." : ""}`, newestReleaseId: offer };
  });
}

/** The name of the target's environment when it is a later stage than the first (it gets releases by promotion), else null. */
function laterStage(target: LockedTarget): string | null {
  const env = target.environment;
  return env && env.deploymentRule.environments[0]?.id !== env.id ? env.name : null;
}

/**
 * A target in a later stage of its rule's environments gets a release by promotion only: deploying one by hand
 * is refused unless the release already succeeded on that stage (it was promoted there before).
 */
async function assertReachedStage(tx: Tx, target: LockedTarget, releaseId: string): Promise<void> {
  const env = target.environment;
  if (!env || !laterStage(target)) return;
  const before = await tx.deployment.findFirst({ where: { releaseId, state: "succeeded", target: { environmentId: env.id } }, select: { id: true } });
  if (!before) {
    throw new ConflictError(
      `${target.name} is in environment ${env.name}, which gets releases by promotion only: promote this release to ${env.name} from the stage before (Environments, or slipway promote). Nothing was changed.`,
    );
  }
}

/** Deploys a release of the target's rule now (the newest after unpinning, or any from its history without a pin). */
export async function deployRelease(actor: Actor, raw: unknown): Promise<{ deploymentId: string; message: string; state: string }> {
  authorize(actor, "deployment.rollback");
  const input = parseInput(deployReleaseInput, raw);
  const user = actorUser(actor);
  return getDb().$transaction(async (tx) => {
    const target = await lockTarget(tx, input.targetId);
    const release = await releaseOfTarget(tx, target, input.releaseId);
    if (target.pinnedReleaseId && target.pinnedReleaseId !== release.id) {
      throw new ConflictError(`${target.name} is pinned by ${target.pinnedBy?.login ?? "someone"}; unpin it first, or roll back to this release to move the pin. Nothing was changed.`);
    }
    await assertNothingRunning(tx, target, "deploy");
    await assertReachedStage(tx, target, release.id);
    const rule = target.environment ?? target.deploymentRule;
    const needsApproval = needsApprovalUnder(rule, await approvalThreshold(tx));
    const d = await createDeployment(tx, {
      targetId: target.id,
      releaseId: release.id,
      previousReleaseId: target.currentReleaseId,
      trigger: "manual",
      needsApproval,
      approvalExpirySeconds: rule.approvalExpirySeconds,
      requestedById: user?.id ?? null,
      actor,
      summary: `${target.name}: deploy ${release.imageRepo}:${release.tag} (${short(release.build.commit.sha)})`,
    });
    return {
      deploymentId: d.id,
      state: d.state,
      message: d.state === "queued" ? `Deploying ${short(release.build.commit.sha)} to ${target.name}.` : `The deployment to ${target.name} waits for approval by someone else.`,
    };
  });
}

/** The confirm level at or above which deployments wait for approval (admins). */
export async function setApprovalLevel(actor: Actor, raw: unknown): Promise<{ message: string }> {
  authorize(actor, "settings.edit");
  const input = parseInput(approvalLevelInput, raw);
  return getDb().$transaction(async (tx) => {
    const before = await approvalThreshold(tx);
    await tx.setting.upsert({ where: { key: APPROVAL_LEVEL_SETTING }, create: { key: APPROVAL_LEVEL_SETTING, value: input.level }, update: { value: input.level } });
    await recordAudit(tx, {
      actor,
      action: "setting.updated",
      subjectType: "setting",
      subjectId: APPROVAL_LEVEL_SETTING,
      summary: `deployments of rules at confirm level ${input.level.replace("_", " ")} or above wait for approval`,
      before: { level: before },
      after: { level: input.level },
    });
    return { message: `Rules at ${input.level.replace("_", " ")} or above now wait for approval.` };
  });
}
