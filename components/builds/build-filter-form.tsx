// The Builds page's filters: a plain GET form, so every filtered view is a link that can be shared.
import Link from "next/link";
import { buildStates } from "@/components/status/state-badges";
import { buildStateNames } from "@/lib/validation/build-filters";

export interface BuildFilterValues {
  repository: string;
  branch: string;
  pr: string;
  state: string;
}

const labelClass = "mb-1 block text-xs font-medium text-zinc-600 dark:text-zinc-400";

export function BuildFilterForm({
  values,
  invalidFields,
  repositories,
}: {
  values: BuildFilterValues;
  /** fields the query string got wrong */
  invalidFields: ReadonlySet<string>;
  /** every repository name, for the select */
  repositories: string[];
}) {
  const invalid = (name: string) => (invalidFields.has(name) ? true : undefined);
  const knownRepo = values.repository === "" || repositories.includes(values.repository);
  const knownState = values.state === "" || values.state === "active" || (buildStateNames as readonly string[]).includes(values.state);
  const filtered = Object.values(values).some(Boolean);
  return (
    <form method="get" action="/builds" role="search" aria-label="Filter builds" className="mb-5 rounded-lg border border-zinc-200 bg-white p-4 dark:border-zinc-800 dark:bg-zinc-900">
      <div className="grid grid-cols-2 items-end gap-x-4 gap-y-3 lg:grid-cols-[minmax(0,2fr)_minmax(0,2fr)_minmax(0,1fr)_minmax(0,1.5fr)_auto]">
        <div>
          <label htmlFor="builds-repository" className={labelClass}>
            Repository
          </label>
          <select id="builds-repository" name="repository" defaultValue={values.repository} className="field h-9" aria-invalid={invalid("repository")}>
            <option value="">All repositories</option>
            {!knownRepo ? <option value={values.repository}>{values.repository}</option> : null}
            {repositories.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="builds-branch" className={labelClass}>
            Branch
          </label>
          <input id="builds-branch" name="branch" type="text" defaultValue={values.branch} placeholder="any" autoComplete="off" spellCheck={false} className="field h-9 font-mono" aria-invalid={invalid("branch")} />
        </div>
        <div>
          <label htmlFor="builds-pr" className={labelClass}>
            Pull request
          </label>
          <input id="builds-pr" name="pr" type="text" inputMode="numeric" defaultValue={values.pr} placeholder="#" autoComplete="off" className="field h-9" aria-invalid={invalid("pr")} />
        </div>
        <div>
          <label htmlFor="builds-state" className={labelClass}>
            State
          </label>
          <select id="builds-state" name="state" defaultValue={values.state} className="field h-9" aria-invalid={invalid("state")}>
            <option value="">All states</option>
            {!knownState ? <option value={values.state}>{values.state}</option> : null}
            <option value="active">In progress (queued … pushing)</option>
            {buildStateNames.map((s) => (
              <option key={s} value={s}>
                {buildStates[s].label}
              </option>
            ))}
          </select>
        </div>
        <div className="col-span-2 flex items-center gap-3 lg:col-span-1">
          <button type="submit" className="btn-primary h-9">
            Filter
          </button>
          {filtered ? (
            <Link href="/builds" className="btn-secondary h-9">
              Clear
            </Link>
          ) : null}
        </div>
      </div>
    </form>
  );
}
