"use server";
// Settings → GitHub apps: add, edit (credentials are write-only) and delete.
import { revalidatePath } from "next/cache";
import { userAction } from "@/lib/auth/action";
import { deleteInventoryEntity, saveApp } from "@/lib/services/inventory/entities";
import { savedMessage } from "../../result-action";

const PATH = "/settings/apps";

export const saveAppAction = userAction(async (actor, input) => {
  const saved = await saveApp(actor, input);
  revalidatePath(PATH);
  const set = [input.private_key ? "private key" : null, input.webhook_secret ? "webhook secret" : null].filter(Boolean);
  const what = `GitHub app ${String(input.name ?? "").trim()}`;
  if (!set.length || saved.created) return savedMessage(what, saved);
  return saved.fields.length ? `${savedMessage(what, saved)} ${set.join(" and ")} replaced.` : `Saved ${what}: ${set.join(" and ")} replaced.`;
});

export const deleteAppAction = userAction(async (actor, input) => {
  const { label } = await deleteInventoryEntity(actor, { kind: "app", id: input.id });
  revalidatePath(PATH);
  return `Deleted ${label}.`;
});
