"use client";
// Copy a text to the clipboard. Where the clipboard is not available (plain http, permissions), the text
// on the page is selected instead so Ctrl+C / ⌘C copies it, and the button says so.
import { useEffect, useId, useRef, useState } from "react";

type CopyState = "idle" | "copied" | "selected";

function selectText(el: HTMLElement | null): boolean {
  if (!el) return false;
  if (el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement) {
    el.focus();
    el.select();
    return true;
  }
  const selection = window.getSelection();
  if (!selection) return false;
  const range = document.createRange();
  range.selectNodeContents(el);
  selection.removeAllRanges();
  selection.addRange(range);
  return true;
}

export function CopyButton({
  text,
  targetId,
  label = "Copy",
  className = "",
}: {
  text: string;
  /** the element showing `text`, selected when the clipboard cannot be written */
  targetId?: string;
  /** the button's accessible name, e.g. "Copy public key" */
  label?: string;
  className?: string;
}) {
  const [state, setState] = useState<CopyState>("idle");
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);

  const show = (s: CopyState) => {
    setState(s);
    clearTimeout(timer.current);
    timer.current = setTimeout(() => setState("idle"), s === "copied" ? 2000 : 5000);
  };

  async function copy() {
    try {
      if (!navigator.clipboard?.writeText) throw new Error("no clipboard");
      await navigator.clipboard.writeText(text);
      show("copied");
    } catch {
      show(selectText(targetId ? document.getElementById(targetId) : null) ? "selected" : "idle");
    }
  }

  return (
    <span className="inline-flex items-center gap-2">
      <button type="button" onClick={copy} aria-label={label} className={`btn-secondary px-2 py-1 text-xs ${className}`}>
        <svg viewBox="0 0 16 16" className="size-3.5" fill="none" stroke="currentColor" strokeWidth="1.5" aria-hidden="true" focusable="false">
          {state === "copied" ? <path d="m3.5 8.5 3 3 6-7" strokeLinecap="round" strokeLinejoin="round" /> : <><rect x="5.5" y="5.5" width="8" height="8" rx="1.5" /><path d="M10.5 3.5v-.5a1 1 0 0 0-1-1h-6a1 1 0 0 0-1 1v6a1 1 0 0 0 1 1h.5" /></>}
        </svg>
        {state === "copied" ? "Copied" : "Copy"}
      </button>
      <span role="status" className="text-xs text-zinc-600 empty:hidden dark:text-zinc-400">
        {state === "copied" ? <span className="sr-only">Copied to the clipboard</span> : state === "selected" ? "Selected: press Ctrl+C (⌘C) to copy" : ""}
      </span>
    </span>
  );
}

/** A value to paste somewhere else (a public key, a URL): in a box, selectable, with a copy button. */
export function CopyableText({ text, label, wrap = true }: { text: string; /** the copy button's accessible name */ label: string; wrap?: boolean }) {
  const id = useId();
  return (
    <div className="flex items-start gap-3">
      <code
        id={id}
        className={`block min-w-0 flex-1 rounded-md border border-zinc-200 bg-zinc-50 px-3 py-2 font-mono text-xs text-zinc-800 dark:border-zinc-700 dark:bg-zinc-950 dark:text-zinc-200 ${wrap ? "break-all whitespace-pre-wrap" : "overflow-x-auto whitespace-pre"}`}
      >
        {text}
      </code>
      <CopyButton text={text} targetId={id} label={label} className="mt-1" />
    </div>
  );
}
