"use client";
// Change one user's role: a select and a Save button, with the result below.
import { useActionState, useId } from "react";
import type { ActionState } from "@/lib/auth/action";
import { roleLabels, roles, type Role } from "@/lib/auth/roles";
import { ActionMessage } from "@/components/users/action-message";

export function RoleForm({
  userId,
  login,
  role,
  action,
}: {
  userId: string;
  login: string;
  role: Role;
  action: (prev: ActionState, form: FormData) => Promise<ActionState>;
}) {
  const [state, formAction, pending] = useActionState(action, null);
  const id = useId();
  return (
    <form action={formAction} aria-busy={pending} className="space-y-1">
      <input type="hidden" name="userId" value={userId} />
      <div className="flex items-center gap-2">
        <label htmlFor={`${id}-role`} className="sr-only">
          Role for {login}
        </label>
        <select id={`${id}-role`} name="role" defaultValue={role} disabled={pending} className="field w-32 py-1" aria-describedby={`${id}-msg`}>
          {roles.map((r) => (
            <option key={r} value={r}>
              {roleLabels[r]}
            </option>
          ))}
        </select>
        <button type="submit" disabled={pending} className="btn-secondary py-1" aria-label={`Save role for ${login}`}>
          {pending ? "Saving…" : "Save"}
        </button>
      </div>
      <ActionMessage state={state} id={`${id}-msg`} />
    </form>
  );
}
