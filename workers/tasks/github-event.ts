// A GitHub delivery the receiver accepted (lib/services/webhooks.ts): moves the branch or pull-request
// head it reports, in order (lib/services/refs.ts applyRefEvent: an event older than what the ref holds
// changes nothing and is recorded stale), and schedules the builds of what moved, in the same transaction.
import type { TaskContext } from "@/workers/tasks/types";
import type { NormalizedEvent } from "@/lib/github/webhook-events";
import { getDb } from "@/lib/db";
import { applyRefEvent, applyRefUpdates, pullRefName, refMoveOf, type RefChanges, type RefEventOutcome } from "@/lib/services/refs";
import { scheduleForRefChanges } from "@/lib/services/builds/schedule";
import { rerunFromGithub } from "@/lib/services/builds/rerun";
import { ZERO_SHA } from "@/lib/github/webhook-events";
import { dispatchWebhookJobs } from "@/lib/services/webhook-dispatch";

/** The minute sweep: the job of a delivery whose web process stopped between its commit and the dispatch. */
export async function webhooksDispatch(_payload: unknown, ctx: TaskContext): Promise<void> {
  const n = await dispatchWebhookJobs();
  if (n > 0) ctx.log.info({ queued: n }, "github.event jobs queued by the sweep for deliveries left without one");
}

export async function githubEvent(payload: NormalizedEvent, ctx: TaskContext): Promise<void> {
  if (payload.kind === "rerun") {
    const r = await rerunFromGithub(payload);
    ctx.log.info({ deliveryId: payload.deliveryId, ...r }, "github re-run request");
    return;
  }
  const move = refMoveOf(payload);
  if (!move) {
    ctx.log.info({ deliveryId: payload.deliveryId, kind: payload.kind, reason: "no commit in the event; the push that follows carries it" }, "github event: no ref change");
    return;
  }
  const exists = await getDb().repository.findUnique({ where: { id: payload.repositoryId }, select: { id: true } });
  if (!exists) {
    ctx.log.info({ deliveryId: payload.deliveryId }, "github event for a repository deleted since; dropped");
    return;
  }
  const meta = { prNumber: payload.prNumber, prTitle: payload.title ?? null, prAuthor: payload.author ?? null };
  const { outcome, builds } = await getDb().$transaction(async (tx) => {
    let outcome: RefEventOutcome;
    if (payload.seq !== undefined) {
      outcome = await applyRefEvent(tx, payload.repositoryId, BigInt(payload.seq), move, meta);
      await tx.$executeRaw`
        UPDATE webhook_deliveries SET status = ${outcome.status}::webhook_delivery_status, reason = ${outcome.reason}
        WHERE id = ${BigInt(payload.seq)}`;
    } else {
      // a job queued before deliveries carried their receipt order: applied as it comes
      const changes: RefChanges = await applyRefUpdates(tx, payload.repositoryId, [
        { kind: move.kind, name: move.kind === "branch" ? move.name : String(payload.prNumber), ...meta, headSha: move.after === ZERO_SHA ? null : move.after },
      ]);
      outcome = { changes, status: "applied", reason: null };
    }
    // what a pull request asks to merge into, and whether its head is a fork's: its previews need both
    if (payload.kind === "pull_request" && payload.prNumber !== undefined && (payload.baseBranch !== undefined || payload.fork !== undefined)) {
      await tx.ref.updateMany({
        where: { repositoryId: payload.repositoryId, kind: "pull_request", name: pullRefName(payload.prNumber) },
        data: { ...(payload.baseBranch !== undefined ? { prBase: payload.baseBranch } : {}), ...(payload.fork !== undefined ? { prFork: payload.fork } : {}) },
      });
    }
    const builds = await scheduleForRefChanges(tx, payload.repositoryId, outcome.changes, { trigger: "webhook" });
    // who pushed a commit may not approve its deployment (lib/services/deployments/commands.ts)
    if (payload.kind === "push" && payload.author && payload.headSha) {
      await tx.commit.updateMany({ where: { repositoryId: payload.repositoryId, sha: payload.headSha, pushedBy: null }, data: { pushedBy: payload.author } });
    }
    return { outcome, builds };
  });
  ctx.log.info(
    {
      deliveryId: payload.deliveryId, kind: payload.kind, status: outcome.status, reason: outcome.reason ?? undefined,
      moved: outcome.changes.moved.length, closed: outcome.changes.closed.length, builds: builds.filter((b) => b.created).length,
    },
    outcome.status === "stale" ? "github event is older than what the ref holds: nothing changed" : "github event applied",
  );
}
