// A JSON Schema (from the OpenAPI document) as nested lists of fields: name, type, required, description.
// Named objects link to their own section at the bottom of the page instead of repeating.
import type { ReactNode } from "react";

export type JsonSchema = {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  description?: string;
  default?: unknown;
  format?: string;
  minimum?: number;
  maximum?: number;
  pattern?: string;
};

export function refName(ref: string): string {
  return ref.replace(/^#\/components\/schemas\//, "");
}

/** "string", "integer (1..200)", "one of: a, b", "Build", "Build[]"; a named object becomes a link. */
export function typeWords(s: JsonSchema): ReactNode {
  if (s.$ref) {
    const name = refName(s.$ref);
    return (
      <a href={`#schema-${name}`} className="text-sky-700 underline underline-offset-2 dark:text-sky-300">
        {name}
      </a>
    );
  }
  if (s.enum) return `one of: ${s.enum.map((v) => JSON.stringify(v)).join(", ")}`;
  const alts = s.anyOf ?? s.oneOf;
  if (alts) {
    return alts.map((a, i) => (
      <span key={i}>
        {i ? " or " : ""}
        {typeWords(a)}
      </span>
    ));
  }
  const types = Array.isArray(s.type) ? s.type : s.type ? [s.type] : [];
  if (types.includes("array") && s.items) return <>{typeWords(s.items)}[]{types.includes("null") ? " or null" : ""}</>;
  const range = s.minimum !== undefined && s.maximum !== undefined && s.maximum < 1e15 ? ` (${s.minimum}..${s.maximum})` : "";
  return types.length ? `${types.join(" or ")}${s.format ? ` (${s.format})` : ""}${range}` : "any";
}

export function SchemaView({ schema, depth = 0 }: { schema: JsonSchema; depth?: number }): ReactNode {
  const objectLike = schema.properties ? schema : schema.items?.properties ? schema.items : null;
  if (!objectLike?.properties || depth > 4) {
    return <p className="text-sm text-zinc-700 dark:text-zinc-300">{typeWords(schema)}</p>;
  }
  const required = new Set(objectLike.required ?? []);
  return (
    <ul className={`space-y-1 text-sm ${depth ? "mt-1 border-l border-zinc-200 pl-3 dark:border-zinc-700" : ""}`}>
      {Object.entries(objectLike.properties).map(([name, prop]) => (
        <li key={name}>
          <code className="font-mono text-[0.8125rem] font-medium text-zinc-900 dark:text-zinc-100">{name}</code>
          <span className="text-zinc-500 dark:text-zinc-400">{required.has(name) ? "" : " (optional)"} — </span>
          <span className="text-zinc-700 dark:text-zinc-300">{typeWords(prop)}</span>
          {prop.description ? <span className="text-zinc-500 dark:text-zinc-400">: {prop.description}</span> : null}
          {prop.properties || prop.items?.properties ? <SchemaView schema={prop} depth={depth + 1} /> : null}
        </li>
      ))}
    </ul>
  );
}
