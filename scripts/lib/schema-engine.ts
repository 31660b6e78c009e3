// Prisma's schema engine, compiled to WebAssembly (@prisma/schema-engine-wasm), driven through the pg
// driver adapter. The native engine that `prisma migrate` downloads is unreachable on some machines;
// this one ships in the npm package. It writes the SQL of new migrations (`npm run db:diff`) and lets
// the schema test build "what Prisma would create from schema.prisma" to compare the migrations against.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { PrismaPg } from "@prisma/adapter-pg";
import { bindMigrationAwareSqlAdapterFactory } from "@prisma/driver-adapter-utils";

interface Engine {
  diff(params: unknown): Promise<{ exitCode: number; stdout: string | null }>;
}
interface EngineModule {
  SchemaEngine: { new: (opts: unknown, cb: (msg: string) => void, adapter: object) => Promise<Engine> };
  __wbg_set_wasm(exports: WebAssembly.Exports): void;
}

let loaded: Promise<EngineModule> | undefined;

function loadEngine(): Promise<EngineModule> {
  loaded ??= (async () => {
    const require = createRequire(path.join(process.cwd(), "package.json"));
    const dir = path.dirname(require.resolve("@prisma/schema-engine-wasm"));
    // The package is built for bundlers (it imports the .wasm file); instantiate it by hand for Node.
    const bg = (await import(path.join(dir, "schema_engine_bg.js"))) as unknown as EngineModule & Record<string, WebAssembly.ImportValue>;
    const wasmModule = new WebAssembly.Module(readFileSync(path.join(dir, "schema_engine_bg.wasm")));
    const imports: WebAssembly.Imports = {};
    for (const imp of WebAssembly.Module.imports(wasmModule)) {
      (imports[imp.module] ??= {})[imp.name] = bg[imp.name]!;
    }
    const instance = new WebAssembly.Instance(wasmModule, imports);
    bg.__wbg_set_wasm(instance.exports);
    (instance.exports.__wbindgen_start as () => void)();
    return bg;
  })();
  return loaded;
}

const noFilters = { externalTables: [], externalEnums: [] };

/** The SQL that creates, from an empty database, everything schema.prisma describes. */
export async function sqlFromEmpty(connectionString: string, schemaPath = "prisma/schema.prisma"): Promise<string> {
  const { SchemaEngine } = await loadEngine();
  const schema = readFileSync(schemaPath, "utf8");
  const adapter = bindMigrationAwareSqlAdapterFactory(new PrismaPg({ connectionString }));
  const engine = await SchemaEngine.new({ datamodels: [[path.basename(schemaPath), schema]] }, () => undefined, adapter);
  const result = await engine.diff({
    from: { tag: "empty" },
    to: { tag: "schemaDatamodel", files: [{ path: path.basename(schemaPath), content: schema }] },
    script: true,
    exitCode: null,
    filters: noFilters,
  });
  return result.stdout ?? "";
}

/** The SQL that takes the schema as it was at `oldSchema` to schema.prisma (for a new migration). */
export async function sqlBetween(connectionString: string, oldSchema: string, schemaPath = "prisma/schema.prisma"): Promise<string> {
  const { SchemaEngine } = await loadEngine();
  const schema = readFileSync(schemaPath, "utf8");
  const adapter = bindMigrationAwareSqlAdapterFactory(new PrismaPg({ connectionString }));
  const engine = await SchemaEngine.new({ datamodels: [["schema.prisma", schema]] }, () => undefined, adapter);
  const result = await engine.diff({
    from: { tag: "schemaDatamodel", files: [{ path: "schema.prisma", content: oldSchema }] },
    to: { tag: "schemaDatamodel", files: [{ path: "schema.prisma", content: schema }] },
    script: true,
    exitCode: null,
    filters: noFilters,
  });
  return result.stdout ?? "";
}
