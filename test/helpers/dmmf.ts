// The full DMMF (Prisma's description of schema.prisma: models, fields, enums, indexes, relations), from
// Prisma's own schema parser: the WebAssembly module shipped inside the `prisma` package
// (prisma_schema_build_bg.wasm, the @prisma/prisma-schema-wasm build the CLI uses for `prisma generate`).
// The generated client keeps only a slim runtime data model (no enums, no indexes), hence this.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

export interface DmmfField {
  name: string;
  kind: "scalar" | "object" | "enum" | "unsupported";
  dbName: string | null;
  type: string;
  isList: boolean;
  isRequired: boolean;
  isId: boolean;
  isUnique: boolean;
  nativeType: [string, string[]] | null;
  relationName?: string | null;
  relationFromFields?: string[];
  relationToFields?: string[];
  relationOnDelete?: string;
  relationOnUpdate?: string;
}

export interface DmmfModel {
  name: string;
  dbName: string | null;
  fields: DmmfField[];
  primaryKey: { name: string | null; fields: string[] } | null;
}

export interface DmmfEnum {
  name: string;
  dbName: string | null;
  values: { name: string; dbName: string | null }[];
}

export interface DmmfIndex {
  model: string;
  type: "id" | "unique" | "normal" | "fulltext";
  isDefinedOnField: boolean;
  dbName: string | null;
  fields: { name: string; sortOrder?: "asc" | "desc" }[];
}

export interface Dmmf {
  datamodel: { models: DmmfModel[]; enums: DmmfEnum[]; indexes: DmmfIndex[] };
}

interface SchemaWasm {
  memory: WebAssembly.Memory;
  get_dmmf(ptr: number, len: number): [number, number, number, number];
  __wbindgen_malloc(size: number, align: number): number;
  __wbindgen_free(ptr: number, len: number, align: number): void;
  __wbindgen_externrefs: WebAssembly.Table;
  __externref_table_dealloc(idx: number): void;
  __wbindgen_start(): void;
}

let instance: SchemaWasm | undefined;

function load(): SchemaWasm {
  if (instance) return instance;
  const require = createRequire(path.join(process.cwd(), "package.json"));
  const file = path.join(path.dirname(require.resolve("prisma/package.json")), "build", "prisma_schema_build_bg.wasm");
  const wasmModule = new WebAssembly.Module(readFileSync(file));
  const decoder = new TextDecoder();
  // the imports need the instance's exports, which exist only once it is made from them
  const ref: { exports?: SchemaWasm } = {};
  const text = (ptr: number, len: number) => decoder.decode(new Uint8Array(ref.exports!.memory.buffer, ptr, len));
  // The four imports of this wasm-bindgen build; their names carry a hash, so match by their stable part.
  const byName: Record<string, (...args: number[]) => unknown> = {
    set_message: () => undefined,
    Error: (ptr, len) => new Error(text(ptr, len)),
    wbindgen_throw: (ptr, len) => {
      throw new Error(text(ptr, len));
    },
    init_externref_table: () => {
      const table = ref.exports!.__wbindgen_externrefs;
      const base = table.grow(4);
      table.set(0, undefined);
      table.set(base + 0, undefined);
      table.set(base + 1, null);
      table.set(base + 2, true);
      table.set(base + 3, false);
    },
  };
  const imports: WebAssembly.Imports = {};
  for (const imp of WebAssembly.Module.imports(wasmModule)) {
    const key = Object.keys(byName).find((k) => imp.name.includes(`_${k}`));
    if (!key) throw new Error(`prisma_schema_build_bg.wasm wants an unknown import ${imp.module}.${imp.name}; update test/helpers/dmmf.ts`);
    (imports[imp.module] ??= {})[imp.name] = byName[key]!;
  }
  const exports = new WebAssembly.Instance(wasmModule, imports).exports as unknown as SchemaWasm;
  ref.exports = exports;
  exports.__wbindgen_start();
  instance = exports;
  return exports;
}

/** The DMMF of a schema file, as `prisma generate` sees it. */
export function getDmmf(schemaPath = "prisma/schema.prisma"): Dmmf {
  const wasm = load();
  const params = new TextEncoder().encode(JSON.stringify({ prismaSchema: readFileSync(schemaPath, "utf8"), noColor: true }));
  const ptr = wasm.__wbindgen_malloc(params.length, 1);
  new Uint8Array(wasm.memory.buffer, ptr, params.length).set(params);
  const [outPtr, outLen, errIdx, isErr] = wasm.get_dmmf(ptr, params.length);
  if (isErr) {
    const err = wasm.__wbindgen_externrefs.get(errIdx) as Error;
    wasm.__externref_table_dealloc(errIdx);
    throw err;
  }
  try {
    return JSON.parse(new TextDecoder().decode(new Uint8Array(wasm.memory.buffer, outPtr, outLen))) as Dmmf;
  } finally {
    wasm.__wbindgen_free(outPtr, outLen, 1);
  }
}
