// A GitHub delivery the receiver accepted (lib/services/webhooks.ts): moves the branch or pull-request
// head it reports (lib/services/refs.ts) and schedules the builds of what moved, in the same transaction.
import type { TaskContext } from "@/workers/tasks/types";
import type { NormalizedEvent } from "@/lib/github/webhook-events";
import { getDb } from "@/lib/db";
import { applyRefUpdates, type RefUpdate } from "@/lib/services/refs";
import { scheduleForRefChanges } from "@/lib/services/builds/schedule";
import { rerunFromGithub } from "@/lib/services/builds/rerun";

function updatesFor(e: NormalizedEvent): RefUpdate[] | string {
  switch (e.kind) {
    case "push":
      // a `create` event carries no commit: the push that follows it does
      if (!e.branch || !e.headSha) return "no commit in the event; the push that follows carries it";
      return [{ kind: "branch", name: e.branch, headSha: e.headSha }];
    case "branch_deleted":
      return e.branch ? [{ kind: "branch", name: e.branch, headSha: null }] : "no branch named";
    case "pull_request":
      if (e.prNumber === undefined || !e.headSha) return "no pull request number or head";
      return [{ kind: "pull_request", name: String(e.prNumber), prNumber: e.prNumber, prTitle: e.title ?? null, prAuthor: e.author ?? null, headSha: e.headSha }];
    case "pr_closed":
      return e.prNumber === undefined ? "no pull request number" : [{ kind: "pull_request", name: String(e.prNumber), prNumber: e.prNumber, headSha: null }];
    case "rerun":
      return "a re-run request (handled by rerunFromGithub)";
  }
}

export async function githubEvent(payload: NormalizedEvent, ctx: TaskContext): Promise<void> {
  if (payload.kind === "rerun") {
    const r = await rerunFromGithub(payload);
    ctx.log.info({ deliveryId: payload.deliveryId, ...r }, "github re-run request");
    return;
  }
  const updates = updatesFor(payload);
  if (typeof updates === "string") {
    ctx.log.info({ deliveryId: payload.deliveryId, kind: payload.kind, reason: updates }, "github event: no ref change");
    return;
  }
  const exists = await getDb().repository.findUnique({ where: { id: payload.repositoryId }, select: { id: true } });
  if (!exists) {
    ctx.log.info({ deliveryId: payload.deliveryId }, "github event for a repository deleted since; dropped");
    return;
  }
  const { changes, builds } = await getDb().$transaction(async (tx) => {
    const changes = await applyRefUpdates(tx, payload.repositoryId, updates);
    const builds = await scheduleForRefChanges(tx, payload.repositoryId, changes, { trigger: "webhook" });
    // who pushed a commit may not approve its deployment (lib/services/deployments/commands.ts)
    if (payload.kind === "push" && payload.author && payload.headSha) {
      await tx.commit.updateMany({ where: { repositoryId: payload.repositoryId, sha: payload.headSha, pushedBy: null }, data: { pushedBy: payload.author } });
    }
    return { changes, builds };
  });
  ctx.log.info(
    { deliveryId: payload.deliveryId, kind: payload.kind, moved: changes.moved.length, closed: changes.closed.length, builds: builds.filter((b) => b.created).length },
    "github event applied",
  );
}
