"use server";
// The build page's buttons: Cancel a queued or running build, Rebuild an ended one (then go to the new
// attempt). The commands check the role (operator), lock the build and audit; these wrappers refresh the
// pages that show builds.
import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { userAction, type ActionState } from "@/lib/auth/action";
import { cancelBuild, rebuild } from "@/lib/services/builds/commands";

function refresh() {
  revalidatePath("/builds", "layout");
  revalidatePath("/");
}

export const cancelBuildAction = userAction(async (actor, input) => {
  const r = await cancelBuild(actor, input);
  refresh();
  return r.message;
});

/** Queues the next attempt and opens its page. */
export async function rebuildAction(prev: ActionState, form: FormData): Promise<ActionState> {
  let next: string | undefined;
  const run = userAction(async (actor, input) => {
    const r = await rebuild(actor, input);
    next = r.buildIds[0];
    refresh();
    return r.message;
  });
  const state = await run(prev, form);
  if (state?.ok && next) redirect(`/builds/${encodeURIComponent(next)}`);
  return state;
}
