// Keyset pagination links under a list: back to the newest page, and on to the next (older) one.
import Link from "next/link";

const linkClass =
  "inline-flex items-center rounded-md border border-zinc-300 bg-white px-3 py-1.5 text-sm font-medium text-zinc-800 hover:bg-zinc-50 dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-200 dark:hover:bg-zinc-800";

export function Pager({
  firstHref,
  nextHref,
  firstLabel = "Newest",
  nextLabel = "Older →",
  label = "Pages",
}: {
  /** set when this is not the first page */
  firstHref?: string;
  /** set when there is a next page */
  nextHref?: string;
  firstLabel?: string;
  nextLabel?: string;
  label?: string;
}) {
  if (!firstHref && !nextHref) return null;
  return (
    <nav aria-label={label} className="mt-4 flex items-center justify-between gap-4">
      <div>
        {firstHref ? (
          <Link href={firstHref} className={linkClass}>
            {firstLabel}
          </Link>
        ) : null}
      </div>
      <div>
        {nextHref ? (
          <Link href={nextHref} className={linkClass} rel="next">
            {nextLabel}
          </Link>
        ) : null}
      </div>
    </nav>
  );
}
