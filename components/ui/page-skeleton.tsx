// Shown while a console page loads: the shape of a page header and a table, so nothing jumps.
export function PageSkeleton({ rows = 8 }: { rows?: number }) {
  return (
    <div role="status" aria-live="polite" aria-label="Loading" className="animate-pulse motion-reduce:animate-none">
      <span className="sr-only">Loading…</span>
      <div className="mb-6">
        <div className="h-8 w-48 rounded-md bg-zinc-200 dark:bg-zinc-800" />
        <div className="mt-2 h-4 w-96 max-w-full rounded bg-zinc-200/70 dark:bg-zinc-800/70" />
      </div>
      <div className="overflow-hidden rounded-lg border border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-900">
        <div className="h-10 border-b border-zinc-200 bg-zinc-50 dark:border-zinc-800 dark:bg-zinc-900" />
        {Array.from({ length: rows }, (_, i) => (
          <div key={i} className="flex items-center gap-6 border-b border-zinc-100 px-4 py-4 last:border-0 dark:border-zinc-800">
            <div className="h-5 w-20 rounded-full bg-zinc-200 dark:bg-zinc-800" />
            <div className="h-4 w-48 rounded bg-zinc-200 dark:bg-zinc-800" />
            <div className="h-4 w-24 rounded bg-zinc-200/70 dark:bg-zinc-800/70" />
            <div className="ml-auto h-4 w-20 rounded bg-zinc-200/70 dark:bg-zinc-800/70" />
          </div>
        ))}
      </div>
    </div>
  );
}
