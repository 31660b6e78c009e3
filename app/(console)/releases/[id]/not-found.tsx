// /releases/<id> for a release that does not exist (a mistyped link, or removed with its repository).
import Link from "next/link";
import { EmptyState } from "@/components/ui/empty-state";

export default function ReleaseNotFound() {
  return (
    <>
      <nav aria-label="Breadcrumb" className="mb-2 text-sm">
        <Link href="/builds" className="link">
          ← Builds
        </Link>
      </nav>
      <EmptyState title="There is no such release">
        <p>The link may be mistyped, or the release was removed with its repository. Every release is listed on the page of the build that made it.</p>
        <p>
          <Link href="/builds" className="link">
            Go to Builds
          </Link>
        </p>
      </EmptyState>
    </>
  );
}
