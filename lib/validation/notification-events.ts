// The one list of notification events: what a channel subscribes to (Settings → Notifications, slipway.yml),
// what the Slack message and the webhook envelope say (docs/webhooks.md), and which jobs send them
// (deploy_notify, build_notify, drift_check, and the worker's SSH host-key check).
export const NOTIFICATION_EVENTS = [
  "deployment.pending_approval",
  "deployment.started",
  "deployment.succeeded",
  "deployment.failed",
  "deployment.rolled_back",
  "build.succeeded",
  "build.failed",
  "drift.detected",
  "host.key_changed",
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

/** The envelope's version: a change that removes or renames a field raises it. */
export const ENVELOPE_VERSION = 1;

/**
 * The JSON body of every notification (docs/webhooks.md): the same for every channel that hears the event.
 * `app` and `repository` are null for events that belong to neither (host.key_changed).
 */
export interface NotificationEnvelope {
  id: string;
  version: typeof ENVELOPE_VERSION;
  event: NotificationEvent;
  /** ISO 8601, UTC */
  at: string;
  app: { name: string } | null;
  repository: { name: string; url: string } | null;
  data: NotificationData;
  /** true for "Send test event" */
  test?: boolean;
}

/** What the event is about; fields that do not apply are null. */
export interface NotificationData {
  /** the Slipway page of the build, deployment, target or host */
  url: string;
  target: { id: string; name: string } | null;
  branch: string | null;
  commit: { sha: string; message: string | null; url: string | null } | null;
  /** the image (repo:tag@digest) of the release */
  image: string | null;
  actor: string | null;
  reason: string | null;
  build: { id: string; rule: string; state: string } | null;
  deployment: { id: string; state: string } | null;
  /** drift.detected: the image the target really runs */
  live_image: string | null;
  /** host.key_changed: the host, the key it presented and the pinned fingerprints */
  host: { id: string; name: string; address: string; port: number; presented: { algorithm: string; fingerprint_sha256: string }; pinned: string[] } | null;
}
