"use server";
// Settings → Notifications: add or edit a Slack channel (the webhook URL is write-only), delete it.
import { revalidatePath } from "next/cache";
import { userAction } from "@/lib/auth/action";
import { deleteInventoryEntity, saveChannel } from "@/lib/services/inventory/entities";
import { savedMessage } from "../../result-action";

const PATH = "/settings/notifications";

export const saveChannelAction = userAction(async (actor, input) => {
  const saved = await saveChannel(actor, input);
  revalidatePath(PATH);
  const what = `channel ${String(input.name ?? "").trim()}`;
  const urlSet = typeof input.url === "string" && input.url.trim() !== "";
  if (saved.created || !urlSet) return savedMessage(what, saved);
  return saved.fields.length ? `${savedMessage(what, saved)} Webhook URL replaced.` : `Saved ${what}: webhook URL replaced.`;
});

export const deleteChannelAction = userAction(async (actor, input) => {
  const { label } = await deleteInventoryEntity(actor, { kind: "channel", id: input.id });
  revalidatePath(PATH);
  return `Deleted ${label}.`;
});
