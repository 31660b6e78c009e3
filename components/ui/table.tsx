// Semantic tables with the console's look. Wide tables scroll inside their frame, never the page.
// Cells use the short classes of app/globals.css (cell, sub, mono): a long list repeats them in every row.
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
  return <th scope={scope} className={className ? `cell-head ${className}` : "cell-head"} {...props} />;
}

/** A row header cell: the cell that names the row. */
export function RowTh({ className = "", ...props }: ThHTMLAttributes<HTMLTableCellElement>) {
  return <th scope="row" className={className ? `cell-row ${className}` : "cell-row"} {...props} />;
}

export function Td({ className = "", ...props }: TdHTMLAttributes<HTMLTableCellElement>) {
  return <td className={className ? `cell ${className}` : "cell"} {...props} />;
}

/** Muted second line inside a cell. */
export function Sub({ children, className = "" }: { children: ReactNode; className?: string }) {
  return <div className={className ? `sub ${className}` : "sub"}>{children}</div>;
}

export function Mono({ children, title, small = false, className = "" }: { children: ReactNode; title?: string; small?: boolean; className?: string }) {
  return (
    // title only when given: an undefined prop still costs "title":"$undefined" in the RSC payload, per cell
    <code {...(title ? { title } : {})} className={`${small ? "mono-sm" : "mono"}${className ? ` ${className}` : ""}`}>
      {children}
    </code>
  );
}
