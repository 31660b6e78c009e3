// Preview commands from people: tear a preview down, approve a fork's preview.
// authorize → validate → rows + jobs + audit in one transaction. A refused command changes nothing.
import { getDb, type Tx } from "@/lib/db";
import type { Actor } from "@/lib/auth/actor";
import { actorRepositoryIds } from "@/lib/auth/actor";
import { recordAudit } from "@/lib/audit/record";
import { authorize } from "@/lib/services/authorize";
import { ConflictError, NotFoundError } from "@/lib/errors";
import { parseInput } from "@/lib/validation/parse";
import { previewIdInput, previewStateLabels } from "@/lib/validation/previews";
import { enqueuePreviewComment, requestPreviewTeardown, startWaitingPreviews } from "@/lib/services/previews/schedule";

function actorUser(actor: Actor): { id: string; login: string } | null {
  return actor.type === "user" || actor.type === "api_token" ? { id: actor.userId, login: actor.login } : null;
}

/** The preview, locked until the transaction ends; a token limited to other repositories sees none. */
async function lockPreview(tx: Tx, actor: Actor, id: string) {
  const rows = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM previews WHERE id = ${id} FOR UPDATE`;
  const p = rows.length
    ? await tx.preview.findUnique({ where: { id }, include: { deploymentRule: { select: { id: true, buildRule: { select: { repositoryId: true, repository: { select: { name: true } } } } } } } })
    : null;
  const scope = actorRepositoryIds(actor);
  if (!p || (scope && !scope.includes(p.deploymentRule.buildRule.repositoryId))) throw new NotFoundError(`There is no preview with id ${id}; it may have been removed with its deployment rule. Reload the page.`);
  return p;
}

/** "Tear down": removes the preview's service now (it comes back with the pull request's next push). */
export async function tearDownPreview(actor: Actor, raw: unknown): Promise<{ message: string }> {
  authorize(actor, "preview.manage");
  const { id } = parseInput(previewIdInput, raw);
  return getDb().$transaction(async (tx) => tearDownLocked(tx, actor, await lockPreview(tx, actor, id)));
}

async function tearDownLocked(tx: Tx, actor: Actor, p: Awaited<ReturnType<typeof lockPreview>>): Promise<{ message: string }> {
  const who = actorUser(actor)?.login ?? "Slipway";
  const label = `${p.deploymentRule.buildRule.repository.name}#${p.prNumber}`;
  if (!(await requestPreviewTeardown(tx, p.id, `torn down by ${who}; the pull request's next push brings it back`))) {
    throw new ConflictError(`The preview of ${label} is ${previewStateLabels[p.state].toLowerCase()} already. Nothing was changed.`);
  }
  await recordAudit(tx, { actor, action: "preview.teardown_requested", subjectType: "preview", subjectId: p.id, summary: `${p.service} (${label}) torn down by ${who}`, before: { state: p.state } });
  return { message: `Tearing down ${p.service} (${label}); it comes back with the pull request's next push.` };
}

/** "Approve": a fork's commit may run its preview (without secrets); this commit only, a new push asks again. */
export async function approvePreview(actor: Actor, raw: unknown): Promise<{ message: string; state: string }> {
  authorize(actor, "preview.manage");
  const { id } = parseInput(previewIdInput, raw);
  const user = actorUser(actor);
  return getDb().$transaction(async (tx) => {
    const p = await lockPreview(tx, actor, id);
    const label = `${p.deploymentRule.buildRule.repository.name}#${p.prNumber}`;
    if (p.state !== "pending_approval") throw new ConflictError(`The preview of ${label} does not wait for approval (it is ${previewStateLabels[p.state].toLowerCase()}). Nothing was changed.`);
    await tx.preview.update({ where: { id: p.id }, data: { approvedById: user?.id ?? null, approvedAt: new Date(), state: "waiting", reason: "approved: waiting for room under the rule's cap" } });
    await recordAudit(tx, {
      actor, action: "preview.approved", subjectType: "preview", subjectId: p.id,
      summary: `${p.service} (${label}, a fork's pull request) approved at ${p.headSha.slice(0, 7)}`,
      after: { headSha: p.headSha, digest: p.digest },
    });
    // placed like any waiting preview: it runs now when the rule's cap has room
    const started = await startWaitingPreviews(tx, p.deploymentRuleId);
    if (!started.includes(p.id)) await enqueuePreviewComment(tx, p.id);
    const now = await tx.preview.findUniqueOrThrow({ where: { id: p.id }, select: { state: true } });
    return {
      message: now.state === "queued" ? `Approved: the preview of ${label} starts now, without secrets.` : `Approved: the preview of ${label} waits for room under the rule's cap.`,
      state: now.state,
    };
  });
}
