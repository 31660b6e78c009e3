// The DORA facts table (dora_days) kept by the trigger dora_days_refresh on deployments (migration
// 20261205080814_dora_days): a deployment that finishes writes its day and, when it restores an incident,
// the incident's day; deployments written out of order or whose end changes leave the same rows a full
// dora_rebuild() derives; and doraReport over those rows gives what aggregating the deployments themselves
// gives (the reference query below is the one doraReport ran before the table existed), the period's first
// and last day cut at its ends.
import { randomBytes } from "node:crypto";
import { beforeAll, describe, expect, test } from "vitest";
import { getDb } from "@/lib/db";
import { doraReport } from "@/lib/queries/dora";

const id = (p: string) => `${p}${randomBytes(6).toString("hex")}`;
const DAY = 86_400_000;
const T0 = Date.parse("2026-10-01T00:00:00Z");

let repoId: string;
let buildRule: string;
let deploymentRule: string;
let targets: string[];

const q = (sql: string, ...params: unknown[]) => getDb().$executeRawUnsafe(sql, ...params);

/** A release of a commit made at `committed` (ms). */
async function release(committed: number): Promise<string> {
  const c = id("cm");
  await q(`INSERT INTO commits (id, repository_id, sha, committed_at, created_at) VALUES ($1, $2, $3, $4, $4)`, c, repoId, randomBytes(20).toString("hex"), new Date(committed));
  const b = id("bd");
  await q(`INSERT INTO builds (id, build_rule_id, commit_id, state, trigger, queued_at, finished_at, updated_at) VALUES ($1, $2, $3, 'succeeded', 'webhook', $4, $4, now())`, b, buildRule, c, new Date(committed));
  const r = id("rl");
  await q(`INSERT INTO releases (id, build_id, deployment_rule_id, image_repo, digest) VALUES ($1, $2, $3, 'x', $4)`, r, b, deploymentRule, `sha256:${randomBytes(32).toString("hex")}`);
  return r;
}

/** A deployment as the engine writes one: queued first, its end (state, finished_at) by a later update. */
async function queued(target: string, rel: string, trigger = "release"): Promise<string> {
  const d = id("dp");
  await q(`INSERT INTO deployments (id, target_id, release_id, state, trigger, updated_at) VALUES ($1, $2, $3, 'queued', $4::deployment_trigger, now())`, d, target, rel, trigger);
  return d;
}
const end = (d: string, state: string, at: number) => getDb().deployment.update({ where: { id: d }, data: { state: state as "succeeded", finishedAt: new Date(at) } });

interface DayFacts {
  target_id: string;
  day: string;
  finished_at: number[];
  ok: boolean[];
  lead_seconds: (number | null)[];
  incident: boolean[];
  restore_seconds: (number | null)[];
  restored_at: (number | null)[];
}
const days = (where = "true") =>
  getDb().$queryRawUnsafe<DayFacts[]>(
    `SELECT target_id, to_char(day, 'YYYY-MM-DD') AS day, finished_at, ok, lead_seconds, incident, restore_seconds, restored_at FROM dora_days WHERE ${where} ORDER BY target_id, day`,
  );

/** What a full dora_rebuild() derives from the deployments, without keeping it. */
async function rebuilt(): Promise<DayFacts[]> {
  const db = getDb();
  let out: DayFacts[] = [];
  await db
    .$transaction(async (tx) => {
      await tx.$executeRawUnsafe(`SELECT dora_rebuild()`);
      out = await tx.$queryRawUnsafe<DayFacts[]>(
        `SELECT target_id, to_char(day, 'YYYY-MM-DD') AS day, finished_at, ok, lead_seconds, incident, restore_seconds, restored_at FROM dora_days ORDER BY target_id, day`,
      );
      throw new Error("roll back");
    })
    .catch((e: unknown) => {
      if ((e as Error).message !== "roll back") throw e;
    });
  return out;
}

