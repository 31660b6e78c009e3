// What the outside world hears about a deployment: a delivery per subscribed channel (Slack or webhook,
// lib/services/notifications/deliveries.ts), and GitHub's Deployments API (a deployment per target,
// environment = the target's name, with statuses). Runs as the `deploy_notify` job, one at a time per
// deployment so GitHub sees in_progress before success.
import { getDb } from "@/lib/db";
import { env } from "@/lib/env";
import type { Logger } from "@/lib/log";
import { installationOctokit } from "@/lib/github/app-client";
import { createGithubDeployment, setGithubDeploymentStatus } from "@/lib/github/deployments";
import { notify } from "@/lib/services/notifications/deliveries";
import { deploymentNotificationEvent, type DeploymentNotifyEvent } from "@/lib/validation/notification-events";

const githubState = { started: "in_progress", succeeded: "success", failed: "failure", rolled_back: "failure" } as const;

export function deploymentUrl(id: string): string {
  return `${env().SLIPWAY_URL.replace(/\/+$/, "")}/deployments/${encodeURIComponent(id)}`;
}

export function targetUrl(id: string): string {
  return `${env().SLIPWAY_URL.replace(/\/+$/, "")}/targets/${encodeURIComponent(id)}`;
}

export function commitUrl(repoUrl: string, sha: string): string | null {
  const m = /^https:\/\/github\.com\/([^/]+\/[^/]+?)(?:\.git)?\/?$/.exec(repoUrl);
  return m ? `https://github.com/${m[1]}/commit/${sha}` : null;
}

export async function notifyDeployment(deploymentId: string, event: DeploymentNotifyEvent, log: Logger, signal?: AbortSignal): Promise<void> {
  const d = await getDb().deployment.findUnique({
    where: { id: deploymentId },
    include: {
      target: { select: { name: true } },
      requestedBy: { select: { login: true } },
      release: {
        select: {
          imageRepo: true,
          tag: true,
          digest: true,
          build: { select: { commit: { select: { sha: true, message: true } } } },
          deploymentRule: { select: { branch: true, buildRule: { select: { repository: { select: { id: true, name: true, url: true, appId: true, app: { select: { name: true } } } } } } } },
        },
      },
    },
  });
  if (!d) return;
  const repo = d.release.deploymentRule.buildRule.repository;
  const sha = d.release.build.commit.sha;
  // a job that runs again (GitHub was down) queues nothing twice: the key names the deployment's state change
  const n = await notify(
    {
      event: deploymentNotificationEvent(event),
      app: repo.app?.name ?? null,
      repository: { name: repo.name, url: repo.url },
      data: {
        url: deploymentUrl(d.id),
        target: { id: d.targetId, name: d.target.name },
        branch: d.release.deploymentRule.branch,
        commit: { sha, message: d.release.build.commit.message, url: commitUrl(repo.url, sha) },
        image: d.release.imageRepo && d.release.digest ? `${d.release.imageRepo}:${d.release.tag ?? ""}@${d.release.digest}` : null,
        actor: d.requestedBy?.login ?? null,
        reason: d.reason,
        deployment: { id: d.id, state: d.state },
      },
    },
    `deployment:${d.id}:${event}`,
    log,
    signal,
  );
  if (n) log.info({ deploymentId, event, channels: n }, "notification channels told");

  // GitHub hears about a deployment once it starts: one waiting for approval may never run
  if (event !== "pending_approval" && repo.appId && !env().SLIPWAY_LOCAL) {
    const client = await installationOctokit(repo.id, signal);
    if (client) {
      let ghId = d.githubDeploymentId === null ? null : Number(d.githubDeploymentId);
      if (ghId === null) {
        ghId = await createGithubDeployment(client, { sha, environment: d.target.name, description: `Slipway: ${d.target.name} ← ${sha.slice(0, 12)}`, slipwayDeploymentId: d.id, signal });
        await getDb().deployment.update({ where: { id: d.id }, data: { githubDeploymentId: BigInt(ghId) } });
      }
      const words = { started: "deploying", succeeded: "deployed", failed: "failed", rolled_back: "rolled back" }[event];
      await setGithubDeploymentStatus(client, {
        deploymentId: ghId,
        state: githubState[event],
        logUrl: deploymentUrl(d.id),
        description: `${words}${d.reason ? `: ${d.reason}` : ""}`,
        signal,
      });
    }
  }
}

/** Drift notification: the target runs something other than its last release. One per drift seen (the check runs every 5 minutes). */
export async function notifyDrift(change: { targetId: string; name: string; liveImage: string | null; expected: string | null }, log: Logger, signal?: AbortSignal): Promise<void> {
  const t = await getDb().target.findUnique({
    where: { id: change.targetId },
    include: {
      currentRelease: { include: { build: { include: { commit: true } } } },
      deploymentRule: { include: { buildRule: { include: { repository: { include: { app: { select: { name: true } } } } } } } },
    },
  });
  if (!t) return;
  const repo = t.deploymentRule.buildRule.repository;
  const sha = t.currentRelease?.build.commit.sha ?? "";
  await notify(
    {
      event: "drift.detected",
      app: repo.app?.name ?? null,
      repository: { name: repo.name, url: repo.url },
      data: {
        url: targetUrl(t.id),
        target: { id: t.id, name: t.name },
        branch: t.deploymentRule.branch,
        commit: sha ? { sha, message: t.currentRelease?.build.commit.message ?? null, url: commitUrl(repo.url, sha) } : null,
        image: change.expected,
        live_image: change.liveImage,
        reason: `${t.name} runs ${change.liveImage ?? "nothing"} instead of ${change.expected ?? "its last release"}`,
      },
    },
    null,
    log,
    signal,
  );
}
