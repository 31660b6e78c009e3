// The ids Slipway gives its rows (cuids: letters and digits), as commands take them from forms, URLs and the
// API. Checked by shape, not only by length: PostgreSQL refuses a NUL byte in any text, so an id holding one
// would fail the lookup with a server error instead of the "reload the page" a stale id gets.
import { z } from "zod";

export const ROW_ID_RE = /^[A-Za-z0-9_-]+$/;
export const ROW_ID_PROBLEM = "is not an id Slipway gave out (letters, digits, '_' and '-'); reload the page";

/** A row's id, required. */
export const rowId = z.string().trim().min(1, "is required").max(64, "is too long").regex(ROW_ID_RE, ROW_ID_PROBLEM);

/** True when `s` could be a row's id (route parameters, read before any lookup). */
export function isRowId(s: string): boolean {
  return s.length <= 64 && ROW_ID_RE.test(s);
}
