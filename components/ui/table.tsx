// Semantic tables with the console's look. Wide tables scroll inside their frame, never the page.
import type { ReactNode, ThHTMLAttributes, TdHTMLAttributes } from "react";

export function Table({ caption, children, captionHidden = true }: { caption: string; children: ReactNode; captionHidden?: boolean }) {
  return (
    <div className="overflow-x-auto rounded-lg border border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-900">
      <table className="w-full border-collapse text-left text-sm">
        <caption className={captionHidden ? "sr-only" : "px-4 py-2 text-left text-sm text-zinc-600 dark:text-zinc-400"}>{caption}</caption>
        {children}
      </table>
    </div>
  );
}

export function THead({ children }: { children: ReactNode }) {
  return (
    <thead className="border-b border-zinc-200 bg-zinc-50 text-xs font-medium uppercase tracking-wide text-zinc-500 dark:border-zinc-800 dark:bg-zinc-900 dark:text-zinc-400">
      {children}
    </thead>
  );
}

export function TBody({ children }: { children: ReactNode }) {
  return <tbody className="divide-y divide-zinc-100 dark:divide-zinc-800">{children}</tbody>;
}

export function Th({ className = "", scope = "col", ...props }: ThHTMLAttributes<HTMLTableCellElement>) {
  return <th scope={scope} className={`whitespace-nowrap px-3 py-2.5 font-medium first:pl-4 last:pr-4 ${className}`} {...props} />;
}

/** A row header cell: the cell that names the row. */
export function RowTh({ className = "", ...props }: ThHTMLAttributes<HTMLTableCellElement>) {
  return <th scope="row" className={`px-3 py-3 text-left align-top font-medium first:pl-4 last:pr-4 text-zinc-900 dark:text-zinc-100 ${className}`} {...props} />;
}

export function Td({ className = "", ...props }: TdHTMLAttributes<HTMLTableCellElement>) {
  return <td className={`px-3 py-3 align-top text-zinc-700 first:pl-4 last:pr-4 dark:text-zinc-300 ${className}`} {...props} />;
}

/** Muted second line inside a cell. */
export function Sub({ children, className = "" }: { children: ReactNode; className?: string }) {
  return <div className={`mt-0.5 text-xs text-zinc-500 dark:text-zinc-400 ${className}`}>{children}</div>;
}

export function Mono({ children, title, small = false, className = "" }: { children: ReactNode; title?: string; small?: boolean; className?: string }) {
  return (
    <code title={title} className={`font-mono ${small ? "text-xs" : "text-[0.8125rem]"} text-zinc-800 dark:text-zinc-200 ${className}`}>
      {children}
    </code>
  );
}
