// Unknown addresses, and notFound() from any page.
import Link from "next/link";
import type { Metadata } from "next";
import { LogoMark } from "@/components/shell/logo";

export const metadata: Metadata = { title: "Page not found" };

export default function NotFound() {
  return (
    <main className="flex min-h-screen items-center justify-center px-6 py-12">
      <div className="max-w-xl">
        <LogoMark className="size-10" />
        <p className="mt-6 text-sm font-semibold text-sky-700 dark:text-sky-400">404 · Not found</p>
        <h1 className="mt-1 text-2xl font-semibold tracking-tight text-zinc-900 dark:text-zinc-50">There is no page at this address</h1>
        <p className="mt-3 text-sm text-zinc-600 dark:text-zinc-400">
          The link may be mistyped, or what it pointed to was removed. Builds, deployments and the audit log are reachable from the dashboard.
        </p>
        <div className="mt-6">
          <Link href="/" className="btn-primary">
            Go to the dashboard
          </Link>
        </div>
      </div>
    </main>
  );
}
