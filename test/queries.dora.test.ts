// lib/queries/dora.ts doraReport: the four DORA figures over seeded deployments (test/helpers/dora-seed.ts,
// numbered 1-14 there) whose values are worked out here by hand: the period's boundaries (14 finished exactly
// at its start counts, 13 an hour before and 11 after its end do not), cancelled deployments (10) never count,
// lead time from the commit (12: from when Slipway saw a commit git gave no time for; 7, a rollback: none),
// runs of failures as one incident (2 and 3), restores on the same target only, week-by-week buckets, and the
// breakdowns per app, repository and target.
import { beforeAll, describe, expect, test } from "vitest";
import { getDb } from "@/lib/db";
import { doraReport, weekStartUtc } from "@/lib/queries/dora";
import { doraQuerySchema, doraReportSchema } from "@/lib/validation/dora";
import { DORA_NOW, seedDoraWorld, type DoraWorld } from "@/test/helpers/dora-seed";

const H = 3600;
let w: DoraWorld;

beforeAll(async () => {
  const db = getDb();
  w = await seedDoraWorld((sql, params) => db.$executeRawUnsafe(sql, ...params));
});

describe("doraReport over 30 days", () => {
  test("overall: 10 finished deployments, 6 succeeded, 4 failed or rolled back", async () => {
    const r = await doraReport({ periodDays: 30, now: DORA_NOW });
    expect(doraReportSchema.parse(r)).toEqual(r);
    expect(r.from).toBe("2026-11-04T12:00:00.000Z");
    expect(r.to).toBe("2026-12-04T12:00:00.000Z");
    expect(r.overall).toEqual({
      // 2 3 4 5 6 7 8 9 12 14
      deployments: 10,
      // 4 5 7 8 12 14
      succeeded: 6,
      // 2 3 6 9
      failed: 4,
      deploymentsPerDay: 6 / 30,
      deploymentsPerWeek: (6 / 30) * 7,
      // 14: 0.5 h, 4: 1 h, 12: 1 h, 8: 2 h, 5: 24 h (not 7, a rollback)
      leadTimeSamples: 5,
      leadTimeMedianSeconds: 1 * H,
      // percentile_cont: 2 h + 0.6 × (24 h − 2 h)
      leadTimeP90Seconds: 2 * H + 0.6 * (24 * H - 2 * H),
      changeFailureRate: 0.4,
      // 2 (with 3, one run) restored by 4 after 4 h; 6 restored by 7 after 30 min; 9 not yet (11 is after the period)
      incidents: 3,
      restored: 2,
      timeToRestoreMedianSeconds: (4 * H + 0.5 * H) / 2,
    });
  });

  test("week by week, Monday to Monday UTC, the first and last weeks partial", async () => {
    const r = await doraReport({ periodDays: 30, now: DORA_NOW });
    expect(r.weeks.map((x) => [x.weekStart, x.days])).toEqual([
      ["2026-11-02", 4.5],
      ["2026-11-09", 7],
      ["2026-11-16", 7],
      ["2026-11-23", 7],
      ["2026-11-30", 4.5],
    ]);
    const [w1, w2, w3, w4, w5] = r.weeks;
    // 2 3 4 14
    expect(w1).toMatchObject({ deployments: 4, succeeded: 2, failed: 2, leadTimeMedianSeconds: 0.75 * H, incidents: 1, restored: 1, timeToRestoreMedianSeconds: 4 * H, changeFailureRate: 0.5 });
    expect(w1!.deploymentsPerDay).toBeCloseTo(2 / 4.5, 10);
    expect(w2).toMatchObject({ deployments: 1, succeeded: 1, failed: 0, leadTimeMedianSeconds: 1 * H, incidents: 0, timeToRestoreMedianSeconds: null, changeFailureRate: 0 });
    expect(w3).toMatchObject({ deployments: 1, succeeded: 1, leadTimeMedianSeconds: 24 * H, deploymentsPerWeek: 1 });
    expect(w4).toMatchObject({ deployments: 2, succeeded: 1, failed: 1, leadTimeSamples: 0, leadTimeMedianSeconds: null, incidents: 1, timeToRestoreMedianSeconds: 0.5 * H });
    expect(w5).toMatchObject({ deployments: 2, succeeded: 1, failed: 1, leadTimeMedianSeconds: 2 * H, incidents: 1, restored: 0, timeToRestoreMedianSeconds: null });
    // every finished deployment is in exactly one week
    expect(r.weeks.reduce((n, x) => n + x.deployments, 0)).toBe(r.overall.deployments);
  });

  test("per app, repository and target", async () => {
    const r = await doraReport({ periodDays: 30, now: DORA_NOW });
    expect(r.byApp.map((x) => [x.app, x.deployments, x.failed])).toEqual([
      [w.appName, 8, 4],
      [null, 2, 0],
    ]);
    const repoA = r.byRepository.find((x) => x.repositoryId === w.repoA.id)!;
    expect(repoA).toMatchObject({ repository: w.repoA.name, app: w.appName, deployments: 8, succeeded: 4, failed: 4, changeFailureRate: 0.5, leadTimeMedianSeconds: 2 * H, incidents: 3, restored: 2 });
    const repoB = r.byRepository.find((x) => x.repositoryId === w.repoB.id)!;
    expect(repoB).toMatchObject({ repository: w.repoB.name, app: null, deployments: 2, succeeded: 2, failed: 0, changeFailureRate: 0, leadTimeMedianSeconds: 0.75 * H, incidents: 0 });
    expect(r.byTarget.map((x) => [x.target, x.repository, x.deployments, x.succeeded, x.failed, x.incidents])).toEqual([
      [w.targetA1.name, w.repoA.name, 6, 3, 3, 2],
      [w.targetB1.name, w.repoB.name, 2, 2, 0, 0],
      [w.targetA2.name, w.repoA.name, 2, 1, 1, 1],
    ]);
  });
});

