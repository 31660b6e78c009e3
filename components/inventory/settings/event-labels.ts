// Words for the notification events (lib/validation/inventory-fields.ts: NOTIFICATION_EVENTS).
import type { NOTIFICATION_EVENTS } from "@/lib/validation/inventory-fields";

export const notificationEventLabels: Record<(typeof NOTIFICATION_EVENTS)[number], string> = {
  "deployment.pending_approval": "A deployment waits for approval",
  "deployment.started": "A deployment started",
  "deployment.succeeded": "A deployment succeeded",
  "deployment.failed": "A deployment failed",
  "deployment.rolled_back": "A deployment was rolled back",
  "build.failed": "A build failed",
  "drift.detected": "A target drifted from its release",
};

export function eventLabel(e: string): string {
  return (notificationEventLabels as Record<string, string>)[e] ?? e;
}
