// Fault suite: the web process (the production build behind `npm run web`) killed with SIGKILL while a command
// is in flight over HTTP: Roll back (a server action), Approve (a server action), Import slipway.yml (the REST
// API). Each command must have happened whole or not at all: its rows and its audit events all there, or
// none of them. The moments of the kill: held for real inside its transaction (the test holds the audit
// chain's advisory lock, so the command waits at its audit write with its other rows already written), right
// after the request is sent, and a few milliseconds later. After every kill the server starts again, and a
// last request, not killed, shows that the same command then happens whole (so "nothing" is not a request
// the server never understood). Needs `npm run build` in the checkout (the test says so when it is missing).
import { readFileSync } from "node:fs";
import type { ChildProcess } from "node:child_process";
import pg from "pg";
import { ensureProductionBuild } from "@/scripts/lib/production-build";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { getDb } from "@/lib/db";
import { AUDIT_CHAIN_LOCK } from "@/lib/audit/record";
import { verifyAuditChain } from "@/lib/audit/verify";
import { createSession, createUser, type TestUser } from "@/test/helpers/fixtures";
import { startScript, waitForExit, type ScriptResult } from "@/test/helpers/spawn";
import { eventually } from "@/test/helpers/eventually";
import { faultTimeout, faultTrials, recordFault } from "@/test/helpers/faults";

const SUITE = "web killed (kill -9) mid-request";
const SESSION_COOKIE = "next-auth.session-token";

let port: number;
let base: string;
let server: { child: ChildProcess; exited: Promise<ScriptResult> } | undefined;
let admin: TestUser;
let approver: TestUser;
let adminCookie: string;
let approverCookie: string;
let actions: { rollback: string; decide: string };
let k = 0;

/** The server action's id in the production build (what the page's form posts as Next-Action). */
function actionId(exportedName: string): string {
  const manifest = JSON.parse(readFileSync(".next/server/server-reference-manifest.json", "utf8")) as { node: Record<string, { exportedName?: string }> };
  const hit = Object.entries(manifest.node).find(([, v]) => v.exportedName === exportedName);
  if (!hit) throw new Error(`${exportedName} is not in .next/server/server-reference-manifest.json; run npm run build`);
  return hit[0];
}

async function startWeb(): Promise<void> {
  const child = startScript("scripts/web.ts", [], {
    DATABASE_URL: process.env.DATABASE_URL,
    NODE_ENV: "production",
    PORT: String(port),
    HOST: "127.0.0.1",
    SLIPWAY_URL: base,
    SLIPWAY_SECRET_KEY: "9".repeat(64),
    LOG_LEVEL: "warn",
  });
  const exited = waitForExit(child, 900_000);
  server = { child, exited };
  try {
    await eventually("the web server to answer /api/health", async () => {
      if (child.exitCode !== null) throw new Error(`the web server exited with ${child.exitCode}`);
      return (await fetch(`${base}/api/health`).catch(() => null))?.ok;
    }, 120_000, 200);
  } catch (err) {
    child.kill("SIGKILL");
    const out = await exited;
    throw new Error(`${(err as Error).message}\nstderr:\n${out.stderr.slice(-3000)}\nstdout:\n${out.stdout.slice(-2000)}`);
  }
}

async function killWeb(): Promise<void> {
  if (!server) return;
  server.child.kill("SIGKILL");
  const out = await server.exited;
  server = undefined;
  expect(out.signal).toBe("SIGKILL");
}

beforeAll(async () => {
  // the production build (built here when missing or stale, as npm test's browser suite would)
  await ensureProductionBuild(process.cwd(), { say: (l) => console.log(l), everyMs: 30_000 });
  actions = { rollback: actionId("rollbackTargetAction"), decide: actionId("decideDeploymentAction") };
  // the port this part of the work was given (other helpers run web servers on theirs)
  port = 3430;
  base = `http://127.0.0.1:${port}`;
  [admin, approver] = await Promise.all([createUser("admin"), createUser("operator")]);
  const expires = new Date(Date.now() + 3_600_000);
  adminCookie = `${SESSION_COOKIE}=${await createSession(admin.id, expires)}`;
  approverCookie = `${SESSION_COOKIE}=${await createSession(approver.id, expires)}`;
  await startWeb();
}, 900_000);

afterAll(async () => {
  if (server) {
    server.child.kill("SIGKILL");
    await server.exited;
  }
});

