"use client";
// A "Test" button for a context or a registry: runs the check and shows its answer, green or red.
import type { ReactNode } from "react";
import { ActionForm, SubmitButton, useActionForm } from "@/components/ui/forms/action-form";
import { Hidden } from "@/components/ui/forms/fields";
import { CheckResult } from "@/components/ui/forms/check-result";
import type { CheckOutcome, FormAction, ResultState } from "@/components/ui/forms/result-state";

function Outcome({ last, errorsOnly }: { last?: ReactNode; errorsOnly: boolean }) {
  const { state } = useActionForm() as { state: ResultState<CheckOutcome> };
  if (!state) return last ?? null;
  if (!state.ok) return <CheckResult tone="error" role="alert">{state.error}</CheckResult>;
  if (errorsOnly) return <p role="status" className="sr-only">{state.result.message}</p>;
  return (
    <CheckResult tone={state.result.ok ? "ok" : "error"} role={state.result.ok ? "status" : "alert"}>
      {state.result.message}
    </CheckResult>
  );
}

export function CheckButton({
  action,
  values,
  label,
  ariaLabel,
  pendingText = "Testing…",
  last,
  errorsOnly = false,
}: {
  action: FormAction<ResultState<CheckOutcome>>;
  values: Record<string, string>;
  /** "Test", "Test login" */
  label: string;
  ariaLabel?: string;
  pendingText?: string;
  /** the stored result of the previous check, shown until this one answers */
  last?: ReactNode;
  /** in a list whose row shows the stored result: show only errors the check could not store (announced either way) */
  errorsOnly?: boolean;
}) {
  return (
    <ActionForm action={action} summary={false} className="space-y-3">
      <Hidden values={values} />
      <SubmitButton variant="secondary" pendingText={pendingText} ariaLabel={ariaLabel}>
        {label}
      </SubmitButton>
      <Outcome last={last} errorsOnly={errorsOnly} />
    </ActionForm>
  );
}
