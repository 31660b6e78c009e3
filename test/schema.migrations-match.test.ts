// The migrated database is exactly what schema.prisma describes: every model, field, type, enum, index and
// relation. Checked two independent ways:
//   (a) against what Prisma itself would create from schema.prisma (its schema engine's SQL, run in an empty
//       database), comparing the two databases' catalogs;
//   (b) against the DMMF, Prisma's parsed description of schema.prisma (and the generated client agrees with it).
import { beforeAll, describe, expect, test } from "vitest";
import { migrate } from "@/lib/db/migrate";
import { sqlFromEmpty } from "@/scripts/lib/schema-engine";
import { catalogSnapshot, diffSnapshots, type CatalogSnapshot } from "@/test/helpers/catalog";
import { getDmmf, type DmmfEnum, type DmmfField, type DmmfModel } from "@/test/helpers/dmmf";
import { withClient } from "@/test/helpers/pg";
import { scratchDatabases } from "@/test/helpers/scratch";
import { getDb } from "@/lib/db";
import { Prisma } from "@/lib/generated/prisma/client";
import * as generatedEnums from "@/lib/generated/prisma/enums";

const dbs = scratchDatabases();
const AUDIT_TRIGGERS = ["audit_events.audit_events_no_truncate", "audit_events.audit_events_no_update_delete"];
const AUDIT_FUNCTION = "audit_events_refuse_change()";
/** releases are immutable: a trigger refuses UPDATE (migration 20261124200000_releases_immutable) */
/** live logs: a state change notifies the log viewers (migration *_log_truncated_flag_and_live_notify) */
const NOTIFY_TRIGGERS = ["builds.builds_notify_log_state", "deployments.deployments_notify_log_state"];
/** the DORA facts: a trigger keeps dora_days, a sequence says it moved (migration 20261205080814_dora_days) */
const DORA_TRIGGERS = ["deployments.dora_days_refresh"];
const DORA_FUNCTIONS = ["dora_deployment_changed()", "dora_rebuild()", "dora_refresh(p_target text, p_from date, p_to date)"];
const DORA_SEQUENCES = ["dora_days_version"];
const GUARD_TRIGGERS = [...AUDIT_TRIGGERS, "releases.releases_no_update", ...NOTIFY_TRIGGERS, ...DORA_TRIGGERS];
const GUARD_FUNCTIONS = [AUDIT_FUNCTION, "releases_refuse_update()", "notify_log_state()", ...DORA_FUNCTIONS];

let migratedUrl: string;
let migrated: CatalogSnapshot;

beforeAll(async () => {
  migratedUrl = await dbs.empty();
  await migrate(migratedUrl);
  migrated = await withClient(migratedUrl, (c) => catalogSnapshot(c, { excludeTables: ["_prisma_migrations"] }));
});

