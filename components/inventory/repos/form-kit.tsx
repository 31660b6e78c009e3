"use client";
// The pieces the repository forms share: a form that posts to a server action and shows the result (the
// overall message on top, each field's problem next to it), labelled fields wired to their errors with
// aria-describedby, and the disclosure that opens a form in place and closes it once saved.
import {
  type KeyboardEvent,
  createContext,
  startTransition,
  useActionState,
  useCallback,
  useContext,
  useEffect,
  useId,
  useRef,
  useState,
  type ReactNode,
} from "react";
import type { ActionState } from "@/lib/auth/action";

export type FormAction = (prev: ActionState, form: FormData) => Promise<ActionState>;

// ─── errors by field ────────────────────────────────────────────────────────────────────────────

/** Does an error path belong to the field `name`? ("build_args[2]" and "approval.min_approvers" do.) */
function pathMatches(path: string, name: string, aliases: readonly string[]): boolean {
  for (const n of [name, ...aliases]) {
    if (path === n || path.startsWith(`${n}[`) || path.startsWith(`${n}.`)) return true;
  }
  return false;
}

/** Error paths the service uses that differ from the form's field names. */
const ALIASES: Record<string, string[]> = {
  approval_mode: ["approval.mode", "approval"],
  min_approvers: ["approval.min_approvers"],
  approver_role: ["approval.approver_role"],
  approval_expiry: ["approval.expires_after"],
};

function messagesFor(errors: Record<string, string>, name: string): string | undefined {
  const found = Object.entries(errors)
    .filter(([path]) => pathMatches(path, name, ALIASES[name] ?? []))
    .map(([, m]) => m);
  return found.length ? [...new Set(found)].join("; ") : undefined;
}

interface FormCtx {
  errors: Record<string, string>;
  id: string;
}
const FormContext = createContext<FormCtx>({ errors: {}, id: "f" });

// ─── disclosure: a form opened in place ─────────────────────────────────────────────────────────

interface DisclosureCtx {
  close: (message?: string) => void;
}
const DisclosureContext = createContext<DisclosureCtx | null>(null);

/** Escape inside an open panel closes it (but not when a dialog inside it has the key). */
function closeOnEscape(e: KeyboardEvent, close: () => void) {
  if (e.key === "Escape" && !(e.target instanceof HTMLElement && e.target.closest("dialog"))) {
    e.stopPropagation();
    close();
  }
}

function useFocusFirstField(open: boolean) {
  const panel = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (open) panel.current?.querySelector<HTMLElement>("input:not([type=hidden]):not([disabled]), select, textarea")?.focus();
  }, [open]);
  return panel;
}

/**
 * A button that opens a panel (a form) below it. The form closes the panel when it saves; the result
 * stays next to the button.
 */
export function Disclosure({
  label,
  title,
  children,
  variant = "secondary",
  className = "",
  level = 3,
}: {
  /** the button's text, e.g. "Add target" */
  label: string;
  /** the panel's heading */
  title: string;
  /** the panel heading's level (h2…h6), to fit the outline of the page */
  level?: 2 | 3 | 4 | 5 | 6;
  children: ReactNode;
  variant?: "primary" | "secondary";
  className?: string;
}) {
  const [open, setOpen] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const id = useId();
  const button = useRef<HTMLButtonElement>(null);
  const panel = useFocusFirstField(open);
  const close = useCallback((m?: string) => {
    setOpen(false);
    setMessage(m ?? null);
    button.current?.focus();
  }, []);
  return (
    <div className={className}>
      <div className="flex flex-wrap items-center gap-3">
        <button
          ref={button}
          type="button"
          className={variant === "primary" ? "btn-primary" : "btn-secondary"}
          aria-expanded={open}
          aria-controls={open ? `${id}-panel` : undefined}
          onClick={() => {
            setMessage(null);
            setOpen((o) => !o);
          }}
        >
          <span aria-hidden="true" className="text-base leading-none">
            {open ? "−" : "+"}
          </span>
          {label}
        </button>
        <p role="status" className="text-sm text-emerald-700 empty:hidden dark:text-emerald-400">
          {message ?? ""}
        </p>
      </div>
      {open ? (
        <div
          ref={panel}
          id={`${id}-panel`}
          role="region"
          aria-labelledby={`${id}-title`}
          onKeyDown={(e) => closeOnEscape(e, close)}
          className="mt-3 rounded-lg border border-sky-200 bg-sky-50/40 p-4 dark:border-sky-900 dark:bg-sky-950/20"
        >
          <Heading level={level} id={`${id}-title`} className="mb-3 text-sm font-semibold text-zinc-900 dark:text-zinc-100">
            {title}
          </Heading>
          <DisclosureContext.Provider value={{ close }}>{children}</DisclosureContext.Provider>
        </div>
      ) : null}
    </div>
  );
}

