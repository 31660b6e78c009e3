"use server";
// The Previews page's buttons: Tear down (any preview not torn down) and Approve (a fork's preview). The
// commands check the role, lock the preview and audit; these wrappers refresh the page.
import { revalidatePath } from "next/cache";
import { userAction } from "@/lib/auth/action";
import { approvePreview, tearDownPreview } from "@/lib/services/previews/commands";

export const tearDownPreviewAction = userAction(async (actor, input) => {
  const r = await tearDownPreview(actor, input);
  revalidatePath("/previews");
  return r.message;
});

export const approvePreviewAction = userAction(async (actor, input) => {
  const r = await approvePreview(actor, input);
  revalidatePath("/previews");
  return r.message;
});
