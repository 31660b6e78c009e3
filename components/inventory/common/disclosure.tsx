"use client";
// A button that shows or hides a panel below it ("Add host", "Edit"): aria-expanded, and the panel's first
// field takes the focus when it opens. Escape inside the panel closes it and returns to the button.
import { useEffect, useId, useRef, useState, type ReactNode } from "react";

export function Disclosure({
  label,
  ariaLabel,
  openLabel,
  children,
  defaultOpen = false,
  variant = "secondary",
  panelClassName = "mt-3",
  className = "",
}: {
  /** the button's text while closed ("Add host") */
  label: ReactNode;
  ariaLabel?: string;
  /** the button's text while open (default: the same) */
  openLabel?: ReactNode;
  children: ReactNode;
  defaultOpen?: boolean;
  variant?: "primary" | "secondary";
  panelClassName?: string;
  className?: string;
}) {
  const [open, setOpen] = useState(defaultOpen);
  const [focusPanel, setFocusPanel] = useState(false);
  const id = useId();
  const button = useRef<HTMLButtonElement>(null);
  const panel = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open || !focusPanel) return;
    panel.current?.querySelector<HTMLElement>("input:not([type=hidden]), select, textarea")?.focus();
  }, [open, focusPanel]);
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
        }}
        className={variant === "primary" ? "btn-primary" : "btn-secondary"}
      >
        <svg viewBox="0 0 16 16" className={`size-3.5 transition-transform motion-reduce:transition-none ${open ? "rotate-90" : ""}`} fill="currentColor" aria-hidden="true" focusable="false">
          <path d="M6 3.5 11 8l-5 4.5z" />
        </svg>
        {open && openLabel ? openLabel : label}
      </button>
      <div
        ref={panel}
        id={`${id}-panel`}
        hidden={!open}
        className={panelClassName}
        onKeyDown={(e) => {
          if (e.key === "Escape" && !(e.target instanceof HTMLElement && e.target.closest("dialog"))) {
            setOpen(false);
            button.current?.focus();
          }
        }}
      >
        {children}
      </div>
    </div>
  );
}
