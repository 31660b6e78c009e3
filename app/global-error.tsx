"use client";
// The last resort, when even the root layout failed: its own document, plain styles that need no CSS file.

export default function GlobalError({ error, retry }: { error: unknown; retry: () => void }) {
  const digest = error instanceof Error ? (error as Error & { digest?: string }).digest : undefined;
  return (
    <html lang="en">
      <head>
        <title>Slipway: error</title>
        <meta name="color-scheme" content="light dark" />
      </head>
      <body style={{ fontFamily: "system-ui, sans-serif", margin: 0, padding: "4rem 1.5rem", lineHeight: 1.5 }}>
        <main role="alert" style={{ maxWidth: "36rem", margin: "0 auto" }}>
          <h1 style={{ fontSize: "1.5rem", margin: 0 }}>Slipway could not show this page</h1>
          <p>
            Something failed on the server. The error was logged{digest ? ` with the reference ${digest}` : ""}. Try again; if it keeps failing, check
            the server&apos;s log.
          </p>
          <button type="button" onClick={() => retry()} style={{ font: "inherit", padding: "0.4rem 0.9rem", cursor: "pointer" }}>
            Try again
          </button>
        </main>
      </body>
    </html>
  );
}
