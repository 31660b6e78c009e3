"use client";
// An unexpected error outside the console (e.g. on the sign-in page).
import { useEffect } from "react";

export default function RootError({ error, retry }: { error: unknown; retry: () => void }) {
  useEffect(() => {
    console.error(error);
  }, [error]);
  const digest = error instanceof Error ? (error as Error & { digest?: string }).digest : undefined;
  return (
    <main className="flex min-h-screen items-center justify-center px-6 py-12">
      <div role="alert" className="max-w-xl">
        <p className="text-sm font-semibold text-red-700 dark:text-red-400">Error</p>
        <h1 className="mt-1 text-2xl font-semibold tracking-tight text-zinc-900 dark:text-zinc-50">This page could not be shown</h1>
        <p className="mt-3 text-sm text-zinc-600 dark:text-zinc-400">
          Something failed on the server, most often because the database did not answer or the configuration is incomplete. The error was logged
          {digest ? (
            <>
              {" "}
              with the reference <code className="font-mono">{digest}</code>
            </>
          ) : null}
          . Try again; if it keeps failing, check the server&apos;s log.
        </p>
        <div className="mt-6">
          <button type="button" onClick={() => retry()} className="btn-primary">
            Try again
          </button>
        </div>
      </div>
    </main>
  );
}
