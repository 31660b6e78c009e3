"use server";
// The repository page's forms: save (add or edit) a repository, build rule, deployment rule or target, and
// delete one; and Build now on a branch or pull request. Each command checks the role, validates with the slipway.yml schemas and audits the change;
// these wrappers word the result and refresh the pages that show the inventory.
import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { userAction, type ActionState } from "@/lib/auth/action";
import {
  deleteInventoryEntity,
  saveBuildRule,
  saveDeploymentRule,
  saveRepository,
  saveTarget,
  type Saved,
} from "@/lib/services/inventory/entities";
import { buildNow } from "@/lib/services/builds/commands";
import { setPrivateBadge } from "@/lib/services/inventory/badges";

function refresh() {
  revalidatePath("/repositories", "layout");
  revalidatePath("/services");
}

function result(saved: Saved, what: string): string {
  if (saved.created) return `Added ${what}.`;
  if (saved.fields.length === 0) return "Nothing changed.";
  return `Saved: ${saved.fields.map((f) => f.replace(/_/g, " ")).join(", ")} changed.`;
}

export const saveRepositoryAction = userAction(async (actor, input) => {
  const saved = await saveRepository(actor, input);
  refresh();
  return result(saved, "the repository");
});

export const saveBuildRuleAction = userAction(async (actor, input) => {
  const saved = await saveBuildRule(actor, input);
  refresh();
  return result(saved, "the build rule");
});

export const saveDeploymentRuleAction = userAction(async (actor, input) => {
  const saved = await saveDeploymentRule(actor, input);
  refresh();
  return result(saved, "the deployment rule");
});

export const saveTargetAction = userAction(async (actor, input) => {
  const saved = await saveTarget(actor, input);
  refresh();
  return result(saved, "the target");
});

/** Deletes (or archives, when it has history) a build rule, deployment rule or target (the page stays). */
export const deleteEntityAction = userAction(async (actor, input) => {
  const { label, archived } = await deleteInventoryEntity(actor, input);
  refresh();
  return archived ? `Archived ${label}: it has history, which stays readable; it no longer builds or deploys.` : `Deleted ${label}.`;
});

/** Deletes the repository, then goes back to the list. */
export async function deleteRepositoryAction(prev: ActionState, form: FormData): Promise<ActionState> {
  const state = await deleteEntityAction(prev, form);
  if (state?.ok) redirect("/repositories");
  return state;
}

/** Shows or hides the public badge of a private GitHub repository (admins; audited). */
export const setPrivateBadgeAction = userAction(async (actor, input) => {
  const r = await setPrivateBadge(actor, input);
  revalidatePath("/repositories", "layout");
  if (!r.changed) return "Nothing changed.";
  return r.show ? `The public badge of ${r.repository} now shows its state to anyone.` : `The public badge of ${r.repository} now answers “unknown”.`;
});

/** Builds a branch's or pull request's current head with every build rule (operators). */
export const buildNowAction = userAction(async (actor, input) => {
  const r = await buildNow(actor, input);
  revalidatePath("/repositories", "layout");
  revalidatePath("/builds");
  return r.message;
});
