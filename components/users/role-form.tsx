"use client";
// Change one user's role: a select and a Save button, with the result below.
import { startTransition, useActionState, useId, useState } from "react";
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
  /** the role the user has now (from the server) */
  role: Role;
  action: (prev: ActionState, form: FormData) => Promise<ActionState>;
}) {
  const [state, formAction, pending] = useActionState(action, null);
  const id = useId();
  // The select is controlled so it always shows either the choice being made or the role the user
  // really has: it follows the server's value when that changes, and goes back to it when a save fails.
  const [choice, setChoice] = useState<Role>(role);
  const [seen, setSeen] = useState<{ role: Role; at: number }>({ role, at: 0 });
  const at = state?.at ?? 0;
  if (seen.role !== role || at !== seen.at) {
    setSeen({ role, at });
    if (seen.role !== role || (state && !state.ok)) setChoice(role);
  }
  return (
    <form
      action={formAction}
      onSubmit={(e) => {
        // Submitted by hand so React does not reset the form afterwards: a reset would put the select back
        // to the role it was first rendered with, not the one just saved.
        e.preventDefault();
        const data = new FormData(e.currentTarget);
        startTransition(() => formAction(data));
      }}
      aria-busy={pending}
      className="space-y-1"
    >
      <input type="hidden" name="userId" value={userId} />
      <div className="flex items-center gap-2">
        <label htmlFor={`${id}-role`} className="sr-only">
          Role for {login}
        </label>
        <select
          id={`${id}-role`}
          name="role"
          value={choice}
          onChange={(e) => setChoice(e.target.value as Role)}
          className="field w-32 py-1"
          aria-describedby={`${id}-msg`}
        >
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
