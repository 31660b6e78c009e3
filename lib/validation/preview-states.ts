// A preview's states and their words, without zod: the console's client components import them too.

export const PREVIEW_STATES = ["pending_approval", "waiting", "queued", "deploying", "running", "failed", "tearing_down", "torn_down"] as const;
export type PreviewStateName = (typeof PREVIEW_STATES)[number];

export const previewStateLabels: Record<PreviewStateName, string> = {
  pending_approval: "Waiting for approval",
  waiting: "Waiting for room",
  queued: "Queued",
  deploying: "Deploying",
  running: "Running",
  failed: "Failed",
  tearing_down: "Tearing down",
  torn_down: "Torn down",
};

/** States that hold a place under the rule's cap: the service runs, or is about to, or is still being removed. */
export const PREVIEW_ACTIVE_STATES = ["queued", "deploying", "running", "tearing_down"] as const satisfies readonly PreviewStateName[];
/** States a preview can be torn down from (a torn-down one is gone; one being torn down is on its way). */
export const PREVIEW_TEARABLE_STATES = ["pending_approval", "waiting", "queued", "deploying", "running", "failed"] as const satisfies readonly PreviewStateName[];
