// The one list of notification events: what a channel subscribes to (Settings → Notifications, slipway.yml),
// what the Slack message says, and which jobs send them (deploy_notify, build_notify, drift_check).
export const NOTIFICATION_EVENTS = [
  "deployment.pending_approval",
  "deployment.started",
  "deployment.succeeded",
  "deployment.failed",
  "deployment.rolled_back",
  "build.failed",
  "drift.detected",
] as const;
export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];

type DeploymentSuffix<E> = E extends `deployment.${infer S}` ? S : never;

/** A deployment's events by the word its deploy_notify job carries: "failed" is deployment.failed. */
export const DEPLOYMENT_NOTIFY_EVENTS = NOTIFICATION_EVENTS.flatMap((e) => (e.startsWith("deployment.") ? [e.slice("deployment.".length)] : [])) as [
  DeploymentSuffix<NotificationEvent>,
  ...DeploymentSuffix<NotificationEvent>[],
];
export type DeploymentNotifyEvent = DeploymentSuffix<NotificationEvent>;

export function deploymentNotificationEvent(e: DeploymentNotifyEvent): NotificationEvent {
  return `deployment.${e}`;
}
