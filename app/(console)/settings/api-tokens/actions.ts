"use server";
// Settings → API tokens: create one (the answer carries the token, shown once) and revoke one.
import { revalidatePath } from "next/cache";
import { userAction } from "@/lib/auth/action";
import { createApiToken, revokeApiToken } from "@/lib/services/api-tokens";
import { resultAction } from "../../result-action";
import type { NewTokenView } from "@/components/settings/api-token-form";

const PATH = "/settings/api-tokens";

export const createApiTokenAction = resultAction<NewTokenView>(async (actor, input) => {
  const t = await createApiToken(actor, input);
  revalidatePath(PATH);
  return {
    message: `Created the token "${t.name}". Copy it now: it is not shown again.`,
    result: { name: t.name, token: t.token, scope: t.scope, expiresAt: t.expiresAt.toISOString() },
  };
});

export const revokeApiTokenAction = userAction(async (actor, input) => {
  const t = await revokeApiToken(actor, { tokenId: input.id });
  revalidatePath(PATH);
  return `Revoked the token "${t.name}": requests with it are refused from now on.`;
});
