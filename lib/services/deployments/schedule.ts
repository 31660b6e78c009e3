// Deployments come into being here: one per target when a release is recorded (in the transaction that
// records it; targets in a later stage of the rule's environments wait for a promotion), a rollback, a
// promotion (lib/services/environments/promote.ts), or a manual deploy. A newer deployment of a target supersedes the older ones that
// are still waiting (pending approval or queued); the target's own graphile queue (`target:<id>`) runs one
// deployment at a time.
import type { Tx } from "@/lib/db";
import type { Actor } from "@/lib/auth/actor";
import type { DeploymentState, DeploymentTrigger } from "@/lib/generated/prisma/client";
import { recordAudit } from "@/lib/audit/record";
import { enqueueJob } from "@/lib/jobs/enqueue";
import type { DeploymentNotifyEvent } from "@/lib/validation/notification-events";
import { z } from "zod";
import { CONFIRM_LEVELS, WAITING_DEPLOYMENT_STATES, confirmLevelAtLeast, type ConfirmLevelName } from "@/lib/validation/deployment-states";

/** The settings key of the confirm level at or above which a deploy needs approval. */
export const APPROVAL_LEVEL_SETTING = "deploy.approval_confirm_level";
/** Rules at this level or above wait for approval unless an admin sets another level. */
export const DEFAULT_APPROVAL_LEVEL: ConfirmLevelName = "above_average";

export interface ApprovalLevelSetting {
  level: ConfirmLevelName;
  /** nobody set it (or the stored value is not a level): the default applies */
  isDefault: boolean;
  updatedAt: Date | null;
}

/** The confirm level at or above which a deploy waits for approval, read in the caller's transaction (or from the client). */
export async function readApprovalLevel(db: Pick<Tx, "setting">): Promise<ApprovalLevelSetting> {
  const row = await db.setting.findUnique({ where: { key: APPROVAL_LEVEL_SETTING } });
  const parsed = z.enum(CONFIRM_LEVELS).safeParse(row?.value);
  return parsed.success ? { level: parsed.data, isDefault: false, updatedAt: row?.updatedAt ?? null } : { level: DEFAULT_APPROVAL_LEVEL, isDefault: true, updatedAt: null };
}

export async function approvalThreshold(tx: Tx): Promise<ConfirmLevelName> {
  return (await readApprovalLevel(tx)).level;
}

/** The graphile queue that runs one deployment of a target at a time. */
export function targetQueue(targetId: string): string {
  return `target:${targetId}`;
}

export async function enqueueDeployment(tx: Tx, deploymentId: string, targetId: string): Promise<void> {
  await enqueueJob(tx, "deploy_run", { deploymentId }, { queueName: targetQueue(targetId), maxAttempts: 1 });
}

/** Notifications (Slack, GitHub Deployments) for a state change, in order per deployment. */
export async function enqueueNotify(tx: Tx, deploymentId: string, event: DeploymentNotifyEvent): Promise<void> {
  await enqueueJob(tx, "deploy_notify", { deploymentId, event }, { queueName: `deployment-notify:${deploymentId}`, maxAttempts: 5 });
}

/**
 * Ends the target's waiting deployments (pending approval or queued) other than `keepId`: superseded by it.
 * Returns their ids.
 */
export async function supersedeWaiting(tx: Tx, targetId: string, newId: string, actor: Actor): Promise<string[]> {
  const waiting = await tx.$queryRaw<{ id: string; state: DeploymentState }[]>`
    SELECT id, state FROM deployments
    WHERE target_id = ${targetId} AND id <> ${newId} AND state::text = ANY(${[...WAITING_DEPLOYMENT_STATES]})
    FOR UPDATE`;
  for (const w of waiting) {
    await tx.deployment.update({
      where: { id: w.id },
      data: { state: "superseded", supersededById: newId, finishedAt: new Date(), reason: "a newer deployment of this target was requested" },
    });
    await recordAudit(tx, {
      actor,
      action: "deployment.superseded",
      subjectType: "deployment",
      subjectId: w.id,
      summary: `superseded by ${newId} while ${w.state === "queued" ? "queued" : "waiting for approval"}`,
      before: { state: w.state },
      after: { state: "superseded", supersededById: newId },
    });
  }
  return waiting.map((w) => w.id);
}

/** An approval policy: a deployment rule's, or an environment's for the targets in it. */
export interface ApprovalPolicyRow {
  approvalMode: "automatic" | "manual";
  approvalExpirySeconds: number | null;
  confirmLevel: ConfirmLevelName;
}

/** Whether a deployment under `policy` waits for approval, with the confirm level threshold `threshold`. */
export function needsApprovalUnder(policy: Pick<ApprovalPolicyRow, "approvalMode" | "confirmLevel">, threshold: ConfirmLevelName): boolean {
  return policy.approvalMode === "manual" || confirmLevelAtLeast(policy.confirmLevel, threshold);
}

