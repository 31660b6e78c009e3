// The changes an import makes, grouped: created, updated (each changed field with its old and new value),
// deleted. Created and deleted entities show their values on request.
import type { ReactNode } from "react";
import { formatDuration } from "@/lib/validation/inventory-constants";
import { Badge, type BadgeTone } from "@/components/ui/badge";
import type { Change, ImportPlanView } from "@/components/inventory/config/types";

const kindWords: Record<Change["kind"], string> = {
  app: "GitHub app",
  host: "Host",
  context: "Docker context",
  registry: "Registry",
  channel: "Notification channel",
  secret: "Secret",
  repo: "Repository",
  build: "Build rule",
  deploy: "Deployment rule",
  target: "Target",
};

/** Fields that hold seconds: shown with their duration ("3000 s = 50m"). */
const SECONDS = new Set(["timeout", "poll_interval", "health_timeout", "converge_timeout", "monitor", "expires_after"]);

const muted = "text-zinc-500 dark:text-zinc-400";

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function Value({ field, value }: { field: string; value: unknown }): ReactNode {
  if (value === null || value === undefined) return <span className={`italic ${muted}`}>none</span>;
  if (typeof value === "boolean") return <span>{value ? "yes" : "no"}</span>;
  if (typeof value === "number") {
    return SECONDS.has(field) ? (
      <code className="font-mono text-xs">
        {value === 0 ? "0s" : formatDuration(value)} <span className={muted}>({value} s)</span>
      </code>
    ) : (
      <code className="font-mono text-xs">{value}</code>
    );
  }
  if (Array.isArray(value)) {
    if (value.length === 0) return <span className={`italic ${muted}`}>empty list</span>;
    return (
      <span className="flex flex-wrap gap-1">
        {value.map((v, i) => (
          <code key={i} className="rounded bg-zinc-100 px-1 font-mono text-xs break-all dark:bg-zinc-800">
            {typeof v === "string" ? v : JSON.stringify(v)}
          </code>
        ))}
      </span>
    );
  }
  if (isObject(value)) {
    return (
      <span className="block space-y-0.5">
        {Object.entries(value).map(([k, v]) => (
          <span key={k} className="block">
            <span className={`text-xs ${muted}`}>{k.replace(/_/g, " ")}: </span>
            <Value field={k} value={v} />
          </span>
        ))}
      </span>
    );
  }
  return <code className="font-mono text-xs break-all">{String(value)}</code>;
}

/** The rows of an update: one per changed field; nested objects (approval) by sub-field. */
function diffRows(change: Change): { field: string; key: string; before: unknown; after: unknown; note?: string }[] {
  const before = (change.before ?? {}) as Record<string, unknown>;
  const after = (change.after ?? {}) as Record<string, unknown>;
  const rows: { field: string; key: string; before: unknown; after: unknown; note?: string }[] = [];
  for (const f of change.fields) {
    if (f === "deployment rule") {
      const p = change.parent;
      rows.push({ field: f, key: f, before: undefined, after: undefined, note: `moves to branch ${p.branch} of ${p.repo} (${p.build})` });
      continue;
    }
    const b = before[f];
    const a = after[f];
    if (isObject(b) && isObject(a)) {
      for (const k of new Set([...Object.keys(b), ...Object.keys(a)])) {
        if (JSON.stringify(b[k]) !== JSON.stringify(a[k])) rows.push({ field: `${f}.${k}`, key: k, before: b[k], after: a[k] });
      }
    } else {
      rows.push({ field: f, key: f, before: b, after: a });
    }
  }
  return rows;
}

/** The entity's own name (its parents are said next to it). */
function shortName(change: Change): string {
  const v = (change.after ?? change.before) as Record<string, unknown> | null;
  if (change.kind === "build" && typeof v?.name === "string") return v.name;
  if (change.kind === "deploy" && typeof v?.branch === "string") return `branch ${v.branch}`;
  return change.key;
}

function where(change: Change): string | null {
  const p = change.parent;
  if (change.kind === "build") return `in ${p.repo}`;
  if (change.kind === "deploy") return `of ${p.repo} (${p.build})`;
  if (change.kind === "target") return `branch ${p.branch} of ${p.repo} (${p.build})`;
  return null;
}

function ChangeHead({ change }: { change: Change }) {
  const w = where(change);
  return (
    <>
      <span className={`w-40 shrink-0 text-xs font-medium uppercase tracking-wide ${muted}`}>{kindWords[change.kind]}</span>
      <span className="font-mono text-[0.8125rem] font-medium text-zinc-900 dark:text-zinc-100">{shortName(change)}</span>
      {w ? <span className={`text-xs ${muted}`}>{w}</span> : null}
    </>
  );
}

