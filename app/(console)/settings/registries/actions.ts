"use server";
// Settings → Registries: add, edit, delete, and "Test login" with the stored credentials.
import { revalidatePath } from "next/cache";
import { userAction } from "@/lib/auth/action";
import { deleteInventoryEntity, saveRegistry } from "@/lib/services/inventory/entities";
import { testRegistry } from "@/lib/services/inventory/checks";
import type { CheckOutcome } from "@/components/ui/forms/result-state";
import { resultAction, savedMessage } from "../../result-action";

const PATH = "/settings/registries";

export const saveRegistryAction = userAction(async (actor, input) => {
  const saved = await saveRegistry(actor, input);
  revalidatePath(PATH);
  const what = `registry ${String(input.name ?? "").trim()}`;
  const msg = savedMessage(what, saved);
  return input.password && !saved.created && !saved.fields.length ? `Saved ${what}: password replaced.` : input.password && !saved.created ? `${msg} Password replaced.` : msg;
});

export const deleteRegistryAction = userAction(async (actor, input) => {
  const { label } = await deleteInventoryEntity(actor, { kind: "registry", id: input.id });
  revalidatePath(PATH);
  return `Deleted ${label}.`;
});

export const testRegistryAction = resultAction<CheckOutcome>(async (actor, input) => {
  const r = await testRegistry(actor, { registry_id: input.registry_id });
  revalidatePath(PATH);
  return { message: r.message, result: r };
});
