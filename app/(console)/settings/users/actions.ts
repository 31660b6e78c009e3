"use server";
// Settings → Users: change a role, disable or enable a user. Each action finds the actor (userAction),
// calls the command (which checks the role, validates and audits), then refreshes the page's data.
import { revalidatePath } from "next/cache";
import { userAction } from "@/lib/auth/action";
import { changeUserRole, setUserDisabled } from "@/lib/services/users";
import { roleLabels } from "@/lib/auth/roles";

export const changeRoleAction = userAction(async (actor, input) => {
  const user = await changeUserRole(actor, input);
  revalidatePath("/settings/users");
  return `Saved: ${user.login} is ${roleLabels[user.role].toLowerCase()}.`;
});

export const setDisabledAction = userAction(async (actor, input) => {
  const user = await setUserDisabled(actor, input);
  revalidatePath("/settings/users");
  return user.disabled ? `${user.login} is disabled and signed out everywhere.` : `${user.login} is enabled and can sign in again.`;
});
