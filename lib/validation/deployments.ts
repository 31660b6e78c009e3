// Inputs of the deployment commands (console forms and the API).
import { z } from "zod";
import { rowId } from "@/lib/validation/ids";
import { CONFIRM_LEVELS } from "@/lib/validation/deployment-states";

const id = rowId;
const comment = z
  .string()
  .trim()
  .max(2000, "is longer than 2,000 characters")
  .transform((s) => (s === "" ? null : s))
  .nullish();

/** Approve a deployment that waits for approval. */
export const approveDeploymentInput = z.object({ deploymentId: id, comment }).strict();
/** Reject it: it is cancelled, with the comment as the reason. */
export const rejectDeploymentInput = z.object({ deploymentId: id, comment }).strict();
/** Cancel a deployment that has not started. */
export const cancelDeploymentInput = z.object({ deploymentId: id }).strict();
/** "Roll back to this": deploy an earlier release of the target and pin the target to it. Without a release
 * (the API): the release of the target's last successful deployment before the one running now. */
export const rollbackInput = z.object({ targetId: id, releaseId: id.optional() }).strict();
/** Pin the target to a release (default: the one running there), without deploying anything. */
export const pinInput = z.object({ targetId: id, releaseId: id.optional() }).strict();
/** Deploy a release of the target's rule now (e.g. the newest, after unpinning). */
export const deployReleaseInput = z.object({ targetId: id, releaseId: id }).strict();
/** Let the target follow its branch again. */
export const unpinInput = z.object({ targetId: id }).strict();
/** The confirm level at or above which deployments wait for approval. */
export const approvalLevelInput = z.object({ level: z.enum(CONFIRM_LEVELS, { message: `must be one of ${CONFIRM_LEVELS.join(", ")}` }) }).strict();
