// /builds/<id> for a build that does not exist (a mistyped link, or removed with its repository).
import Link from "next/link";
import { EmptyState } from "@/components/ui/empty-state";

export default function BuildNotFound() {
  return (
    <>
      <nav aria-label="Breadcrumb" className="mb-2 text-sm">
        <Link href="/builds" className="link">
          ← Builds
        </Link>
      </nav>
      <EmptyState title="There is no such build">
        <p>The link may be mistyped, or the build was removed with its repository. Every build that exists is on the Builds page.</p>
        <p>
          <Link href="/builds" className="link">
            Go to Builds
          </Link>
        </p>
      </EmptyState>
    </>
  );
}
