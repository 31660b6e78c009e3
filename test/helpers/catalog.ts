// A comparable snapshot of a database's public schema, read from the PostgreSQL catalogs: one line per
// table, column, enum, index, constraint, trigger, function and sequence, so two snapshots diff readably.
import type pg from "pg";

export interface CatalogSnapshot {
  tables: string[];
  columns: string[];
  enums: string[];
  indexes: string[];
  constraints: string[];
  triggers: string[];
  functions: string[];
  sequences: string[];
}

const lines = async (c: pg.Client, sql: string): Promise<string[]> => (await c.query<{ line: string }>(sql)).rows.map((r) => r.line);

export async function catalogSnapshot(c: pg.Client, opts: { excludeTables?: string[] } = {}): Promise<CatalogSnapshot> {
  const exclude = new Set(opts.excludeTables ?? []);
  const keep = (table: string) => !exclude.has(table);
  const tableOf = (line: string) => line.split(/[ .:(]/)[0]!;

  const tables = (await lines(c, `SELECT c.relname AS line FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'f') ORDER BY 1`)).filter(keep);

  const columns = (
    await lines(
      c,
      `SELECT c.relname || '.' || a.attname || ': ' || format_type(a.atttypid, a.atttypmod)
              || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END
              || COALESCE(' DEFAULT ' || pg_get_expr(d.adbin, d.adrelid), '')
              || CASE WHEN a.attidentity <> '' THEN ' IDENTITY ' || a.attidentity::text ELSE '' END
              || CASE WHEN a.attgenerated <> '' THEN ' GENERATED' ELSE '' END AS line
       FROM pg_attribute a
       JOIN pg_class c ON c.oid = a.attrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
       WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
       ORDER BY c.relname, a.attnum`,
    )
  ).filter((l) => keep(tableOf(l)));

  const enums = await lines(
    c,
    `SELECT t.typname || ': ' || string_agg(quote_literal(e.enumlabel), ', ' ORDER BY e.enumsortorder) AS line
     FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace
     WHERE n.nspname = 'public' GROUP BY t.typname ORDER BY 1`,
  );

  const indexes = (
    await lines(
      c,
      `SELECT tc.relname || ': ' || pg_get_indexdef(i.indexrelid) AS line
       FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_class tc ON tc.oid = i.indrelid
       JOIN pg_namespace n ON n.oid = tc.relnamespace
       WHERE n.nspname = 'public' ORDER BY 1`,
    )
  ).filter((l) => keep(tableOf(l)));

  const constraints = (
    await lines(
      c,
      `SELECT cl.relname || '.' || co.conname || ': ' || pg_get_constraintdef(co.oid)
              || CASE WHEN co.condeferrable THEN ' DEFERRABLE' ELSE '' END AS line
       FROM pg_constraint co JOIN pg_class cl ON cl.oid = co.conrelid JOIN pg_namespace n ON n.oid = cl.relnamespace
       WHERE n.nspname = 'public' ORDER BY 1`,
    )
  ).filter((l) => keep(tableOf(l)));

  const triggers = await lines(
    c,
    `SELECT cl.relname || '.' || t.tgname || ': ' || pg_get_triggerdef(t.oid) AS line
     FROM pg_trigger t JOIN pg_class cl ON cl.oid = t.tgrelid JOIN pg_namespace n ON n.oid = cl.relnamespace
     WHERE n.nspname = 'public' AND NOT t.tgisinternal ORDER BY 1`,
  );

  const functions = await lines(
    c,
    `SELECT p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')' AS line
     FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public' ORDER BY 1`,
  );

  const sequences = (
    await lines(
      c,
      `SELECT s.relname || COALESCE(' OWNED BY ' || t.relname || '.' || a.attname, '') AS line
       FROM pg_class s JOIN pg_namespace n ON n.oid = s.relnamespace
       LEFT JOIN pg_depend d ON d.objid = s.oid AND d.classid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
       LEFT JOIN pg_class t ON t.oid = d.refobjid
       LEFT JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
       WHERE n.nspname = 'public' AND s.relkind = 'S' ORDER BY 1`,
    )
  ).filter((l) => !l.includes(" OWNED BY ") || keep(l.split(" OWNED BY ")[1]!.split(".")[0]!));

  return { tables, columns, enums, indexes, constraints, triggers, functions, sequences };
}

/** What differs between two snapshots, as "- only in A" / "+ only in B" lines per section (empty when equal). */
export function diffSnapshots(a: CatalogSnapshot, b: CatalogSnapshot, labels: [string, string]): string[] {
  const out: string[] = [];
  for (const section of Object.keys(a) as (keyof CatalogSnapshot)[]) {
    const inA = new Set(a[section]);
    const inB = new Set(b[section]);
    for (const l of a[section]) if (!inB.has(l)) out.push(`${section}: only in ${labels[0]}: ${l}`);
    for (const l of b[section]) if (!inA.has(l)) out.push(`${section}: only in ${labels[1]}: ${l}`);
  }
  return out;
}
