"use server";
// Settings → Registries: add, edit, delete, and "Test login" with the stored credentials.
import { revalidatePath } from "next/cache";
import { userAction, type ActionState } from "@/lib/auth/action";
import { deleteInventoryEntity, saveRegistry } from "@/lib/services/inventory/entities";
import { testRegistry } from "@/lib/services/inventory/checks";
import type { CheckOutcome, ResultState } from "@/components/inventory/common/result-state";
import { resultAction, savedMessage } from "../../hosts/result-action";

const PATH = "/settings/registries";

const save = userAction(async (actor, input) => {
  const saved = await saveRegistry(actor, input);
  revalidatePath(PATH);
  const what = `registry ${String(input.name ?? "").trim()}`;
  const msg = savedMessage(what, saved);
  return input.password && !saved.created && !saved.fields.length ? `Saved ${what}: password replaced.` : input.password && !saved.created ? `${msg} Password replaced.` : msg;
});

export async function saveRegistryAction(prev: ActionState, form: FormData): Promise<ActionState> {
  return save(prev, form);
}

const remove = userAction(async (actor, input) => {
  const { label } = await deleteInventoryEntity(actor, { kind: "registry", id: input.id });
  revalidatePath(PATH);
  return `Deleted ${label}.`;
});

export async function deleteRegistryAction(prev: ActionState, form: FormData): Promise<ActionState> {
  return remove(prev, form);
}

const test = resultAction<CheckOutcome>(async (actor, input) => {
  const r = await testRegistry(actor, { registry_id: input.registry_id });
  revalidatePath(PATH);
  return { message: r.message, result: r };
});

export async function testRegistryAction(prev: ResultState<CheckOutcome>, form: FormData): Promise<ResultState<CheckOutcome>> {
  return test(prev, form);
}
