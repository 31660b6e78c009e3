// Where a pull request's preview goes next, decided in the caller's transaction (the build's end, a closed pull
// request, an operator's approval or tear-down, the sweep): its row, its state (waiting for approval, for room
// under the rule's cap, or queued), its jobs (run, tear down, the GitHub comment) and its audit event together.
// The engine that runs and removes the service is lib/deploy/preview.ts.
import type { Tx } from "@/lib/db";
import type { Actor } from "@/lib/auth/actor";
import { recordAudit } from "@/lib/audit/record";
import { enqueueJob } from "@/lib/jobs/enqueue";
import { env } from "@/lib/env";
import { PREVIEW_ACTIVE_STATES, PREVIEW_TEARABLE_STATES, previewServiceName, previewUrlFor } from "@/lib/validation/previews";

/** One preview's run and tear-down jobs share a queue: they never overlap, and they run in the order asked. */
export const previewQueue = (previewId: string) => `preview:${previewId}`;

/** Serializes the decisions about one rule's previews (its cap) until the transaction ends. */
async function lockRule(tx: Tx, ruleId: string): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`preview-rule:${ruleId}`})::bigint)`;
}

/** Asks for the pull request's comment to be brought up to date (once per change; the newest state is written). */
export async function enqueuePreviewComment(tx: Tx, previewId: string): Promise<void> {
  // local mode reports nothing to GitHub; a repository without an app has nowhere to comment (the job says so)
  if (env().SLIPWAY_LOCAL) return;
  await enqueueJob(tx, "preview_comment", { previewId }, { queueName: `preview-comment:${previewId}`, jobKey: `preview_comment:${previewId}`, jobKeyMode: "replace", maxAttempts: 6 });
}

/** The service a rule's previews get their name from: its first swarm target's, else the image's last path part. */
function baseServiceName(rule: { image: string | null; targets: Array<{ kind: string; service: string }> }): string {
  const swarm = rule.targets.find((t) => t.kind === "swarm_service");
  if (swarm) return swarm.service;
  const repo = (rule.image ?? "preview").split("@")[0]!.replace(/:[^/]*$/, "");
  return repo.split("/").at(-1)!.replace(/[^A-Za-z0-9_.-]/g, "-") || "preview";
}

/**
 * Decides whether the preview may run now: a fork's commit waits for an operator's approval; past the rule's cap
 * it waits for room (in words); otherwise it is queued and its run job enqueued. The rule is locked first.
 */
async function place(tx: Tx, previewId: string): Promise<{ state: "pending_approval" | "waiting" | "queued"; words: string }> {
  const p = await tx.preview.findUniqueOrThrow({ where: { id: previewId }, include: { deploymentRule: { select: { id: true, previewMaxConcurrent: true } } } });
  await lockRule(tx, p.deploymentRuleId);
  if (p.fork && !p.approvedAt) {
    const reason = `pull request #${p.prNumber} comes from a fork: an operator approves commit ${p.headSha.slice(0, 7)} under Previews before it runs`;
    await tx.preview.update({ where: { id: p.id }, data: { state: "pending_approval", reason } });
    return { state: "pending_approval", words: "waiting for an operator's approval (a fork's pull request)" };
  }
  const cap = p.deploymentRule.previewMaxConcurrent;
  const others = await tx.preview.count({ where: { deploymentRuleId: p.deploymentRuleId, id: { not: p.id }, state: { in: [...PREVIEW_ACTIVE_STATES] } } });
  if (others >= cap) {
    const reason = `${others} previews of this rule run already, its cap is ${cap}: this one starts when another is torn down`;
    await tx.preview.update({ where: { id: p.id }, data: { state: "waiting", reason } });
    return { state: "waiting", words: `waiting: ${reason}` };
  }
  await tx.preview.update({ where: { id: p.id }, data: { state: "queued", reason: null } });
  await enqueueJob(tx, "preview_run", { previewId: p.id }, { queueName: previewQueue(p.id), jobKey: `preview_run:${p.id}`, jobKeyMode: "replace", maxAttempts: 1 });
  return { state: "queued", words: "queued" };
}

export interface PreviewImage {
  deploymentRuleId: string;
  prNumber: number;
  fork: boolean;
  buildId: string;
  headSha: string;
  imageRepo: string;
  tag: string;
  digest: string;
}

/**
 * A pull request's build pushed its preview image: the preview is created, or moved to the new commit (a fork's
 * needs approval again: each commit is approved, not the pull request), then placed. Audited preview.created or
 * preview.updated. Called in the transaction that ends the build.
 */
