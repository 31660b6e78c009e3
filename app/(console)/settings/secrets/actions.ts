"use server";
// Settings → Secrets: add or edit a build secret (the value is write-only), delete it.
import { revalidatePath } from "next/cache";
import { userAction } from "@/lib/auth/action";
import { deleteInventoryEntity, saveSecret } from "@/lib/services/inventory/entities";
import { savedMessage } from "../../result-action";

const PATH = "/settings/secrets";

export const saveSecretAction = userAction(async (actor, input) => {
  const saved = await saveSecret(actor, input);
  revalidatePath(PATH);
  const what = `secret ${String(input.name ?? "").trim()}`;
  const valueSet = typeof input.value === "string" && input.value !== "";
  if (saved.created) return valueSet ? `Added ${what} with its value.` : `Declared ${what}; set its value before a build needs it.`;
  if (!valueSet) return savedMessage(what, saved);
  return saved.fields.length ? `${savedMessage(what, saved)} Value replaced.` : `Saved ${what}: value set.`;
});

export const deleteSecretAction = userAction(async (actor, input) => {
  const { label } = await deleteInventoryEntity(actor, { kind: "secret", id: input.id });
  revalidatePath(PATH);
  return `Deleted ${label}.`;
});