describe("doraReport filtered", () => {
  test("by target: its deployments only, the open incident unrestored", async () => {
    const r = await doraReport({ periodDays: 30, targetId: w.targetA2.id, now: DORA_NOW });
    expect(r.scope).toEqual({ repositoryId: null, targetId: w.targetA2.id });
    expect(r.overall).toMatchObject({ deployments: 2, succeeded: 1, failed: 1, leadTimeMedianSeconds: 2 * H, incidents: 1, restored: 0, timeToRestoreMedianSeconds: null, changeFailureRate: 0.5 });
    expect(r.byTarget.map((x) => x.targetId)).toEqual([w.targetA2.id]);
  });

  test("by repository", async () => {
    const r = await doraReport({ periodDays: 30, repositoryId: w.repoB.id, now: DORA_NOW });
    expect(r.overall).toMatchObject({ deployments: 2, succeeded: 2, failed: 0, changeFailureRate: 0, leadTimeMedianSeconds: 0.75 * H, leadTimeP90Seconds: 0.5 * H + 0.9 * 0.5 * H });
    expect(r.byApp.map((x) => x.app)).toEqual([null]);
  });

  test("7 days: from Friday 2026-11-27 12:00, deployments 8 and 9", async () => {
    const r = await doraReport({ periodDays: 7, now: DORA_NOW });
    expect(r.overall).toMatchObject({ deployments: 2, succeeded: 1, failed: 1, deploymentsPerDay: 1 / 7, incidents: 1, restored: 0 });
    expect(r.weeks.map((x) => [x.weekStart, x.days, x.deployments])).toEqual([
      ["2026-11-23", 2.5, 0],
      ["2026-11-30", 4.5, 2],
    ]);
  });

  test("90 days: the same deployments and 1 and 13 besides; nothing to report is zeros and nulls", async () => {
    const r = await doraReport({ periodDays: 90, now: DORA_NOW });
    expect(r.overall).toMatchObject({ deployments: 12, succeeded: 8, failed: 4 });
    expect(r.weeks).toHaveLength(14);
    const empty = await doraReport({ periodDays: 7, now: new Date("2026-06-01T00:00:00Z") });
    expect(empty.overall).toEqual({
      deployments: 0,
      succeeded: 0,
      failed: 0,
      deploymentsPerDay: 0,
      deploymentsPerWeek: 0,
      leadTimeMedianSeconds: null,
      leadTimeP90Seconds: null,
      leadTimeSamples: 0,
      changeFailureRate: null,
      incidents: 0,
      restored: 0,
      timeToRestoreMedianSeconds: null,
    });
    expect(empty.byRepository).toEqual([]);
  });
});

describe("doraQuerySchema and weekStartUtc", () => {
  test("the query string: period 7/30/90 (30 when absent), ids by shape", () => {
    expect(doraQuerySchema.parse({})).toEqual({ periodDays: 30, repositoryId: undefined, targetId: undefined });
    expect(doraQuerySchema.parse({ period: "7", repository: "", target: "abc123" })).toEqual({ periodDays: 7, repositoryId: undefined, targetId: "abc123" });
    const bad = doraQuerySchema.safeParse({ period: "14", target: "x;drop" });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues.map((i) => `${i.path.join(".")}: ${i.message}`)).toEqual([
      "period: must be 7, 30 or 90 (days)",
      expect.stringMatching(/^target: is not an id Slipway gave out/),
    ]);
  });

  test("weeks start on Monday 00:00 UTC", () => {
    expect(weekStartUtc(new Date("2026-12-06T23:59:59Z")).toISOString()).toBe("2026-11-30T00:00:00.000Z");
    expect(weekStartUtc(new Date("2026-11-30T00:00:00Z")).toISOString()).toBe("2026-11-30T00:00:00.000Z");
  });
});
