"use client";
// A button that asks first: it opens a modal dialog (Escape or Cancel closes it) whose confirm button
// submits the server action. Errors stay in the dialog, in words; a success closes it.
import { useId, useRef, type ReactNode } from "react";
import { ActionForm, SubmitButton, useActionForm } from "@/components/ui/forms/action-form";
import { Hidden } from "@/components/ui/forms/fields";
import type { FormAction } from "@/components/ui/forms/result-state";

function DialogError() {
  const { state } = useActionForm();
  if (!state || state.ok) return null;
  return (
    <p role="alert" className="mt-3 rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-950 dark:border-red-800 dark:bg-red-950/60 dark:text-red-100">
      {state.error}
    </p>
  );
}

function SuccessLine() {
  const { state } = useActionForm();
  return (
    <p role="status" className="text-sm text-emerald-700 empty:hidden dark:text-emerald-400">
      {state?.ok ? state.message : ""}
    </p>
  );
}

export function ConfirmAction({
  action,
  values,
  trigger,
  triggerAriaLabel,
  triggerDisabled = false,
  triggerDescribedBy,
  triggerVariant = "danger",
  triggerClassName = "",
  title,
  children,
  confirmLabel,
  pendingText,
  confirmVariant = "danger",
  showSuccess = false,
  dismissLabel = "Cancel",
  className = "",
}: {
  action: FormAction;
  /** hidden fields posted with the confirmation (kind, id …) */
  values: Record<string, string | undefined | null>;
  /** the visible text of the button that opens the dialog */
  trigger: ReactNode;
  triggerAriaLabel?: string;
  /** the button cannot be used now; say why in an element whose id is `triggerDescribedBy` */
  triggerDisabled?: boolean;
  triggerDescribedBy?: string;
  triggerVariant?: "danger" | "secondary" | "primary";
  /** extra classes of that button ("py-1" in a row of small buttons) */
  triggerClassName?: string;
  /** the dialog's heading, a question: "Delete host toxis?" */
  title: string;
  /** what will happen, in words */
  children: ReactNode;
  confirmLabel: string;
  pendingText: string;
  confirmVariant?: "danger" | "primary";
  /** show the action's success sentence next to the button after the dialog closes */
  showSuccess?: boolean;
  /** the button that closes the dialog doing nothing ("Keep building" where the action itself is a cancel) */
  dismissLabel?: string;
  className?: string;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const id = useId();
  const triggerClass = triggerVariant === "danger" ? "btn-danger" : triggerVariant === "primary" ? "btn-primary" : "btn-secondary";
  return (
    <ActionForm action={action} summary={false} onSuccess={() => dialog.current?.close()} className={className}>
      <Hidden values={values} />
      <div className="flex flex-wrap items-center gap-3">
        <button
          type="button"
          className={`${triggerClass} ${triggerClassName}`}
          aria-label={triggerAriaLabel}
          aria-haspopup="dialog"
          disabled={triggerDisabled}
          aria-describedby={triggerDescribedBy}
          onClick={() => dialog.current?.showModal()}
        >
          {trigger}
        </button>
        {showSuccess ? <SuccessLine /> : null}
      </div>
      <dialog
        ref={dialog}
        aria-labelledby={`${id}-title`}
        aria-describedby={`${id}-body`}
        className="m-auto w-full max-w-md whitespace-normal rounded-lg border border-zinc-200 bg-white p-0 text-left text-zinc-900 shadow-xl backdrop:bg-zinc-950/50 dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-100"
      >
        <div className="p-5">
          <h2 id={`${id}-title`} className="text-base font-semibold">
            {title}
          </h2>
          <div id={`${id}-body`} className="mt-2 space-y-2 text-sm text-zinc-600 dark:text-zinc-300">
            {children}
          </div>
          <DialogError />
        </div>
        <div className="flex justify-end gap-2 rounded-b-lg border-t border-zinc-200 bg-zinc-50 px-5 py-3 dark:border-zinc-800 dark:bg-zinc-950/40">
          <button type="button" className="btn-secondary" autoFocus onClick={() => dialog.current?.close()}>
            {dismissLabel}
          </button>
          <SubmitButton variant={confirmVariant} pendingText={pendingText}>
            {confirmLabel}
          </SubmitButton>
        </div>
      </dialog>
    </ActionForm>
  );
}

/** "Delete" with a confirmation naming what goes and what it affects. */
export function DeleteButton({
  action,
  kind,
  id,
  what,
  children,
  ariaLabel,
  small = false,
}: {
  action: FormAction;
  kind: string;
  id: string;
  /** "host toxis" */
  what: string;
  /** consequences, in words */
  children?: ReactNode;
  /** the trigger's accessible name when the page has several ("Delete registry ghcr") */
  ariaLabel?: string;
  /** a small trigger, next to small Edit buttons */
  small?: boolean;
}) {
  return (
    <ConfirmAction
      action={action}
      values={{ kind, id }}
      trigger="Delete"
      triggerAriaLabel={ariaLabel}
      triggerClassName={small ? "py-1" : ""}
      title={`Delete ${what}?`}
      confirmLabel={`Delete ${what}`}
      pendingText="Deleting…"
    >
      {children ?? <p>This cannot be undone. The deletion is recorded in the audit log.</p>}
    </ConfirmAction>
  );
}
