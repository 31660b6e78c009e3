// The result of a form's server action: success as a status, failure as an alert, in words.
import type { ActionState } from "@/lib/auth/action";

export function ActionMessage({ state, id }: { state: ActionState; id?: string }) {
  return (
    <>
      <p id={id} role="status" className="text-xs text-emerald-700 empty:hidden dark:text-emerald-400">
        {state?.ok ? state.message : ""}
      </p>
      {state && !state.ok ? (
        <p role="alert" className="max-w-xs text-xs text-red-700 dark:text-red-300">
          {state.error}
        </p>
      ) : null}
    </>
  );
}
