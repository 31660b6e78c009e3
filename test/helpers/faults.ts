// The fault suite's shared part (test/faults/*.test.ts; README "Reliability"). Each fault is injected for
// real and repeated faultTrials() times: once in `npm test`, SLIPWAY_FAULT_TRIALS times under `npm run faults`
// (10 by default). Each test records one row per fault with recordFault(); `npm run faults` prints the rows
// as one table at the end (scripts/faults.ts).
import { appendFileSync } from "node:fs";

/** How many times each fault is injected: SLIPWAY_FAULT_TRIALS (1 to 100), 1 when unset. */
export function faultTrials(): number {
  const raw = process.env.SLIPWAY_FAULT_TRIALS;
  if (raw === undefined || raw === "") return 1;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 100) throw new Error(`SLIPWAY_FAULT_TRIALS must be a whole number from 1 to 100, not ${JSON.stringify(raw)}`);
  return n;
}

/**
 * A fault test's timeout: `oneTrialMs` for each of its faultTrials() trials (1 in `npm test`, 10 under `npm run
 * faults`), so ten trials get ten times the time of one; a hang still ends the test.
 */
export function faultTimeout(oneTrialMs: number): number {
  return oneTrialMs * faultTrials();
}

/** One row of the fault table: a fault, how often it was injected and how often everything came out right. */
export interface FaultRow {
  /** the test file's subject, e.g. "worker killed" */
  suite: string;
  /** the fault, e.g. "kill -9 during push" */
  fault: string;
  trials: number;
  /** trials where every check held (the test fails when this is below `trials`) */
  passed: number;
  /** what was measured, printed beside the row (e.g. { recoverySeconds: 4.2 }) */
  figures?: Record<string, string | number>;
}

/** Appends the row to SLIPWAY_FAULT_REPORT (JSON lines) when `npm run faults` set it; a no-op otherwise. */
export function recordFault(row: FaultRow): void {
  const file = process.env.SLIPWAY_FAULT_REPORT;
  if (!file) return;
  appendFileSync(file, `${JSON.stringify(row)}\n`);
}
