// Deployments in words, for their pages: the state as a sentence (with the reason it ended), the approval
// policy, the image reference. Reasons are stored as lower-case phrases ("rejected by alice: not today").
import type { DeploymentStateName } from "@/lib/validation/deployment-states";
import { confirmLabels, targetKindLabels } from "@/components/inventory/repos/words";
import { roleLabels, type Role } from "@/lib/auth/roles";

export const deploymentTriggerWords: Record<string, string> = {
  release: "new release",
  rollback: "rollback",
  manual: "manual",
  health_rollback: "health rollback",
  promotion: "promotion",
};

/** In a sentence: "swarm service", "compose service", "unikernel", "artifact repository". */
export const targetKindWords: Record<string, string> = Object.fromEntries(Object.entries(targetKindLabels).map(([kind, label]) => [kind, label.toLowerCase()]));

/** What a target's `service` is called on its page: the swarm or compose service, the unikernel, the files' name. */
export function targetServiceTerm(kind: string): string {
  switch (kind) {
    case "compose_service":
      return "Compose service";
    case "unikernel":
      return "Unikernel";
    case "artifact_repository":
      return "Files named";
    default:
      return "Service";
  }
}

/** "cancelled by alice" → "Cancelled by alice." */
function sentence(text: string): string {
  const t = text.trim();
  return `${t.charAt(0).toUpperCase()}${t.slice(1)}${/[.!?]$/.test(t) ? "" : "."}`;
}

/** The reason, led by the state's word unless it already starts with it. */
function because(word: string, reason: string): string {
  return reason.toLowerCase().startsWith(word.toLowerCase()) ? sentence(reason) : sentence(`${word}: ${reason}`);
}

export function deploymentStateSentence(d: { state: DeploymentStateName; reason: string | null; targetName: string; approvals: number; needed: number }): string {
  switch (d.state) {
    case "pending_approval":
      return `Waiting for approval: ${d.approvals} of ${d.needed} so far. Nothing changes on ${d.targetName} until it is approved.`;
    case "queued":
      return `Approved and queued: a worker deploys it to ${d.targetName} next (one deployment per target at a time).`;
    case "deploying":
      return `Deploying: ${d.targetName} is being updated to this release.`;
    case "verifying":
      return `Verifying: waiting for ${d.targetName} to converge on the new image and pass its health check.`;
    case "succeeded":
      return `Succeeded: ${d.targetName} runs this release, converged and healthy.`;
    case "failed":
      return d.reason ? because("Failed", d.reason) : "Failed; the log below says why.";
    case "rolled_back":
      return d.reason ? because("Rolled back", d.reason) : `Rolled back: ${d.targetName} went back to its previous release.`;
    case "cancelled":
      return d.reason ? because("Cancelled", d.reason) : "Cancelled before it ran.";
    case "superseded":
      return d.reason ? because("Superseded", d.reason) : `Superseded: a newer deployment to ${d.targetName} replaced it before it ran.`;
  }
}

export function deploymentNoticeTone(state: DeploymentStateName): "error" | "info" | "success" | "warning" {
  if (state === "failed") return "error";
  if (state === "rolled_back" || state === "pending_approval") return "warning";
  if (state === "succeeded") return "success";
  return "info";
}

/** "Manual: 2 approvals by an operator or admin" / "Automatic (confirm level Average)". */
export function approvalPolicyText(p: { approvalMode: string; minApprovers: number; approverRole: Role; confirmLevel: string }): string {
  const level = confirmLabels[p.confirmLevel as keyof typeof confirmLabels] ?? p.confirmLevel;
  if (p.approvalMode !== "manual") return `Automatic, unless its confirm level (${level}) is at or above the console's approval level`;
  const n = Math.max(1, p.minApprovers);
  const who = p.approverRole === "admin" ? "an admin" : `an ${roleLabels[p.approverRole].toLowerCase()} or admin`;
  return `Manual: ${n === 1 ? "one approval" : `${n} approvals`} by ${who}; confirm level ${level}`;
}

/** "registry/app:live@sha256:…", or what there is of it. */
export function imageReference(r: { imageRepo: string | null; tag: string | null; digest: string | null }): string | null {
  if (!r.imageRepo) return r.digest;
  return `${r.imageRepo}${r.tag ? `:${r.tag}` : ""}${r.digest ? `@${r.digest}` : ""}`;
}
