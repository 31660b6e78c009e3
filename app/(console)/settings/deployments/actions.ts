"use server";
// Settings → Deployments: the confirm level at or above which deployments wait for approval (admins; the
// command checks the role and audits the change).
import { revalidatePath } from "next/cache";
import { userAction } from "@/lib/auth/action";
import { setApprovalLevel } from "@/lib/services/deployments/commands";

export const setApprovalLevelAction = userAction(async (actor, input) => {
  const r = await setApprovalLevel(actor, input);
  revalidatePath("/settings", "layout");
  return r.message;
});
