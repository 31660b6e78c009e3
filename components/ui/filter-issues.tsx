// The list pages' answer to filters that cannot be used: each field by its label, what was typed, and why,
// with a way out (clear all filters).
import Link from "next/link";
import { Notice } from "@/components/ui/notice";

export interface FilterIssue {
  path: readonly PropertyKey[];
  message: string;
}

export function FilterIssues({
  issues,
  fieldNames,
  typed,
  clearHref,
}: {
  issues: readonly FilterIssue[];
  fieldNames: Record<string, string>;
  /** what the user typed into a field, to quote it back */
  typed: (field: string) => string | undefined;
  clearHref: string;
}) {
  if (issues.length === 0) return null;
  return (
    <Notice tone="error" role="alert" title="These filters cannot be used:" className="mb-5">
      <ul className="list-disc space-y-0.5 pl-5">
        {issues.map((i, n) => {
          const field = String(i.path[0] ?? "");
          const value = typed(field);
          return (
            <li key={n}>
              {fieldNames[field] ?? "Filter"}
              {value ? ` (“${value.slice(0, 80)}”)` : ""}: {i.message}
            </li>
          );
        })}
      </ul>
      <p className="mt-1">
        Correct them above, or{" "}
        <Link href={clearHref} className="underline underline-offset-2">
          clear all filters
        </Link>
        .
      </p>
    </Notice>
  );
}