/** A server action call as the console's form makes it: React's reply encoding of (previousState, formData), the form's fields as "_1_<name>". */
function postAction(path: string, action: string, cookie: string, fields: Record<string, string>): Promise<Response> {
  const body = new FormData();
  for (const [key, value] of Object.entries(fields)) body.append(`_1_${key}`, value);
  body.append("0", JSON.stringify([null, "$K1"]));
  return fetch(`${base}${path}`, { method: "POST", headers: { "next-action": action, accept: "text/x-component", origin: base, cookie }, body });
}

/** Runs `send` and SIGKILLs the server at `moment`; the request's outcome does not matter, the database's does. */
async function sendAndKill(send: () => Promise<Response>, moment: Moment): Promise<void> {
  if (moment.kind === "held") {
    // the test holds the audit chain's lock: the command runs up to its audit write and waits there, mid-transaction
    const holder = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await holder.connect();
    try {
      await holder.query("BEGIN");
      await holder.query("SELECT pg_advisory_xact_lock($1::bigint)", [AUDIT_CHAIN_LOCK]);
      const pending = send().catch(() => null);
      const waiting = await eventually("the command to wait inside its transaction at the audit write", async () => {
        // pg_stat_activity is read once per transaction unless its snapshot is cleared
        await holder.query("SELECT pg_stat_clear_snapshot()");
        const r = await holder.query<{ pid: number }>(
          "SELECT l.pid FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND NOT l.granted AND a.datname = current_database()",
        );
        return r.rows[0]?.pid;
      }, 30_000, 20).catch(async (err: unknown) => {
        const locks = await holder.query("SELECT l.locktype, l.granted, a.state, a.wait_event, left(a.query, 120) AS q FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE a.datname = current_database() AND a.pid <> pg_backend_pid()");
        throw new Error(`${(err as Error).message}\nlocks of other sessions: ${JSON.stringify(locks.rows)}`);
      });
      await killWeb();
      await pending;
      // the dead server's backend waits on until the lock is free (PostgreSQL notices a lost client only when it
      // next reads from it); then it finds the client gone and rolls the transaction back
      await holder.query("COMMIT");
      await eventually("the killed server's backend to end", async () => {
        await holder.query("SELECT pg_stat_clear_snapshot()");
        return (await holder.query("SELECT 1 FROM pg_stat_activity WHERE pid = $1", [waiting])).rowCount === 0;
      }, 30_000);
    } finally {
      await holder.end();
    }
  } else {
    const pending = send().catch(() => null);
    if (moment.afterMs > 0) await new Promise((r) => setTimeout(r, moment.afterMs));
    await killWeb();
    await pending;
  }
  await startWeb();
}

type Moment = { kind: "held"; name: string } | { kind: "timed"; name: string; afterMs: number };
const MOMENTS: Moment[] = [
  { kind: "held", name: "inside its transaction (held at the audit write)" },
  { kind: "timed", name: "right after sending", afterMs: 0 },
  { kind: "timed", name: "after 40 ms", afterMs: 40 },
  { kind: "timed", name: "after 600 ms", afterMs: 600 },
];

/** What a command left: "whole", "none", or a description of a half state (which fails the test). */
type Outcome = "whole" | "none" | string;

/** One row per command: each trial kills the server at every moment, then runs the command once unkilled. */
async function commandTrials(fault: string, run: (moment: Moment | null) => Promise<Outcome>): Promise<void> {
  const total = faultTrials();
  let passed = 0;
  const seen: Record<string, number> = { whole: 0, none: 0 };
  let firstError: unknown;
  for (let i = 0; i < total; i++) {
    try {
      for (const moment of MOMENTS) {
        const outcome = await run(moment);
        if (outcome !== "whole" && outcome !== "none") throw new Error(`killed ${moment.name}, the command was left half done: ${outcome}`);
        if (moment.kind === "held") expect(outcome, "a command killed inside its transaction must leave nothing").toBe("none");
        seen[outcome]!++;
      }
      // the same command, not killed, happens whole: the requests above were understood
      expect(await run(null)).toBe("whole");
      const chain = await verifyAuditChain();
      expect(chain.ok, JSON.stringify(chain.firstBroken, (_k, v: unknown) => (typeof v === "bigint" ? String(v) : v))).toBe(true);
      passed++;
    } catch (err) {
      firstError ??= err;
      if (!server) await startWeb().catch(() => undefined);
    }
  }
  recordFault({ suite: SUITE, fault, trials: total, passed, figures: { killedWhole: seen.whole!, killedNone: seen.none!, moments: MOMENTS.length } });
  console.log(`[faults] ${SUITE}: ${fault}: ${passed}/${total} passed; after the kills: ${seen.whole} whole, ${seen.none} not at all`);
  if (firstError) throw firstError;
}