beforeAll(async () => {
  repoId = id("repo");
  await q(`INSERT INTO repositories (id, name, provider, url, updated_at) VALUES ($1, 'acme/days', 'git', 'https://git.example.test/acme/days.git', now())`, repoId);
  buildRule = id("br");
  await q(`INSERT INTO build_rules (id, repository_id, name, kind, updated_at) VALUES ($1, $2, 'Dockerfile', 'docker', now())`, buildRule, repoId);
  deploymentRule = id("dr");
  await q(`INSERT INTO deployment_rules (id, build_rule_id, branch, image, updated_at) VALUES ($1, $2, 'live', '127.0.0.1:5000/days:live', now())`, deploymentRule, buildRule);
  targets = [];
  for (const name of ["days-a", "days-b", "days-c"]) {
    const t = id("tg");
    await q(`INSERT INTO targets (id, deployment_rule_id, name, kind, service, updated_at) VALUES ($1, $2, $3, 'swarm_service', 'web', now())`, t, deploymentRule, name);
    targets.push(t);
  }
});

describe("the trigger keeps dora_days", () => {
  test("a failure writes its day as an incident; a success two days later restores it there; cancelled ones never count", async () => {
    const [a] = targets;
    const failedAt = T0 + 3 * 3600_000;
    const f = await queued(a!, await release(T0 - 3600_000));
    expect(await days(`target_id = '${a}'`)).toEqual([]);
    await end(f, "failed", failedAt);
    expect(await days(`target_id = '${a}'`)).toEqual([
      { target_id: a, day: "2026-10-01", finished_at: [failedAt / 1000], ok: [false], lead_seconds: [null], incident: [true], restore_seconds: [null], restored_at: [null] },
    ]);
    const c = await queued(a!, await release(T0));
    await end(c, "cancelled", T0 + DAY);
    const okAt = T0 + 2 * DAY + 3600_000;
    const s = await queued(a!, await release(T0 + 2 * DAY));
    await end(s, "succeeded", okAt);
    expect(await days(`target_id = '${a}'`)).toEqual([
      { target_id: a, day: "2026-10-01", finished_at: [failedAt / 1000], ok: [false], lead_seconds: [null], incident: [true], restore_seconds: [(okAt - failedAt) / 1000], restored_at: [okAt / 1000] },
      // lead time: the commit (T0 + 2 days) to the end
      { target_id: a, day: "2026-10-03", finished_at: [okAt / 1000], ok: [true], lead_seconds: [3600], incident: [false], restore_seconds: [null], restored_at: [null] },
    ]);
    // a rollback redeploys an old commit: no lead time
    const rb = await queued(a!, await release(T0 - 30 * DAY), "rollback");
    await end(rb, "succeeded", okAt + 60_000);
    expect((await days(`target_id = '${a}' AND day = '2026-10-03'`))[0]!.lead_seconds).toEqual([3600, null]);
  });

  // a fixed pseudo-random sequence of deployments on targets b and c, written in a shuffled order
  async function shuffled(n: number, startDay: number, spanDays: number, seed: number) {
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const states = ["succeeded", "succeeded", "failed", "rolled_back", "cancelled"];
    const planned = Array.from({ length: n }, (_, i) => ({
      target: targets[1 + (i % 2)]!,
      at: T0 + startDay * DAY + Math.floor(rand() * spanDays * DAY),
      state: states[Math.floor(rand() * states.length)]!,
      committed: 0,
    }));
    for (const p of planned) p.committed = p.at - Math.floor(rand() * 3 * DAY);
    const order = planned.map((p) => ({ p, k: rand() })).sort((x, y) => x.k - y.k);
    const written: { d: string; p: (typeof planned)[number] }[] = [];
    for (const { p } of order) {
      const d = await queued(p.target, await release(p.committed));
      await end(d, p.state, p.at);
      written.push({ d, p });
    }
    return written;
  }

  test("deployments written out of order, and ends that change, leave what a full rebuild derives", async () => {
    // several a day (2026-10-21 to 11-02), then about one every two days per target (11-20 to 12-20): a
    // deployment written before an earlier one then changes whether a later day's failure starts an incident
    await shuffled(90, 20, 12, 42);
    expect(await days()).toEqual(await rebuilt());
    const written = await shuffled(30, 50, 30, 7);
    expect(await days()).toEqual(await rebuilt());
    // ends that change: a success later reported rolled back, a failure moved to another day
    const s = written.find((w) => w.p.state === "succeeded")!;
    await getDb().deployment.update({ where: { id: s.d }, data: { state: "rolled_back" } });
    const f = written.find((w) => w.p.state === "failed")!;
    await end(f.d, "failed", f.p.at + 2 * DAY + 7_000);
    expect(await days()).toEqual(await rebuilt());
  });

  test("a session with slipway.dora_off writes no facts (a restore, a bulk load); dora_rebuild derives them", async () => {
    const [a] = targets;
    const at = T0 + 40 * DAY;
    const rel = await release(at - 3600_000);
    const d = id("dp");
    await getDb().$transaction(async (tx) => {
      await tx.$executeRawUnsafe(`SET LOCAL slipway.dora_off = 'on'`);
      await tx.$executeRawUnsafe(
        `INSERT INTO deployments (id, target_id, release_id, state, trigger, finished_at, updated_at) VALUES ($1, $2, $3, 'succeeded', 'release', $4, now())`,
        d,
        a,
        rel,
        new Date(at),
      );
    });
    expect(await days(`target_id = '${a}' AND day = '2026-11-10'`)).toEqual([]);
    await q(`SELECT dora_rebuild()`);
    expect(await days(`target_id = '${a}' AND day = '2026-11-10'`)).toMatchObject([{ finished_at: [at / 1000], ok: [true], lead_seconds: [3600] }]);
  });
});

