// A duration as people read it ("42 s", "4 min 12 s", "1 h 5 min"): one source for the console's pages
// (components/format/time.ts re-exports it as formatDuration) and for messages written on the server ("soak time
// ends in 4 min 10 s"). Not slipway.yml's spelling ("4m10s"): that is inventory-constants.ts's formatDuration.

/** "42 s", "4 min 12 s", "1 h 5 min" */
export function durationWords(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 ? `${m} min ${s % 60} s` : `${m} min`;
  const h = Math.floor(m / 60);
  return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
}