function Heading({ level, ...props }: { level: 2 | 3 | 4 | 5 | 6; id: string; className: string; children: ReactNode }) {
  const Tag = `h${level}` as const;
  return <Tag {...props} />;
}

/**
 * A section shown read-only, with an Edit button (for admins) that swaps the view for a form, and a
 * delete control next to it.
 */
export function EditableSection({
  heading,
  view,
  form,
  editLabel,
  deleteControl,
  canEdit,
  className = "",
  labelledBy,
}: {
  heading: ReactNode;
  view: ReactNode;
  form: ReactNode;
  /** accessible name of the Edit button, e.g. "Edit build rule Dockerfile" */
  editLabel: string;
  deleteControl?: ReactNode;
  canEdit: boolean;
  className?: string;
  labelledBy?: string;
}) {
  const [open, setOpen] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const button = useRef<HTMLButtonElement>(null);
  const panel = useFocusFirstField(open);
  const close = useCallback((m?: string) => {
    setOpen(false);
    setMessage(m ?? null);
    button.current?.focus();
  }, []);
  return (
    <div className={className} aria-labelledby={labelledBy}>
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div className="min-w-0 flex-1">{heading}</div>
        {canEdit ? (
          <div className="flex shrink-0 items-center gap-2">
            <p role="status" className="text-xs text-emerald-700 empty:hidden dark:text-emerald-400">
              {message ?? ""}
            </p>
            <button
              ref={button}
              type="button"
              className="btn-secondary py-1"
              aria-expanded={open}
              aria-label={editLabel}
              onClick={() => {
                setMessage(null);
                setOpen((o) => !o);
              }}
            >
              {open ? "Close" : "Edit"}
            </button>
            {deleteControl}
          </div>
        ) : null}
      </div>
      {open ? (
        <div
          ref={panel}
          onKeyDown={(e) => closeOnEscape(e, close)}
          className="mt-3 rounded-lg border border-sky-200 bg-sky-50/40 p-4 dark:border-sky-900 dark:bg-sky-950/20"
        >
          <DisclosureContext.Provider value={{ close }}>{form}</DisclosureContext.Provider>
        </div>
      ) : (
        view
      )}
    </div>
  );
}

/** For table rows: the row's cells, an Edit button and a delete control; editing opens a row with the form below. */
export function EditableRow({
  cells,
  form,
  editLabel,
  deleteControl,
  canEdit,
  colSpan,
}: {
  cells: ReactNode;
  form: ReactNode;
  editLabel: string;
  deleteControl?: ReactNode;
  canEdit: boolean;
  colSpan: number;
}) {
  const [open, setOpen] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const button = useRef<HTMLButtonElement>(null);
  const panel = useFocusFirstField(open);
  const close = useCallback((m?: string) => {
    setOpen(false);
    setMessage(m ?? null);
    button.current?.focus();
  }, []);
  return (
    <>
      <tr>
        {cells}
        {canEdit ? (
          <td className="px-3 py-2.5 align-top last:pr-4">
            <div className="flex items-center justify-end gap-2">
              <button ref={button} type="button" className="btn-secondary py-1" aria-expanded={open} aria-label={editLabel} onClick={() => setOpen((o) => !o)}>
                {open ? "Close" : "Edit"}
              </button>
              {deleteControl}
            </div>
            <p role="status" className="mt-1 text-right text-xs text-emerald-700 empty:hidden dark:text-emerald-400">
              {message ?? ""}
            </p>
          </td>
        ) : null}
      </tr>
      {open ? (
        <tr>
          <td colSpan={colSpan} className="bg-sky-50/40 px-4 py-4 dark:bg-sky-950/20">
            <div ref={panel} onKeyDown={(e) => closeOnEscape(e, close)}>
              <DisclosureContext.Provider value={{ close }}>{form}</DisclosureContext.Provider>
            </div>
          </td>
        </tr>
      ) : null}
    </>
  );
}

