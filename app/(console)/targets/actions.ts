"use server";
// The target page's buttons: Roll back to an earlier release (deploys it and pins the target), Unpin (the
// target follows its branch again), Deploy a release (the newest, once unpinned), and Check host (a unikernel
// target's host, answered item by item). The commands check the role (operator); those that change something
// lock the target and audit, and these wrappers refresh the console.
import { revalidatePath } from "next/cache";
import { userAction } from "@/lib/auth/action";
import { deployRelease, rollbackTarget, unpinTarget } from "@/lib/services/deployments/commands";
import { checkUnikernelTarget } from "@/lib/services/inventory/target-check";
import type { TargetCheckView } from "@/components/targets/types";
import { resultAction } from "../result-action";

function refresh() {
  revalidatePath("/", "layout");
}

export const rollbackTargetAction = userAction(async (actor, input) => {
  const r = await rollbackTarget(actor, input);
  refresh();
  return r.message;
});

export const unpinTargetAction = userAction(async (actor, input) => {
  const r = await unpinTarget(actor, input);
  refresh();
  return r.message;
});

export const deployReleaseAction = userAction(async (actor, input) => {
  const r = await deployRelease(actor, input);
  refresh();
  return r.message;
});

export const checkTargetHostAction = resultAction<TargetCheckView>(async (actor, input) => {
  const r = await checkUnikernelTarget(actor, { target_id: input.target_id });
  const failed = r.items.filter((i) => i.outcome === "failed").length;
  const message = r.ok
    ? `${r.host} is ready for ${r.target}: all ${r.items.length} checks passed.`
    : `${r.host} is not ready for ${r.target} yet: ${failed} of ${r.items.length} checks failed. Fix what is marked ✗ and check again.`;
  return { message, result: r };
});
