// The soak's short version (the full one is `npm run soak -- --deployments 500`; test/soak/engine.ts): releases
// and rollbacks over 20 targets (17 swarm services, 3 unikernels) run by three real worker processes while a
// worker is killed with SIGKILL, sshd is stopped and started and the swarm manager's dockerd is restarted; then
// nothing is stuck, lost or run twice, every target runs what Slipway recorded (`docker service inspect`, the
// file on the unikernel host), the audit chain verifies and the never-killed worker's RSS grew at most 20%.
// SLIPWAY_SOAK_DEPLOYMENTS sets the count (50 by default: the 20 of the warm-up, 30 under faults).
import { afterAll, describe, expect, inject, test } from "vitest";
import { closeDb } from "@/lib/db";
import { resetEnvCache } from "@/lib/env";
import { createDatabase, dropDatabase } from "@/test/helpers/pg";
import { faultTrials, recordFault } from "@/test/helpers/faults";
import { RSS_GROWTH_LIMIT, runSoak, soakFailures, soakTable, type SoakResult } from "@/test/soak/engine";

const DEPLOYMENTS = Number(process.env.SLIPWAY_SOAK_DEPLOYMENTS ?? 50);
const trials = faultTrials();
const results: SoakResult[] = [];

afterAll(() => {
  if (results.length === 0) return;
  const last = results.at(-1)!;
  recordFault({
    suite: "soak",
    fault: `${DEPLOYMENTS} deployments, kills of workers, sshd, dockerd`,
    trials,
    passed: results.filter((r) => soakFailures(r).length === 0).length,
    figures: {
      p50: `${last.deploySeconds.p50.toFixed(1)} s`,
      p95: `${last.deploySeconds.p95.toFixed(1)} s`,
      rssGrowth: `${(last.rss.growth * 100).toFixed(1)}%`,
      runSeconds: Math.round(last.runSeconds),
    },
  });
});

// On the two-node swarm, as `npm run soak` (SLIPWAY_SOAK_SINGLE_NODE=1: the manager alone). It ran on one node
// for a while: its first two-node runs under CI's load (2026-12-05) ended with re-verifications still waiting,
// which was a worker killed mid-job holding the target's queue for graphile-worker's 4 h lock (fixed: the reaper
// frees dead workers' locks, lib/jobs/pending.ts); three two-node trials under load 13–17 then held.

describe.skipIf(process.getuid?.() !== 0)("soak (short)", () => {
  test(
    `${DEPLOYMENTS} releases and rollbacks under kills: nothing stuck, wrong, twice or lost; audit intact; RSS bounded`,
    async () => {
      const fileUrl = process.env.DATABASE_URL;
      for (let trial = 0; trial < trials; trial++) {
        const seed = 1000 + trial;
        // each trial on a database of its own, as each `npm run soak` is: the inventory's names and the figures
        // (stuck, lost, twice, the audit chain) are the run's own; the first uses the file's (test/setup-db.ts)
        let own: { name: string; url: string } | null = null;
        if (trial > 0) {
          await closeDb();
          own = await createDatabase(inject("adminUrl"), { template: inject("templateDatabase") });
          process.env.DATABASE_URL = own.url;
          resetEnvCache();
        }
        let r: SoakResult;
        try {
          r = await runSoak({ deployments: DEPLOYMENTS, seed, settleMs: 300_000 });
        } finally {
          if (own) {
            await closeDb();
            await dropDatabase(inject("adminUrl"), own.name);
            process.env.DATABASE_URL = fileUrl;
            resetEnvCache();
          }
        }
        results.push(r);
        console.log(`soak trial ${trial + 1}/${trials} (seed ${seed}):\n${soakTable(r)}`);
        expect(r.deployments).toBe(DEPLOYMENTS);
        // every kind of fault happened at least once
        expect(r.kills.worker).toBeGreaterThanOrEqual(1);
        expect(r.kills.sshd).toBeGreaterThanOrEqual(1);
        expect(r.kills.dockerd).toBeGreaterThanOrEqual(1);
        expect(r.stuck).toEqual([]);
        expect(r.wrong).toEqual([]);
        expect(r.twice).toEqual([]);
        expect(r.lost).toEqual([]);
        expect(r.audit.intact, r.audit.output).toBe(true);
        expect(r.rss.growth).toBeLessThanOrEqual(RSS_GROWTH_LIMIT);
        // something was deployed for real: most deployments succeed even under faults
        expect(r.byState.succeeded ?? 0).toBeGreaterThan(DEPLOYMENTS / 2);
      }
    },
    trials * 1_500_000,
  );
});