describe("(a) the migrated database equals what Prisma creates from schema.prisma", () => {
  test("catalogs are identical (tables, columns, enums, indexes, constraints, sequences)", async () => {
    const expectedUrl = await dbs.empty();
    const sql = await sqlFromEmpty(expectedUrl);
    expect(sql).toContain('CREATE TABLE "users"');
    await withClient(expectedUrl, (c) => c.query(sql));
    const expected = await withClient(expectedUrl, (c) => catalogSnapshot(c));

    // the append-only trigger and its function are added by a migration on purpose (Prisma cannot express them)
    const withoutAuditGuard: CatalogSnapshot = {
      ...migrated,
      triggers: migrated.triggers.filter((t) => !GUARD_TRIGGERS.some((name) => t.startsWith(`${name}:`))),
      functions: migrated.functions.filter((f) => !GUARD_FUNCTIONS.includes(f)),
      sequences: migrated.sequences.filter((q) => !DORA_SEQUENCES.some((name) => q === name || q.startsWith(`${name}:`) || q.startsWith(`${name} `))),
    };
    expect(expected.tables.length).toBeGreaterThan(20);
    expect(expected.indexes.length).toBeGreaterThan(50);
    const diff = diffSnapshots(withoutAuditGuard, expected, ["migrations", "schema.prisma"]);
    expect(diff, `the migrations and schema.prisma differ:\n${diff.join("\n")}\n(npm run db:diff -- NAME writes the missing migration)`).toEqual([]);
  });

  test("the DORA facts are kept by a trigger on deployments, with its functions and version sequence", () => {
    for (const f of DORA_FUNCTIONS) expect(migrated.functions).toContain(f);
    expect(migrated.triggers.filter((t) => t.startsWith("deployments.dora_"))).toEqual([
      "deployments.dora_days_refresh: CREATE TRIGGER dora_days_refresh AFTER INSERT OR UPDATE OF state, finished_at ON public.deployments FOR EACH ROW EXECUTE FUNCTION dora_deployment_changed()",
    ]);
    expect(migrated.sequences.some((q) => q.startsWith("dora_days_version"))).toBe(true);
  });

  test("releases are immutable: UPDATE is refused by a trigger", () => {
    expect(migrated.functions).toContain("releases_refuse_update()");
    expect(migrated.triggers.filter((t) => t.startsWith("releases."))).toEqual([
      "releases.releases_no_update: CREATE TRIGGER releases_no_update BEFORE UPDATE ON public.releases FOR EACH ROW EXECUTE FUNCTION releases_refuse_update()",
    ]);
  });

  test("a build's or deployment's state change notifies the log viewers (NOTIFY slipway_log)", () => {
    expect(migrated.functions).toContain("notify_log_state()");
    expect(migrated.triggers.filter((t) => NOTIFY_TRIGGERS.some((name) => t.startsWith(`${name}:`)))).toEqual([
      "builds.builds_notify_log_state: CREATE TRIGGER builds_notify_log_state AFTER UPDATE OF state ON public.builds FOR EACH ROW WHEN ((old.state IS DISTINCT FROM new.state)) EXECUTE FUNCTION notify_log_state('build')",
      "deployments.deployments_notify_log_state: CREATE TRIGGER deployments_notify_log_state AFTER UPDATE OF state ON public.deployments FOR EACH ROW WHEN ((old.state IS DISTINCT FROM new.state)) EXECUTE FUNCTION notify_log_state('deployment')",
    ]);
  });

  test("the audit log's append-only guard exists: a function and triggers for UPDATE, DELETE and TRUNCATE", () => {
    expect(migrated.functions).toContain(AUDIT_FUNCTION);
    expect(migrated.triggers.filter((t) => t.startsWith("audit_events."))).toEqual([
      "audit_events.audit_events_no_truncate: CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON public.audit_events FOR EACH STATEMENT EXECUTE FUNCTION audit_events_refuse_change()",
      "audit_events.audit_events_no_update_delete: CREATE TRIGGER audit_events_no_update_delete BEFORE DELETE OR UPDATE ON public.audit_events FOR EACH ROW EXECUTE FUNCTION audit_events_refuse_change()",
    ]);
  });
});

// ─── (b) ─────────────────────────────────────────────────────────────────────────────────────────────

const dmmf = getDmmf();
const models = dmmf.datamodel.models;
const enumsByName = new Map(dmmf.datamodel.enums.map((e) => [e.name, e]));
const tableOf = (m: DmmfModel) => m.dbName ?? m.name;
const columnOf = (f: DmmfField) => f.dbName ?? f.name;
const enumDbName = (e: DmmfEnum) => e.dbName ?? e.name;
const stored = (f: DmmfField) => f.kind === "scalar" || f.kind === "enum";
const modelByName = new Map(models.map((m) => [m.name, m]));
const fieldOf = (m: DmmfModel, name: string) => m.fields.find((f) => f.name === name)!;

/** The PostgreSQL type Prisma gives a field, as format_type() prints it. */
function expectedType(f: DmmfField): string {
  let base: string;
  if (f.kind === "enum") base = enumDbName(enumsByName.get(f.type)!);
  else if (f.nativeType) {
    const [name, args] = f.nativeType;
    const native: Record<string, string> = {
      Timestamptz: `timestamp(${args[0] ?? 3}) with time zone`,
      Timestamp: `timestamp(${args[0] ?? 3}) without time zone`,
      VarChar: `character varying(${args[0]})`,
      Text: "text",
      Uuid: "uuid",
      Date: "date",
    };
    base = native[name] ?? `unmapped native type @db.${name}: extend expectedType()`;
  } else {
    const scalar: Record<string, string> = {
      String: "text",
      Int: "integer",
      BigInt: "bigint",
      Boolean: "boolean",
      DateTime: "timestamp(3) without time zone",
      Json: "jsonb",
      Bytes: "bytea",
      Float: "double precision",
      Decimal: "numeric(65,30)",
    };
    base = scalar[f.type] ?? `unmapped type ${f.type}: extend expectedType()`;
  }
  return f.isList ? `${base}[]` : base;
}

interface ColumnRow {
  table: string;
  column: string;
  type: string;
  not_null: boolean;
  default: string | null;
}
interface IndexRow {
  table: string;
  unique: boolean;
  primary: boolean;
  cols: string[];
}
interface ForeignKeyRow {
  table: string;
  cols: string[];
  ref_table: string;
  ref_cols: string[];
  on_delete: string;
  on_update: string;
}

