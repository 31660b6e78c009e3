// The audit log: every change, who made it and from where; filterable, paginated, exportable.
import Link from "next/link";
import type { Metadata } from "next";
import { requirePageUser } from "@/lib/auth/session";
import { can } from "@/lib/auth/roles";
import { auditFilterFromSearchParams, type AuditFilter } from "@/lib/validation/audit";
import { auditActors, listAuditEvents, type AuditPage } from "@/lib/queries/audit";
import { PageHeader } from "@/components/ui/page-header";
import { EmptyState } from "@/components/ui/empty-state";
import { FilterIssues } from "@/components/ui/filter-issues";
import { Pager } from "@/components/ui/pager";
import { AuditFilterForm, type AuditFilterValues } from "@/components/audit/audit-filter-form";
import { AuditEventTable } from "@/components/audit/audit-event-table";
import { param, type SearchParams } from "../../search-params";

export const metadata: Metadata = { title: "Audit log" };

const filterKeys = ["actor", "action", "subjectType", "subjectId", "from", "to"] as const;

const fieldNames: Record<string, string> = {
  actor: "Actor",
  action: "Action",
  subjectType: "Subject type",
  subjectId: "Subject id",
  from: "From",
  to: "To",
  before: "Page",
  limit: "Page size",
};

/** A Date as a datetime-local value in UTC ("2026-11-24T14:03"). */
function toLocalInput(d: Date | undefined): string {
  return d ? d.toISOString().slice(0, 16) : "";
}

/** What a datetime-local input can show of a typed value ("2026-11-24" → "2026-11-24T00:00"); "" if nothing. */
function rawToLocalInput(v: string): string {
  if (/^\d{4}-\d{2}-\d{2}$/.test(v)) return `${v}T00:00`;
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(v) ? v.slice(0, 16) : "";
}

function auditHref(base: string, params: Record<string, string | undefined>): string {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) qs.set(k, v);
  const s = qs.toString();
  return s ? `${base}?${s}` : base;
}

export default async function AuditPage({ searchParams }: { searchParams: SearchParams }) {
  const user = await requirePageUser("audit.view", "/audit");
  const sp = await searchParams;
  const parsed = auditFilterFromSearchParams(sp);
  const raw = Object.fromEntries(filterKeys.map((k) => [k, param(sp, k)?.trim() ?? ""])) as Record<(typeof filterKeys)[number], string>;

  const filter: AuditFilter | null = parsed.success ? parsed.data : null;
  const [page, actors]: [AuditPage | null, { login: string }[]] = await Promise.all([filter ? listAuditEvents(filter) : null, auditActors()]);

  // What the form shows: the parsed values when valid (dates normalised to UTC), else what was typed.
  const values: AuditFilterValues = {
    ...raw,
    from: filter ? toLocalInput(filter.from) : rawToLocalInput(raw.from),
    to: filter ? toLocalInput(filter.to) : rawToLocalInput(raw.to),
  };
  const active: Record<string, string | undefined> = filter
    ? {
        actor: filter.actor,
        action: filter.action,
        subjectType: filter.subjectType,
        subjectId: filter.subjectId,
        from: values.from || undefined,
        to: values.to || undefined,
      }
    : {};
  const filtered = Object.values(active).some(Boolean);
  const issues = parsed.success ? [] : parsed.error.issues;
  const invalidFields = new Set(issues.map((i) => String(i.path[0] ?? "")));
  const canExport = can(user, "audit.export");
  // kept in the page links only when asked for (?limit=), so ordinary links stay short
  const pageSize = param(sp, "limit") && filter ? String(filter.limit) : undefined;

  return (
    <>
      <PageHeader
        title="Audit log"
        description={
          <>
            Every sign-in and every change, with who made it and from where. The log is append-only and hash-chained: the database refuses edits,
            and <code className="font-mono text-xs">npm run audit:verify</code> checks the chain.
          </>
        }
        actions={
          canExport && filter ? (
            <>
              <a href={auditHref("/api/audit/export", { format: "csv", ...active })} className="btn-secondary" download>
                Export CSV
              </a>
              <a href={auditHref("/api/audit/export", { format: "json", ...active })} className="btn-secondary" download>
                Export JSON
              </a>
            </>
          ) : null
        }
      />

      <AuditFilterForm values={values} invalidFields={invalidFields} actors={actors.map((a) => a.login)} />

      <FilterIssues issues={issues} fieldNames={fieldNames} typed={(f) => (f in raw ? raw[f as keyof typeof raw] : param(sp, f))} clearHref="/audit" />

      {page && page.events.length ? (
        <AuditEventTable events={page.events} />
      ) : page ? (
        <EmptyState title={filter?.before ? "No older events" : filtered ? "No events match these filters" : "No events yet"}>
          {filter?.before ? (
            <p>That was the oldest matching event.</p>
          ) : filtered ? (
            <p>
              Widen the time range, pick another action, or{" "}
              <Link href="/audit" className="link">
                clear all filters
              </Link>
              . An action family such as “Any user.* action” matches every action that starts with it.
            </p>
          ) : (
            <p>Sign-ins, role changes and every change to the inventory appear here as they happen.</p>
          )}
        </EmptyState>
      ) : null}

      {page ? (
        <Pager
          firstHref={filter?.before !== undefined ? auditHref("/audit", { ...active, limit: pageSize }) : undefined}
          nextHref={page.nextCursor ? auditHref("/audit", { ...active, limit: pageSize, before: page.nextCursor }) : undefined}
          nextLabel="Older events →"
          label="Audit log pages"
        />
      ) : null}
    </>
  );
}
