"use server";
// The target page's buttons: Roll back to an earlier release (deploys it and pins the target), Unpin (the
// target follows its branch again), Deploy a release (the newest, once unpinned). The commands check the
// role (operator), lock the target and audit; these wrappers refresh the console.
import { revalidatePath } from "next/cache";
import { userAction, type ActionState } from "@/lib/auth/action";
import { deployRelease, rollbackTarget, unpinTarget } from "@/lib/services/deployments/commands";

function refresh() {
  revalidatePath("/", "layout");
}

const rollback = userAction(async (actor, input) => {
  const r = await rollbackTarget(actor, input);
  refresh();
  return r.message;
});

export async function rollbackTargetAction(prev: ActionState, form: FormData): Promise<ActionState> {
  return rollback(prev, form);
}

const unpin = userAction(async (actor, input) => {
  const r = await unpinTarget(actor, input);
  refresh();
  return r.message;
});

export async function unpinTargetAction(prev: ActionState, form: FormData): Promise<ActionState> {
  return unpin(prev, form);
}

const deploy = userAction(async (actor, input) => {
  const r = await deployRelease(actor, input);
  refresh();
  return r.message;
});

export async function deployReleaseAction(prev: ActionState, form: FormData): Promise<ActionState> {
  return deploy(prev, form);
}
