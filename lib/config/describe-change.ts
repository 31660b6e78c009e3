// One line per change an import makes, as `npm run slipway -- import` and `slipway import` print them:
// "  + host toxis", "  - target x", "  ~ host toxis (port: 22 → 2222)".

/** The parts of a change (lib/config/diff.ts Change, or its JSON from /api/v1/inventory/import) the line shows. */
export interface ChangeLine {
  action: string;
  label: string;
  fields?: string[];
  before?: unknown;
  after?: unknown;
}

export function describeChange(c: ChangeLine): string {
  const sign = c.action === "create" ? "+" : c.action === "delete" ? "-" : "~";
  if (c.action !== "update" || !c.fields?.length) return `  ${sign} ${c.label}`;
  const before = (c.before ?? {}) as Record<string, unknown>;
  const after = (c.after ?? {}) as Record<string, unknown>;
  const parts = c.fields.map((f) => `${f}: ${JSON.stringify(before[f] ?? null)} → ${JSON.stringify(after[f] ?? null)}`);
  return `  ${sign} ${c.label} (${parts.join("; ")})`;
}
