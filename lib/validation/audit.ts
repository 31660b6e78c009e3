// Audit page and export filters (query string → typed filter).
import { z } from "zod";

const optionalText = z
  .string()
  .trim()
  .max(200)
  .optional()
  .transform((v) => (v ? v : undefined));

/** Accepts 2026-11-24, 2026-11-24T10:00 (datetime-local) or a full ISO timestamp. */
const optionalTime = z
  .string()
  .trim()
  .optional()
  .transform((v, ctx) => {
    if (!v) return undefined;
    const d = new Date(/^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : /T\d{2}:\d{2}(:\d{2})?$/.test(v) ? `${v}Z` : v);
    if (Number.isNaN(d.getTime())) {
      ctx.addIssue({ code: "custom", message: "must be a date like 2026-11-24 or 2026-11-24T10:00" });
      return z.NEVER;
    }
    return d;
  });

export const auditFilterSchema = z
  .object({
    actor: optionalText,
    action: optionalText,
    subjectType: optionalText,
    subjectId: optionalText,
    from: optionalTime,
    to: optionalTime,
    before: z
      .string()
      .regex(/^\d{1,19}$/, "cursor must be an event id")
      .optional()
      .transform((v) => (v ? BigInt(v) : undefined)),
    limit: z.coerce.number().int().min(1).max(500).default(50),
  })
  .refine((f) => !f.from || !f.to || f.from < f.to, { message: "“from” must be before “to”", path: ["to"] });

export type AuditFilter = z.infer<typeof auditFilterSchema>;

export function auditFilterFromSearchParams(sp: Record<string, string | string[] | undefined> | URLSearchParams) {
  const get = (k: string) => {
    const v = sp instanceof URLSearchParams ? sp.get(k) ?? undefined : sp[k];
    return Array.isArray(v) ? v[0] : v;
  };
  return auditFilterSchema.safeParse({
    actor: get("actor"),
    action: get("action"),
    subjectType: get("subjectType"),
    subjectId: get("subjectId"),
    from: get("from"),
    to: get("to"),
    before: get("before"),
    limit: get("limit"),
  });
}
