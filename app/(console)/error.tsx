"use client";
// An unexpected error inside a console page: the sidebar stays, the page says what happened and offers a retry.
import Link from "next/link";
import { useEffect } from "react";

export default function ConsoleError({ error, retry }: { error: unknown; retry: () => void }) {
  useEffect(() => {
    console.error(error);
  }, [error]);
  const digest = error instanceof Error && "digest" in error ? String((error as Error & { digest?: string }).digest ?? "") : "";
  return (
    <div role="alert" className="max-w-2xl rounded-lg border border-red-300 bg-red-50 p-6 dark:border-red-800 dark:bg-red-950/50">
      <h1 className="text-lg font-semibold text-red-950 dark:text-red-100">This page could not be shown</h1>
      <p className="mt-2 text-sm text-red-900 dark:text-red-200">
        Something failed on the server while reading this page, most often because the database did not answer. The error was
        logged{digest ? (
          <>
            {" "}
            with the reference <code className="rounded bg-red-100 px-1 font-mono dark:bg-red-900/60">{digest}</code>
          </>
        ) : null}
        . Try again; if it keeps failing, check the server&apos;s log for that reference.
      </p>
      <div className="mt-4 flex gap-3">
        <button type="button" onClick={() => retry()} className="btn-primary">
          Try again
        </button>
        <Link href="/" className="btn-secondary">
          Go to the dashboard
        </Link>
      </div>
    </div>
  );
}