async function readCatalog() {
  return withClient(migratedUrl, async (c) => {
    const tables = (await c.query<{ t: string }>(`SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`)).rows.map((r) => r.t);
    const columns = (
      await c.query<ColumnRow>(
        `SELECT c.relname AS table, a.attname AS column, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS not_null,
                pg_get_expr(d.adbin, d.adrelid) AS default
         FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
         WHERE n.nspname = 'public' AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped`,
      )
    ).rows;
    const enums = (
      await c.query<{ name: string; values: string[] }>(
        `SELECT t.typname AS name, array_agg(e.enumlabel::text ORDER BY e.enumsortorder) AS values
         FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace
         WHERE n.nspname = 'public' GROUP BY t.typname`,
      )
    ).rows;
    const indexes = (
      await c.query<IndexRow>(
        `SELECT t.relname AS table, i.indisunique AS unique, i.indisprimary AS primary,
                array_agg(a.attname || CASE WHEN (i.indoption[k.ord - 1] & 1) = 1 THEN ' DESC' ELSE '' END ORDER BY k.ord) AS cols
         FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace
         CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
         JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
         WHERE n.nspname = 'public'
         GROUP BY i.indexrelid, t.relname, i.indisunique, i.indisprimary`,
      )
    ).rows;
    const foreignKeys = (
      await c.query<ForeignKeyRow>(
        `SELECT t.relname AS table, rt.relname AS ref_table, co.confdeltype AS on_delete, co.confupdtype AS on_update,
                (SELECT array_agg(a.attname::text ORDER BY k.ord) FROM unnest(co.conkey) WITH ORDINALITY k(n, ord)
                   JOIN pg_attribute a ON a.attrelid = co.conrelid AND a.attnum = k.n) AS cols,
                (SELECT array_agg(a.attname::text ORDER BY k.ord) FROM unnest(co.confkey) WITH ORDINALITY k(n, ord)
                   JOIN pg_attribute a ON a.attrelid = co.confrelid AND a.attnum = k.n) AS ref_cols
         FROM pg_constraint co JOIN pg_class t ON t.oid = co.conrelid JOIN pg_class rt ON rt.oid = co.confrelid
         JOIN pg_namespace n ON n.oid = t.relnamespace
         WHERE n.nspname = 'public' AND co.contype = 'f'`,
      )
    ).rows;
    return { tables, columns, enums, indexes, foreignKeys };
  });
}

const sorted = (xs: Iterable<string>) => [...xs].sort();