/** A created or deleted entity: one line, opening on its values. */
function WholeEntity({ change }: { change: Change }) {
  const values = (change.after ?? change.before ?? {}) as Record<string, unknown>;
  return (
    <details className="group">
      <summary className="flex list-none flex-wrap items-baseline gap-x-2 gap-y-1 rounded [&::-webkit-details-marker]:hidden">
        <span aria-hidden="true" className={`w-3 text-xs ${muted} transition-transform group-open:rotate-90 motion-reduce:transition-none`}>
          ▸
        </span>
        <ChangeHead change={change} />
        <span className="sr-only">(show its values)</span>
      </summary>
      <dl className="ml-5 mt-2 grid grid-cols-[max-content_1fr] gap-x-4 gap-y-1 text-sm">
        {Object.entries(values).map(([k, v]) => (
          <div key={k} className="contents">
            <dt className={`text-xs ${muted}`}>{k.replace(/_/g, " ")}</dt>
            <dd>
              <Value field={k} value={v} />
            </dd>
          </div>
        ))}
      </dl>
    </details>
  );
}

function UpdateTable({ change }: { change: Change }) {
  return (
    <table className="mt-2 w-full border-collapse text-sm">
      <caption className="sr-only">Changed fields of {change.label}</caption>
      <thead>
        <tr className={`text-left text-xs ${muted}`}>
          <th scope="col" className="w-48 py-1 pr-3 font-medium">
            Field
          </th>
          <th scope="col" className="py-1 pr-3 font-medium">
            Now
          </th>
          <th scope="col" className="w-6 py-1" aria-hidden="true" />
          <th scope="col" className="py-1 font-medium">
            After the import
          </th>
        </tr>
      </thead>
      <tbody className="divide-y divide-zinc-100 dark:divide-zinc-800">
        {diffRows(change).map((r) => (
          <tr key={r.field}>
            <th scope="row" className="py-1.5 pr-3 text-left align-top font-mono text-xs font-normal text-zinc-700 dark:text-zinc-300">
              {r.field}
            </th>
            {r.note ? (
              <td colSpan={3} className="py-1.5 align-top text-zinc-700 dark:text-zinc-300">
                {r.note}
              </td>
            ) : (
              <>
                <td className="py-1.5 pr-3 align-top text-red-800 line-through decoration-red-300 dark:text-red-300 dark:decoration-red-800">
                  <Value field={r.key} value={r.before} />
                </td>
                <td className={`py-1.5 align-top ${muted}`} aria-hidden="true">
                  →
                </td>
                <td className="py-1.5 align-top text-emerald-800 dark:text-emerald-300">
                  <span className="sr-only">becomes </span>
                  <Value field={r.key} value={r.after} />
                </td>
              </>
            )}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const groups: { action: Change["action"]; title: string; tone: BadgeTone; empty: string }[] = [
  { action: "create", title: "Created", tone: "emerald", empty: "" },
  { action: "update", title: "Updated", tone: "amber", empty: "" },
  { action: "delete", title: "Deleted", tone: "red", empty: "" },
];

export function PlanView({ plan, headingLevel = 3 }: { plan: ImportPlanView; headingLevel?: 3 | 4 }) {
  const H = `h${headingLevel}` as const;
  return (
    <div className="space-y-5">
      {groups.map((g) => {
        const list = plan.changes.filter((c) => c.action === g.action);
        if (list.length === 0) return null;
        return (
          <section key={g.action} aria-labelledby={`plan-${g.action}`}>
            <H id={`plan-${g.action}`} className="mb-2 flex items-center gap-2 text-sm font-semibold text-zinc-900 dark:text-zinc-100">
              <Badge tone={g.tone}>{g.title}</Badge>
              <span>
                {list.length} {list.length === 1 ? "entity" : "entities"}
              </span>
            </H>
            <ul className="divide-y divide-zinc-100 rounded-lg border border-zinc-200 bg-white dark:divide-zinc-800 dark:border-zinc-800 dark:bg-zinc-900">
              {list.map((c) => (
                <li key={`${c.kind} ${c.key}`} className="px-4 py-2">
                  {c.action === "update" ? (
                    <>
                      <div className="flex flex-wrap items-baseline gap-x-2 gap-y-1 pl-5">
                        <ChangeHead change={c} />
                      </div>
                      <div className="pl-5">
                        <UpdateTable change={c} />
                      </div>
                    </>
                  ) : (
                    <WholeEntity change={c} />
                  )}
                </li>
              ))}
            </ul>
          </section>
        );
      })}
    </div>
  );
}
