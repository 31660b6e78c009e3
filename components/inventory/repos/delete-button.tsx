"use client";
// Delete one inventory entity after a confirmation dialog that says what goes with it. A refusal (it has
// release history, say) is shown in the dialog, in the server's words.
import { startTransition, useActionState, useId, useRef } from "react";
import type { ActionState } from "@/lib/auth/action";
import type { FormAction } from "@/components/inventory/repos/form-kit";

export function DeleteButton({
  kind,
  id,
  what,
  consequence,
  action,
  small = true,
}: {
  kind: "repo" | "build" | "deploy" | "target";
  id: string;
  /** e.g. "build rule Dockerfile" */
  what: string;
  /** what else goes, in words */
  consequence?: string;
  action: FormAction;
  small?: boolean;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const [state, formAction, pending] = useActionState<ActionState, FormData>(async (prev, data) => {
    const next = await action(prev, data);
    if (next?.ok) dialog.current?.close();
    return next;
  }, null);
  return (
    <>
      <button type="button" className={`btn-danger ${small ? "py-1" : ""}`} aria-label={`Delete ${what}`} aria-haspopup="dialog" onClick={() => dialog.current?.showModal()}>
        Delete
      </button>
      <dialog
        ref={dialog}
        aria-labelledby={titleId}
        className="m-auto w-full max-w-md rounded-lg border border-zinc-200 bg-white p-0 text-left text-zinc-900 shadow-xl backdrop:bg-zinc-950/50 dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-100"
      >
        <form
          action={formAction}
          onSubmit={(e) => {
            e.preventDefault();
            const data = new FormData(e.currentTarget);
            startTransition(() => formAction(data));
          }}
          className="space-y-3 p-5"
        >
          <input type="hidden" name="kind" value={kind} />
          <input type="hidden" name="id" value={id} />
          <h2 id={titleId} className="text-base font-semibold">
            Delete {what}?
          </h2>
          <p className="text-sm text-zinc-600 dark:text-zinc-400">
            {consequence ? `${consequence} ` : ""}The change is recorded in the audit log. Entities with release or deployment history cannot be deleted.
          </p>
          {state && !state.ok ? (
            <p role="alert" className="rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-900 dark:border-red-800 dark:bg-red-950/60 dark:text-red-100">
              {state.error}
            </p>
          ) : null}
          <div className="flex justify-end gap-2 pt-2">
            <button type="button" className="btn-secondary" onClick={() => dialog.current?.close()} autoFocus>
              Cancel
            </button>
            <button type="submit" className="btn bg-red-600 text-white hover:bg-red-700 dark:bg-red-500 dark:text-red-950 dark:hover:bg-red-400" disabled={pending}>
              {pending ? "Deleting…" : "Delete"}
            </button>
          </div>
        </form>
      </dialog>
    </>
  );
}
