// What notification channels hear about a build that ended (build.succeeded, build.failed): a delivery per
// subscribed channel (lib/services/notifications/deliveries.ts). Runs as the `build_notify` job, enqueued in
// the transaction that ended the build (lib/services/builds/schedule.ts enqueueBuildFollowUps).
import { getDb } from "@/lib/db";
import { env } from "@/lib/env";
import type { Logger } from "@/lib/log";
import { commitUrl } from "@/lib/services/deployments/notify";
import { notify } from "@/lib/services/notifications/deliveries";

export function buildUrl(id: string): string {
  return `${env().SLIPWAY_URL.replace(/\/+$/, "")}/builds/${encodeURIComponent(id)}`;
}

/** Sends build.failed or build.succeeded for the build, when it ended so; returns how many channels took it. */
export async function notifyBuildEnded(buildId: string, log: Logger, signal?: AbortSignal): Promise<number> {
  const b = await getDb().build.findUnique({
    where: { id: buildId },
    include: {
      commit: { select: { sha: true, message: true } },
      buildRule: { select: { name: true, repository: { select: { name: true, url: true, app: { select: { name: true } } } } } },
      refs: { select: { ref: { select: { name: true } } }, orderBy: { ref: { name: "asc" } } },
      triggeredBy: { select: { login: true } },
      releases: { select: { imageRepo: true, tag: true, digest: true }, orderBy: { createdAt: "asc" }, take: 1 },
    },
  });
  if (!b || (b.state !== "failed" && b.state !== "succeeded")) return 0;
  const repo = b.buildRule.repository;
  const r = b.releases[0];
  const image = r?.imageRepo && r.digest ? `${r.imageRepo}:${r.tag ?? ""}@${r.digest}` : null;
  return notify(
    {
      event: b.state === "failed" ? "build.failed" : "build.succeeded",
      app: repo.app?.name ?? null,
      repository: { name: repo.name, url: repo.url },
      data: {
        url: buildUrl(b.id),
        branch: b.refs.map((r) => r.ref.name).join(", ") || b.buildRule.name,
        commit: { sha: b.commit.sha, message: b.commit.message, url: commitUrl(repo.url, b.commit.sha) },
        image,
        actor: b.triggeredBy?.login ?? null,
        reason: b.reason,
        build: { id: b.id, rule: b.buildRule.name, state: b.state },
      },
    },
    `build:${b.id}:${b.state}`,
    log,
    signal,
  );
}
