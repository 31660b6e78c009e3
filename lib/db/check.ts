// One-line answer to "can I reach the database?" at start-up.
import pg from "pg";
import { redactUrl } from "@/lib/db/migrate";

export class DatabaseUnreachableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DatabaseUnreachableError";
  }
}

export async function checkDatabase(connectionString: string, timeoutMs = 10_000): Promise<void> {
  const client = new pg.Client({ connectionString, connectionTimeoutMillis: timeoutMs });
  try {
    await client.connect();
    await client.query("SELECT 1");
  } catch (err) {
    const e = err as Error & { code?: string };
    const why = e.code === "ECONNREFUSED" ? "connection refused (is PostgreSQL running there?)" : e.code === "ENOTFOUND" ? "host not found" : e.message;
    throw new DatabaseUnreachableError(`cannot reach the database at ${redactUrl(connectionString)}: ${why}`);
  } finally {
    await client.end().catch(() => undefined);
  }
}
