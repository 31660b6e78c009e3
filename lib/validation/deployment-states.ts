// A deployment's states (DESIGN.md: pending_approval → queued → deploying → verifying → succeeded | failed |
// rolled_back | cancelled | superseded), for the server and the browser alike.
export const DEPLOYMENT_STATES = ["pending_approval", "queued", "deploying", "verifying", "succeeded", "failed", "rolled_back", "cancelled", "superseded"] as const;
export type DeploymentStateName = (typeof DEPLOYMENT_STATES)[number];

/** Not ended yet. */
export const ACTIVE_DEPLOYMENT_STATES = ["pending_approval", "queued", "deploying", "verifying"] as const satisfies readonly DeploymentStateName[];

/** Waiting to run: a newer release for the same target supersedes these. */
export const WAITING_DEPLOYMENT_STATES = ["pending_approval", "queued"] as const satisfies readonly DeploymentStateName[];

/** Held by a worker: the target is being changed. */
export const RUNNING_DEPLOYMENT_STATES = ["deploying", "verifying"] as const satisfies readonly DeploymentStateName[];

export function isActiveDeploymentState(s: string): boolean {
  return (ACTIVE_DEPLOYMENT_STATES as readonly string[]).includes(s);
}

export function isRunningDeploymentState(s: string): boolean {
  return (RUNNING_DEPLOYMENT_STATES as readonly string[]).includes(s);
}

/** Words for each state, as the console shows them. */
export const deploymentStateLabels: Record<DeploymentStateName, string> = {
  pending_approval: "Waiting for approval",
  queued: "Queued",
  deploying: "Deploying",
  verifying: "Verifying",
  succeeded: "Succeeded",
  failed: "Failed",
  rolled_back: "Rolled back",
  cancelled: "Cancelled",
  superseded: "Superseded",
};

/** ocurrent's Current.Level, in order: a rule at or above the configured level needs approval. */
export const CONFIRM_LEVELS = ["harmless", "mostly_harmless", "average", "above_average", "dangerous"] as const;
export type ConfirmLevelName = (typeof CONFIRM_LEVELS)[number];

export function confirmLevelAtLeast(level: ConfirmLevelName, threshold: ConfirmLevelName): boolean {
  return CONFIRM_LEVELS.indexOf(level) >= CONFIRM_LEVELS.indexOf(threshold);
}
