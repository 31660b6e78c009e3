"use client";
// "Build now" on a branch or pull request (operators): builds its current head with every build rule of
// the repository; says what it queued, or why not, next to the button.
import { ActionForm, SubmitButton, useActionForm } from "@/components/ui/forms/action-form";
import { Hidden } from "@/components/ui/forms/fields";
import type { FormAction } from "@/components/ui/forms/result-state";

function Outcome() {
  const { state } = useActionForm();
  if (!state) return <span role="status" className="sr-only" />;
  return state.ok ? (
    <span role="status" className="max-w-56 text-xs text-emerald-700 dark:text-emerald-400">
      {state.message}
    </span>
  ) : (
    <span role="alert" className="max-w-56 text-xs font-medium text-red-700 dark:text-red-300">
      {state.error}
    </span>
  );
}

export function BuildNowButton({ action, refId, refName }: { action: FormAction; refId: string; /** "main", "PR #42": the button's accessible name says which */ refName: string }) {
  return (
    <ActionForm action={action} summary={false} className="flex flex-col items-end gap-1 text-right">
      <Hidden values={{ refId }} />
      <SubmitButton variant="secondary" pendingText="Queueing…" className="px-2.5 py-1 text-xs" ariaLabel={`Build ${refName} now`}>
        Build now
      </SubmitButton>
      <Outcome />
    </ActionForm>
  );
}
