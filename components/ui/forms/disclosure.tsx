"use client";
// A button that shows or hides a panel below it ("Add host", "Add target"): aria-expanded, and the panel's
// first field takes the focus when it opens. Escape inside the panel closes it and returns to the button.
// A form inside may close it once saved (ActionForm closeOnSuccess): the result then stays next to the
// button and the form starts afresh the next time.
import { createContext, useCallback, useContext, useEffect, useId, useRef, useState, type KeyboardEvent, type ReactNode } from "react";

export interface DisclosureControl {
  /** close the panel; `message` is shown next to the button, `reset` starts its form afresh */
  close: (opts?: { message?: string; reset?: boolean }) => void;
}

const DisclosureContext = createContext<DisclosureControl | null>(null);

/** The panel (Disclosure, EditableSection, EditableRow) the caller is in, if any. */
export function useDisclosure(): DisclosureControl | null {
  return useContext(DisclosureContext);
}

export function DisclosureProvider({ close, children }: DisclosureControl & { children: ReactNode }) {
  return <DisclosureContext.Provider value={{ close }}>{children}</DisclosureContext.Provider>;
}

/** Escape inside an open panel closes it (but not when a dialog inside it has the key). */
export function closeOnEscape(e: KeyboardEvent, close: () => void) {
  if (e.key === "Escape" && !(e.target instanceof HTMLElement && e.target.closest("dialog"))) {
    e.stopPropagation();
    close();
  }
}

/** The panel's first field takes the focus when `focus` turns true. */
export function useFocusFirstField<T extends HTMLElement>(focus: boolean) {
  const panel = useRef<T>(null);
  useEffect(() => {
    if (focus) panel.current?.querySelector<HTMLElement>("input:not([type=hidden]):not([disabled]), select, textarea")?.focus();
  }, [focus]);
  return panel;
}

export const formPanelClass = "mt-3 rounded-lg border border-sky-200 bg-sky-50/40 p-4 dark:border-sky-900 dark:bg-sky-950/20";

export function Disclosure({
  label,
  ariaLabel,
  openLabel,
  title,
  level = 3,
  children,
  defaultOpen = false,
  variant = "secondary",
  icon = "chevron",
  panelClassName,
  className = "",
}: {
  /** the button's text while closed ("Add host") */
  label: ReactNode;
  ariaLabel?: string;
  /** the button's text while open (default: the same) */
  openLabel?: ReactNode;
  /** the panel's heading; with it the panel is a region named by it, drawn as a card */
  title?: string;
  /** the heading's level (h2…h6), to fit the outline of the page */
  level?: 2 | 3 | 4 | 5 | 6;
  children: ReactNode;
  defaultOpen?: boolean;
  variant?: "primary" | "secondary";
  /** a chevron, or +/− (forms that add something in place) */
  icon?: "chevron" | "plus";
  panelClassName?: string;
  className?: string;
}) {
  const [open, setOpen] = useState(defaultOpen);
  const [focusPanel, setFocusPanel] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  // bumped to mount the panel's form afresh (after a save or a Cancel)
  const [generation, setGeneration] = useState(0);
  const id = useId();
  const button = useRef<HTMLButtonElement>(null);
  const panel = useFocusFirstField<HTMLDivElement>(open && focusPanel);
  const close = useCallback((opts?: { message?: string; reset?: boolean }) => {
    setOpen(false);
    setFocusPanel(false);
    setMessage(opts?.message ?? null);
    if (opts?.reset || opts?.message) setGeneration((g) => g + 1);
    button.current?.focus();
  }, []);
  return (
    <div className={className}>
      <button
        ref={button}
        type="button"
        aria-expanded={open}
        aria-controls={`${id}-panel`}
        aria-label={ariaLabel}
        onClick={() => {
          setFocusPanel(!open);
          setOpen(!open);
          setMessage(null);
        }}
        className={variant === "primary" ? "btn-primary" : "btn-secondary"}
      >
        {icon === "plus" ? (
          <span aria-hidden="true" className="text-base leading-none">
            {open ? "−" : "+"}
          </span>
        ) : (
          <svg viewBox="0 0 16 16" className={`size-3.5 transition-transform motion-reduce:transition-none ${open ? "rotate-90" : ""}`} fill="currentColor" aria-hidden="true" focusable="false">
            <path d="M6 3.5 11 8l-5 4.5z" />
          </svg>
        )}
        {open && openLabel ? openLabel : label}
      </button>
      <span role="status" className="ml-3 text-sm text-emerald-700 empty:hidden dark:text-emerald-400">
        {message ?? ""}
      </span>
      <div
        ref={panel}
        id={`${id}-panel`}
        hidden={!open}
        role={title ? "region" : undefined}
        aria-labelledby={title ? `${id}-title` : undefined}
        className={panelClassName ?? (title ? formPanelClass : "mt-3")}
        onKeyDown={(e) => closeOnEscape(e, close)}
      >
        {title ? (
          <Heading level={level} id={`${id}-title`} className="mb-3 text-sm font-semibold text-zinc-900 dark:text-zinc-100">
            {title}
          </Heading>
        ) : null}
        <DisclosureProvider key={generation} close={close}>
          {children}
        </DisclosureProvider>
      </div>
    </div>
  );
}

function Heading({ level, ...props }: { level: 2 | 3 | 4 | 5 | 6; id: string; className: string; children: ReactNode }) {
  const Tag = `h${level}` as const;
  return <Tag {...props} />;
}
