// A bounded preview of what an audit event changed, for the Audit list: the fields that differ (all of them
// when something was created or removed), at most a few, each value cut short. The whole before/after is on
// the event's own page (components/audit/change-view.tsx): fifty events with their full details weighed
// most of the Audit page, and they were sent twice (in the HTML and in the RSC payload).

/** Fields shown, and characters per value, before the preview says there is more. */
export const PREVIEW_FIELDS = 5;
export const PREVIEW_CHARS = 64;

export interface PreviewRow {
  field: string;
  before?: string;
  after?: string;
}

export interface ChangePreview {
  rows: PreviewRow[];
  /** changed fields not shown */
  more: number;
  /** a value was cut short */
  cut: boolean;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function text(v: unknown): string {
  return typeof v === "string" ? v : JSON.stringify(v);
}

/** At most PREVIEW_CHARS characters (never half of one), "…" when cut. */
function short(s: string): { s: string; cut: boolean } {
  const chars = Array.from(s);
  return chars.length > PREVIEW_CHARS ? { s: `${chars.slice(0, PREVIEW_CHARS - 1).join("")}…`, cut: true } : { s, cut: false };
}

/** What the preview shows of an event's before and after (null/undefined: not recorded). */
export function changePreview(before: unknown, after: unknown): ChangePreview {
  const hasBefore = before !== null && before !== undefined;
  const hasAfter = after !== null && after !== undefined;
  const all: PreviewRow[] = [];
  const value = (present: boolean, v: unknown, k?: string) => {
    if (!present) return undefined;
    if (k === undefined) return text(v);
    return isRecord(v) && k in v ? text(v[k]) : undefined;
  };
  if ((!hasBefore || isRecord(before)) && (!hasAfter || isRecord(after)) && (hasBefore || hasAfter)) {
    const b = hasBefore ? (before as Record<string, unknown>) : {};
    const a = hasAfter ? (after as Record<string, unknown>) : {};
    for (const k of [...Object.keys(b), ...Object.keys(a).filter((k) => !(k in b))]) {
      const row = { field: k, before: value(hasBefore, b, k), after: value(hasAfter, a, k) };
      // with both sides recorded, only what differs
      if (hasBefore && hasAfter && row.before === row.after) continue;
      all.push(row);
    }
  } else if (hasBefore || hasAfter) {
    all.push({ field: "value", before: value(hasBefore, before), after: value(hasAfter, after) });
  }
  let cut = false;
  const rows = all.slice(0, PREVIEW_FIELDS).map((r) => {
    const b = r.before === undefined ? undefined : short(r.before);
    const a = r.after === undefined ? undefined : short(r.after);
    cut ||= Boolean(b?.cut || a?.cut);
    return { field: r.field, before: b?.s, after: a?.s };
  });
  return { rows, more: all.length - rows.length, cut };
}

/**
 * The preview as a list styled by app/globals.css (.diff: field name, old value struck out in red, an arrow, new
 * value in green), so that each field costs its words and three tags; del and ins tell assistive technology
 * which value is the old one.
 */
export function ChangePreviewList({ before, after }: { before: unknown; after: unknown }) {
  const p = changePreview(before, after);
  if (!p.rows.length) {
    const recorded = (before !== null && before !== undefined) || (after !== null && after !== undefined);
    return <p className="text-xs muted">{recorded ? "Nothing differs between before and after." : "No before/after data was recorded for this event."}</p>;
  }
  return (
    <>
      <ul className="diff">
        {p.rows.map((r) => (
          <li key={r.field}>
            <b>{r.field}</b> {r.before !== undefined ? <del>{r.before}</del> : null}
            {r.after !== undefined ? <ins>{r.after}</ins> : null}
          </li>
        ))}
      </ul>
      {p.more ? <p className="text-xs muted">and {p.more} more {p.more === 1 ? "field" : "fields"}</p> : null}
    </>
  );
}
