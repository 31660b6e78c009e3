// Prints one closing line for the whole run, counted from the vitest and Playwright JSON reports:
// "tests: N passed, N failed" (", N skipped" when some were).
import { existsSync, readFileSync } from "node:fs";

let passed = 0;
let failed = 0;
let skipped = 0;
let reports = 0;

if (existsSync("test-results/vitest.json")) {
  const r = JSON.parse(readFileSync("test-results/vitest.json", "utf8"));
  reports++;
  passed += r.numPassedTests ?? 0;
  // a file that failed to load has no failed test of its own: count it as one failure
  const brokenFiles = (r.testResults ?? []).filter((f) => f.status === "failed" && !(f.assertionResults ?? []).some((a) => a.status === "failed")).length;
  failed += (r.numFailedTests ?? 0) + brokenFiles;
  skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
}
if (existsSync("test-results/playwright.json")) {
  const r = JSON.parse(readFileSync("test-results/playwright.json", "utf8"));
  reports++;
  passed += r.stats?.expected ?? 0;
  failed += (r.stats?.unexpected ?? 0) + (r.stats?.flaky ?? 0);
  skipped += r.stats?.skipped ?? 0;
  if ((r.errors ?? []).length) failed += r.errors.length;
}
if (reports === 0) {
  console.log("tests: 0 passed, 1 failed");
  console.error("no test report was written: the test runners did not run");
  process.exit(1);
}
console.log(`tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
