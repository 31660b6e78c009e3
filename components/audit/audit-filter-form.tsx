// The Audit page's filters: a plain GET form, so every filtered view is a link that can be shared.
import Link from "next/link";
import { auditActionNames, auditSubjectTypes } from "@/lib/audit/actions";
import { actionFamilies, actionWords, subjectTypeWords } from "@/components/audit/words";

export interface AuditFilterValues {
  actor: string;
  action: string;
  subjectType: string;
  subjectId: string;
  /** datetime-local values, UTC */
  from: string;
  to: string;
}

const labelClass = "mb-1 block text-xs font-medium text-zinc-600 dark:text-zinc-400";

export function AuditFilterForm({
  values,
  invalidFields,
  actors,
}: {
  values: AuditFilterValues;
  /** fields the last submission got wrong */
  invalidFields: ReadonlySet<string>;
  /** known logins, offered as suggestions for the actor field */
  actors: string[];
}) {
  const knownAction = values.action === "" || auditActionNames.some((a) => a === values.action) || actionFamilies().some((f) => f.prefix === values.action);
  const knownSubject = values.subjectType === "" || auditSubjectTypes.some((t) => t === values.subjectType);
  const invalid = (name: string) => (invalidFields.has(name) ? true : undefined);
  return (
    <form method="get" action="/audit" role="search" aria-label="Filter the audit log" className="mb-5 rounded-lg border border-zinc-200 bg-white p-4 dark:border-zinc-800 dark:bg-zinc-900">
      <div className="grid grid-cols-2 gap-x-4 gap-y-3 lg:grid-cols-3 2xl:grid-cols-6">
        <div>
          <label htmlFor="audit-actor" className={labelClass}>
            Actor (login)
          </label>
          <input id="audit-actor" name="actor" type="text" list="audit-actors" defaultValue={values.actor} placeholder="anyone" autoComplete="off" spellCheck={false} className="field" aria-invalid={invalid("actor")} />
          <datalist id="audit-actors">
            {actors.map((a) => (
              <option key={a} value={a} />
            ))}
          </datalist>
        </div>
        <div>
          <label htmlFor="audit-action" className={labelClass}>
            Action
          </label>
          <select id="audit-action" name="action" defaultValue={values.action} className="field" aria-invalid={invalid("action")}>
            <option value="">All actions</option>
            {!knownAction ? <option value={values.action}>{values.action}</option> : null}
            <optgroup label="Families">
              {actionFamilies().map((f) => (
                <option key={f.prefix} value={f.prefix}>
                  {f.label}
                </option>
              ))}
            </optgroup>
            <optgroup label="Actions">
              {auditActionNames.map((a) => (
                <option key={a} value={a}>
                  {actionWords(a)} ({a})
                </option>
              ))}
            </optgroup>
          </select>
        </div>
        <div>
          <label htmlFor="audit-subject-type" className={labelClass}>
            Subject type
          </label>
          <select id="audit-subject-type" name="subjectType" defaultValue={values.subjectType} className="field" aria-invalid={invalid("subjectType")}>
            <option value="">All subjects</option>
            {!knownSubject ? <option value={values.subjectType}>{values.subjectType}</option> : null}
            {auditSubjectTypes.map((t) => (
              <option key={t} value={t}>
                {subjectTypeWords(t)}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="audit-subject-id" className={labelClass}>
            Subject id
          </label>
          <input id="audit-subject-id" name="subjectId" type="text" defaultValue={values.subjectId} placeholder="any" autoComplete="off" spellCheck={false} className="field font-mono" aria-invalid={invalid("subjectId")} />
        </div>
        <div>
          <label htmlFor="audit-from" className={labelClass}>
            From (UTC)
          </label>
          <input id="audit-from" name="from" type="datetime-local" defaultValue={values.from} className="field" aria-invalid={invalid("from")} />
        </div>
        <div>
          <label htmlFor="audit-to" className={labelClass}>
            To (UTC, not included)
          </label>
          <input id="audit-to" name="to" type="datetime-local" defaultValue={values.to} className="field" aria-invalid={invalid("to")} />
        </div>
      </div>
      <div className="mt-4 flex items-center gap-3">
        <button type="submit" className="btn-primary">
          Apply filters
        </button>
        <Link href="/audit" className="btn-secondary">
          Clear
        </Link>
      </div>
    </form>
  );
}
