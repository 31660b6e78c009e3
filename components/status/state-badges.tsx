// Badges for every state of the Build and Deployment state machines (DESIGN.md), each its own colour.
import { Badge, type BadgeTone } from "@/components/ui/badge";

import type { BuildStateName } from "@/lib/validation/build-states";
export type { BuildStateName };

export type DeploymentStateName =
  | "pending_approval"
  | "queued"
  | "deploying"
  | "verifying"
  | "succeeded"
  | "failed"
  | "rolled_back"
  | "cancelled"
  | "superseded";

interface StateLook {
  label: string;
  tone: BadgeTone;
  /** in progress: the dot pulses */
  active?: boolean;
  /** what the state means, as a tooltip */
  help: string;
}

export const buildStates: Record<BuildStateName, StateLook> = {
  queued: { label: "Queued", tone: "zinc", help: "waiting for a worker" },
  fetching: { label: "Fetching", tone: "sky", active: true, help: "fetching the commit" },
  building: { label: "Building", tone: "blue", active: true, help: "building the image" },
  pushing: { label: "Pushing", tone: "indigo", active: true, help: "pushing the image to the registry" },
  succeeded: { label: "Succeeded", tone: "emerald", help: "built and pushed" },
  failed: { label: "Failed", tone: "red", help: "the build failed; see its reason and log" },
  cancelled: { label: "Cancelled", tone: "outline", help: "cancelled by an operator" },
  superseded: { label: "Superseded", tone: "violet", help: "a newer push to the same branch replaced it" },
};

export const deploymentStates: Record<DeploymentStateName, StateLook> = {
  pending_approval: { label: "Pending approval", tone: "amber", help: "waiting for an operator to approve" },
  queued: { label: "Queued", tone: "zinc", help: "waiting for a worker (one deployment per target at a time)" },
  deploying: { label: "Deploying", tone: "blue", active: true, help: "updating the service" },
  verifying: { label: "Verifying", tone: "cyan", active: true, help: "waiting for the service to converge and pass its health check" },
  succeeded: { label: "Succeeded", tone: "emerald", help: "converged and healthy" },
  failed: { label: "Failed", tone: "red", help: "the deployment failed; see its reason and log" },
  rolled_back: { label: "Rolled back", tone: "orange", help: "the previous release was put back" },
  cancelled: { label: "Cancelled", tone: "outline", help: "cancelled or rejected" },
  superseded: { label: "Superseded", tone: "violet", help: "a newer release for the same target replaced it" },
};

export function BuildStateBadge({ state }: { state: BuildStateName }) {
  const s = buildStates[state];
  return (
    <Badge tone={s.tone} pulse={s.active} title={s.help}>
      {s.label}
    </Badge>
  );
}

export function DeploymentStateBadge({ state }: { state: DeploymentStateName }) {
  const s = deploymentStates[state];
  return (
    <Badge tone={s.tone} pulse={s.active} title={s.help}>
      {s.label}
    </Badge>
  );
}
