// Words for the notification events (lib/validation/notification-events.ts).
import type { NotificationEvent } from "@/lib/validation/notification-events";

export const notificationEventLabels: Record<NotificationEvent, string> = {
  "deployment.pending_approval": "A deployment waits for approval",
  "deployment.started": "A deployment started",
  "deployment.succeeded": "A deployment succeeded",
  "deployment.failed": "A deployment failed",
  "deployment.rolled_back": "A deployment was rolled back",
  "build.succeeded": "A build succeeded",
  "build.failed": "A build failed",
  "drift.detected": "A target drifted from its release",
  "host.key_changed": "A host presented a changed SSH key",
};

export function eventLabel(e: string): string {
  return (notificationEventLabels as Record<string, string>)[e] ?? e;
}
