// A titled card on a detail or settings page; its heading names the region for assistive technology.
import type { ReactNode } from "react";

export function Panel({
  id,
  title,
  description,
  actions,
  children,
  className = "",
}: {
  /** the heading's id (the section is labelled by it) */
  id: string;
  title: string;
  description?: ReactNode;
  actions?: ReactNode;
  children: ReactNode;
  className?: string;
}) {
  return (
    <section aria-labelledby={id} className={`rounded-lg border border-zinc-200 bg-white p-5 dark:border-zinc-800 dark:bg-zinc-900 ${className}`}>
      <div className="mb-4 flex items-start justify-between gap-4">
        <div className="min-w-0">
          <h2 id={id} className="text-base font-semibold text-zinc-900 dark:text-zinc-100">
            {title}
          </h2>
          {description ? <div className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">{description}</div> : null}
        </div>
        {actions ? <div className="flex shrink-0 items-center gap-2">{actions}</div> : null}
      </div>
      {children}
    </section>
  );
}

/** A label and its value, in a description list. */
export function Fact({ term, children }: { term: string; children: ReactNode }) {
  return (
    <div className="min-w-0">
      <dt className="text-xs font-medium uppercase tracking-wide text-zinc-500 dark:text-zinc-400">{term}</dt>
      <dd className="mt-0.5 break-words text-sm text-zinc-900 dark:text-zinc-100">{children}</dd>
    </div>
  );
}

/** One entity in a settings list: its name and badges, actions on the right (Delete), facts and forms below. */
export function EntityCard({
  id,
  title,
  badges,
  actions,
  children,
  compact = false,
}: {
  /** the heading's id */
  id: string;
  title: ReactNode;
  badges?: ReactNode;
  actions?: ReactNode;
  children: ReactNode;
  /** less padding, for long lists of small entities */
  compact?: boolean;
}) {
  return (
    <li aria-labelledby={id} className={`rounded-lg border border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-900 ${compact ? "px-4 py-3" : "p-5"}`}>
      <div className={`${compact ? "mb-1" : "mb-3"} flex items-start justify-between gap-4`}>
        <div className="flex min-w-0 flex-wrap items-center gap-x-3 gap-y-1">
          <h3 id={id} className="text-base font-semibold text-zinc-900 dark:text-zinc-100">
            {title}
          </h3>
          {badges}
        </div>
        {actions ? <div className="flex shrink-0 items-start gap-2">{actions}</div> : null}
      </div>
      <div className="space-y-4">{children}</div>
    </li>
  );
}

export function EntityList({ label, children, compact = false }: { label: string; children: ReactNode; compact?: boolean }) {
  return (
    <ul aria-label={label} className={compact ? "space-y-2" : "space-y-4"}>
      {children}
    </ul>
  );
}