export async function recordPreviewImage(tx: Tx, img: PreviewImage, actor: Actor): Promise<{ previewId: string; words: string }> {
  const rule = await tx.deploymentRule.findUniqueOrThrow({
    where: { id: img.deploymentRuleId },
    select: { id: true, image: true, previewUrl: true, buildRule: { select: { repository: { select: { name: true } } } }, targets: { where: { archivedAt: null }, orderBy: { createdAt: "asc" }, select: { kind: true, service: true } } },
  });
  await lockRule(tx, rule.id);
  const service = previewServiceName(baseServiceName(rule), img.prNumber);
  const url = previewUrlFor(rule.previewUrl, img.prNumber);
  const existing = await tx.preview.findUnique({ where: { deploymentRuleId_prNumber: { deploymentRuleId: rule.id, prNumber: img.prNumber } } });
  const image = { headSha: img.headSha, buildId: img.buildId, imageRepo: img.imageRepo, tag: img.tag, digest: img.digest, service, url, fork: img.fork };
  const label = `${rule.buildRule.repository.name}#${img.prNumber}`;
  let previewId: string;
  if (!existing) {
    previewId = (await tx.preview.create({ data: { ...image, deploymentRuleId: rule.id, prNumber: img.prNumber, state: "queued" } })).id;
    await recordAudit(tx, {
      actor, action: "preview.created", subjectType: "preview", subjectId: previewId,
      summary: `preview of ${label} at ${img.headSha.slice(0, 7)}: ${img.imageRepo}:${img.tag}@${img.digest}${img.fork ? " (from a fork)" : ""}`,
      after: { prNumber: img.prNumber, service, url, image: `${img.imageRepo}:${img.tag}`, digest: img.digest, fork: img.fork, buildId: img.buildId },
    });
  } else {
    previewId = existing.id;
    const sameCommit = existing.headSha === img.headSha && existing.digest === img.digest;
    // a fork's approval holds for the commit it was given for
    const approval = sameCommit ? {} : { approvedById: null, approvedAt: null };
    await tx.preview.update({ where: { id: existing.id }, data: { ...image, ...approval, tornDownAt: null } });
    await recordAudit(tx, {
      actor, action: "preview.updated", subjectType: "preview", subjectId: existing.id,
      summary: `preview of ${label} moves to ${img.headSha.slice(0, 7)}: ${img.imageRepo}:${img.tag}@${img.digest}`,
      before: { headSha: existing.headSha, digest: existing.digest, state: existing.state },
      after: { headSha: img.headSha, digest: img.digest, buildId: img.buildId },
    });
  }
  const placed = await place(tx, previewId);
  await enqueuePreviewComment(tx, previewId);
  return { previewId, words: placed.words };
}

/**
 * Asks for the preview's service to be removed (its tear-down job, in the preview's queue, after a run under
 * way). Returns false when it is torn down or being torn down already. The caller audits the request.
 */
export async function requestPreviewTeardown(tx: Tx, previewId: string, reason: string): Promise<boolean> {
  const changed = await tx.preview.updateMany({ where: { id: previewId, state: { in: [...PREVIEW_TEARABLE_STATES] } }, data: { state: "tearing_down", reason } });
  if (changed.count === 0) return false;
  await enqueueJob(tx, "preview_teardown", { previewId }, { queueName: previewQueue(previewId), jobKey: `preview_teardown:${previewId}`, jobKeyMode: "replace", maxAttempts: 5 });
  await enqueuePreviewComment(tx, previewId);
  return true;
}

/** The previews of a pull request that was closed or merged are torn down (a webhook, or a poll that lost it). */
export async function tearDownPreviewsOfClosedPr(tx: Tx, repositoryId: string, prNumber: number, actor: Actor): Promise<number> {
  const previews = await tx.preview.findMany({
    where: { prNumber, state: { in: [...PREVIEW_TEARABLE_STATES] }, deploymentRule: { buildRule: { repositoryId } } },
    select: { id: true, service: true },
  });
  let n = 0;
  for (const p of previews) {
    if (!(await requestPreviewTeardown(tx, p.id, `pull request #${prNumber} was closed or merged`))) continue;
    await recordAudit(tx, { actor, action: "preview.teardown_requested", subjectType: "preview", subjectId: p.id, summary: `${p.service}: pull request #${prNumber} was closed or merged` });
    n++;
  }
  return n;
}

/** Room under a rule's cap: its waiting previews, oldest first, are placed while there is room. */
export async function startWaitingPreviews(tx: Tx, ruleId: string): Promise<string[]> {
  await lockRule(tx, ruleId);
  const waiting = await tx.preview.findMany({ where: { deploymentRuleId: ruleId, state: "waiting" }, orderBy: { updatedAt: "asc" }, select: { id: true } });
  const started: string[] = [];
  for (const w of waiting) {
    const placed = await place(tx, w.id);
    if (placed.state !== "queued") break;
    started.push(w.id);
    await enqueuePreviewComment(tx, w.id);
  }
  return started;
}
