// What a notification channel hears about a failed build (event build.failed): a Slack message per subscribed
// channel. Runs as the `build_notify` job, enqueued in the transaction that failed the build
// (lib/services/builds/schedule.ts enqueueBuildFollowUps).
import { getDb } from "@/lib/db";
import { env } from "@/lib/env";
import type { Logger } from "@/lib/log";
import { commitUrl, postToChannels } from "@/lib/services/deployments/notify";

export function buildUrl(id: string): string {
  return `${env().SLIPWAY_URL.replace(/\/+$/, "")}/builds/${encodeURIComponent(id)}`;
}

/** Posts build.failed for the build, when it failed; returns how many channels took it. */
export async function notifyBuildFailed(buildId: string, log: Logger, signal?: AbortSignal): Promise<number> {
  const b = await getDb().build.findUnique({
    where: { id: buildId },
    include: {
      commit: { select: { sha: true, message: true } },
      buildRule: { select: { name: true, repository: { select: { name: true, url: true } } } },
      refs: { select: { ref: { select: { name: true } } }, orderBy: { ref: { name: "asc" } } },
      triggeredBy: { select: { login: true } },
    },
  });
  if (!b || b.state !== "failed") return 0;
  const repo = b.buildRule.repository;
  return postToChannels(
    {
      event: "build.failed",
      target: null,
      repository: repo.name,
      branch: b.refs.map((r) => r.ref.name).join(", ") || b.buildRule.name,
      commitSha: b.commit.sha,
      commitUrl: commitUrl(repo.url, b.commit.sha),
      commitMessage: b.commit.message,
      image: null,
      pageUrl: buildUrl(b.id),
      actor: b.triggeredBy?.login ?? null,
      reason: b.reason,
    },
    log,
    signal,
  );
}
