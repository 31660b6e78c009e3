// Keyset pagination of /api/v1 lists: `limit` (1..200, default 50) and an opaque `cursor` in, and
// { items, nextCursor } out. The cursor wraps the id of the last row of the previous page (the read models
// in lib/queries page by (time, id) from that row), so a page never repeats or skips a row that was there.
import { z } from "zod";
import { ROW_ID_RE } from "@/lib/validation/ids";
import { ValidationError } from "@/lib/errors";

export const API_PAGE_DEFAULT = 50;
export const API_PAGE_MAX = 200;

const CURSOR_MARK = "c1:";

export function encodeCursor(lastId: string): string {
  return Buffer.from(CURSOR_MARK + lastId, "utf8").toString("base64url");
}

/** The row id inside a cursor, or null when the text is not a cursor this API gave out. */
export function decodeCursor(cursor: string): string | null {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(cursor)) return null;
  const text = Buffer.from(cursor, "base64url").toString("utf8");
  if (!text.startsWith(CURSOR_MARK)) return null;
  const id = text.slice(CURSOR_MARK.length);
  return id.length > 0 && id.length <= 64 && ROW_ID_RE.test(id) ? id : null;
}

const blankToUndefined = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);

/** The query parameters every list takes. `cursor` comes out as the row id it wraps. */
export const pageQuery = {
  limit: z.preprocess(
    blankToUndefined,
    z.coerce
      .number({ error: `must be a whole number from 1 to ${API_PAGE_MAX}` })
      .int(`must be a whole number from 1 to ${API_PAGE_MAX}`)
      .min(1, `must be a whole number from 1 to ${API_PAGE_MAX}`)
      .max(API_PAGE_MAX, `must be a whole number from 1 to ${API_PAGE_MAX}`)
      .default(API_PAGE_DEFAULT)
      .meta({ description: `rows per page, 1 to ${API_PAGE_MAX} (default ${API_PAGE_DEFAULT})` }),
  ),
  cursor: z.preprocess(
    blankToUndefined,
    z
      .string()
      .max(200)
      .optional()
      .meta({ description: "nextCursor from the previous page; leave out for the first page" })
      .transform((v, ctx) => {
        if (v === undefined) return undefined;
        const id = decodeCursor(v);
        if (id === null) {
          ctx.addIssue({ code: "custom", message: "is not a cursor this API gave out: pass nextCursor from the previous page as it is, or leave it out" });
          return z.NEVER;
        }
        return id;
      }),
  ),
};

/** The answer of every list: `{ items, nextCursor }`. */
export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({
    items: z.array(item),
    nextCursor: z.string().nullable().meta({ description: "pass as `cursor` for the next page; null on the last page" }),
  });
}

/** A read model's keyset page (lib/queries/paging.ts) as the API's page. A cursor naming a row that is gone is refused. */
export function toApiPage<R, T>(page: { rows: R[]; nextCursor?: string; cursorNotFound?: boolean }, map: (row: R) => T): { items: T[]; nextCursor: string | null } {
  if (page.cursorNotFound) {
    throw new ValidationError([{ path: "cursor", message: "names a row that no longer exists; start again from the first page (leave cursor out)" }]);
  }
  return { items: page.rows.map(map), nextCursor: page.nextCursor ? encodeCursor(page.nextCursor) : null };
}
