"use client";
// A form posting to a server action with useActionState. Fields inside it (./fields.tsx) read their
// errors from here by name; the summary on top says what went wrong in words. The form is submitted by
// hand so a failed save keeps what was typed (React resets a form after its action otherwise); after a
// success, write-only fields (data-secret) are emptied, and a create form is reset.
import { createContext, startTransition, useActionState, useContext, useEffect, useId, useRef, type ReactNode } from "react";
import type { ActionState } from "@/lib/auth/action";
import type { FormAction } from "@/components/inventory/common/result-state";

interface FormContext {
  state: ActionState;
  pending: boolean;
  /** prefix of the fields' ids */
  idPrefix: string;
}

const Ctx = createContext<FormContext>({ state: null, pending: false, idPrefix: "f" });

export function useActionForm(): FormContext {
  return useContext(Ctx);
}

export function fieldId(prefix: string, name: string): string {
  return `${prefix}-${name.replace(/[^A-Za-z0-9_-]/g, "_")}`;
}

export function ActionForm<S extends ActionState>({
  action,
  children,
  resetOnSuccess = false,
  onSuccess,
  className = "space-y-4",
  label,
  showSuccess = true,
  summary = true,
}: {
  action: FormAction<S>;
  children: ReactNode;
  /** empty every field after a success (forms that create) */
  resetOnSuccess?: boolean;
  onSuccess?: (state: Extract<S, { ok: true }>) => void;
  className?: string;
  /** the form's accessible name */
  label?: string;
  /** show the success sentence on top (off when the caller shows the result itself) */
  showSuccess?: boolean;
  /** render the summary on top (off when the caller places <FormSummary /> itself) */
  summary?: boolean;
}) {
  const [state, formAction, pending] = useActionState<ActionState, FormData>(action as unknown as FormAction<ActionState>, null);
  const idPrefix = useId().replace(/:/g, "");
  const ref = useRef<HTMLFormElement>(null);
  const onSuccessRef = useRef(onSuccess);
  useEffect(() => {
    onSuccessRef.current = onSuccess;
  });
  useEffect(() => {
    if (!state?.ok || !ref.current) return;
    if (resetOnSuccess) ref.current.reset();
    else for (const el of ref.current.querySelectorAll<HTMLInputElement | HTMLTextAreaElement>("[data-secret]")) el.value = "";
    onSuccessRef.current?.(state as unknown as Extract<S, { ok: true }>);
  }, [state, resetOnSuccess]);

  return (
    <Ctx.Provider value={{ state, pending, idPrefix }}>
      <form
        ref={ref}
        action={formAction}
        onSubmit={(e) => {
          e.preventDefault();
          const data = new FormData(e.currentTarget);
          startTransition(() => formAction(data));
        }}
        aria-busy={pending}
        aria-label={label}
        noValidate
        className={className}
      >
        {summary && (showSuccess || !state?.ok) ? <FormSummary /> : null}
        {children}
      </form>
    </Ctx.Provider>
  );
}

/** What the last submission did: the success sentence, or what failed (each field's problem is also next to it). */
export function FormSummary() {
  const { state, idPrefix } = useActionForm();
  if (!state) return <p role="status" className="sr-only" />;
  if (state.ok) {
    return (
      <p role="status" className="rounded-md border border-emerald-200 bg-emerald-50 px-3 py-2 text-sm text-emerald-900 dark:border-emerald-800 dark:bg-emerald-950/60 dark:text-emerald-100">
        {state.message}
      </p>
    );
  }
  const fields = Object.entries(state.fieldErrors ?? {});
  return (
    <div role="alert" className="rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-950 dark:border-red-800 dark:bg-red-950/60 dark:text-red-100">
      {fields.length ? (
        <>
          <p className="font-medium">Not saved: {fields.length === 1 ? "one field needs" : `${fields.length} fields need`} a change.</p>
          <ul className="mt-1 list-disc space-y-0.5 pl-5">
            {fields.map(([name, message]) => (
              <li key={name}>
                <a href={`#${fieldId(idPrefix, name)}`} className="underline underline-offset-2">
                  <code className="font-mono text-[0.8125rem]">{name}</code>
                </a>
                : {message}
              </li>
            ))}
          </ul>
        </>
      ) : (
        <p>{state.error}</p>
      )}
    </div>
  );
}

/** A submit button that says it is working while the action runs. */
export function SubmitButton({
  children,
  pendingText,
  variant = "primary",
  className = "",
  ariaLabel,
}: {
  children: ReactNode;
  pendingText: string;
  variant?: "primary" | "secondary" | "danger";
  className?: string;
  ariaLabel?: string;
}) {
  const { pending } = useActionForm();
  const cls = variant === "primary" ? "btn-primary" : variant === "danger" ? "btn-danger" : "btn-secondary";
  return (
    <button type="submit" disabled={pending} aria-label={ariaLabel} className={`${cls} ${className}`}>
      {pending ? (
        <>
          <span aria-hidden="true" className="size-3.5 animate-spin rounded-full border-2 border-current border-t-transparent motion-reduce:animate-none" />
          {pendingText}
        </>
      ) : (
        children
      )}
    </button>
  );
}