// ─── the form ───────────────────────────────────────────────────────────────────────────────────

/**
 * A form that posts to a server action. `fields` names the fields it shows, so a problem with any other
 * path (a rule that spans fields, or one the form has no field for) is listed in the message on top.
 */
export function InventoryForm({
  action,
  label,
  fields,
  hidden = {},
  submitLabel = "Save",
  pendingLabel = "Saving…",
  children,
}: {
  action: FormAction;
  /** the form's accessible name, e.g. "Add target" or "Edit build rule Dockerfile" */
  label: string;
  fields: readonly string[];
  hidden?: Record<string, string | undefined>;
  submitLabel?: string;
  pendingLabel?: string;
  children: ReactNode;
}) {
  const disclosure = useContext(DisclosureContext);
  const summary = useRef<HTMLDivElement>(null);
  const [state, formAction, pending] = useActionState<ActionState, FormData>(async (prev, data) => {
    const next = await action(prev, data);
    if (next?.ok && disclosure) disclosure.close(next.message);
    return next;
  }, null);
  // a refusal: take the reader to what went wrong (the summary names the fields to fix)
  useEffect(() => {
    if (state && !state.ok) summary.current?.focus();
  }, [state]);
  const id = useId();
  const errors = state && !state.ok ? (state.fieldErrors ?? {}) : {};
  const unmatched = Object.entries(errors).filter(([path]) => !fields.some((f) => pathMatches(path, f, ALIASES[f] ?? [])));
  const fieldProblems = Object.keys(errors).length - unmatched.length;
  return (
    <form
      action={formAction}
      onSubmit={(e) => {
        // Submitted by hand so React does not reset the fields afterwards: after a refusal the admin fixes
        // what they typed rather than typing it again.
        e.preventDefault();
        const data = new FormData(e.currentTarget);
        startTransition(() => formAction(data));
      }}
      aria-label={label}
      aria-busy={pending}
      noValidate
      className="space-y-4"
    >
      {Object.entries(hidden).map(([name, value]) => (value === undefined ? null : <input key={name} type="hidden" name={name} value={value} />))}
      {state && !state.ok ? (
        <div
          ref={summary}
          tabIndex={-1}
          role="alert"
          className="scroll-mt-4 rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-900 dark:border-red-800 dark:bg-red-950/60 dark:text-red-100">
          {state.fieldErrors && Object.keys(state.fieldErrors).length ? (
            <>
              <p className="font-semibold">
                Nothing was saved:{" "}
                {fieldProblems ? `${fieldProblems === 1 ? "one field needs" : `${fieldProblems} fields need`} fixing (marked below)` : "the server refused it"}
                {fieldProblems && unmatched.length ? ", and:" : unmatched.length ? ":" : "."}
              </p>
              {unmatched.length ? (
                <ul className="mt-1 list-disc space-y-0.5 pl-5">
                  {unmatched.map(([path, message]) => (
                    <li key={path}>
                      {path ? <code className="font-mono text-xs">{path}</code> : null}
                      {path ? ": " : ""}
                      {message}
                    </li>
                  ))}
                </ul>
              ) : null}
            </>
          ) : (
            <p>{state.error}</p>
          )}
        </div>
      ) : null}
      {state?.ok && !disclosure ? (
        <p role="status" className="text-sm text-emerald-700 dark:text-emerald-400">
          {state.message}
        </p>
      ) : null}
      <FormContext.Provider value={{ errors, id }}>{children}</FormContext.Provider>
      <div className="flex items-center gap-2 pt-1">
        <button type="submit" className="btn-primary" disabled={pending}>
          {pending ? pendingLabel : submitLabel}
        </button>
        {disclosure ? (
          <button type="button" className="btn-secondary" onClick={() => disclosure.close()} disabled={pending}>
            Cancel
          </button>
        ) : null}
      </div>
    </form>
  );
}

