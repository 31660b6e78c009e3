// npm run faults [-- --trials N] [vitest filters…] — the fault suite (test/faults/) with every fault injected
// N times (10 by default; `npm test` runs each once), then one table of the results. Exits non-zero when a
// fault's checks failed in any trial. README "Reliability" holds the last full run's table.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { FaultRow } from "../test/helpers/faults";

const args = process.argv.slice(2);
let trials = 10;
const rest: string[] = [];
for (let i = 0; i < args.length; i++) {
  const a = args[i]!;
  if (a === "--trials" || a.startsWith("--trials=")) {
    const v = a.includes("=") ? a.slice(a.indexOf("=") + 1) : args[++i];
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1 || n > 100) {
      console.error(`faults: --trials takes a whole number from 1 to 100, not ${JSON.stringify(v ?? "")}`);
      process.exit(2);
    }
    trials = n;
  } else rest.push(a);
}

const dir = mkdtempSync(path.join(os.tmpdir(), "slipway-faults-"));
const report = path.join(dir, "faults.jsonl");
const filters = rest.length > 0 ? rest : ["test/faults"];
console.log(`faults: ${trials} trial(s) per fault: vitest run ${filters.join(" ")}`);
const started = Date.now();
const child = spawn("npx", ["vitest", "run", ...filters], {
  stdio: "inherit",
  env: { ...process.env, SLIPWAY_FAULT_TRIALS: String(trials), SLIPWAY_FAULT_REPORT: report },
});
const code: number = await new Promise((resolve) => child.on("exit", (c, sig) => resolve(c ?? (sig ? 1 : 0))));

const rows: FaultRow[] = existsSync(report)
  ? readFileSync(report, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as FaultRow)
  : [];
rmSync(dir, { recursive: true, force: true });
rows.sort((a, b) => a.suite.localeCompare(b.suite) || a.fault.localeCompare(b.fault));
const cells = rows.map((r) => [
  r.suite,
  r.fault,
  `${r.passed}/${r.trials}`,
  Object.entries(r.figures ?? {}).map(([k, v]) => `${k} ${v}`).join(", "),
]);
const head = ["suite", "fault", "passed", "figures"];
const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
const line = (c: string[]) => `| ${c.map((x, i) => x.padEnd(widths[i]!)).join(" | ")} |`;
console.log(`\nfaults: ${rows.length} fault(s), ${trials} trial(s) each, ${Math.round((Date.now() - started) / 1000)} s on ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB`);
console.log(line(head));
console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
for (const c of cells) console.log(line(c));
const failed = rows.filter((r) => r.passed < r.trials).length;
console.log(`faults: ${failed === 0 && code === 0 ? "all held" : `${failed} fault(s) failed a trial; vitest exited ${code}`}`);
process.exit(code !== 0 || failed > 0 ? 1 : 0);
