// Build commands from people: Build now, Rebuild, Cancel. authorize → validate → rows + jobs + audit in one
// transaction. What a running build does on cancel is the runner's (lib/build/runner.ts): it polls
// cancel_requested_at and aborts the daemon-side build.
import "server-only";
import { getDb, type Tx } from "@/lib/db";
import type { Actor } from "@/lib/auth/actor";
import { recordAudit } from "@/lib/audit/record";
import { authorize } from "@/lib/services/authorize";
import { ConflictError, NotFoundError } from "@/lib/errors";
import { parseInput } from "@/lib/validation/parse";
import { buildNowInput, cancelBuildInput, rebuildInput } from "@/lib/validation/builds";
import { createBuild, ensureCommit, isActiveBuildState, linkRef, lockLatestAttempt, stopBuild } from "@/lib/services/builds/schedule";

function actorUserId(actor: Actor): string | null {
  return actor.type === "user" || actor.type === "api_token" ? actor.userId : null;
}

async function lockBuild(tx: Tx, buildId: string) {
  const rows = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM builds WHERE id = ${buildId} FOR UPDATE`;
  if (rows.length === 0) throw new NotFoundError(`There is no build with id ${buildId}; it may have been removed with its repository. Reload the page.`);
  return tx.build.findUniqueOrThrow({
    where: { id: buildId },
    include: {
      commit: { select: { sha: true } },
      buildRule: { select: { name: true, archivedAt: true, repository: { select: { id: true, name: true, appId: true, enabled: true } } } },
      refs: { select: { refId: true } },
    },
  });
}

export interface BuildCommandResult {
  buildIds: string[];
  /** in words, for the console's confirmation */
  message: string;
}

/** Builds the ref's current head with every build rule of its repository (those not already building it). */
export async function buildNow(actor: Actor, raw: unknown): Promise<BuildCommandResult> {
  authorize(actor, "build.rebuild");
  const input = parseInput(buildNowInput, raw);
  return getDb().$transaction(async (tx) => {
    const ref = await tx.ref.findUnique({
      where: { id: input.refId },
      include: { repository: { select: { id: true, name: true, appId: true, enabled: true, buildRules: { where: { archivedAt: null }, orderBy: { position: "asc" }, select: { id: true, name: true } } } } },
    });
    if (!ref) throw new NotFoundError(`There is no branch or pull request with id ${input.refId}; reload the page.`);
    if (ref.closedAt) throw new ConflictError(`${ref.name} was deleted or closed; there is nothing to build.`);
    if (!ref.repository.enabled) throw new ConflictError(`${ref.repository.name} is disabled; enable it on its page first.`);
    if (ref.repository.buildRules.length === 0) throw new ConflictError(`${ref.repository.name} has no build rules; add one on its page first.`);
    const commit = { id: await ensureCommit(tx, ref.repositoryId, ref.headSha) };
    const created: string[] = [];
    const skipped: string[] = [];
    for (const rule of ref.repository.buildRules) {
      const latest = await lockLatestAttempt(tx, rule.id, commit.id);
      if (latest && isActiveBuildState(latest.state)) {
        skipped.push(rule.name);
        await linkRef(tx, latest.id, ref.id);
        continue;
      }
      const id = await createBuild(tx, { buildRuleId: rule.id, commitId: commit.id, refIds: [ref.id], trigger: "manual", triggeredById: actorUserId(actor), repositoryHasApp: ref.repository.appId !== null });
      created.push(id);
      await recordAudit(tx, {
        actor,
        action: "build.requested",
        subjectType: "build",
        subjectId: id,
        summary: `${ref.repository.name} ${rule.name} on ${ref.name} (${ref.headSha.slice(0, 12)})`,
        after: { repository: ref.repository.name, rule: rule.name, ref: ref.name, sha: ref.headSha },
      });
    }
    const message =
      created.length === 0
        ? `Already building ${ref.name} at ${ref.headSha.slice(0, 12)}; nothing new was queued.`
        : `Queued ${created.length} build${created.length === 1 ? "" : "s"} of ${ref.name} at ${ref.headSha.slice(0, 12)}${skipped.length ? ` (${skipped.join(", ")} already building)` : ""}.`;
    return { buildIds: created, message };
  });
}

/** The next attempt of the build's rule on the same commit, serving the same refs. */
export async function rebuild(actor: Actor, raw: unknown): Promise<BuildCommandResult> {
  authorize(actor, "build.rebuild");
  const input = parseInput(rebuildInput, raw);
  return getDb().$transaction(async (tx) => {
    const b = await lockBuild(tx, input.buildId);
    const repo = b.buildRule.repository;
    if (!repo.enabled) throw new ConflictError(`${repo.name} is disabled; enable it on its page first.`);
    if (b.buildRule.archivedAt) throw new ConflictError(`Build rule ${b.buildRule.name} of ${repo.name} is archived (removed from the inventory); it builds nothing more. Add it back to build again.`);
    const latest = await lockLatestAttempt(tx, b.buildRuleId, b.commitId);
    if (latest && isActiveBuildState(latest.state)) {
      throw new ConflictError(`Attempt ${latest.attempt} of this commit is still queued or running; cancel it first or wait for it.`);
    }
    const id = await createBuild(tx, { buildRuleId: b.buildRuleId, commitId: b.commitId, refIds: b.refs.map((r) => r.refId), trigger: "rerun", triggeredById: actorUserId(actor), repositoryHasApp: repo.appId !== null });
    await recordAudit(tx, {
      actor,
      action: "build.rebuilt",
      subjectType: "build",
      subjectId: id,
      summary: `${repo.name} ${b.buildRule.name} at ${b.commit.sha.slice(0, 12)}, again after attempt ${b.attempt}`,
      after: { previousBuildId: b.id, sha: b.commit.sha },
    });
    return { buildIds: [id], message: `Queued a rebuild of ${b.commit.sha.slice(0, 12)}.` };
  });
}

/** Cancels a queued build at once; asks a running one's runner to stop the daemon-side build. */
export async function cancelBuild(actor: Actor, raw: unknown): Promise<BuildCommandResult> {
  authorize(actor, "build.cancel");
  const input = parseInput(cancelBuildInput, raw);
  return getDb().$transaction(async (tx) => {
    const b = await lockBuild(tx, input.buildId);
    if (!isActiveBuildState(b.state)) throw new ConflictError(`This build already ended (${b.state}); there is nothing to cancel.`);
    if (b.cancelRequestedAt) return { buildIds: [b.id], message: "Cancelling: the build host is stopping the build." };
    const who = actor.type === "user" || actor.type === "api_token" ? actor.login : "system";
    const reason = `cancelled by ${who}`;
    const stopped = await stopBuild(tx, b.id, { state: "cancelled", reason, cancelledById: actorUserId(actor) }, b.buildRule.repository.appId !== null);
    await recordAudit(tx, {
      actor,
      action: "build.cancelled",
      subjectType: "build",
      subjectId: b.id,
      summary: `${b.buildRule.repository.name} ${b.buildRule.name} at ${b.commit.sha.slice(0, 12)} (was ${b.state})`,
      before: { state: b.state },
    });
    return { buildIds: [b.id], message: stopped === "ended" ? "Cancelled." : "Cancelling: the build host is stopping the build." };
  });
}
