// Raw PostgreSQL access for tests: databases on the test server, and plain connections to them.
import { randomBytes } from "node:crypto";
import pg from "pg";

/** The URL of another database on the same server as `url`. */
export function databaseUrl(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

export async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export function randomDatabaseName(prefix = "t"): string {
  return `${prefix}_${randomBytes(6).toString("hex")}`;
}

/** CREATE DATABASE (from a template, or empty); returns its URL. */
export async function createDatabase(adminUrl: string, opts: { name?: string; template?: string } = {}): Promise<{ name: string; url: string }> {
  const name = opts.name ?? randomDatabaseName();
  await withClient(adminUrl, (c) =>
    c.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}${opts.template ? ` TEMPLATE ${pg.escapeIdentifier(opts.template)}` : ""}`),
  );
  return { name, url: databaseUrl(adminUrl, name) };
}

/** DROP DATABASE, ending any connection still open to it. */
export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  await withClient(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`));
}
