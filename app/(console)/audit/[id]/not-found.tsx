// /audit/<id> for an event that does not exist (a mistyped link: the audit log never loses an event).
import Link from "next/link";
import { EmptyState } from "@/components/ui/empty-state";

export default function AuditEventNotFound() {
  return (
    <>
      <nav aria-label="Breadcrumb" className="mb-2 text-sm">
        <Link href="/audit" className="link">
          ← Audit log
        </Link>
      </nav>
      <EmptyState title="There is no such audit event">
        <p>The link may be mistyped: events are never removed from the audit log. Every event is on the Audit page.</p>
        <p>
          <Link href="/audit" className="link">
            Go to the Audit log
          </Link>
        </p>
      </EmptyState>
    </>
  );
}
