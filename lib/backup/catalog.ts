// What backup and restore read from PostgreSQL's catalog: Slipway's tables in the connection's schema
// (every table the migrations made, not `_prisma_migrations`, whose list travels in the header), their
// columns, the order foreign keys impose, and the sequences their columns own.
import type pg from "pg";

export const MIGRATIONS_TABLE = "_prisma_migrations";

export interface TableInfo {
  name: string;
  columns: string[];
}

export interface OwnedSequence {
  sequence: string;
  table: string;
  column: string;
}

/** Tables in the current schema, each after the tables its foreign keys point to (self-references aside). */
export async function slipwayTables(client: pg.Client): Promise<TableInfo[]> {
  const tables = await client.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c
     WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p') AND c.relname <> $1
     ORDER BY c.relname`,
    [MIGRATIONS_TABLE],
  );
  const columns = await client.query<{ table: string; column: string }>(
    `SELECT c.relname AS table, a.attname AS column FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
     WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p')
       AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
     ORDER BY c.relname, a.attnum`,
  );
  const edges = await client.query<{ from: string; to: string }>(
    `SELECT src.relname AS from, dst.relname AS to FROM pg_constraint k
     JOIN pg_class src ON src.oid = k.conrelid JOIN pg_class dst ON dst.oid = k.confrelid
     WHERE k.contype = 'f' AND src.relnamespace = current_schema()::regnamespace AND src.oid <> dst.oid`,
  );
  const cols = new Map<string, string[]>();
  for (const r of columns.rows) cols.set(r.table, [...(cols.get(r.table) ?? []), r.column]);
  const names = tables.rows.map((r) => r.name);
  return dependencyOrder(names, edges.rows).map((name) => ({ name, columns: cols.get(name) ?? [] }));
}

/**
 * Kahn's algorithm, alphabetical among equals so the order is stable. Tables in a cycle (github_apps and
 * secrets name each other) follow in alphabetical order: restore drops the foreign keys while it copies and
 * adds them back before it commits, so the order is for readers of the file, not for correctness.
 */
export function dependencyOrder(names: string[], edges: { from: string; to: string }[]): string[] {
  const known = new Set(names);
  const needs = new Map<string, Set<string>>(names.map((n) => [n, new Set<string>()]));
  for (const e of edges) if (known.has(e.from) && known.has(e.to)) needs.get(e.from)!.add(e.to);
  const out: string[] = [];
  const done = new Set<string>();
  while (out.length < names.length) {
    let ready = names.filter((n) => !done.has(n) && [...needs.get(n)!].every((d) => done.has(d)));
    if (ready.length === 0) ready = [names.find((n) => !done.has(n))!];
    for (const n of ready) {
      out.push(n);
      done.add(n);
    }
  }
  return out;
}

/** The foreign keys of the current schema, with their definitions to add them back. */
export async function foreignKeys(client: pg.Client): Promise<{ table: string; name: string; definition: string }[]> {
  const res = await client.query<{ table: string; name: string; definition: string }>(
    `SELECT c.relname AS table, k.conname AS name, pg_get_constraintdef(k.oid) AS definition
     FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
     WHERE k.contype = 'f' AND c.relnamespace = current_schema()::regnamespace
     ORDER BY c.relname, k.conname`,
  );
  return res.rows;
}

export async function ownedSequences(client: pg.Client): Promise<OwnedSequence[]> {
  const res = await client.query<OwnedSequence>(
    `SELECT s.relname AS sequence, t.relname AS table, a.attname AS column
     FROM pg_class s
     JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = s.oid AND d.deptype IN ('a', 'i')
     JOIN pg_class t ON t.oid = d.refobjid
     JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
     WHERE s.relkind = 'S' AND s.relnamespace = current_schema()::regnamespace
     ORDER BY t.relname, a.attname`,
  );
  return res.rows;
}

/** The migrations recorded as applied, in order; null when the database has no migrations table. */
export async function appliedMigrations(client: pg.Client): Promise<{ name: string; checksum: string }[] | null> {
  const exists = await client.query<{ t: string | null }>(`SELECT to_regclass(quote_ident(current_schema()) || '.' || quote_ident($1))::text AS t`, [MIGRATIONS_TABLE]);
  if (!exists.rows[0]?.t) return null;
  const res = await client.query<{ name: string; checksum: string }>(
    `SELECT migration_name AS name, checksum FROM "${MIGRATIONS_TABLE}"
     WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL ORDER BY migration_name`,
  );
  return res.rows;
}

