// What the outside world hears about a deployment: a Slack message per subscribed channel, and GitHub's
// Deployments API (a deployment per target, environment = the target's name, with statuses). Runs as the
// `deploy_notify` job, one at a time per deployment so GitHub sees in_progress before success.
import { getDb } from "@/lib/db";
import { env } from "@/lib/env";
import type { Logger } from "@/lib/log";
import { installationOctokit } from "@/lib/github/app-client";
import { createGithubDeployment, setGithubDeploymentStatus } from "@/lib/github/deployments";
import { postSlack, slackMessage, type NotificationFacts } from "@/lib/notify/slack";
import { revealSecret } from "@/lib/services/inventory/secret-values";
import { deploymentNotificationEvent, type DeploymentNotifyEvent, type NotificationEvent } from "@/lib/validation/notification-events";

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

/** Slack channels subscribed to the event, each with its webhook URL (a secret). */
async function channelsFor(event: NotificationEvent): Promise<Array<{ name: string; url: string }>> {
  const channels = await getDb().notificationChannel.findMany({ where: { enabled: true, kind: "slack", events: { has: event } }, orderBy: { name: "asc" } });
  const out: Array<{ name: string; url: string }> = [];
  for (const c of channels) {
    const url = c.urlSecretId ? await revealSecret(c.urlSecretId) : null;
    if (url) out.push({ name: c.name, url });
  }
  return out;
}

/** Posts to every channel; a channel that fails does not stop the others. Throws at the end if any failed (the job retries). */
export async function postToChannels(facts: NotificationFacts, log: Logger, signal?: AbortSignal): Promise<number> {
  const channels = await channelsFor(facts.event);
  const message = slackMessage(facts);
  const failures: string[] = [];
  for (const c of channels) {
    try {
      await postSlack(c.url, message, { signal, channelName: c.name });
    } catch (err) {
      failures.push(err instanceof Error ? err.message : String(err));
    }
  }
  if (failures.length) {
    log.warn({ event: facts.event, failures }, "some Slack channels did not take the message");
    throw new Error(failures.join("; "));
  }
  return channels.length;
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
          deploymentRule: { select: { branch: true, buildRule: { select: { repository: { select: { id: true, name: true, url: true, appId: true } } } } } },
        },
      },
    },
  });
  if (!d) return;
  const repo = d.release.deploymentRule.buildRule.repository;
  const sha = d.release.build.commit.sha;
  const facts: NotificationFacts = {
    event: deploymentNotificationEvent(event),
    target: d.target.name,
    repository: repo.name,
    branch: d.release.deploymentRule.branch,
    commitSha: sha,
    commitUrl: commitUrl(repo.url, sha),
    commitMessage: d.release.build.commit.message,
    image: d.release.imageRepo && d.release.digest ? `${d.release.imageRepo}:${d.release.tag ?? ""}@${d.release.digest}` : null,
    pageUrl: deploymentUrl(d.id),
    actor: d.requestedBy?.login ?? null,
    reason: d.reason,
  };

  let slackError: unknown = null;
  try {
    const n = await postToChannels(facts, log, signal);
    if (n) log.info({ deploymentId, event, channels: n }, "slack notified");
  } catch (err) {
    slackError = err;
  }

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
  if (slackError) throw slackError;
}

/** Drift notification: the target runs something other than its last release. */
export async function notifyDrift(change: { targetId: string; name: string; liveImage: string | null; expected: string | null }, log: Logger, signal?: AbortSignal): Promise<void> {
  const t = await getDb().target.findUnique({
    where: { id: change.targetId },
    include: { currentRelease: { include: { build: { include: { commit: true } } } }, deploymentRule: { include: { buildRule: { include: { repository: true } } } } },
  });
  if (!t) return;
  const repo = t.deploymentRule.buildRule.repository;
  const sha = t.currentRelease?.build.commit.sha ?? "";
  await postToChannels(
    {
      event: "drift.detected",
      target: t.name,
      repository: repo.name,
      branch: t.deploymentRule.branch,
      commitSha: sha,
      commitUrl: sha ? commitUrl(repo.url, sha) : null,
      commitMessage: t.currentRelease?.build.commit.message ?? null,
      image: change.expected,
      liveImage: change.liveImage,
      pageUrl: targetUrl(t.id),
      actor: null,
      reason: `${t.name} runs ${change.liveImage ?? "nothing"} instead of ${change.expected ?? "its last release"}`,
    },
    log,
    signal,
  );
}
