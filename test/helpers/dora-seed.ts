// Deployments whose DORA figures are worked out by hand (test/queries.dora.test.ts states them), written with
// plain SQL so that vitest (through Prisma) and the Playwright specs (through pg) seed the same rows.
// The period ends at DORA_NOW, Friday 2026-12-04 12:00 UTC; 30 days start Wednesday 2026-11-04 12:00 UTC.
import { randomBytes } from "node:crypto";

export const DORA_NOW = new Date("2026-12-04T12:00:00.000Z");

export type Exec = (sql: string, params: unknown[]) => Promise<unknown>;

export interface DoraWorld {
  appId: string;
  appName: string;
  /** acme/web, under the app: targets web-prod (A1) and web-canary (A2) */
  repoA: { id: string; name: string };
  /** tools/cli, without an app: target cli-artifacts (B1) */
  repoB: { id: string; name: string };
  targetA1: { id: string; name: string };
  targetA2: { id: string; name: string };
  targetB1: { id: string; name: string };
}

const id = (p: string) => `${p}${randomBytes(8).toString("hex")}`;

/**
 * `now`: the end of the period the rows are placed against (every time below moves by now - DORA_NOW; a page
 * that reads the real clock seeds with the real time). `suffix` keeps names unique in a shared database.
 */
export async function seedDoraWorld(exec: Exec, opts: { now?: Date; suffix?: string } = {}): Promise<DoraWorld> {
  const suffix = opts.suffix ?? "";
  const shift = (opts.now ?? DORA_NOW).getTime() - DORA_NOW.getTime();
  const t = (iso: string) => new Date(new Date(iso).getTime() + shift);
  const appId = id("app");
  const appName = `acme-flavour${suffix}`;
  await exec(`INSERT INTO github_apps (id, name, updated_at) VALUES ($1, $2, now())`, [appId, appName]);
  const repo = async (name: string, app: string | null) => {
    const r = id("repo");
    await exec(`INSERT INTO repositories (id, name, provider, app_id, url, updated_at) VALUES ($1, $2, $3::repository_provider, $4, $5, now())`, [
      r,
      name,
      app ? "github" : "git",
      app,
      `https://git.example.test/${name}.git`,
    ]);
    const br = id("br");
    await exec(`INSERT INTO build_rules (id, repository_id, name, kind, updated_at) VALUES ($1, $2, 'Dockerfile', 'docker', now())`, [br, r]);
    const dr = id("dr");
    await exec(`INSERT INTO deployment_rules (id, build_rule_id, branch, image, updated_at) VALUES ($1, $2, 'live', $3, now())`, [dr, br, `127.0.0.1:5000/${name}:live`]);
    return { id: r, name, buildRule: br, deploymentRule: dr };
  };
  const a = await repo(`acme/web${suffix}`, appId);
  const b = await repo(`tools/cli${suffix}`, null);
  const target = async (name: string, dr: string) => {
    const x = id("tg");
    await exec(`INSERT INTO targets (id, deployment_rule_id, name, kind, service, updated_at) VALUES ($1, $2, $3, 'swarm_service', 'web', now())`, [x, dr, name]);
    return { id: x, name };
  };
  const a1 = await target(`web-prod${suffix}`, a.deploymentRule);
  const a2 = await target(`web-canary${suffix}`, a.deploymentRule);
  const b1 = await target(`cli-artifacts${suffix}`, b.deploymentRule);

  /** one commit, build, release and deployment; `committed` null: git gave no time, Slipway saw it at `seen` */
  const deploy = async (
    r: { id: string; buildRule: string; deploymentRule: string },
    tg: { id: string },
    state: string,
    finished: string,
    committed: string | null,
    opts: { seen?: string; trigger?: string } = {},
  ) => {
    const c = id("cm");
    await exec(`INSERT INTO commits (id, repository_id, sha, committed_at, created_at) VALUES ($1, $2, $3, $4, $5)`, [
      c,
      r.id,
      randomBytes(20).toString("hex"),
      committed ? t(committed) : null,
      t(opts.seen ?? committed ?? "2026-10-01T00:00:00Z"),
    ]);
    const bd = id("bd");
    await exec(`INSERT INTO builds (id, build_rule_id, commit_id, state, trigger, queued_at, finished_at, updated_at) VALUES ($1, $2, $3, 'succeeded', 'webhook', $4, $4, now())`, [
      bd,
      r.buildRule,
      c,
      t(finished),
    ]);
    const rl = id("rl");
    await exec(`INSERT INTO releases (id, build_id, deployment_rule_id, image_repo, digest) VALUES ($1, $2, $3, 'x', $4)`, [rl, bd, r.deploymentRule, `sha256:${randomBytes(32).toString("hex")}`]);
    const finishedAt = state === "cancelled" || state === "superseded" || state === "succeeded" || state === "failed" || state === "rolled_back" ? t(finished) : null;
    await exec(
      `INSERT INTO deployments (id, target_id, release_id, state, trigger, created_at, started_at, finished_at, updated_at)
       VALUES ($1, $2, $3, $4::deployment_state, $5::deployment_trigger, $6, $6, $7, now())`,
      [id("dp"), tg.id, rl, state, opts.trigger ?? "release", new Date(t(finished).getTime() - 60_000), finishedAt],
    );
  };
  // target A1 (web-prod)
  await deploy(a, a1, "succeeded", "2026-11-03T00:00:00Z", "2026-11-02T00:00:00Z"); // 1: before the period; the one before 2
  await deploy(a, a1, "failed", "2026-11-05T10:00:00Z", "2026-11-05T09:00:00Z"); // 2: an incident starts
  await deploy(a, a1, "failed", "2026-11-05T12:00:00Z", "2026-11-05T11:00:00Z"); // 3: the same run of failures
  await deploy(a, a1, "succeeded", "2026-11-05T14:00:00Z", "2026-11-05T13:00:00Z"); // 4: restores 2 after 4 h; lead 1 h
  await deploy(a, a1, "succeeded", "2026-11-20T00:00:00Z", "2026-11-19T00:00:00Z"); // 5: lead 24 h
  await deploy(a, a1, "rolled_back", "2026-11-25T00:00:00Z", "2026-11-24T00:00:00Z"); // 6: an incident
  await deploy(a, a1, "succeeded", "2026-11-25T00:30:00Z", "2026-11-02T00:00:00Z", { trigger: "rollback" }); // 7: restores 6 after 30 min; no lead time
  // target A2 (web-canary)
  await deploy(a, a2, "succeeded", "2026-12-01T00:00:00Z", "2026-11-30T22:00:00Z"); // 8: lead 2 h
  await deploy(a, a2, "failed", "2026-12-03T00:00:00Z", "2026-12-02T00:00:00Z"); // 9: an incident, not restored
  await deploy(a, a2, "cancelled", "2026-12-03T01:00:00Z", "2026-12-02T00:00:00Z"); // 10: never counts
  await deploy(a, a2, "succeeded", "2026-12-05T00:00:00Z", "2026-12-04T23:00:00Z"); // 11: after the period: no restore of 9
  // target B1 (cli-artifacts, a repository without an app)
  await deploy(b, b1, "succeeded", "2026-11-10T00:00:00Z", null, { seen: "2026-11-09T23:00:00Z" }); // 12: lead 1 h from when Slipway saw it
  await deploy(b, b1, "succeeded", "2026-11-04T11:00:00Z", "2026-11-04T10:00:00Z"); // 13: an hour before the period
  await deploy(b, b1, "succeeded", "2026-11-04T12:00:00Z", "2026-11-04T11:30:00Z"); // 14: exactly at its start: counts; lead 30 min
  return {
    appId,
    appName,
    repoA: { id: a.id, name: a.name },
    repoB: { id: b.id, name: b.name },
    targetA1: a1,
    targetA2: a2,
    targetB1: b1,
  };
}