describe("doraReport over dora_days equals aggregating the deployments", () => {
  interface Ref {
    target_id: string | null;
    deployments: number;
    succeeded: number;
    failed: number;
    lead_median: number | null;
    lead_p90: number | null;
    lead_samples: number;
    incidents: number;
    restored: number;
    restore_median: number | null;
  }
  /** doraReport's statement before dora_days: every deployment of the period aggregated by PostgreSQL. */
  const reference = (from: Date, to: Date) =>
    getDb().$queryRaw<Ref[]>`
      WITH fin AS (
        SELECT d.target_id, d.state, d.finished_at,
               CASE WHEN d.state = 'succeeded' AND d.trigger IN ('release', 'manual')
                    THEN GREATEST(0, EXTRACT(EPOCH FROM d.finished_at - COALESCE(c.committed_at, c.created_at)))::float8 END AS lead_seconds,
               d.state IN ('failed', 'rolled_back') AND NOT COALESCE((
                 SELECT p.state IN ('failed', 'rolled_back') FROM deployments p
                 WHERE p.target_id = d.target_id AND p.finished_at < d.finished_at AND p.state IN ('succeeded', 'failed', 'rolled_back')
                 ORDER BY p.finished_at DESC LIMIT 1), false) AS incident
        FROM deployments d JOIN releases rl ON rl.id = d.release_id JOIN builds b ON b.id = rl.build_id JOIN commits c ON c.id = b.commit_id
        WHERE d.finished_at >= ${from} AND d.finished_at < ${to} AND d.state IN ('succeeded', 'failed', 'rolled_back')
      ), inc AS (
        SELECT f.*, CASE WHEN f.incident THEN EXTRACT(EPOCH FROM (
                 SELECT min(n.finished_at) FROM deployments n
                 WHERE n.target_id = f.target_id AND n.finished_at > f.finished_at AND n.finished_at < ${to} AND n.state = 'succeeded') - f.finished_at)::float8 END AS restore_seconds
        FROM fin f
      )
      SELECT target_id, count(*)::int AS deployments,
             count(*) FILTER (WHERE state = 'succeeded')::int AS succeeded,
             count(*) FILTER (WHERE state IN ('failed', 'rolled_back'))::int AS failed,
             percentile_cont(0.5) WITHIN GROUP (ORDER BY lead_seconds) AS lead_median,
             percentile_cont(0.9) WITHIN GROUP (ORDER BY lead_seconds) AS lead_p90,
             count(lead_seconds)::int AS lead_samples,
             count(*) FILTER (WHERE incident)::int AS incidents,
             count(restore_seconds)::int AS restored,
             percentile_cont(0.5) WITHIN GROUP (ORDER BY restore_seconds) AS restore_median
      FROM inc GROUP BY GROUPING SETS ((), (target_id))`;

  const r3 = (x: number | null) => (x === null ? null : Math.round(x * 1000) / 1000);

  test("periods ending mid-day, at midnight and after everything, overall and per target", async () => {
    for (const now of ["2026-10-28T13:17:05Z", "2026-11-02T00:00:00Z", "2026-10-25T06:00:00.001Z", "2026-12-05T10:00:00Z", "2027-01-20T00:00:00Z"]) {
      for (const periodDays of [7, 30] as const) {
        const to = new Date(now);
        const from = new Date(to.getTime() - periodDays * DAY);
        const [report, ref] = await Promise.all([doraReport({ periodDays, now: to }), reference(from, to)]);
        const want = (r: Ref | undefined) => ({
          deployments: r?.deployments ?? 0,
          succeeded: r?.succeeded ?? 0,
          failed: r?.failed ?? 0,
          leadTimeMedianSeconds: r3(r?.lead_median ?? null),
          leadTimeP90Seconds: r3(r?.lead_p90 ?? null),
          leadTimeSamples: r?.lead_samples ?? 0,
          incidents: r?.incidents ?? 0,
          restored: r?.restored ?? 0,
          timeToRestoreMedianSeconds: r3(r?.restore_median ?? null),
        });
        const overall = ref.find((r) => r.target_id === null);
        expect(report.overall, `${periodDays} days to ${now}`).toMatchObject(want(overall));
        const perTarget = ref.filter((r) => r.target_id !== null);
        expect(report.byTarget.map((t) => t.targetId).sort()).toEqual(perTarget.map((r) => r.target_id).sort());
        for (const r of perTarget) expect(report.byTarget.find((t) => t.targetId === r.target_id), `${r.target_id} to ${now}`).toMatchObject(want(r));
      }
    }
    // the cases above are not empty ones
    expect((await doraReport({ periodDays: 30, now: new Date("2026-10-28T13:17:05Z") })).overall.deployments).toBeGreaterThan(40);
  });

  test("a report of the period ending now is reused until a deployment finishes (dora_days_version)", async () => {
    const [a] = targets;
    const first = await doraReport({ periodDays: 7, targetId: a });
    expect(await doraReport({ periodDays: 7, targetId: a })).toBe(first);
    // another scope is its own report
    expect(await doraReport({ periodDays: 30, targetId: a })).not.toBe(first);
    const d = await queued(a!, await release(Date.now() - 3600_000));
    await end(d, "succeeded", Date.now() - 1000);
    const next = await doraReport({ periodDays: 7, targetId: a });
    expect(next).not.toBe(first);
    expect(next.overall.deployments).toBe(first.overall.deployments + 1);
    expect(next.overall.leadTimeSamples).toBe(first.overall.leadTimeSamples + 1);
  });

  test("deleting a target deletes its facts", async () => {
    const [, , c] = targets;
    expect((await days(`target_id = '${c}'`)).length).toBeGreaterThan(0);
    await getDb().target.delete({ where: { id: c } });
    expect(await days(`target_id = '${c}'`)).toEqual([]);
  });
});
