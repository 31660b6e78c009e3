// /targets/<id> for a target that does not exist (a mistyped link, or removed with its deployment rule).
import Link from "next/link";
import { EmptyState } from "@/components/ui/empty-state";

export default function TargetNotFound() {
  return (
    <>
      <nav aria-label="Breadcrumb" className="mb-2 text-sm">
        <Link href="/targets" className="link">
          ← Targets
        </Link>
      </nav>
      <EmptyState title="There is no such target">
        <p>The link may be mistyped, or the target was removed with its deployment rule. Every target that exists is on the Targets page.</p>
        <p>
          <Link href="/targets" className="link">
            Go to Targets
          </Link>
        </p>
      </EmptyState>
    </>
  );
}
