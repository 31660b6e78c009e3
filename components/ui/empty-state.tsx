// What a list shows when it has nothing yet: what would appear here and what to do next.
import type { ReactNode } from "react";

export function EmptyState({ title, children, compact = false }: { title: string; children?: ReactNode; compact?: boolean }) {
  return (
    <div
      className={`rounded-lg border border-dashed border-zinc-300 bg-white text-center dark:border-zinc-700 dark:bg-zinc-900/40 ${compact ? "px-4 py-6" : "px-6 py-12"}`}
    >
      <p className="text-sm font-semibold text-zinc-900 dark:text-zinc-100">{title}</p>
      {children ? <div className="mx-auto mt-2 max-w-xl space-y-2 text-sm text-zinc-600 dark:text-zinc-400">{children}</div> : null}
    </div>
  );
}
