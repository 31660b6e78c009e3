// The audit hash chain: each event's hash covers the previous event's hash and this event's fields,
// serialized canonically (object keys sorted), so changing, removing or reordering any event breaks it.
import { createHash } from "node:crypto";
import type { AuditEventFields } from "@/lib/audit/event";

/** JSON with object keys sorted at every level; the same value always gives the same text. */
export function canonicalJson(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (typeof value === "object") {
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj)
      .filter((k) => obj[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(",")}}`;
  }
  if (typeof value === "bigint") return JSON.stringify(value.toString());
  return JSON.stringify(value);
}

export function eventHash(prevHash: string, e: AuditEventFields): string {
  const body = canonicalJson([
    "slipway-audit-v1",
    e.id.toString(),
    e.createdAt.toISOString(),
    e.actorType,
    e.actorId,
    e.actorLabel,
    e.action,
    e.subjectType,
    e.subjectId,
    e.summary,
    e.before ?? null,
    e.after ?? null,
    e.ip,
    e.userAgent,
  ]);
  return createHash("sha256").update(prevHash).update("\n").update(body).digest("hex");
}
