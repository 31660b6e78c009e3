"use server";
// Settings → Notifications: add or edit a channel (Slack or webhook; the URL is write-only, a webhook's new
// signing secret is returned once), delete it; on a channel's page: send a test event, redeliver, rotate.
import { revalidatePath } from "next/cache";
import { userAction } from "@/lib/auth/action";
import { log } from "@/lib/log";
import { deleteInventoryEntity, saveChannel } from "@/lib/services/inventory/entities";
import { redeliver, rotateSigningSecret, sendTestEvent } from "@/lib/services/notifications/commands";
import { resultAction, savedMessage } from "../../result-action";

const PATH = "/settings/notifications";

export const saveChannelAction = resultAction(async (actor, input) => {
  const saved = await saveChannel(actor, input);
  revalidatePath(PATH);
  revalidatePath(`${PATH}/${saved.id}`);
  const what = `channel ${String(input.name ?? "").trim()}`;
  const urlSet = typeof input.url === "string" && input.url.trim() !== "";
  let message: string;
  if (saved.created || !urlSet) message = savedMessage(what, saved);
  else message = saved.fields.length ? `${savedMessage(what, saved)} URL replaced.` : `Saved ${what}: URL replaced.`;
  if (saved.signingSecret) message += " Copy its signing secret now: it is not shown again.";
  return { message, result: { signingSecret: saved.signingSecret } };
});

export const deleteChannelAction = userAction(async (actor, input) => {
  const { label } = await deleteInventoryEntity(actor, { kind: "channel", id: input.id });
  revalidatePath(PATH);
  return `Deleted ${label}.`;
});

export const sendTestEventAction = resultAction(async (actor, input) => {
  const r = await sendTestEvent(actor, input, log);
  revalidatePath(`${PATH}/${String(input.channel_id ?? "")}`);
  return { message: r.message, result: { ok: r.result?.state === "delivered", message: r.message } };
});

export const redeliverAction = resultAction(async (actor, input) => {
  const r = await redeliver(actor, input, log);
  revalidatePath(`${PATH}/${String(input.channel_id ?? "")}`);
  return { message: r.message, result: { ok: r.result?.state === "delivered", message: r.message } };
});

export const rotateSigningSecretAction = resultAction(async (actor, input) => {
  const r = await rotateSigningSecret(actor, input);
  return { message: r.message, result: r.result };
});
