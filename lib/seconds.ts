// A time limit as messages say it: 10000 → "10 s", 1500 → "1.5 s" (one decimal at most).
export function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}
