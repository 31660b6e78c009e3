// Reading the console's list cursors from the query string.

export type SearchParams = Promise<Record<string, string | string[] | undefined>>;

/** A single query-string value ("?a=1&a=2" → "1"). */
export function param(sp: Record<string, string | string[] | undefined>, key: string): string | undefined {
  const v = sp[key];
  return Array.isArray(v) ? v[0] : v;
}

/** A row id or name used as a keyset cursor: bounded, printable; anything else is ignored. */
export function cursorParam(sp: Record<string, string | string[] | undefined>, key: string): string | undefined {
  const v = param(sp, key)?.trim();
  return v && v.length <= 200 && !/[\u0000-\u001f]/.test(v) ? v : undefined;
}
