"use server";
// Docker contexts: add, edit, delete, and "Test" (reach the engine and report its answer).
import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { userAction, type ActionState } from "@/lib/auth/action";
import { deleteInventoryEntity, saveContext } from "@/lib/services/inventory/entities";
import { testContext } from "@/lib/services/inventory/checks";
import type { CheckOutcome } from "@/components/ui/forms/result-state";
import { resultAction, savedMessage } from "../result-action";

function refresh(id?: string) {
  revalidatePath("/contexts");
  if (id) revalidatePath(`/contexts/${id}`);
  revalidatePath("/hosts", "layout");
}

export const saveContextAction = userAction(async (actor, input) => {
  const saved = await saveContext(actor, input);
  refresh(saved.id);
  return savedMessage(`docker context ${String(input.name ?? "").trim()}`, saved);
});

export async function deleteContextAction(prev: ActionState, form: FormData): Promise<ActionState> {
  const state = await userAction(async (actor, input) => {
    const { label } = await deleteInventoryEntity(actor, { kind: "context", id: input.id });
    refresh();
    return `Deleted ${label}.`;
  })(prev, form);
  if (state?.ok) redirect("/contexts");
  return state;
}

export const testContextAction = resultAction<CheckOutcome>(async (actor, input) => {
  const r = await testContext(actor, { context_id: input.context_id });
  refresh(String(input.context_id));
  return { message: r.message, result: r };
});
