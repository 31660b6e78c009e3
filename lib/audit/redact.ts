// Before/after snapshots in the audit log never carry secret values: keys that name secrets are replaced.

const SECRET_KEY = /(secret|password|passphrase|token|private_?key|privatekey|sealed|credential|authorization|cookie|webhook_?url|api_?key)/i;

export const REDACTED = "[redacted]";

/** A JSON-safe copy with secret-named keys replaced and binary data elided. */
export function redact(value: unknown): unknown {
  return walk(value, 0);
}

function walk(value: unknown, depth: number): unknown {
  if (depth > 20) return "[too deep]";
  if (value === null || value === undefined) return value ?? null;
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return "[binary]";
  if (Array.isArray(value)) return value.map((v) => walk(v, depth + 1));
  if (typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (v === undefined) continue;
      out[k] = SECRET_KEY.test(k) && v !== null ? REDACTED : walk(v, depth + 1);
    }
    return out;
  }
  if (typeof value === "string") return value.replace(/\u0000/g, "");
  if (typeof value === "number" && !Number.isFinite(value)) return null;
  return value;
}
