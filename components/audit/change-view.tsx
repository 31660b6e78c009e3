// What an audit event changed. Flat before/after records show as a field-by-field table with the changed
// fields marked; anything nested shows as pretty-printed JSON.

type Scalar = string | number | boolean | null;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isFlat(v: Record<string, unknown>): v is Record<string, Scalar> {
  return Object.values(v).every((x) => x === null || ["string", "number", "boolean"].includes(typeof x));
}

function Value({ value, present }: { value: Scalar | undefined; present: boolean }) {
  if (!present) return <span className="text-zinc-400">—</span>;
  if (value === null) return <span className="font-mono text-zinc-500">null</span>;
  return <span className="font-mono [overflow-wrap:anywhere]">{typeof value === "string" ? value : JSON.stringify(value)}</span>;
}

function JsonBlock({ label, value }: { label: string; value: unknown }) {
  return (
    <div className="min-w-0">
      <p className="mb-1 text-xs font-medium uppercase tracking-wide text-zinc-500 dark:text-zinc-400">{label}</p>
      {value === null || value === undefined ? (
        <p className="text-xs text-zinc-400">nothing recorded</p>
      ) : (
        <pre className="max-h-72 overflow-auto rounded-md border border-zinc-200 bg-zinc-50 p-2 font-mono text-xs text-zinc-800 dark:border-zinc-700 dark:bg-zinc-950 dark:text-zinc-200">
          {JSON.stringify(value, null, 2)}
        </pre>
      )}
    </div>
  );
}

export function ChangeView({ before, after }: { before: unknown; after: unknown }) {
  const hasBefore = before !== null && before !== undefined;
  const hasAfter = after !== null && after !== undefined;
  if (!hasBefore && !hasAfter) return <p className="text-xs text-zinc-500 dark:text-zinc-400">No before/after data was recorded for this event.</p>;

  const b = hasBefore ? before : {};
  const a = hasAfter ? after : {};
  if (isRecord(b) && isRecord(a) && isFlat(b) && isFlat(a)) {
    const keys = [...Object.keys(b), ...Object.keys(a).filter((k) => !(k in b))];
    return (
      <div className="space-y-2">
        <table className="w-full border-collapse text-xs">
          <caption className="sr-only">Fields before and after the change</caption>
          <thead>
            <tr className="text-left text-zinc-500 dark:text-zinc-400">
              <th scope="col" className="pb-1 pr-3 font-medium">
                Field
              </th>
              <th scope="col" className="pb-1 pr-3 font-medium">
                Before
              </th>
              <th scope="col" className="pb-1 font-medium">
                After
              </th>
            </tr>
          </thead>
          <tbody>
            {keys.map((k) => {
              const changed = hasBefore && hasAfter ? b[k] !== a[k] : true;
              return (
                <tr key={k} className="border-t border-zinc-100 align-top dark:border-zinc-800">
                  <th scope="row" className="py-1 pr-3 text-left font-medium text-zinc-600 dark:text-zinc-400">
                    {k}
                    {changed && hasBefore && hasAfter ? <span className="sr-only"> (changed)</span> : null}
                  </th>
                  <td className={`py-1 pr-3 ${changed && hasBefore ? "text-red-800 dark:text-red-300" : "text-zinc-700 dark:text-zinc-300"}`}>
                    <Value value={b[k]} present={hasBefore && k in b} />
                  </td>
                  <td className={`py-1 ${changed && hasAfter ? "font-medium text-emerald-800 dark:text-emerald-300" : "text-zinc-700 dark:text-zinc-300"}`}>
                    <Value value={a[k]} present={hasAfter && k in a} />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
        <details>
          <summary className="text-xs text-zinc-500 hover:underline dark:text-zinc-400">Raw JSON</summary>
          <div className="mt-2 grid gap-3">
            <JsonBlock label="Before" value={before} />
            <JsonBlock label="After" value={after} />
          </div>
        </details>
      </div>
    );
  }
  return (
    <div className="grid gap-3">
      <JsonBlock label="Before" value={before} />
      <JsonBlock label="After" value={after} />
    </div>
  );
}
