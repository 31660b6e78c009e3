"use server";
// Hosts: add, edit and delete a host; scan, accept and remove its SSH host keys; test the connection.
// Each action finds the actor, calls one command (which checks the role, validates and audits) and
// refreshes the pages that show the result.
import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { userAction, type ActionState } from "@/lib/auth/action";
import { deleteInventoryEntity, saveHost } from "@/lib/services/inventory/entities";
import { pinHostKeys, removeHostKey, scanHost, testHost } from "@/lib/services/inventory/hosts";
import type { HostTestResult, PinResult, ScanResult } from "@/components/inventory/hosts/types";
import { resultAction, savedMessage } from "../result-action";

function refresh(hostId?: string) {
  revalidatePath("/hosts");
  if (hostId) revalidatePath(`/hosts/${hostId}`);
}

export async function createHostAction(prev: ActionState, form: FormData): Promise<ActionState> {
  let id: string | undefined;
  const state = await userAction(async (actor, input) => {
    const saved = await saveHost(actor, { ...input, id: undefined });
    id = saved.id;
    refresh();
    return savedMessage(`host ${String(input.name ?? "").trim()}`, saved);
  })(prev, form);
  // outside userAction: redirect() works by throwing
  if (state?.ok && id) redirect(`/hosts/${id}?added=1`);
  return state;
}

export const updateHostAction = userAction(async (actor, input) => {
  const saved = await saveHost(actor, input);
  refresh(saved.id);
  return savedMessage(`host ${String(input.name ?? "").trim()}`, saved);
});

export async function deleteHostAction(prev: ActionState, form: FormData): Promise<ActionState> {
  const state = await userAction(async (actor, input) => {
    const { label } = await deleteInventoryEntity(actor, { kind: "host", id: input.id });
    refresh();
    return `Deleted ${label}.`;
  })(prev, form);
  if (state?.ok) redirect("/hosts");
  return state;
}

export const scanHostAction = resultAction<ScanResult>(async (actor, input) => {
  const r = await scanHost(actor, { host_id: input.host_id });
  const fresh = r.keys.filter((k) => !k.pinned).length;
  const message = r.keys.length
    ? `${r.host} presented ${r.keys.length} host key${r.keys.length === 1 ? "" : "s"}${fresh < r.keys.length ? ` (${r.keys.length - fresh} already accepted)` : ""}. Compare the fingerprints with ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub on the host before accepting.`
    : `${r.host} presented no host key Slipway can use.`;
  return { message, result: r };
});

export const pinHostKeysAction = resultAction<PinResult>(async (actor, input) => {
  const r = await pinHostKeys(actor, { host_id: input.host_id, keys: input.keys, known_hosts: input.known_hosts, keep_existing: input.keep_existing });
  refresh(String(input.host_id));
  const accepted = r.pinned.length ? `Accepted ${r.pinned.length} key${r.pinned.length === 1 ? "" : "s"}: ${r.pinned.join(", ")}.` : "";
  const retired = r.retired.length ? `Retired ${r.retired.join(", ")}: Slipway no longer accepts ${r.retired.length === 1 ? "it" : "them"}.` : "";
  const message = accepted || retired ? `${accepted} ${retired}`.trim() + " Test the connection again." : "Those keys were already accepted; nothing changed.";
  return { message, result: r };
});

export const removeHostKeyAction = userAction(async (actor, input) => {
  const r = await removeHostKey(actor, { host_id: input.host_id, key_id: input.key_id });
  refresh(String(input.host_id));
  return `Removed the pinned key ${r.removed}.`;
});

export const testHostAction = resultAction<HostTestResult>(async (actor, input) => {
  const r = await testHost(actor, { host_id: input.host_id });
  refresh(String(input.host_id));
  return { message: r.message, result: r };
});