// ─── fields ─────────────────────────────────────────────────────────────────────────────────────

export interface ControlProps {
  id: string;
  name: string;
  "aria-invalid": boolean | undefined;
  "aria-describedby": string | undefined;
}

/** A labelled control with its hint and its error (both read by screen readers with the control). */
export function Field({
  name,
  label,
  hint,
  className = "",
  children,
}: {
  name: string;
  label: ReactNode;
  hint?: ReactNode;
  className?: string;
  children: (props: ControlProps) => ReactNode;
}) {
  const { errors, id: formId } = useContext(FormContext);
  const id = `${formId}-${name}`;
  const error = messagesFor(errors, name);
  const describedBy = [error ? `${id}-error` : null, hint ? `${id}-hint` : null].filter(Boolean).join(" ") || undefined;
  return (
    <div className={className}>
      <label htmlFor={id} className="mb-1 block text-sm font-medium text-zinc-800 dark:text-zinc-200">
        {label}
      </label>
      {children({ id, name, "aria-invalid": error ? true : undefined, "aria-describedby": describedBy })}
      {error ? (
        <p id={`${id}-error`} className="mt-1 text-xs text-red-700 dark:text-red-300">
          {error}
        </p>
      ) : null}
      {hint ? (
        <p id={`${id}-hint`} className="mt-1 text-xs text-zinc-500 dark:text-zinc-400">
          {hint}
        </p>
      ) : null}
    </div>
  );
}

export function TextField({
  name,
  label,
  hint,
  defaultValue,
  placeholder,
  mono = false,
  className,
  required = false,
}: {
  name: string;
  label: ReactNode;
  hint?: ReactNode;
  defaultValue?: string;
  placeholder?: string;
  mono?: boolean;
  className?: string;
  required?: boolean;
}) {
  return (
    <Field name={name} label={label} hint={hint} className={className}>
      {(p) => (
        <input
          {...p}
          type="text"
          defaultValue={defaultValue}
          placeholder={placeholder}
          aria-required={required || undefined}
          autoComplete="off"
          spellCheck={false}
          className={`field ${mono ? "font-mono" : ""}`}
        />
      )}
    </Field>
  );
}

export function TextAreaField({
  name,
  label,
  hint,
  defaultValue,
  placeholder,
  rows = 3,
  className,
}: {
  name: string;
  label: ReactNode;
  hint?: ReactNode;
  defaultValue?: string;
  placeholder?: string;
  rows?: number;
  className?: string;
}) {
  return (
    <Field name={name} label={label} hint={hint} className={className}>
      {(p) => <textarea {...p} rows={rows} defaultValue={defaultValue} placeholder={placeholder} spellCheck={false} className="field font-mono" />}
    </Field>
  );
}

export interface Option {
  value: string;
  label: string;
  disabled?: boolean;
}

