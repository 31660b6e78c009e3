"use server";
// Settings → Users: change a role, disable or enable a user. Each action finds the actor (userAction),
// calls the command (which checks the role, validates and audits), then refreshes the page's data.
import { revalidatePath } from "next/cache";
import { userAction, type ActionState } from "@/lib/auth/action";
import { changeUserRole, setUserDisabled } from "@/lib/services/users";
import { roleLabels } from "@/lib/auth/roles";

const changeRole = userAction(async (actor, input) => {
  const user = await changeUserRole(actor, input);
  revalidatePath("/settings/users");
  return `Saved: ${user.login} is ${roleLabels[user.role].toLowerCase()}.`;
});

const setDisabled = userAction(async (actor, input) => {
  const user = await setUserDisabled(actor, input);
  revalidatePath("/settings/users");
  return user.disabled ? `${user.login} is disabled and signed out everywhere.` : `${user.login} is enabled and can sign in again.`;
});

export async function changeRoleAction(prev: ActionState, form: FormData): Promise<ActionState> {
  return changeRole(prev, form);
}

export async function setDisabledAction(prev: ActionState, form: FormData): Promise<ActionState> {
  return setDisabled(prev, form);
}
