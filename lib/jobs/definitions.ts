// Job names and their payload schemas. The enqueuer and the worker validate against the same schema.
import { z } from "zod";
import { rowId } from "@/lib/validation/ids";
import { normalizedEvent } from "@/lib/github/webhook-events";
import { DEPLOYMENT_NOTIFY_EVENTS } from "@/lib/validation/notification-events";

/** What graphile-worker adds to the payload of a job its crontab starts. */
const cronPayload = z
  .object({ _cron: z.object({ ts: z.string(), backfilled: z.boolean().optional() }).optional() })
  .strict();

export const jobPayloads = {
  /** hourly housekeeping: expired sessions, long-gone workers */
  maintenance: cronPayload,
  /** every minute: enqueue a poll for each git repository that falls due before the next minute, for that moment (run_at) */
  repositories_poll_due: cronPayload,
  /** git ls-remote one repository, record the heads that moved, and plan its next poll one interval later */
  repository_poll: z.object({ repositoryId: rowId }).strict(),
  /** one accepted GitHub webhook delivery, normalized: track the ref and start or cancel builds */
  "github.event": normalizedEvent,
  /** every minute: queue the github.event job of an accepted delivery whose web process stopped before it did (lib/services/webhook-dispatch.ts) */
  webhooks_dispatch: cronPayload,
  /** run one build: fetch, build, push, record the release (lib/build/runner.ts) */
  build_run: z.object({ buildId: rowId }).strict(),
  /** bring the build's GitHub check run up to date with its state */
  build_check: z.object({ buildId: rowId }).strict(),
  /** every minute: builds held by workers that stopped are failed or queued again */
  builds_reap: cronPayload,
  /** run one deployment: update the swarm or compose service, wait for convergence and health (lib/deploy/runner.ts) */
  deploy_run: z.object({ deploymentId: rowId }).strict(),
  /** a deployment whose worker stopped: compare the live service with what it was deploying, and end it */
  deploy_verify: z.object({ deploymentId: rowId }).strict(),
  /** Slack messages and the GitHub deployment status for one state change of a deployment */
  deploy_notify: z.object({ deploymentId: rowId, event: z.enum(DEPLOYMENT_NOTIFY_EVENTS) }).strict(),
  /** notifications for a build that ended (channels subscribed to build.succeeded or build.failed) */
  build_notify: z.object({ buildId: rowId }).strict(),
  /** one attempt of one notification delivery (Slack or webhook), and its retry with backoff (lib/services/notifications/deliveries.ts) */
  notification_deliver: z.object({ deliveryId: rowId }).strict(),
  /** every minute: expired approvals, deployments held by stopped workers, queued ones whose job is gone */
  deployments_reap: cronPayload,
  /** every 5 minutes: compare each target's live image with its last release */
  drift_check: cronPayload,
  /** create or update one pull request's preview service and wait until it runs (lib/deploy/preview.ts) */
  preview_run: z.object({ previewId: rowId }).strict(),
  /** remove one preview's service (docker service rm) and start the rule's waiting previews */
  preview_teardown: z.object({ previewId: rowId }).strict(),
  /** post, then edit, the pull request's one comment that says where its preview is (lib/services/previews/comment.ts) */
  preview_comment: z.object({ previewId: rowId }).strict(),
  /** every minute: previews past their time to live are torn down */
  previews_sweep: cronPayload,
} as const;

export type JobName = keyof typeof jobPayloads;
export type JobPayload<N extends JobName> = z.infer<(typeof jobPayloads)[N]>;

/** graphile-worker crontab: runs scheduled jobs on whichever worker is up (each fires once cluster-wide). */
export const crontab = ["0 * * * * maintenance", "* * * * * repositories_poll_due", "* * * * * builds_reap", "* * * * * webhooks_dispatch", "* * * * * deployments_reap", "*/5 * * * * drift_check", "* * * * * previews_sweep"].join("\n");
