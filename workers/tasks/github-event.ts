// A GitHub delivery the receiver accepted (lib/services/webhooks.ts): moves the branch or pull-request
// head it reports (lib/services/refs.ts). Builds of moved refs come with the build engine's scheduler.
import type { TaskContext } from "@/workers/tasks/types";
import type { NormalizedEvent } from "@/lib/github/webhook-events";
import { getDb } from "@/lib/db";
import { applyRefUpdates, type RefUpdate } from "@/lib/services/refs";

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
      return "a re-run request; rebuilding arrives with the build engine's scheduler";
  }
}

export async function githubEvent(payload: NormalizedEvent, ctx: TaskContext): Promise<void> {
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
  const changes = await getDb().$transaction((tx) => applyRefUpdates(tx, payload.repositoryId, updates));
  ctx.log.info({ deliveryId: payload.deliveryId, kind: payload.kind, moved: changes.moved.length, closed: changes.closed.length }, "github event applied");
}
