// Dates as the console shows them: absolute in UTC ("2026-11-24 14:03 UTC"), relative ("3 min ago"),
// durations ("4 min 12 s"). Pure functions: the same text on the server and in the browser.

const pad = (n: number) => String(n).padStart(2, "0");

/** "2026-11-24 14:03 UTC" (with `seconds`: "2026-11-24 14:03:07 UTC") */
export function formatUtc(d: Date, opts: { seconds?: boolean } = {}): string {
  const date = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  const time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}${opts.seconds ? `:${pad(d.getUTCSeconds())}` : ""}`;
  return `${date} ${time} UTC`;
}

/** "just now", "3 min ago", "2 h ago", "4 days ago", "in 5 min"; a date for anything older than 30 days */
export function formatRelative(d: Date, now: Date): string {
  const diff = now.getTime() - d.getTime();
  const future = diff < 0;
  const s = Math.abs(diff) / 1000;
  let text: string;
  if (s < 45) return future ? "in a few seconds" : "just now";
  if (s < 90) text = "1 min";
  else if (s < 3600) text = `${Math.round(s / 60)} min`;
  else if (s < 86_400) text = `${Math.round(s / 3600)} h`;
  else if (s < 30 * 86_400) {
    const days = Math.round(s / 86_400);
    text = `${days} day${days === 1 ? "" : "s"}`;
  } else return formatUtc(d).slice(0, 10);
  return future ? `in ${text}` : `${text} ago`;
}

/** "42 s", "4 min 12 s", "1 h 5 min" (lib/validation/duration-words.ts: the server's messages say durations the same way) */
export { durationWords as formatDuration } from "@/lib/validation/duration-words";

/** The browser's own time zone (only meaningful in the browser). */
export function formatLocal(d: Date): string {
  return d.toLocaleString(undefined, {
    year: "numeric",
    month: "short",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    timeZoneName: "short",
  });
}
