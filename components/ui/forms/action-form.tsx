"use client";
// A form posting to a server action with useActionState. Fields inside it (./fields.tsx) read their
// errors from here by name (an error at "build_args[2]" or "approval.mode" belongs to the field
// build_args or approval_mode); the summary on top says what went wrong in words and takes the focus. The
// form is submitted by hand so a failed save keeps what was typed (React resets a form after its action
// otherwise); after a success, write-only fields (data-secret) are emptied, and a create form is reset.
import { createContext, startTransition, useActionState, useContext, useEffect, useId, useRef, type ReactNode } from "react";
import type { ActionState } from "@/lib/auth/action";
import type { FormAction } from "@/components/ui/forms/result-state";
import { useDisclosure } from "@/components/ui/forms/disclosure";

interface FormContext {
  state: ActionState;
  pending: boolean;
  /** prefix of the fields' ids */
  idPrefix: string;
  /** the fields the form shows, when it says (errors at other paths are listed in words only) */
  fields?: readonly string[];
  /** error paths that belong to a field although they differ from its name */
  errorPaths: Readonly<Record<string, readonly string[]>>;
}

const Ctx = createContext<FormContext>({ state: null, pending: false, idPrefix: "f", errorPaths: {} });

export function useActionForm(): FormContext {
  return useContext(Ctx);
}

export function fieldId(prefix: string, name: string): string {
  return `${prefix}-${name.replace(/[^A-Za-z0-9_-]/g, "_")}`;
}

/** Does the error path belong to the field `name`? ("build_args[2]" and "approval.min_approvers" can.) */
export function pathMatches(path: string, name: string, aliases: readonly string[] = []): boolean {
  return [name, ...aliases].some((n) => path === n || path.startsWith(`${n}[`) || path.startsWith(`${n}.`));
}

/** The messages of the last refusal that belong to the field `name`, joined. */
export function fieldError(form: FormContext, name: string): string | undefined {
  const { state, errorPaths } = form;
  if (!state || state.ok || !state.fieldErrors) return undefined;
  const found = Object.entries(state.fieldErrors)
    .filter(([path]) => pathMatches(path, name, errorPaths[name]))
    .map(([, m]) => m);
  return found.length ? [...new Set(found)].join("; ") : undefined;
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
  closeOnSuccess = false,
  fields,
  errorPaths = {},
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
  /** close the enclosing Disclosure / EditableSection once saved, with the success sentence next to its button */
  closeOnSuccess?: boolean;
  /** the fields it shows; a problem at any other path (a rule across fields, a field not shown) is listed in words */
  fields?: readonly string[];
  /** error paths that belong to a field although they differ from its name: { approval_mode: ["approval.mode"] } */
  errorPaths?: Readonly<Record<string, readonly string[]>>;
}) {
  const [state, formAction, pending] = useActionState<ActionState, FormData>(action as unknown as FormAction<ActionState>, null);
  const idPrefix = useId().replace(/:/g, "");
  const ref = useRef<HTMLFormElement>(null);
  // a stable callback (the context object itself is new on each render)
  const close = useDisclosure()?.close;
  const closing = closeOnSuccess && close !== undefined;
  const onSuccessRef = useRef(onSuccess);
  useEffect(() => {
    onSuccessRef.current = onSuccess;
  });
  useEffect(() => {
    if (!state?.ok || !ref.current) return;
    if (resetOnSuccess) ref.current.reset();
    else for (const el of ref.current.querySelectorAll<HTMLInputElement | HTMLTextAreaElement>("[data-secret]")) el.value = "";
    onSuccessRef.current?.(state as unknown as Extract<S, { ok: true }>);
    if (closeOnSuccess) close?.({ message: state.message });
  }, [state, resetOnSuccess, closeOnSuccess, close]);

  return (
    <Ctx.Provider value={{ state, pending, idPrefix, fields, errorPaths }}>
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
        {summary && ((showSuccess && !closing) || !state?.ok) ? <FormSummary /> : null}
        {children}
      </form>
    </Ctx.Provider>
  );
}

/** What the last submission did: the success sentence, or what failed (each field's problem is also next to it). */
export function FormSummary() {
  const { state, idPrefix, fields, errorPaths } = useActionForm();
  const alert = useRef<HTMLDivElement>(null);
  // a refusal: take the reader to what went wrong (the summary names the fields to fix)
  useEffect(() => {
    if (state && !state.ok) alert.current?.focus();
  }, [state]);
  if (!state) return <p role="status" className="sr-only" />;
  if (state.ok) {
    return (
      <p role="status" className="rounded-md border border-emerald-200 bg-emerald-50 px-3 py-2 text-sm text-emerald-900 dark:border-emerald-800 dark:bg-emerald-950/60 dark:text-emerald-100">
        {state.message}
      </p>
    );
  }
  const problems = Object.entries(state.fieldErrors ?? {});
  // the field each problem is shown next to (by the form's list of fields; without one, the path's own name)
  const fieldOf = (path: string) => (fields ? fields.find((f) => pathMatches(path, f, errorPaths[f])) : path);
  return (
    <div
      ref={alert}
      tabIndex={-1}
      role="alert"
      className="scroll-mt-4 rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-950 dark:border-red-800 dark:bg-red-950/60 dark:text-red-100"
    >
      {problems.length ? (
        <>
          <p className="font-medium">Not saved: {problems.length === 1 ? "one field needs" : `${problems.length} fields need`} a change.</p>
          <ul className="mt-1 list-disc space-y-0.5 pl-5">
            {problems.map(([path, message]) => {
              const field = fieldOf(path);
              return (
                <li key={path}>
                  {field ? (
                    <a href={`#${fieldId(idPrefix, field)}`} className="underline underline-offset-2">
                      <code className="font-mono text-[0.8125rem]">{path}</code>
                    </a>
                  ) : path ? (
                    <code className="font-mono text-[0.8125rem]">{path}</code>
                  ) : null}
                  {path ? ": " : ""}
                  {message}
                </li>
              );
            })}
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

/** "Cancel": closes the Disclosure / EditableSection the form is in (nothing outside one), dropping what was typed. */
export function CancelButton() {
  const disclosure = useDisclosure();
  const { pending } = useActionForm();
  if (!disclosure) return null;
  return (
    <button type="button" className="btn-secondary" onClick={() => disclosure.close({ reset: true })} disabled={pending}>
      Cancel
    </button>
  );
}
