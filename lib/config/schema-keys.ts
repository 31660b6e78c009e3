// Every key path slipway.yml accepts, read from the zod schema itself (`repos[].builds[].deploy[].image`):
// what docs/slipway-yml.md must document, checked by test/docs.slipway-yml-doc.test.ts so the two agree.
import type { z } from "zod";
import { inventoryDocument } from "@/lib/validation/inventory";

interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  innerType?: z.ZodType;
  in?: z.ZodType;
  out?: z.ZodType;
  options?: z.ZodType[];
}
const defOf = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

/** The schema under wrappers (optional, default, preprocess, transform): an object, an array or a leaf. */
function unwrap(s: z.ZodType): z.ZodType {
  for (let i = 0; i < 20; i++) {
    const d = defOf(s);
    if (d.type === "optional" || d.type === "default" || d.type === "nullable" || d.type === "prefault" || d.type === "catch" || d.type === "readonly") s = d.innerType!;
    else if (d.type === "pipe") s = defOf(d.out!).type === "transform" ? d.in! : d.out!;
    else return s;
  }
  return s;
}

function walk(s: z.ZodType, prefix: string, out: string[]): void {
  const inner = unwrap(s);
  const d = defOf(inner);
  if (d.type === "object") {
    const shape = (inner as unknown as { shape: Record<string, z.ZodType> }).shape;
    for (const [key, value] of Object.entries(shape)) {
      const path = prefix ? `${prefix}.${key}` : key;
      out.push(path);
      walk(value, path, out);
    }
  } else if (d.type === "array") {
    const el = unwrap(d.element!);
    if (defOf(el).type === "object") walk(el, `${prefix}[]`, out);
  } else if (d.type === "union" && d.options) {
    for (const o of d.options) if (defOf(unwrap(o)).type === "object") walk(o, prefix, out);
  }
}

/** Every key path of slipway.yml, in schema order. */
export function slipwayYmlKeyPaths(): string[] {
  const out: string[] = [];
  walk(inventoryDocument, "", out);
  return [...new Set(out)];
}