export interface CreatedDeployment {
  id: string;
  targetId: string;
  targetName: string;
  state: DeploymentState;
}

/**
 * One deployment per target of the release's rule, in the caller's transaction (the build runner's, which
 * records the release). A pinned target gets none: it stays on its pin until someone unpins it. When the rule
 * has environments, only the targets of the first one (and those in none) get it: the later stages' targets are
 * `held` until the release is promoted there. A target in an environment waits for approval under the
 * environment's policy, the others under the rule's.
 */
export async function createDeploymentsForRelease(tx: Tx, releaseId: string, actor: Actor): Promise<{ created: CreatedDeployment[]; pinned: string[]; held: string[] }> {
  const release = await tx.release.findUniqueOrThrow({
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
          approvalMode: true,
          approvalExpirySeconds: true,
          confirmLevel: true,
          targets: {
            where: { archivedAt: null },
            orderBy: { name: "asc" },
            select: {
              id: true,
              name: true,
              kind: true,
              currentReleaseId: true,
              pinnedReleaseId: true,
              environment: { select: { id: true, approvalMode: true, approvalExpirySeconds: true, confirmLevel: true } },
            },
          },
          environments: { orderBy: [{ position: "asc" }, { name: "asc" }], take: 1, select: { id: true } },
        },
      },
    },
  });
  const rule = release.deploymentRule;
  const threshold = await approvalThreshold(tx);
  const firstStage = rule.environments[0]?.id ?? null;
  const created: CreatedDeployment[] = [];
  const pinned: string[] = [];
  const held: string[] = [];
  for (const t of rule.targets) {
    if (t.environment && t.environment.id !== firstStage) {
      held.push(t.name);
      continue;
    }
    if (t.pinnedReleaseId) {
      pinned.push(t.name);
      continue;
    }
    const policy = t.environment ?? rule;
    const needsApproval = needsApprovalUnder(policy, threshold);
    const d = await createDeployment(tx, {
      targetId: t.id,
      releaseId: release.id,
      previousReleaseId: t.currentReleaseId,
      trigger: "release",
      needsApproval,
      approvalExpirySeconds: policy.approvalExpirySeconds,
      requestedById: null,
      actor,
      summary: `${t.name}: ${release.imageRepo ?? "artifact"}:${release.tag ?? ""} (${release.build.commit.sha.slice(0, 12)})${needsApproval ? ", waiting for approval" : ""}`,
    });
    created.push({ id: d.id, targetId: t.id, targetName: t.name, state: d.state });
  }
  return { created, pinned, held };
}

/** Creates one deployment (waiting for approval, or queued with its job), superseding the target's waiting ones. */
export async function createDeployment(
  tx: Tx,
  a: {
    targetId: string;
    releaseId: string;
    previousReleaseId: string | null;
    trigger: DeploymentTrigger;
    needsApproval: boolean;
    approvalExpirySeconds: number | null;
    requestedById: string | null;
    actor: Actor;
    summary: string;
  },
): Promise<{ id: string; state: DeploymentState; superseded: string[] }> {
  // one writer per target at a time: concurrent releases for the same target supersede in order
  await tx.$queryRaw`SELECT id FROM targets WHERE id = ${a.targetId} FOR UPDATE`;
  const now = new Date();
  const state: DeploymentState = a.needsApproval ? "pending_approval" : "queued";
  const d = await tx.deployment.create({
    data: {
      targetId: a.targetId,
      releaseId: a.releaseId,
      previousReleaseId: a.previousReleaseId,
      trigger: a.trigger,
      state,
      requestedById: a.requestedById,
      queuedAt: state === "queued" ? now : null,
      approvalExpiresAt: a.needsApproval && a.approvalExpirySeconds ? new Date(now.getTime() + a.approvalExpirySeconds * 1000) : null,
    },
    select: { id: true },
  });
  const superseded = await supersedeWaiting(tx, a.targetId, d.id, a.actor);
  await recordAudit(tx, {
    actor: a.actor,
    action: a.trigger === "rollback" ? "deployment.rollback_requested" : a.trigger === "manual" || a.trigger === "promotion" ? "deployment.requested" : "deployment.created",
    subjectType: "deployment",
    subjectId: d.id,
    summary: a.summary,
    after: { state, targetId: a.targetId, releaseId: a.releaseId, previousReleaseId: a.previousReleaseId, trigger: a.trigger, superseded },
  });
  if (state === "queued") await enqueueDeployment(tx, d.id, a.targetId);
  else await enqueueNotify(tx, d.id, "pending_approval");
  return { id: d.id, state, superseded };
}
