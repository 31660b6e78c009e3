"use client";
// Approve or Reject a deployment that waits for approval, with an optional comment: one form, two submit
// buttons (the pressed one posts `decision`). A refusal (your own change, the window closed, already
// decided) is shown in words and takes the focus; a success says what happens next (while the form is still
// on the page: a decided deployment usually leaves it, so the page says so itself).
import { startTransition, useActionState, useEffect, useId, useRef } from "react";
import type { ActionState } from "@/lib/auth/action";
import type { FormAction } from "@/components/ui/forms/result-state";

export function DecisionForm({
  action,
  deploymentId,
  targetName,
  compact = false,
}: {
  action: FormAction;
  deploymentId: string;
  /** for the buttons' accessible names when a page lists several */
  targetName: string;
  /** a smaller comment box, for the inbox */
  compact?: boolean;
}) {
  const [state, formAction, pending] = useActionState<ActionState, FormData>(action, null);
  const id = useId();
  const alert = useRef<HTMLParagraphElement>(null);
  const form = useRef<HTMLFormElement>(null);
  useEffect(() => {
    if (!state) return;
    if (state.ok) form.current?.reset();
    else alert.current?.focus();
  }, [state]);

  return (
    <form
      ref={form}
      aria-label={`Decide on the deployment to ${targetName}`}
      aria-busy={pending}
      noValidate
      className="space-y-2"
      onSubmit={(e) => {
        e.preventDefault();
        const submitter = (e.nativeEvent as SubmitEvent).submitter;
        const data = new FormData(e.currentTarget, submitter instanceof HTMLButtonElement ? submitter : null);
        startTransition(() => formAction(data));
      }}
    >
      <input type="hidden" name="deploymentId" value={deploymentId} />
      <div>
        <label htmlFor={`${id}-comment`} className="block text-sm font-medium text-zinc-800 dark:text-zinc-200">
          Comment <span className="ml-1 text-xs font-normal text-zinc-500 dark:text-zinc-400">optional</span>
        </label>
        <textarea
          id={`${id}-comment`}
          name="comment"
          rows={compact ? 2 : 3}
          maxLength={2000}
          placeholder="Why, or what to watch for"
          aria-describedby={`${id}-hint`}
          className="field mt-1"
        />
        <p id={`${id}-hint`} className="mt-1 text-xs text-zinc-500 dark:text-zinc-400">
          Recorded with your decision and in the audit log; a rejection gives it as the reason.
        </p>
      </div>
      {state && !state.ok ? (
        <p
          ref={alert}
          tabIndex={-1}
          role="alert"
          className="rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-950 dark:border-red-800 dark:bg-red-950/60 dark:text-red-100"
        >
          {state.error}
        </p>
      ) : (
        <p role="status" className="text-sm text-emerald-700 empty:hidden dark:text-emerald-400">
          {state?.ok ? state.message : ""}
        </p>
      )}
      <div className="flex flex-wrap items-center gap-2">
        <button type="submit" name="decision" value="approve" disabled={pending} aria-label={`Approve the deployment to ${targetName}`} className="btn-primary">
          {pending ? <Spinner /> : <Check />}
          Approve
        </button>
        <button type="submit" name="decision" value="reject" disabled={pending} aria-label={`Reject the deployment to ${targetName}`} className="btn-danger">
          Reject
        </button>
      </div>
    </form>
  );
}

function Spinner() {
  return <span aria-hidden="true" className="size-3.5 animate-spin rounded-full border-2 border-current border-t-transparent motion-reduce:animate-none" />;
}

function Check() {
  return (
    <svg viewBox="0 0 16 16" className="size-3.5" fill="none" stroke="currentColor" strokeWidth="2" aria-hidden="true" focusable="false">
      <path d="m3.5 8.5 3 3 6-7" strokeLinecap="round" strokeLinejoin="round" />
    </svg>
  );
}
