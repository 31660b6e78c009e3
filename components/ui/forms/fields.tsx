"use client";
// Labelled form fields that show their own error (from the enclosing ActionForm, by field name: "archs[1]"
// belongs to archs) and a hint, both tied to the control with aria-describedby. Names are the snake_case
// keys of slipway.yml.
import type { ReactNode } from "react";
import { fieldError, fieldId, useActionForm } from "@/components/ui/forms/action-form";

function useField(name: string) {
  const form = useActionForm();
  const id = fieldId(form.idPrefix, name);
  return { id, error: fieldError(form, name), hintId: `${id}-hint`, errorId: `${id}-error` };
}

export interface Option {
  value: string;
  label: string;
  disabled?: boolean;
}

function describedBy(f: { hintId: string; errorId: string; error?: string }, hint: ReactNode): string | undefined {
  return [f.error ? f.errorId : null, hint ? f.hintId : null].filter(Boolean).join(" ") || undefined;
}

function FieldShell({
  id,
  label,
  hint,
  error,
  hintId,
  errorId,
  optional,
  children,
  className = "",
}: {
  id: string;
  label: ReactNode;
  hint?: ReactNode;
  error?: string;
  hintId: string;
  errorId: string;
  optional?: boolean;
  children: ReactNode;
  className?: string;
}) {
  return (
    <div className={className}>
      <label htmlFor={id} className="block text-sm font-medium text-zinc-800 dark:text-zinc-200">
        {label}
        {optional ? " " : null}
        {optional ? <span className="ml-1 text-xs font-normal text-zinc-500 dark:text-zinc-400">optional</span> : null}
      </label>
      <div className="mt-1">{children}</div>
      {error ? (
        <p id={errorId} className="mt-1 text-xs font-medium text-red-700 dark:text-red-300">
          {error}
        </p>
      ) : null}
      {hint ? (
        <p id={hintId} className="mt-1 text-xs text-zinc-500 dark:text-zinc-400">
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
  type = "text",
  placeholder,
  autoComplete = "off",
  mono = false,
  optional = false,
  required = false,
  list,
  inputMode,
  className,
  inputClassName = "",
}: {
  name: string;
  label: ReactNode;
  hint?: ReactNode;
  defaultValue?: string | number | null;
  type?: "text" | "url" | "number";
  placeholder?: string;
  autoComplete?: string;
  mono?: boolean;
  optional?: boolean;
  /** said to assistive technology (aria-required); the server checks it */
  required?: boolean;
  /** id of a <datalist> of suggestions */
  list?: string;
  inputMode?: "numeric" | "text" | "url";
  className?: string;
  inputClassName?: string;
}) {
  const f = useField(name);
  return (
    <FieldShell {...f} label={label} hint={hint} optional={optional} className={className}>
      <input
        id={f.id}
        name={name}
        type={type}
        defaultValue={defaultValue ?? undefined}
        placeholder={placeholder}
        autoComplete={autoComplete}
        spellCheck={false}
        list={list}
        inputMode={inputMode}
        aria-required={required || undefined}
        aria-invalid={f.error ? true : undefined}
        aria-describedby={describedBy(f, hint)}
        className={`field ${mono ? "font-mono" : ""} ${inputClassName}`}
      />
    </FieldShell>
  );
}

export function TextAreaField({
  name,
  label,
  hint,
  defaultValue,
  rows = 3,
  placeholder,
  mono = false,
  optional = false,
  className,
  inputClassName = "",
}: {
  name: string;
  label: ReactNode;
  hint?: ReactNode;
  defaultValue?: string;
  rows?: number;
  placeholder?: string;
  mono?: boolean;
  optional?: boolean;
  className?: string;
  inputClassName?: string;
}) {
  const f = useField(name);
  return (
    <FieldShell {...f} label={label} hint={hint} optional={optional} className={className}>
      <textarea
        id={f.id}
        name={name}
        rows={rows}
        defaultValue={defaultValue}
        placeholder={placeholder}
        spellCheck={false}
        autoComplete="off"
        aria-invalid={f.error ? true : undefined}
        aria-describedby={describedBy(f, hint)}
        className={`field ${mono ? "font-mono text-xs" : ""} ${inputClassName}`}
      />
    </FieldShell>
  );
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
  /** controlled use (a choice that changes the rest of the form) */
  value?: string;
  onChange?: (value: string) => void;
  className?: string;
}) {
  const f = useField(name);
  return (
    <FieldShell {...f} label={label} hint={hint} className={className}>
      <select
        id={f.id}
        name={name}
        {...(value !== undefined ? { value, onChange: (e: React.ChangeEvent<HTMLSelectElement>) => onChange?.(e.target.value) } : { defaultValue })}
        aria-invalid={f.error ? true : undefined}
        aria-describedby={describedBy(f, hint)}
        className="field"
      >
        {options.map((o) => (
          <option key={o.value} value={o.value} disabled={o.disabled}>
            {o.label}
          </option>
        ))}
      </select>
    </FieldShell>
  );
}

/**
 * A write-only credential: never pre-filled, emptied after a save. Says whether a value is stored and that
 * leaving it blank keeps it.
 */
export function SecretField({
  name,
  label,
  isSet,
  hint,
  multiline = false,
  placeholder,
  className,
  requiredWhenNew = false,
}: {
  name: string;
  label: ReactNode;
  /** whether a value is stored now (undefined: a new entity) */
  isSet?: boolean;
  hint?: ReactNode;
  multiline?: boolean;
  placeholder?: string;
  className?: string;
  requiredWhenNew?: boolean;
}) {
  const f = useField(name);
  const fullHint = (
    <>
      {isSet !== undefined ? (
        <span
          className={`mr-1.5 inline-block rounded px-1.5 font-medium ${isSet ? "bg-emerald-100 text-emerald-900 dark:bg-emerald-950 dark:text-emerald-200" : "bg-amber-100 text-amber-900 dark:bg-amber-950 dark:text-amber-200"}`}
        >
          {isSet ? "set" : "not set"}
        </span>
      ) : null}
      {isSet ? "Leave blank to keep the stored value; type a new one to replace it." : "Slipway encrypts it and never shows it again."}
      {hint ? <> {hint}</> : null}
    </>
  );
  const common = {
    id: f.id,
    name,
    placeholder: placeholder ?? (isSet ? "•••••••• (unchanged)" : undefined),
    autoComplete: "off",
    spellCheck: false,
    "data-secret": "",
    "aria-invalid": f.error ? true : undefined,
    "aria-describedby": describedBy(f, fullHint),
  } as const;
  return (
    <FieldShell {...f} label={label} hint={fullHint} optional={isSet === undefined && !requiredWhenNew} className={className}>
      {multiline ? (
        <textarea {...common} rows={4} className="field font-mono text-xs" />
      ) : (
        <input {...common} type="password" autoComplete="new-password" className="field font-mono" />
      )}
    </FieldShell>
  );
}

/** A group of checkboxes posting one value each under `name` (a list in slipway.yml). */
export function CheckboxGroup({
  name,
  legend,
  hint,
  options,
  defaultValues = [],
  columns = 2,
}: {
  name: string;
  legend: ReactNode;
  hint?: ReactNode;
  options: readonly { value: string; label: ReactNode }[];
  defaultValues?: readonly string[];
  /** columns from the small breakpoint up, or "wrap": in a line, wrapping */
  columns?: 2 | 3 | 4 | "wrap";
}) {
  const f = useField(name);
  const layout =
    columns === "wrap"
      ? "flex flex-wrap gap-x-4 gap-y-1.5"
      : `grid gap-x-4 gap-y-1.5 ${columns === 4 ? "sm:grid-cols-4" : columns === 3 ? "sm:grid-cols-3" : "sm:grid-cols-2"}`;
  return (
    <fieldset id={f.id} tabIndex={-1} aria-describedby={describedBy(f, hint)} aria-invalid={f.error ? true : undefined}>
      <legend className="text-sm font-medium text-zinc-800 dark:text-zinc-200">{legend}</legend>
      <div className={`mt-1.5 ${layout}`}>
        {options.map((o) => (
          <label key={o.value} className="flex items-center gap-2 text-sm text-zinc-700 dark:text-zinc-300">
            <input
              type="checkbox"
              name={name}
              value={o.value}
              defaultChecked={defaultValues.includes(o.value)}
              className="size-4 rounded border-zinc-300 accent-sky-600 dark:border-zinc-600"
            />
            {o.label}
          </label>
        ))}
      </div>
      {f.error ? (
        <p id={f.errorId} className="mt-1 text-xs font-medium text-red-700 dark:text-red-300">
          {f.error}
        </p>
      ) : null}
      {hint ? (
        <p id={f.hintId} className="mt-1 text-xs text-zinc-500 dark:text-zinc-400">
          {hint}
        </p>
      ) : null}
    </fieldset>
  );
}

/** A checkbox: checked sends "on", unchecked sends nothing (which the schemas read as false). */
export function CheckboxField({
  name,
  label,
  hint,
  defaultChecked,
  onChange,
}: {
  name: string;
  label: ReactNode;
  hint?: ReactNode;
  defaultChecked?: boolean;
  /** told of each change (a box that shows or hides other fields); the box stays uncontrolled */
  onChange?: (checked: boolean) => void;
}) {
  const f = useField(name);
  return (
    <div>
      <div className="flex items-start gap-2">
        <input
          id={f.id}
          type="checkbox"
          name={name}
          defaultChecked={defaultChecked}
          onChange={onChange ? (e) => onChange(e.target.checked) : undefined}
          aria-invalid={f.error ? true : undefined}
          aria-describedby={describedBy(f, hint)}
          className="mt-0.5 size-4 rounded border-zinc-300 accent-sky-600 dark:border-zinc-600"
        />
        <label htmlFor={f.id} className="text-sm font-medium text-zinc-800 dark:text-zinc-200">
          {label}
        </label>
      </div>
      {f.error ? (
        <p id={f.errorId} className="mt-1 text-xs font-medium text-red-700 dark:text-red-300">
          {f.error}
        </p>
      ) : null}
      {hint ? (
        <p id={f.hintId} className="mt-1 pl-6 text-xs text-zinc-500 dark:text-zinc-400">
          {hint}
        </p>
      ) : null}
    </div>
  );
}

/** A set of radio buttons drawn as cards. With `submit={false}` it only steers the form (its value is not posted). */
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
  const f = useField(name);
  return (
    <fieldset id={f.id} tabIndex={-1} aria-describedby={f.error ? f.errorId : undefined} aria-invalid={f.error ? true : undefined}>
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
              id={`${f.id}-${o.value}`}
              value={o.value}
              // not owned by the form (so not posted) when it only steers which fields show
              form={submit ? undefined : `${f.id}-steer`}
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
      {f.error ? (
        <p id={f.errorId} className="mt-1 text-xs font-medium text-red-700 dark:text-red-300">
          {f.error}
        </p>
      ) : null}
    </fieldset>
  );
}

/** Hidden inputs: the row id and anything else the command needs. */
export function Hidden({ values }: { values: Record<string, string | undefined | null> }) {
  return (
    <>
      {Object.entries(values).map(([k, v]) => (v === undefined || v === null ? null : <input key={k} type="hidden" name={k} value={v} />))}
    </>
  );
}
