// "Is the database answering right now?" for the proxy (proxy.ts), so that a page requested while PostgreSQL is
// down or restarting gets a plain 503 "database unavailable" page instead of a page that fails half-way with a
// generic error. One small pool of its own (one connection), a short timeout, and the answer kept for a moment:
// under traffic this costs one `SELECT 1` every couple of seconds, and nothing when nobody asks.
import pg from "pg";

/** A "yes" is trusted this long; a "no" is asked again sooner, so the console comes back soon after the database. */
const UP_FOR_MS = 2_000;
const DOWN_FOR_MS = 500;
/** Waiting for a connection and the statement together never takes longer than this. */
const CHECK_TIMEOUT_MS = 3_000;

interface State {
  pool?: pg.Pool;
  url?: string;
  checkedAt: number;
  up: boolean;
  pending?: Promise<boolean>;
}

const globalState = globalThis as unknown as { slipwayDbAvailability?: State };

function state(): State {
  globalState.slipwayDbAvailability ??= { checkedAt: 0, up: false };
  return globalState.slipwayDbAvailability;
}

function pool(s: State, url: string): pg.Pool {
  if (!s.pool || s.url !== url) {
    void s.pool?.end().catch(() => undefined);
    const p = new pg.Pool({ connectionString: url, max: 1, connectionTimeoutMillis: CHECK_TIMEOUT_MS, statement_timeout: CHECK_TIMEOUT_MS, idleTimeoutMillis: 10_000 });
    // an idle connection that breaks (the database restarted) is dropped by the pool; unhandled, it would end the process
    p.on("error", () => undefined);
    s.pool = p;
    s.url = url;
  }
  return s.pool;
}

async function ask(s: State, url: string): Promise<boolean> {
  try {
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error("timed out")), CHECK_TIMEOUT_MS).unref());
    await Promise.race([pool(s, url).query("SELECT 1"), timeout]);
    return true;
  } catch {
    return false;
  }
}

/**
 * True when the database answered a moment ago or answers now. Without DATABASE_URL (nothing to ask) it is
 * true: the page itself then says what is missing. Concurrent callers share one check.
 */
export async function databaseAvailable(now = Date.now()): Promise<boolean> {
  const url = process.env.DATABASE_URL;
  if (!url) return true;
  const s = state();
  if (now - s.checkedAt < (s.up ? UP_FOR_MS : DOWN_FOR_MS)) return s.up;
  s.pending ??= ask(s, url).then((up) => {
    s.up = up;
    s.checkedAt = Date.now();
    s.pending = undefined;
    return up;
  });
  return s.pending;
}

/** The page served instead of a console page while the database does not answer (HTTP 503). Words only, no details. */
export function databaseUnavailablePage(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta http-equiv="refresh" content="10">
<title>Database unavailable · Slipway</title>
</head>
<body style="font-family: system-ui, sans-serif; margin: 0; padding: 4rem 1.5rem; line-height: 1.5">
<main role="alert" style="max-width: 36rem; margin: 0 auto">
<h1 style="font-size: 1.5rem; margin: 0">Database unavailable</h1>
<p>Slipway cannot reach its PostgreSQL database right now, so this page cannot be shown. This is usually brief (the database is restarting); the page reloads by itself every 10 seconds.</p>
<p>Builds and deployments already queued are kept and run once the database is back. If this lasts, check that PostgreSQL is running and that DATABASE_URL points at it.</p>
</main>
</body>
</html>
`;
}
