"use server";
// Settings → Deployer key: rotate Slipway's SSH key pair (admins).
import { revalidatePath } from "next/cache";
import { userAction } from "@/lib/auth/action";
import { rotateDeployerKey } from "@/lib/services/deployer-key";

export const rotateDeployerKeyAction = userAction(async (actor) => {
  const key = await rotateDeployerKey(actor);
  revalidatePath("/settings/deployer-key");
  revalidatePath("/hosts", "layout");
  return `New deployer key ${key.fingerprintSha256}. Install its public key in authorized_keys on every host.`;
});
