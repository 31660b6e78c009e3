// The DORA page's figures in words: counts, rates and times, for the page (server) and its charts (client).
import { formatDuration } from "@/components/format/time";

export type TrendUnit = "count" | "percent" | "seconds";

/** "none", "40 %", "2 h 15 min", "0.13" */
export function formatTrendValue(v: number | null, unit: TrendUnit): string {
  if (v === null) return "none";
  if (unit === "percent") return `${Math.round(v * 100)} %`;
  if (unit === "seconds") return formatDuration(v * 1000);
  return String(Math.round(v * 100) / 100);
}
