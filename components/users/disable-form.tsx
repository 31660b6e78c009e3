"use client";
// Disable a user (ends their sessions; they cannot sign in) or enable them again.
import { useActionState } from "react";
import type { ActionState } from "@/lib/auth/action";
import { ActionMessage } from "@/components/users/action-message";

export function DisableForm({
  userId,
  login,
  disabled,
  action,
}: {
  userId: string;
  login: string;
  disabled: boolean;
  action: (prev: ActionState, form: FormData) => Promise<ActionState>;
}) {
  const [state, formAction, pending] = useActionState(action, null);
  return (
    <form action={formAction} aria-busy={pending} className="space-y-1">
      <input type="hidden" name="userId" value={userId} />
      <input type="hidden" name="disabled" value={disabled ? "false" : "true"} />
      <button type="submit" disabled={pending} className={`${disabled ? "btn-secondary" : "btn-danger"} py-1`} aria-label={`${disabled ? "Enable" : "Disable"} ${login}`}>
        {pending ? (disabled ? "Enabling…" : "Disabling…") : disabled ? "Enable" : "Disable"}
      </button>
      <ActionMessage state={state} />
    </form>
  );
}
