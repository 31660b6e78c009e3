"use client";
// Something shown read-only with an Edit button (for admins) that opens its form in place, and a delete
// control next to it: a section (the view swapped for the form) or a table row (the form in a row below).
// The form closes the panel once saved (ActionForm closeOnSuccess); Escape closes it too.
import { useCallback, useRef, useState, type ReactNode } from "react";
import { DisclosureProvider, closeOnEscape, formPanelClass, useFocusFirstField } from "@/components/ui/forms/disclosure";

function useEditor() {
  const [open, setOpen] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const panelRef = useFocusFirstField<HTMLDivElement>(open);
  const close = useCallback((opts?: { message?: string }) => {
    setOpen(false);
    setMessage(opts?.message ?? null);
    buttonRef.current?.focus();
  }, []);
  const toggle = () => {
    setMessage(null);
    setOpen((o) => !o);
  };
  return { open, message, buttonRef, panelRef, close, toggle };
}

export function EditableSection({
  heading,
  view,
  form,
  editLabel,
  deleteControl,
  canEdit,
  className = "",
}: {
  heading: ReactNode;
  view: ReactNode;
  form: ReactNode;
  /** accessible name of the Edit button, e.g. "Edit build rule Dockerfile" */
  editLabel: string;
  deleteControl?: ReactNode;
  canEdit: boolean;
  className?: string;
}) {
  const { open, message, buttonRef, panelRef, close, toggle } = useEditor();
  return (
    <div className={className}>
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div className="min-w-0 flex-1">{heading}</div>
        {canEdit ? (
          <div className="flex shrink-0 items-center gap-2">
            <p role="status" className="text-xs text-emerald-700 empty:hidden dark:text-emerald-400">
              {message ?? ""}
            </p>
            <button ref={buttonRef} type="button" className="btn-secondary py-1" aria-expanded={open} aria-label={editLabel} onClick={toggle}>
              {open ? "Close" : "Edit"}
            </button>
            {deleteControl}
          </div>
        ) : null}
      </div>
      {open ? (
        <div ref={panelRef} onKeyDown={(ev) => closeOnEscape(ev, close)} className={formPanelClass}>
          <DisclosureProvider close={close}>{form}</DisclosureProvider>
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
  const { open, message, buttonRef, panelRef, close, toggle } = useEditor();
  return (
    <>
      <tr>
        {cells}
        {canEdit ? (
          <td className="px-3 py-2.5 align-top last:pr-4">
            <div className="flex items-center justify-end gap-2">
              <button ref={buttonRef} type="button" className="btn-secondary py-1" aria-expanded={open} aria-label={editLabel} onClick={toggle}>
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
            <div ref={panelRef} onKeyDown={(ev) => closeOnEscape(ev, close)}>
              <DisclosureProvider close={close}>{form}</DisclosureProvider>
            </div>
          </td>
        </tr>
      ) : null}
    </>
  );
}
