// A webhook channel's signing secret: made by Slipway, sealed as the channel's owned secret "signing_secret",
// shown once (at creation and on rotate) and never again.
import type { Tx } from "@/lib/db";
import type { Actor } from "@/lib/auth/actor";
import { recordAudit } from "@/lib/audit/record";
import { newSigningSecret } from "@/lib/notify/webhook";
import { setOwnedSecret } from "@/lib/services/inventory/secret-values";

export const SIGNING_SECRET_NAME = "signing_secret";

/** Makes (or replaces) the channel's signing secret, with its audit event; returns the value, for the one time it is shown. */
export async function createSigningSecret(tx: Tx, channelId: string, channelName: string, actor: Actor, rotated = false): Promise<string> {
  const value = newSigningSecret();
  const userId = actor.type === "user" || actor.type === "api_token" ? actor.userId : null;
  const secretId = await setOwnedSecret(tx, { scopeKey: `notification_channel:${channelId}` }, SIGNING_SECRET_NAME, value, userId);
  await tx.notificationChannel.update({ where: { id: channelId }, data: { signingSecretId: secretId } });
  await recordAudit(tx, {
    actor,
    action: rotated ? "notification_channel.secret_rotated" : "notification_channel.secret_set",
    subjectType: "notification_channel",
    subjectId: channelId,
    summary: `notification channel ${channelName}: signing secret ${rotated ? "rotated" : "created"}`,
  });
  return value;
}
