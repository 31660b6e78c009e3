// Sizes as the console shows them: short in binary units ("1.2 MiB"), and exact ("1,234,567 bytes").
// Pure functions: the same text on the server and in the browser.

const UNITS = ["KiB", "MiB", "GiB", "TiB"];

/** 512 → "512 B", 1536 → "1.5 KiB", 10485760 → "10 MiB" */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const text = value < 10 ? value.toFixed(1) : Math.round(value).toString();
  return `${text.replace(/\.0$/, "")} ${UNITS[unit]}`;
}

/** 1234567 → "1,234,567 bytes" */
export function formatByteCount(n: number): string {
  return `${n.toLocaleString("en-US")} byte${n === 1 ? "" : "s"}`;
}
