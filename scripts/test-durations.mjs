// Writes test/durations.json (the seconds each vitest file took, 3 s or more) from the last run's
// test-results/vitest.json; test/sequencer.ts runs the longest first. Run it after a full `npm test`.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const report = JSON.parse(readFileSync(path.join(root, "test-results/vitest.json"), "utf8"));
const rows = report.testResults
  .map((f) => [path.relative(root, f.name).split(path.sep).join("/"), Math.round((f.endTime - f.startTime) / 1000)])
  .filter(([, s]) => s >= 3)
  .sort((a, b) => b[1] - a[1]);
writeFileSync(path.join(root, "test/durations.json"), JSON.stringify(Object.fromEntries(rows), null, 1) + "\n");
console.log(`test/durations.json: ${rows.length} files of 3 s or more`);
