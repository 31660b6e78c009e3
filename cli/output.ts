// What `slipway` prints: data on stdout (a table, lines, or with --json one JSON document), messages and
// progress on stderr, so that `$(slipway deploy …)` captures the data alone.
import { formatRelative } from "@/components/format/time";

export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** true when stdout is a terminal (tables may be cut to its width) */
  columns?: number;
}

export const processIo: Io = {
  out: (t) => process.stdout.write(t.endsWith("\n") ? t : t + "\n"),
  err: (t) => process.stderr.write(t.endsWith("\n") ? t : t + "\n"),
  columns: process.stdout.isTTY ? process.stdout.columns : undefined,
};

export function printJson(io: Io, value: unknown): void {
  io.out(JSON.stringify(value, null, 2));
}

/** Columns padded to their widest cell; the last column is not padded. An empty list prints `empty` instead. */
export function table(io: Io, head: string[], rows: string[][], empty: string): void {
  if (rows.length === 0) {
    io.err(empty);
    return;
  }
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  io.out([line(head), ...rows.map(line)].join("\n"));
}

/** Key: value lines, keys aligned; null / undefined / "" values are left out. */
export function fields(io: Io, pairs: [string, string | null | undefined][]): void {
  const shown = pairs.filter((p): p is [string, string] => p[1] !== null && p[1] !== undefined && p[1] !== "");
  const w = Math.max(...shown.map(([k]) => k.length));
  io.out(shown.map(([k, v]) => `${(k + ":").padEnd(w + 1)} ${v}`).join("\n"));
}

export const shortSha = (sha: string | null | undefined) => (sha ? sha.slice(0, 7) : "-");

export function ago(iso: string | null | undefined, now = new Date()): string {
  if (!iso) return "-";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : formatRelative(d, now);
}

/** "pending_approval" → "pending approval" */
export const words = (state: string) => state.replaceAll("_", " ");
