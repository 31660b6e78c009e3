"use server";
// The Environments page's Promote button: the same release to the next stage. The command checks the role
// (operator), the stage before (soak time, what its targets run, its check URLs) and audits; this refreshes the console.
import { revalidatePath } from "next/cache";
import { userAction } from "@/lib/auth/action";
import { promoteRelease } from "@/lib/services/environments/promote";

export const promoteReleaseAction = userAction(async (actor, input) => {
  const r = await promoteRelease(actor, input);
  revalidatePath("/", "layout");
  return r.message;
});
