// /deployments/<id> for a deployment that does not exist (a mistyped link, or removed with its target).
import Link from "next/link";
import { EmptyState } from "@/components/ui/empty-state";

export default function DeploymentNotFound() {
  return (
    <>
      <nav aria-label="Breadcrumb" className="mb-2 text-sm">
        <Link href="/deployments" className="link">
          ← Deployments
        </Link>
      </nav>
      <EmptyState title="There is no such deployment">
        <p>The link may be mistyped, or the deployment was removed with its target. Every deployment that exists is on the Deployments page.</p>
        <p>
          <Link href="/deployments" className="link">
            Go to Deployments
          </Link>
        </p>
      </EmptyState>
    </>
  );
}