// ---------------------------------------------------------------- fixtures, written as the engine writes them

/** A target whose current release is r2, with an earlier release r1 of its rule to roll back to. */
async function rollbackFixture() {
  const db = getDb();
  const n = ++k;
  const repo = await db.repository.create({ data: { name: `acme/web-kill-${n}`, provider: "git", url: `https://git.example.test/acme/web-kill-${n}.git` } });
  const rule = await db.buildRule.create({ data: { repositoryId: repo.id, name: "Dockerfile", kind: "docker" } });
  const drule = await db.deploymentRule.create({ data: { buildRuleId: rule.id, branch: "live" } });
  const release = async (i: number) => {
    const commit = await db.commit.create({ data: { repositoryId: repo.id, sha: `${n.toString(16).padStart(8, "0")}${String(i).repeat(32)}` } });
    const build = await db.build.create({ data: { buildRuleId: rule.id, commitId: commit.id, trigger: "webhook", state: "succeeded" } });
    return db.release.create({ data: { recordedBeforeSigning: true, buildId: build.id, deploymentRuleId: drule.id, imageRepo: "127.0.0.1:5000/web", tag: "live", digest: `sha256:${String(i).repeat(64)}` } });
  };
  const [r1, r2] = [await release(1), await release(2)];
  const target = await db.target.create({ data: { deploymentRuleId: drule.id, name: `web-kill-${n}`, kind: "swarm_service", service: "web", currentReleaseId: r2.id } });
  return { targetId: target.id, releaseId: r1.id };
}

async function rollbackOutcome(f: { targetId: string; releaseId: string }): Promise<Outcome> {
  const db = getDb();
  const t = await db.target.findUniqueOrThrow({ where: { id: f.targetId } });
  const deployments = await db.deployment.findMany({ where: { targetId: f.targetId, trigger: "rollback" } });
  const pinned = await db.auditEvent.count({ where: { subjectId: f.targetId, action: "target.pinned" } });
  const created = deployments.length ? await db.auditEvent.count({ where: { subjectId: { in: deployments.map((d) => d.id) } } }) : 0;
  const parts = { deployment: deployments.length, pinned: t.pinnedReleaseId === f.releaseId ? 1 : 0, pinAudit: pinned, deploymentAudit: created > 0 ? 1 : 0 };
  if (Object.values(parts).every((v) => v === 0)) return "none";
  if (Object.values(parts).every((v) => v === 1) && deployments[0]!.releaseId === f.releaseId) return "whole";
  return JSON.stringify(parts);
}

/** A deployment waiting for one approval (manual rule), of a release nobody in the test pushed. */
async function approvalFixture() {
  const db = getDb();
  const n = ++k;
  const repo = await db.repository.create({ data: { name: `acme/approve-kill-${n}`, provider: "git", url: `https://git.example.test/acme/approve-kill-${n}.git` } });
  const rule = await db.buildRule.create({ data: { repositoryId: repo.id, name: "Dockerfile", kind: "docker" } });
  const drule = await db.deploymentRule.create({ data: { buildRuleId: rule.id, branch: "live", approvalMode: "manual", minApprovers: 1, approverRole: "operator" } });
  const commit = await db.commit.create({ data: { repositoryId: repo.id, sha: `${n.toString(16).padStart(8, "0")}${"a".repeat(32)}` } });
  const build = await db.build.create({ data: { buildRuleId: rule.id, commitId: commit.id, trigger: "webhook", state: "succeeded" } });
  const release = await db.release.create({ data: { recordedBeforeSigning: true, buildId: build.id, deploymentRuleId: drule.id, imageRepo: "127.0.0.1:5000/web", tag: "live", digest: `sha256:${"e".repeat(64)}` } });
  const target = await db.target.create({ data: { deploymentRuleId: drule.id, name: `approve-kill-${n}`, kind: "swarm_service", service: "web" } });
  const d = await db.deployment.create({ data: { targetId: target.id, releaseId: release.id, state: "pending_approval", trigger: "release", approvalExpiresAt: new Date(Date.now() + 3_600_000) } });
  return { deploymentId: d.id, targetId: target.id };
}