export function SelectField({
  name,
  label,
  hint,
  options,
  defaultValue,
  value,
  onChange,
  className,
}: {
  name: string;
  label: ReactNode;
  hint?: ReactNode;
  options: readonly Option[];
  defaultValue?: string;
  value?: string;
  onChange?: (value: string) => void;
  className?: string;
}) {
  return (
    <Field name={name} label={label} hint={hint} className={className}>
      {(p) => (
        <select
          {...p}
          {...(value !== undefined ? { value } : { defaultValue })}
          onChange={onChange ? (e) => onChange(e.target.value) : undefined}
          className="field"
        >
          {options.map((o) => (
            <option key={o.value} value={o.value} disabled={o.disabled}>
              {o.label}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

/** A checkbox: checked sends "on", unchecked sends nothing (which the schemas read as false). */
export function CheckboxField({ name, label, hint, defaultChecked }: { name: string; label: ReactNode; hint?: ReactNode; defaultChecked?: boolean }) {
  const { errors, id: formId } = useContext(FormContext);
  const id = `${formId}-${name}`;
  const error = messagesFor(errors, name);
  return (
    <div>
      <div className="flex items-start gap-2">
        <input
          id={id}
          type="checkbox"
          name={name}
          defaultChecked={defaultChecked}
          aria-invalid={error ? true : undefined}
          aria-describedby={[error ? `${id}-error` : null, hint ? `${id}-hint` : null].filter(Boolean).join(" ") || undefined}
          className="mt-0.5 size-4 rounded border-zinc-300 accent-sky-600 dark:border-zinc-600"
        />
        <label htmlFor={id} className="text-sm font-medium text-zinc-800 dark:text-zinc-200">
          {label}
        </label>
      </div>
      {error ? (
        <p id={`${id}-error`} className="mt-1 text-xs text-red-700 dark:text-red-300">
          {error}
        </p>
      ) : null}
      {hint ? (
        <p id={`${id}-hint`} className="mt-1 pl-6 text-xs text-zinc-500 dark:text-zinc-400">
          {hint}
        </p>
      ) : null}
    </div>
  );
}

/** A group of checkboxes that post one value each under the same name (e.g. architectures). */
export function CheckboxGroupField({
  name,
  legend,
  hint,
  options,
  defaultValues,
}: {
  name: string;
  legend: ReactNode;
  hint?: ReactNode;
  options: readonly Option[];
  defaultValues: readonly string[];
}) {
  const { errors, id: formId } = useContext(FormContext);
  const id = `${formId}-${name}`;
  const error = messagesFor(errors, name);
  return (
    <fieldset aria-describedby={[error ? `${id}-error` : null, hint ? `${id}-hint` : null].filter(Boolean).join(" ") || undefined}>
      <legend className="mb-1 block text-sm font-medium text-zinc-800 dark:text-zinc-200">{legend}</legend>
      <div className="flex flex-wrap gap-x-4 gap-y-1.5">
        {options.map((o) => (
          <label key={o.value} className="inline-flex items-center gap-1.5 text-sm text-zinc-700 dark:text-zinc-300">
            <input
              type="checkbox"
              name={name}
              value={o.value}
              defaultChecked={defaultValues.includes(o.value)}
              className="size-4 rounded border-zinc-300 accent-sky-600 dark:border-zinc-600"
            />
            <span className="font-mono text-xs">{o.label}</span>
          </label>
        ))}
      </div>
      {error ? (
        <p id={`${id}-error`} className="mt-1 text-xs text-red-700 dark:text-red-300">
          {error}
        </p>
      ) : null}
      {hint ? (
        <p id={`${id}-hint`} className="mt-1 text-xs text-zinc-500 dark:text-zinc-400">
          {hint}
        </p>
      ) : null}
    </fieldset>
  );
}

/** A set of radio buttons. With `submit={false}` it only steers the form (its value is not posted). */
export function RadioGroupField({
  name,
  legend,
  options,
  value,
  onChange,
  submit = true,
}: {
  name: string;
  legend: ReactNode;
  options: readonly (Option & { description?: ReactNode })[];
  value: string;
  onChange: (value: string) => void;
  submit?: boolean;
}) {
  const { id: formId } = useContext(FormContext);
  return (
    <fieldset>
      <legend className="mb-1.5 block text-sm font-medium text-zinc-800 dark:text-zinc-200">{legend}</legend>
      <div className="grid gap-2 sm:grid-cols-2">
        {options.map((o) => (
          <label
            key={o.value}
            className={`flex items-start gap-2 rounded-md border px-3 py-2 text-sm ${
              value === o.value
                ? "border-sky-400 bg-white dark:border-sky-600 dark:bg-zinc-900"
                : "border-zinc-200 bg-white/60 dark:border-zinc-800 dark:bg-zinc-900/40"
            } ${o.disabled ? "opacity-60" : ""}`}
          >
            <input
              type="radio"
              name={name}
              id={`${formId}-${name}-${o.value}`}
              value={o.value}
              // not owned by the form (so not posted) when it only steers which fields show
              form={submit ? undefined : `${formId}-steer`}
              checked={value === o.value}
              disabled={o.disabled}
              onChange={() => onChange(o.value)}
              className="mt-0.5 size-4 accent-sky-600"
            />
            <span>
              <span className="font-medium text-zinc-900 dark:text-zinc-100">{o.label}</span>
              {o.description ? <span className="mt-0.5 block text-xs text-zinc-500 dark:text-zinc-400">{o.description}</span> : null}
            </span>
          </label>
        ))}
      </div>
    </fieldset>
  );
}
