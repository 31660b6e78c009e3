// One attempt of a notification delivery (Slack or webhook); a failure worth retrying schedules the next one.
import { attemptDelivery } from "@/lib/services/notifications/deliveries";
import type { JobPayload } from "@/lib/jobs/definitions";
import type { TaskContext } from "@/workers/tasks/types";

export async function notificationDeliver(payload: JobPayload<"notification_deliver">, ctx: TaskContext): Promise<void> {
  await attemptDelivery(payload.deliveryId, { log: ctx.log, signal: ctx.helpers.abortSignal });
}