async function approvalOutcome(f: { deploymentId: string }): Promise<Outcome> {
  const db = getDb();
  const d = await db.deployment.findUniqueOrThrow({ where: { id: f.deploymentId } });
  const approvals = await db.approval.count({ where: { deploymentId: f.deploymentId } });
  const audit = await db.auditEvent.count({ where: { subjectId: f.deploymentId, action: "deployment.approved" } });
  const jobs = await db.$queryRaw<{ n: number }[]>`
    SELECT count(*)::int AS n FROM graphile_worker._private_jobs j JOIN graphile_worker._private_tasks t ON t.id = j.task_id
    WHERE t.identifier = 'deploy_run' AND j.payload->>'deploymentId' = ${f.deploymentId}`;
  const parts = { approval: approvals, queued: d.state === "queued" ? 1 : 0, audit, job: jobs[0]!.n };
  if (Object.values(parts).every((v) => v === 0) && d.state === "pending_approval") return "none";
  if (Object.values(parts).every((v) => v === 1)) return "whole";
  return JSON.stringify({ ...parts, state: d.state });
}

/** slipway.yml with 40 hosts named for this import: the whole inventory (an import is a sync). */
function inventoryYaml(tag: string): string {
  const hosts = Array.from({ length: 40 }, (_, i) => `  - { name: ${tag}-${i}, address: ${tag}-${i}.example.org }`).join("\n");
  return `version: 1\nhosts:\n${hosts}\n`;
}

async function importOutcome(tag: string, previous: string | null, auditBefore: { imported: number; all: number }): Promise<Outcome> {
  const db = getDb();
  const mine = await db.host.count({ where: { name: { startsWith: `${tag}-` } } });
  const theirs = previous ? await db.host.count({ where: { name: { startsWith: `${previous}-` } } }) : 0;
  const imported = (await db.auditEvent.count({ where: { action: "inventory.imported" } })) - auditBefore.imported;
  const events = (await db.auditEvent.count()) - auditBefore.all;
  if (mine === 0 && imported === 0 && events === 0 && theirs === (previous ? 40 : 0)) return "none";
  // 40 hosts created (and the previous import's 40 deleted), an event for each change and one for the import
  if (mine === 40 && imported === 1 && events >= 41 && theirs === 0) return "whole";
  return JSON.stringify({ hostsOfThisImport: mine, hostsOfThePreviousOne: theirs, importAudit: imported, auditEvents: events });
}

// ---------------------------------------------------------------- the commands

describe("the web process killed mid-request", () => {
  test("Roll back (server action): the deployment, the pin and their audit events all, or none", async () => {
    await commandTrials("kill -9 mid rollback", async (moment) => {
      const f = await rollbackFixture();
      const send = () => postAction(`/targets/${f.targetId}`, actions.rollback, adminCookie, { targetId: f.targetId, releaseId: f.releaseId });
      if (moment) await sendAndKill(send, moment);
      else {
        const res = await send();
        expect(res.status).toBe(200);
        await res.text();
      }
      return rollbackOutcome(f);
    });
  }, faultTimeout(900_000));

  test("Approve (server action): the approval, the queued state, its job and its audit event all, or none", async () => {
    await commandTrials("kill -9 mid approve", async (moment) => {
      const f = await approvalFixture();
      const send = () => postAction(`/deployments/${f.deploymentId}`, actions.decide, approverCookie, { deploymentId: f.deploymentId, decision: "approve" });
      if (moment) await sendAndKill(send, moment);
      else {
        const res = await send();
        expect(res.status).toBe(200);
        await res.text();
      }
      return approvalOutcome(f);
    });
  }, faultTimeout(900_000));

  test("Import slipway.yml (REST API): every change and its audit events, or none", async () => {
    let previous: string | null = null;
    await commandTrials("kill -9 mid import", async (moment) => {
      const tag = `wk${++k}`;
      const auditBefore = { imported: await getDb().auditEvent.count({ where: { action: "inventory.imported" } }), all: await getDb().auditEvent.count() };
      const send = () => fetch(`${base}/api/inventory/import`, { method: "POST", headers: { "content-type": "text/yaml", cookie: adminCookie, origin: base }, body: inventoryYaml(tag) });
      if (moment) await sendAndKill(send, moment);
      else {
        const res = await send();
        expect(res.status, await res.clone().text()).toBe(200);
        await res.text();
      }
      const outcome = await importOutcome(tag, previous, auditBefore);
      if (outcome === "whole") previous = tag;
      return outcome;
    });
  }, faultTimeout(900_000));
});
