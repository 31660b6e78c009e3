// The task list: one handler per job name, each fed a payload validated against lib/jobs/definitions.
import type { Task, TaskList } from "graphile-worker";
import { jobPayloads, type JobName, type JobPayload } from "@/lib/jobs/definitions";
import type { Logger } from "@/lib/log";
import { GithubAppSetupError } from "@/lib/github/app-client";
import type { TaskContext } from "@/workers/tasks/types";
import { maintenance } from "@/workers/tasks/maintenance";
import { pollDue, pollOne } from "@/workers/tasks/polling";
import { githubEvent, webhooksDispatch } from "@/workers/tasks/github-event";
import { buildNotify, buildRun, buildsReap } from "@/workers/tasks/builds";
import { buildCheck } from "@/workers/tasks/build-check";
import { notificationDeliver } from "@/workers/tasks/notifications";
import { deployNotify, deployRun, deployVerify, deploymentsReap, driftCheck } from "@/workers/tasks/deployments";
import { previewComment, previewRun, previewsSweep, previewTeardown } from "@/workers/tasks/previews";

type Handlers = { [N in JobName]: (payload: JobPayload<N>, ctx: TaskContext) => Promise<void> };

export const handlers: Handlers = {
  maintenance,
  repositories_poll_due: pollDue,
  repository_poll: pollOne,
  "github.event": githubEvent,
  webhooks_dispatch: webhooksDispatch,
  build_run: buildRun,
  build_check: buildCheck,
  builds_reap: buildsReap,
  build_notify: buildNotify,
  deploy_run: deployRun,
  deploy_verify: deployVerify,
  deploy_notify: deployNotify,
  deployments_reap: deploymentsReap,
  drift_check: driftCheck,
  notification_deliver: notificationDeliver,
  preview_run: previewRun,
  preview_teardown: previewTeardown,
  preview_comment: previewComment,
  previews_sweep: previewsSweep,
};

export function buildTaskList(workerId: string, log: Logger): TaskList {
  const list: TaskList = {};
  for (const name of Object.keys(handlers) as JobName[]) {
    const task: Task = async (payload, helpers) => {
      const jobLog = log.child({ job: name, jobId: helpers.job.id, attempt: helpers.job.attempts });
      const parsed = jobPayloads[name].safeParse(payload ?? {});
      if (!parsed.success) {
        // A malformed payload never becomes valid by retrying: record it loudly and drop the job.
        jobLog.error({ issues: parsed.error.issues }, "job payload is invalid; the job is dropped");
        return;
      }
      const handler = handlers[name] as (p: unknown, ctx: TaskContext) => Promise<void>;
      try {
        await handler(parsed.data, { workerId, log: jobLog, helpers });
      } catch (err) {
        // a GitHub app that is not set up (no App ID, no key) fails the same way until an admin fixes it:
        // say what to do once, and do not retry
        if (err instanceof GithubAppSetupError) {
          jobLog.error({ fix: err.message }, "GitHub app configuration error; the job is not retried");
          return;
        }
        throw err;
      }
    };
    list[name] = task;
  }
  return list;
}