describe("(b) the migrated database has everything the DMMF of schema.prisma describes", () => {
  let db: Awaited<ReturnType<typeof readCatalog>>;
  beforeAll(async () => {
    db = await readCatalog();
  });

  test("every model has its table, and there is no other table", () => {
    expect(models.length).toBeGreaterThan(20);
    expect(sorted(db.tables.filter((t) => t !== "_prisma_migrations"))).toEqual(sorted(models.map(tableOf)));
  });

  test("every scalar and enum field has its column with the right type and nullability, and there is no other column", () => {
    const actual = sorted(db.columns.map((c) => `${c.table}.${c.column}: ${c.type}${c.not_null ? " NOT NULL" : ""}`));
    const expected = sorted(
      models.flatMap((m) =>
        m.fields.filter(stored).map((f) => {
          // Prisma makes list columns nullable; other fields are NOT NULL exactly when required
          const notNull = f.isRequired && !f.isList;
          return `${tableOf(m)}.${columnOf(f)}: ${expectedType(f)}${notNull ? " NOT NULL" : ""}`;
        }),
      ).concat(db.columns.filter((c) => c.table === "_prisma_migrations").map((c) => `${c.table}.${c.column}: ${c.type}${c.not_null ? " NOT NULL" : ""}`)),
    );
    expect(actual).toEqual(expected);
  });

  test("every database-level default is there (autoincrement, now(), literals), and client-side ones (cuid, @updatedAt) are not", () => {
    const columns = new Map(db.columns.map((c) => [`${c.table}.${c.column}`, c]));
    const problems: string[] = [];
    for (const m of models) {
      for (const f of m.fields.filter(stored)) {
        const key = `${tableOf(m)}.${columnOf(f)}`;
        const actual = columns.get(key)?.default ?? null;
        const d = (f as DmmfField & { default?: unknown }).default;
        let ok: boolean;
        if (d === undefined) ok = actual === null;
        else if (typeof d === "object" && d !== null && "name" in d) {
          const fn = (d as { name: string }).name;
          if (fn === "autoincrement") ok = actual === `nextval('${tableOf(m)}_${columnOf(f)}_seq'::regclass)`;
          else if (fn === "now") ok = actual === "CURRENT_TIMESTAMP";
          else ok = actual === null; // cuid(), uuid(): made by the client
        } else if (Array.isArray(d)) ok = actual !== null && d.every((v) => actual.includes(`'${String(v)}'`));
        else if (typeof d === "string") ok = actual === (f.kind === "enum" ? `'${d}'::${enumDbName(enumsByName.get(f.type)!)}` : `'${d}'::text`);
        else ok = actual === String(d);
        if (!ok) problems.push(`${key}: schema default ${JSON.stringify(d)}, database default ${actual}`);
      }
    }
    expect(problems).toEqual([]);
  });

  test("every enum exists with its values in order, and there is no other enum", () => {
    const actual = sorted(db.enums.map((e) => `${e.name}: ${e.values.join(", ")}`));
    const expected = sorted(dmmf.datamodel.enums.map((e) => `${enumDbName(e)}: ${e.values.map((v) => v.dbName ?? v.name).join(", ")}`));
    expect(dmmf.datamodel.enums.length).toBeGreaterThan(10);
    expect(actual).toEqual(expected);
  });

  test("every @id, @unique, @@unique and @@index exists (columns, order, sort direction), and there is no other index", () => {
    const kind = (primary: boolean, unique: boolean) => (primary ? "PRIMARY KEY" : unique ? "UNIQUE" : "INDEX");
    const actual = sorted(db.indexes.filter((i) => i.table !== "_prisma_migrations").map((i) => `${i.table} ${kind(i.primary, i.unique)} (${i.cols.join(", ")})`));
    const expected = sorted(
      dmmf.datamodel.indexes.map((ix) => {
        const m = modelByName.get(ix.model)!;
        const cols = ix.fields.map((f) => `${columnOf(fieldOf(m, f.name))}${f.sortOrder === "desc" ? " DESC" : ""}`);
        return `${tableOf(m)} ${kind(ix.type === "id", ix.type !== "normal")} (${cols.join(", ")})`;
      }),
    );
    expect(actual).toEqual(expected);
  });

  test("every relation is a foreign key with its ON DELETE and ON UPDATE actions, and there is no other foreign key", () => {
    const action: Record<string, string> = { a: "NoAction", r: "Restrict", c: "Cascade", n: "SetNull", d: "SetDefault" };
    const actual = sorted(
      db.foreignKeys.map((k) => `${k.table}(${k.cols.join(", ")}) → ${k.ref_table}(${k.ref_cols.join(", ")}) ON DELETE ${action[k.on_delete]} ON UPDATE ${action[k.on_update]}`),
    );
    const expected = sorted(
      models.flatMap((m) =>
        m.fields
          .filter((f) => f.kind === "object" && (f.relationFromFields?.length ?? 0) > 0)
          .map((f) => {
            const target = modelByName.get(f.type)!;
            const from = f.relationFromFields!.map((n) => fieldOf(m, n));
            // Prisma's defaults: Restrict when the relation is required, SetNull when optional; updates cascade
            const onDelete = f.relationOnDelete ?? (from.every((x) => x.isRequired) ? "Restrict" : "SetNull");
            const onUpdate = f.relationOnUpdate ?? "Cascade";
            return `${tableOf(m)}(${from.map(columnOf).join(", ")}) → ${tableOf(target)}(${f.relationToFields!
              .map((n) => columnOf(fieldOf(target, n)))
              .join(", ")}) ON DELETE ${onDelete} ON UPDATE ${onUpdate}`;
          }),
      ),
    );
    expect(expected.length).toBeGreaterThan(40);
    expect(actual).toEqual(expected);
  });

  test("the generated client (lib/generated/prisma) was generated from this schema.prisma", () => {
    expect(sorted(Object.values(Prisma.ModelName))).toEqual(sorted(models.map((m) => m.name)));
    const clientEnums = Object.fromEntries(
      Object.entries(generatedEnums).filter(([, v]) => typeof v === "object" && v !== null).map(([k, v]) => [k, Object.values(v as Record<string, string>)]),
    );
    expect(clientEnums).toEqual(Object.fromEntries(dmmf.datamodel.enums.map((e) => [e.name, e.values.map((v) => v.name)])));
    // the runtime data model the client queries with: same tables and columns
    const runtime = (getDb() as unknown as { _runtimeDataModel: { models: Record<string, { dbName: string | null; fields: { name: string; kind: string; dbName?: string }[] }> } })
      ._runtimeDataModel;
    for (const m of models) {
      const rm = runtime.models[m.name];
      expect(rm, `model ${m.name} missing from the generated client: run npm run db:generate`).toBeDefined();
      expect(rm!.dbName ?? m.name).toBe(tableOf(m));
      expect(rm!.fields.filter((f) => f.kind !== "object").map((f) => f.dbName ?? f.name)).toEqual(m.fields.filter(stored).map(columnOf));
    }
  });
});
