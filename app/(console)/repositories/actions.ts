"use server";
// Add a repository (admins), then open its page to add build rules.
import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { userAction, type ActionState } from "@/lib/auth/action";
import { saveRepository } from "@/lib/services/inventory/entities";

export async function addRepositoryAction(prev: ActionState, form: FormData): Promise<ActionState> {
  let id: string | undefined;
  const state = await userAction(async (actor, input) => {
    const saved = await saveRepository(actor, { ...input, id: undefined });
    id = saved.id;
    revalidatePath("/repositories", "layout");
    revalidatePath("/services");
    return "Repository added.";
  })(prev, form);
  if (state?.ok && id) redirect(`/repositories/${id}`);
  return state;
}
