// The Builds page's filters, from the query string: which repository, branch, pull request and state.
// Every filter is optional; a bad value is reported in words (the page says which one and why) rather
// than ignored, so a shared link never silently shows something else.
import { z } from "zod";

import { BUILD_STATES } from "@/lib/validation/build-states";
export const buildStateNames = BUILD_STATES;

/** `state=active` is every state of a build still in progress. */
export const buildStateFilters = ["active", ...buildStateNames] as const;
export type BuildStateFilter = (typeof buildStateFilters)[number];

const blankToUndefined = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : typeof v === "string" ? v.trim() : v);

const repository = z.preprocess(
  blankToUndefined,
  z
    .string()
    .max(200, "is too long for a repository name")
    .regex(/^[^\s\u0000-\u001f]+$/, "a repository name has no spaces or control characters, e.g. ocurrent/ocaml.org")
    .optional(),
);

// git check-ref-format, the parts that matter for a filter: no spaces, control characters or ~^:?*[\
const branch = z.preprocess(
  blankToUndefined,
  z
    .string()
    .max(255, "is too long for a branch name")
    .regex(/^[^\s\u0000-\u001f~^:?*[\\]+$/, "a branch name has no spaces and none of ~ ^ : ? * [ \\, e.g. main or feature/login")
    .optional(),
);

const pr = z.preprocess(
  blankToUndefined,
  z
    .string()
    .regex(/^#?\d{1,9}$/, "must be a pull request number, e.g. 42")
    .transform((v) => Number(v.replace(/^#/, "")))
    .refine((n) => n > 0, "must be a pull request number, e.g. 42")
    .optional(),
);

const state = z.preprocess(
  blankToUndefined,
  z.enum(buildStateFilters, { error: `must be one of: ${buildStateFilters.join(", ")}` }).optional(),
);

const before = z.preprocess(
  blankToUndefined,
  z
    .string()
    .max(200, "is not a build id")
    .regex(/^[^\s\u0000-\u001f]+$/, "is not a build id")
    .optional(),
);

export const buildFilterSchema = z.object({ repository, branch, pr, state, before });

export type BuildFilter = z.infer<typeof buildFilterSchema>;

/** The filter keys, in the order the page shows them. */
export const buildFilterKeys = ["repository", "branch", "pr", "state"] as const;

export function buildFilterFromSearchParams(sp: Record<string, string | string[] | undefined> | URLSearchParams) {
  const get = (k: string) => {
    const v = sp instanceof URLSearchParams ? (sp.get(k) ?? undefined) : sp[k];
    return Array.isArray(v) ? v[0] : v;
  };
  return buildFilterSchema.safeParse({ repository: get("repository"), branch: get("branch"), pr: get("pr"), state: get("state"), before: get("before") });
}
