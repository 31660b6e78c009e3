// The `slipway` command line (bin/slipway.mjs, cli/) run as a process, the way a release job runs it, against
// the real production server (`npm run web` on this checkout's build) with real API tokens made by the token
// service. No worker runs: where a command waits for a deployment, the test moves the deployment's row through
// its states as the worker would (the worker's own tests prove it does; this proves the command line follows
// the state and turns it into the documented exit status).
import { randomBytes, createHash } from "node:crypto";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, statSync, writeFileSync, existsSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { getDb } from "@/lib/db";
import { resetEnvCache } from "@/lib/env";
import { createApiToken } from "@/lib/services/api-tokens";
import { saveBuildRule, saveContext, saveDeploymentRule, saveRepository, saveTarget } from "@/lib/services/inventory/entities";
import { appendBuildLog, appendDeploymentLog } from "@/lib/build/log-store";
import { ensureProductionBuild } from "@/scripts/lib/production-build";
import { startWebServer, type WebServer } from "@/test/helpers/web-server";
import { userEnv } from "@/test/helpers/npm";
import { waitForExit, type ScriptResult } from "@/test/helpers/spawn";
import { actorFor, auditCount, createUser, type TestUser } from "@/test/helpers/fixtures";
import { eventually } from "@/test/helpers/eventually";
import type { DeploymentState } from "@/lib/generated/prisma/enums";

const ROOT = path.resolve(import.meta.dirname, "..");
const BIN = path.join(ROOT, "bin/slipway.mjs");
/** this part's port (3480-3489 are the command line's) */
const PORT = Number(process.env.SLIPWAY_CLI_TEST_PORT ?? 3480);
const BASE = `http://127.0.0.1:${PORT}`;

let web: WebServer | undefined;
let home: string;
const tokens = { read: "", deploy: "", admin: "" };
let operator: TestUser;
const seed = { repoName: "cli/app", targetName: "cli-web", targetId: "", manualTargetName: "cli-staging", ruleId: "", manualRuleId: "", buildRuleId: "", repoId: "", builds: [] as string[], releases: [] as { id: string; sha: string }[] };

const sha = () => randomBytes(20).toString("hex");

/** Runs `slipway args…` with a home of its own (the config file lives there) and no SLIPWAY_* from this run. */
function slipway(args: string[], env: Record<string, string> = {}, timeoutMs = 60_000): Promise<ScriptResult> {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: os.tmpdir(), // from anywhere, as an installed command
    env: userEnv({ HOME: home, XDG_CONFIG_HOME: path.join(home, "config"), ...env }),
    stdio: ["ignore", "pipe", "pipe"],
  });
  return waitForExit(child, timeoutMs);
}

/** Starts `slipway args…`; `said(text)` / `shown(text)` resolve once it has printed `text` on stderr / stdout. */
function startSlipway(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: os.tmpdir(),
    env: userEnv({ HOME: home, XDG_CONFIG_HOME: path.join(home, "config"), ...env }),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const done = waitForExit(child, 120_000);
  const said = (text: string) => eventually(`slipway ${args.join(" ")} to say "${text}" on stderr`, () => stderr.includes(text), 60_000, 50);
  const shown = (text: string) => eventually(`slipway ${args.join(" ")} to print "${text}" on stdout`, () => stdout.includes(text), 60_000, 50);
  return { child, done, said, shown };
}

const as = (token: string) => ["--url", BASE, "--token", token];
const json = <T = Record<string, unknown>>(r: ScriptResult): T => {
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    throw new Error(`not one JSON document on stdout (exit ${r.code}):\n${r.stdout}\nstderr: ${r.stderr}`);
  }
};

async function freshRelease(ruleId = seed.ruleId): Promise<{ id: string; sha: string; buildId: string }> {
  const db = getDb();
  const s = sha();
  const commit = await db.commit.create({ data: { repositoryId: seed.repoId, sha: s, message: "a change" } });
  const b = await db.build.create({ data: { buildRuleId: seed.buildRuleId, commitId: commit.id, state: "succeeded", trigger: "poll", finishedAt: new Date() } });
  const digest = `sha256:${createHash("sha256").update(b.id).digest("hex")}`;
  const r = await db.release.create({ data: { recordedBeforeSigning: true, buildId: b.id, deploymentRuleId: ruleId, imageRepo: "127.0.0.1:5000/cli/app", tag: "live", digest } });
  return { id: r.id, sha: s, buildId: b.id };
}

async function freshDeployment(state: DeploymentState = "queued"): Promise<string> {
  const release = await freshRelease();
  return (await getDb().deployment.create({ data: { targetId: seed.targetId, releaseId: release.id, state } })).id;
}

/** What the worker does, done by the test: the next state, with its timestamps. */
async function moveDeployment(id: string, state: DeploymentState, reason?: string): Promise<void> {
  const ended = ["succeeded", "failed", "rolled_back", "cancelled", "superseded"].includes(state);
  await getDb().deployment.update({ where: { id }, data: { state, reason, ...(state === "deploying" ? { startedAt: new Date() } : {}), ...(ended ? { finishedAt: new Date() } : {}) } });
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

beforeAll(async () => {
  await ensureProductionBuild(ROOT, { say: (l) => console.log(l), everyMs: 30_000 });
  process.env.SLIPWAY_SECRET_KEY = randomBytes(32).toString("hex");
  resetEnvCache();
  home = mkdtempSync(path.join(os.tmpdir(), "slipway-cli-home-"));

  web = await startWebServer(ROOT, PORT, "SLIPWAY_CLI_TEST_PORT");

  // the inventory: one repository, an automatic rule with a target, a manual rule with another
  const admin = await createUser("admin", { login: "cli-admin" });
  operator = await createUser("operator", { login: "cli-operator" });
  const viewer = await createUser("viewer", { login: "cli-viewer" });
  const a = actorFor(admin);
  await saveContext(a, { name: "cli-swarm", endpoint: `unix:///tmp/slipway-cli-no-docker-${process.pid}.sock`, role: "swarm_manager" });
  seed.repoId = (await saveRepository(a, { repo: seed.repoName, url: "https://git.example.test/cli/app.git" })).id;
  seed.buildRuleId = (await saveBuildRule(a, { repository_id: seed.repoId, name: "Dockerfile" })).id;
  seed.ruleId = (await saveDeploymentRule(a, { build_rule_id: seed.buildRuleId, branch: "live", image: "127.0.0.1:5000/cli/app:live" })).id;
  seed.manualRuleId = (await saveDeploymentRule(a, { build_rule_id: seed.buildRuleId, branch: "staging", image: "127.0.0.1:5000/cli/app:staging", approval: "manual" })).id;
  seed.targetId = (await saveTarget(a, { deployment_rule_id: seed.ruleId, name: seed.targetName, context: "cli-swarm", service: "cli_web" })).id;
  await saveTarget(a, { deployment_rule_id: seed.manualRuleId, name: seed.manualTargetName, context: "cli-swarm", service: "cli_staging" });
  for (let i = 0; i < 3; i++) {
    const r = await freshRelease();
    seed.releases.push({ id: r.id, sha: r.sha });
    seed.builds.push(r.buildId);
  }

  tokens.read = (await createApiToken(actorFor(viewer), { name: "cli-read", scope: "read" })).token;
  tokens.deploy = (await createApiToken(actorFor(operator), { name: "release-job", scope: "deploy" })).token;
  tokens.admin = (await createApiToken(actorFor(admin), { name: "cli-admin", scope: "admin" })).token;

  await web.ready();
}, 900_000);

afterAll(async () => {
  await web?.stop();
  delete process.env.SLIPWAY_SECRET_KEY;
  resetEnvCache();
}, 60_000);

describe("slipway", () => {
  test("a URL where nothing listens exits 8 and says so in words; no command line exits 2", async () => {
    const port = await closedPort();
    const r = await slipway(["--url", `http://127.0.0.1:${port}`, "--token", "slw_x", "status"]);
    expect(r.code, r.stderr).toBe(8);
    expect(r.stderr).toContain(`cannot reach http://127.0.0.1:${port}: connection refused`);
    const j = await slipway(["--url", `http://127.0.0.1:${port}`, "--token", "slw_x", "builds", "--json"]);
    expect(j.code).toBe(8);
    expect(json<{ error: { exitCode: number } }>(j).error.exitCode).toBe(8);

    expect((await slipway([])).code).toBe(2);
    const usage = await slipway(["deploy", "--frobnicate"]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("--frobnicate");
    const help = await slipway(["help", "wait"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("usage: slipway wait");
  });

  test("login refuses a wrong token and stores nothing; a good one is stored with mode 0600 in a 0700 directory; logout forgets it", async () => {
    const file = path.join(home, "config", "slipway", "config.json");
    const bad = await slipway(["login", BASE, "--token", "slw_" + "A".repeat(43)]);
    expect(bad.code, bad.stderr).toBe(3);
    expect(existsSync(file)).toBe(false);

    const good = await slipway(["login", BASE, "--json"], { SLIPWAY_TOKEN: tokens.deploy });
    expect(good.code, good.stderr).toBe(0);
    expect(json<{ user: { login: string }; token: { name: string; scope: string } }>(good)).toMatchObject({ user: { login: "cli-operator" }, token: { name: "release-job", scope: "deploy" } });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual({ url: BASE, token: tokens.deploy });

    // the stored token serves the next commands (no --url, no --token)
    const status = await slipway(["status"]);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain("cli-operator (operator)");
    expect(status.stdout).toContain(seed.targetName);
    const sj = json<{ me: { user: { login: string } }; targets: { name: string }[] }>(await slipway(["status", "--json"]));
    expect(sj.me.user.login).toBe("cli-operator");
    expect(sj.targets.map((t) => t.name).sort()).toEqual([seed.manualTargetName, seed.targetName].sort());

    const out = await slipway(["logout"]);
    expect(out.code).toBe(0);
    expect(existsSync(file)).toBe(false);
    const after = await slipway(["status"]);
    expect(after.code).toBe(3);
    expect(after.stderr).toContain("not signed in");
  });

  test("builds and build, as tables and as JSON", async () => {
    const list = await slipway([...as(tokens.read), "builds", "--json", "--repository", seed.repoName]);
    expect(list.code, list.stderr).toBe(0);
    const page = json<{ items: { id: string; repository: string; state: string }[] }>(list);
    expect(page.items.map((b) => b.id).sort()).toEqual([...seed.builds].sort());
    expect(page.items.every((b) => b.repository === seed.repoName && b.state === "succeeded")).toBe(true);

    const limited = json<{ items: unknown[]; nextCursor: string | null }>(await slipway([...as(tokens.read), "builds", "--json", "--limit", "2"]));
    expect(limited.items).toHaveLength(2);
    expect(limited.nextCursor).toBeTruthy();

    const table = await slipway([...as(tokens.read), "builds", "--state", "succeeded"]);
    expect(table.code).toBe(0);
    expect(table.stdout.split("\n")[0]).toMatch(/^ID\s+REPOSITORY\s+RULE\s+COMMIT/);
    expect(table.stdout).toContain(seed.releases[0]!.sha.slice(0, 7));

    const one = await slipway([...as(tokens.read), "build", seed.builds[0]!, "--json"]);
    expect(one.code, one.stderr).toBe(0);
    expect(json<{ id: string; releases: { id: string }[] }>(one)).toMatchObject({ id: seed.builds[0], releases: [{ id: seed.releases[0]!.id }] });
    const missing = await slipway([...as(tokens.read), "build", "cnotabuild0000000000000"]);
    expect(missing.code).toBe(4);

    const notAnId = await slipway([...as(tokens.read), "build", "a/b"]);
    expect(notAnId.code).toBe(2);
    expect(notAnId.stderr).toContain('"a/b" is not a build id');

    const badState = await slipway([...as(tokens.read), "builds", "--state", "exploded"]);
    expect(badState.code).toBe(2);

    // a release's provenance (these seeded releases were recorded as before signing)
    const prov = await slipway([...as(tokens.read), "provenance", seed.releases[0]!.id]);
    expect(prov.code, prov.stderr).toBe(0);
    expect(prov.stdout).toMatch(/status:\s+recorded before Slipway signed releases/);
    const provJson = json<{ releaseId: string; status: string }>(await slipway([...as(tokens.read), "provenance", seed.releases[0]!.id, "--json"]));
    expect(provJson).toMatchObject({ releaseId: seed.releases[0]!.id, status: "before_signing" });
    expect((await slipway([...as(tokens.read), "provenance", "cnotarelease000000000000"])).code).toBe(4);
  });

  test("deploy --commit by target name prints the deployment's id; wait follows the state the worker would write and exits 0 on success", async () => {
    const release = seed.releases[1]!;
    const d = await slipway([...as(tokens.deploy), "deploy", seed.targetName, "--commit", release.sha.slice(0, 10)]);
    expect(d.code, d.stderr).toBe(0);
    const id = d.stdout.trim();
    const row = await getDb().deployment.findUniqueOrThrow({ where: { id } });
    expect(row).toMatchObject({ targetId: seed.targetId, releaseId: release.id });

    // each state once the command has seen the one before (it asks every 2 s)
    const waiting = startSlipway([...as(tokens.deploy), "wait", id, "--timeout", "2m"]);
    await waiting.said(": queued");
    await moveDeployment(id, "deploying");
    await waiting.said(": deploying");
    await moveDeployment(id, "verifying");
    await waiting.said(": verifying");
    await moveDeployment(id, "succeeded");
    const w = await waiting.done;
    expect(w.code, w.stderr).toBe(0);
    expect(w.stderr).toContain("deploying");
    expect(w.stderr).toContain("succeeded");

    // --json: the deploy's answer, then the final deployment as one document
    const dj = await slipway([...as(tokens.deploy), "deploy", seed.targetId, seed.releases[2]!.id, "--json"]);
    expect(dj.code, dj.stderr).toBe(0);
    const answer = json<{ deploymentId: string; message: string }>(dj);
    expect(answer.message).toBeTruthy();
    await moveDeployment(answer.deploymentId, "succeeded");
    const wj = await slipway([...as(tokens.read), "wait", answer.deploymentId, "--json"]);
    expect(wj.code).toBe(0);
    expect(json<{ id: string; state: string }>(wj)).toMatchObject({ id: answer.deploymentId, state: "succeeded" });
  });

  test("the release job's one command: deploy --commit --wait exits with the deployment's outcome", async () => {
    const release = await freshRelease();
    const job = startSlipway(["deploy", seed.targetName, "--commit", release.sha, "--wait", "--timeout", "2m"], { SLIPWAY_URL: BASE, SLIPWAY_TOKEN: tokens.deploy });
    await job.said(": queued");
    const row = await getDb().deployment.findFirstOrThrow({ where: { releaseId: release.id } });
    await moveDeployment(row.id, "deploying");
    await job.said(": deploying");
    await moveDeployment(row.id, "rolled_back", "the new tasks did not become healthy; the previous release is back");
    const r = await job.done;
    expect(r.code, r.stderr).toBe(9);
    expect(r.stdout.trim()).toBe(row.id);
    expect(r.stderr).toContain("the previous release is back");
  });

  test("wait exits 1 on failed, 9 on rolled back, 10 on cancelled, 7 when the timeout runs out first; Ctrl-C exits 130", async () => {
    const failed = await freshDeployment("deploying");
    const waiting = startSlipway([...as(tokens.read), "wait", failed]);
    await waiting.said(": deploying");
    await moveDeployment(failed, "failed", "the service did not converge");
    const w = await waiting.done;
    expect(w.code).toBe(1);
    expect(w.stderr).toContain("the service did not converge");

    expect((await slipway([...as(tokens.read), "wait", await freshDeployment("rolled_back")])).code).toBe(9);
    expect((await slipway([...as(tokens.read), "wait", await freshDeployment("cancelled")])).code).toBe(10);

    const stuck = await freshDeployment("queued");
    const t = Date.now();
    const timedOut = await slipway([...as(tokens.read), "wait", stuck, "--timeout", "3s", "--json"]);
    expect(timedOut.code).toBe(7);
    expect(Date.now() - t).toBeLessThan(30_000);
    expect(timedOut.stderr).toContain("still queued");
    expect(json<{ state: string }>(timedOut).state).toBe("queued");

    // a build id works as well (tried after deployments)
    expect((await slipway([...as(tokens.read), "wait", seed.builds[0]!])).code).toBe(0);

    const interrupted = startSlipway([...as(tokens.read), "wait", stuck]);
    await interrupted.said(": queued");
    interrupted.child.kill("SIGINT");
    const i = await interrupted.done;
    expect(i.code).toBe(130);
    expect(i.stderr).toContain("interrupted");
  });

  test("approvals lists a deployment waiting for approval; approve queues it and the audit log names the token", async () => {
    const staging = await getDb().target.findUniqueOrThrow({ where: { name: seed.manualTargetName } });
    const release = await freshRelease(seed.manualRuleId);
    const pending = await getDb().deployment.create({ data: { targetId: staging.id, releaseId: release.id, state: "pending_approval", approvalExpiresAt: new Date(Date.now() + 3600_000) } });

    const list = await slipway([...as(tokens.read), "approvals", "--json"]);
    expect(list.code, list.stderr).toBe(0);
    expect(json<{ items: { id: string }[] }>(list).items.map((d) => d.id)).toContain(pending.id);
    expect((await slipway([...as(tokens.read), "approvals"])).stdout).toContain(pending.id);

    // a read-scoped token is refused and nothing changes
    const before = await auditCount();
    const refused = await slipway([...as(tokens.read), "approve", pending.id]);
    expect(refused.code).toBe(5);
    expect(await auditCount()).toBe(before);

    const ok = await slipway([...as(tokens.deploy), "approve", pending.id, "--comment", "looks right", "--json"]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(json<{ message: string }>(ok).message).toBeTruthy();
    const row = await getDb().deployment.findUniqueOrThrow({ where: { id: pending.id } });
    expect(row.state).not.toBe("pending_approval");
    const event = await getDb().auditEvent.findFirstOrThrow({ where: { subjectId: pending.id }, orderBy: { id: "desc" } });
    expect(event.actorLabel).toBe("cli-operator via token release-job");

    // reject, as JSON: the other decision on another waiting deployment
    const second = await getDb().deployment.create({ data: { targetId: staging.id, releaseId: (await freshRelease(seed.manualRuleId)).id, state: "pending_approval", approvalExpiresAt: new Date(Date.now() + 3600_000) } });
    const rejected = await slipway([...as(tokens.deploy), "reject", second.id, "--comment", "not today", "--json"]);
    expect(rejected.code, rejected.stderr).toBe(0);
    expect(json<{ message: string }>(rejected).message).toBeTruthy();
    expect((await getDb().deployment.findUniqueOrThrow({ where: { id: second.id } })).state).toBe("cancelled");

    // approving it again: the server refuses (conflict), exit 6, the API's message shown
    const again = await slipway([...as(tokens.deploy), "approve", pending.id]);
    expect(again.code).toBe(6);
    expect(again.stderr).toMatch(/^slipway: \S/);
  });

  test("previews lists pull request previews; preview teardown PR tears one down by its number; preview approve runs a fork's", async () => {
    const db = getDb();
    const preview = (pr: number, state: "running" | "pending_approval") =>
      db.preview.create({
        data: {
          deploymentRuleId: seed.ruleId, prNumber: pr, headSha: sha(), imageRepo: "127.0.0.1:5000/cli/app", tag: `pr-${pr}-abcdef0`, digest: `sha256:${randomBytes(32).toString("hex")}`,
          service: `cli_web-pr-${pr}`, state, url: `https://pr-${pr}.preview.example.com`, fork: state === "pending_approval",
          ...(state === "running" ? { deployedAt: new Date(), expiresAt: new Date(Date.now() + 3600_000) } : {}),
        },
      });
    const running = await preview(31, "running");
    const fork = await preview(32, "pending_approval");

    const table = await slipway([...as(tokens.read), "previews"]);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^PREVIEW\s+PULL REQUEST\s+COMMIT\s+STATE\s+URL\s+AGE/m);
    expect(table.stdout).toContain(`${seed.repoName}#31`);
    expect(table.stdout).toContain("https://pr-31.preview.example.com");
    expect(table.stdout).toContain(`${seed.repoName}#32 (fork)`);
    const waiting = await slipway([...as(tokens.read), "previews", "--state", "pending_approval", "--json"]);
    expect(json<{ items: { id: string }[] }>(waiting).items.map((p) => p.id)).toEqual([fork.id]);
    expect((await slipway([...as(tokens.read), "previews", "--state", "sleeping"])).code).toBe(2);

    // a read-scoped token may list but not tear down (exit 5, nothing written)
    const before = await auditCount();
    expect((await slipway([...as(tokens.read), "preview", "teardown", "31"])).code).toBe(5);
    expect(await auditCount()).toBe(before);
    expect((await slipway([...as(tokens.deploy), "preview", "stop", "31"])).code).toBe(2);
    expect((await slipway([...as(tokens.deploy), "preview", "teardown", "99"])).code).toBe(4);

    const down = await slipway([...as(tokens.deploy), "preview", "teardown", "31"]);
    expect(down.code, down.stderr).toBe(0);
    expect(down.stderr).toContain("Tearing down cli_web-pr-31");
    expect((await db.preview.findUniqueOrThrow({ where: { id: running.id } })).state).toBe("tearing_down");
    expect((await db.auditEvent.findFirstOrThrow({ where: { subjectId: running.id, action: "preview.teardown_requested" } })).actorLabel).toBe("cli-operator via token release-job");

    const approved = await slipway([...as(tokens.deploy), "preview", "approve", "32", "--json"]);
    expect(approved.code, approved.stderr).toBe(0);
    expect(json<{ state: string }>(approved).state).toBe("queued");
    expect((await db.preview.findUniqueOrThrow({ where: { id: fork.id } })).approvedById).toBe(operator.id);
  });

  test("a read-scoped token is refused on deploy with exit 5 and nothing is written", async () => {
    const db = getDb();
    const before = { deployments: await db.deployment.count(), audit: await auditCount() };
    const r = await slipway([...as(tokens.read), "deploy", seed.targetName, seed.releases[0]!.id]);
    expect(r.code, r.stderr).toBe(5);
    expect(r.stderr).toMatch(/^slipway: /);
    expect({ deployments: await db.deployment.count(), audit: await auditCount() }).toEqual(before);

    const j = await slipway([...as(tokens.read), "deploy", seed.targetName, seed.releases[0]!.id, "--json"]);
    expect(j.code).toBe(5);
    expect(json<{ error: { exitCode: number } }>(j).error.exitCode).toBe(5);

    const unknown = await slipway([...as(tokens.deploy), "deploy", "no-such-target", seed.releases[0]!.id]);
    expect(unknown.code).toBe(4);
    expect(unknown.stderr).toContain('no target named "no-such-target"');
    expect(await db.deployment.count()).toBe(before.deployments);
  });

  test("pin, unpin and rollback answer in words and as JSON", async () => {
    const [older, newer] = [seed.releases[0]!, seed.releases[2]!];
    await getDb().target.update({ where: { id: seed.targetId }, data: { currentReleaseId: newer.id } });
    const pin = await slipway([...as(tokens.deploy), "pin", seed.targetName, "--json"]);
    expect(pin.code, pin.stderr).toBe(0);
    expect(json<{ message: string }>(pin).message).toBeTruthy();
    expect((await getDb().target.findUniqueOrThrow({ where: { id: seed.targetId } })).pinnedReleaseId).toBe(newer.id);
    const unpin = await slipway([...as(tokens.deploy), "unpin", seed.targetName]);
    expect(unpin.code, unpin.stderr).toBe(0);
    expect(unpin.stderr.trim()).not.toBe("");
    // again, the other way round: pin in words, unpin as JSON; unpinning what is not pinned is refused (exit 6)
    expect((await slipway([...as(tokens.deploy), "pin", seed.targetId])).code).toBe(0);
    const unpinJson = await slipway([...as(tokens.deploy), "unpin", seed.targetName, "--json"]);
    expect(unpinJson.code, unpinJson.stderr).toBe(0);
    expect(json<{ message: string }>(unpinJson).message).toBeTruthy();
    const twice = await slipway([...as(tokens.deploy), "unpin", seed.targetName]);
    expect(twice.code, twice.stderr).toBe(6);
    expect((await getDb().target.findUniqueOrThrow({ where: { id: seed.targetId } })).pinnedReleaseId).toBeNull();

    const rb = await slipway([...as(tokens.deploy), "rollback", seed.targetName, "--release", older.id, "--json"]);
    expect(rb.code, rb.stderr).toBe(0);
    const { deploymentId } = json<{ deploymentId: string }>(rb);
    expect((await getDb().deployment.findUniqueOrThrow({ where: { id: deploymentId } })).releaseId).toBe(older.id);
  });

  test("logs prints a deployment's log; -f follows it until the deployment ends; --json gives NDJSON", async () => {
    const id = await freshDeployment("deploying");
    await appendDeploymentLog(id, 0, "first line\nsecond line\n");
    const whole = await slipway([...as(tokens.read), "logs", id]);
    expect(whole.code, whole.stderr).toBe(0);
    expect(whole.stdout).toContain("first line\nsecond line");
    expect(json<{ log: string }>(await slipway([...as(tokens.read), "logs", id, "--json"])).log).toContain("second line");

    const following = startSlipway([...as(tokens.read), "logs", id, "-f", "--json"]);
    await following.shown("second line");
    await appendDeploymentLog(id, 1, "third line\n");
    await following.shown("third line");
    await moveDeployment(id, "succeeded");
    const f = await following.done;
    expect(f.code, f.stderr).toBe(0);
    const lines = f.stdout.trim().split("\n").map((l) => JSON.parse(l) as { line: string });
    expect(lines.map((l) => l.line)).toEqual(expect.arrayContaining(["first line", "second line", "third line"]));
  });

  test("logs -f of a build prints what is new until the build ends", async () => {
    const db = getDb();
    const commit = await db.commit.create({ data: { repositoryId: seed.repoId, sha: sha() } });
    const b = await db.build.create({ data: { buildRuleId: seed.buildRuleId, commitId: commit.id, state: "building", trigger: "poll", startedAt: new Date() } });
    await appendBuildLog(b.id, 0, "step 1/2\n");
    const following = startSlipway([...as(tokens.read), "logs", b.id, "-f", "--build"]);
    await following.shown("step 1/2");
    await appendBuildLog(b.id, 1, "step 2/2\n");
    await db.build.update({ where: { id: b.id }, data: { state: "succeeded", finishedAt: new Date() } });
    const f = await following.done;
    expect(f.code, f.stderr).toBe(0);
    expect(f.stdout).toBe("step 1/2\nstep 2/2\n");
    // the same id as a deployment's: not found, in words
    const wrongKind = await slipway([...as(tokens.read), "logs", b.id, "--deployment"]);
    expect(wrongKind.code).toBe(4);
    expect(wrongKind.stderr).toContain(`no deployment with id ${b.id}`);
  });

  test("export and import --dry-run with an admin token; a deploy token is refused", async () => {
    const file = path.join(home, "slipway.yml");
    const ex = await slipway([...as(tokens.admin), "export", "-o", file]);
    expect(ex.code, ex.stderr).toBe(0);
    expect(readFileSync(file, "utf8")).toContain(seed.repoName);
    const exj = await slipway([...as(tokens.admin), "export", "--json"]);
    expect(json<{ yaml: string }>(exj).yaml).toContain(seed.repoName);
    expect((await slipway([...as(tokens.deploy), "export"])).code).toBe(5);

    writeFileSync(file, readFileSync(file, "utf8").replace("cli_web", "cli_web2"));
    const before = await auditCount();
    const dry = await slipway([...as(tokens.admin), "import", file, "--dry-run", "--json"]);
    expect(dry.code, dry.stderr).toBe(0);
    const plan = json<{ dryRun: boolean; changes: unknown[] }>(dry);
    expect(plan.dryRun).toBe(true);
    expect(plan.changes.length).toBeGreaterThan(0);
    expect(await auditCount()).toBe(before);
    const words = await slipway([...as(tokens.admin), "import", file, "--dry-run"]);
    expect(words.stdout).toContain("~ target");
  });

  test("environments shows each stage's release and why it cannot move on; promote --to is refused in words (exit 6), then promotes and --wait exits with the deployment's outcome", async () => {
    const db = getDb();
    const a = actorFor(await createUser("admin", { login: "cli-env-admin" }));
    const rule = await saveDeploymentRule(a, {
      build_rule_id: seed.buildRuleId,
      branch: "main",
      image: "127.0.0.1:5000/cli/app:main",
      environments: [{ name: "staging", soak: 600 }, { name: "production" }],
    });
    const staging = await saveTarget(a, { deployment_rule_id: rule.id, name: "cli-shop-staging", context: "cli-swarm", service: "cli_shop_staging", environment: "staging" });
    const production = await saveTarget(a, { deployment_rule_id: rule.id, name: "cli-shop", context: "cli-swarm", service: "cli_shop", environment: "production" });
    const release = await freshRelease(rule.id);
    // it succeeded on staging a minute ago
    await db.deployment.create({ data: { targetId: staging.id, releaseId: release.id, state: "succeeded", startedAt: new Date(Date.now() - 90_000), finishedAt: new Date(Date.now() - 60_000) } });
    await db.target.update({ where: { id: staging.id }, data: { currentReleaseId: release.id } });

    const shown = await slipway([...as(tokens.read), "environments", "--rule", rule.id]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(/^STAGE\s+TARGETS\s+RUNS\s+NEXT/m);
    expect(shown.stdout).toMatch(new RegExp(`staging\\s+cli-shop-staging\\s+${release.sha.slice(0, 7)} a change\\s+not yet to production: staging's soak time ends in [89] min( \\d+ s)?`));
    const asJson = json<{ pipelines: { stages: { name: string; promotion: { promotable: boolean; blockers: string[] } | null }[] }[] }>(
      await slipway([...as(tokens.read), "environments", "--rule", rule.id, "--json"]),
    );
    expect(asJson.pipelines[0]!.stages.map((st) => [st.name, st.promotion?.promotable ?? null])).toEqual([
      ["staging", false],
      ["production", null],
    ]);

    const before = await auditCount();
    const refused = await slipway([...as(tokens.deploy), "promote", release.id, "--to", "production"]);
    expect(refused.code, refused.stderr).toBe(6);
    expect(refused.stderr).toMatch(/cannot be promoted to production yet: staging's soak time ends in [89] min( \d+ s)?\. Nothing was changed\./);
    expect(await db.deployment.count({ where: { targetId: production.id } })).toBe(0);
    expect(await auditCount()).toBe(before);
    expect((await slipway([...as(tokens.deploy), "promote", release.id])).code).toBe(2);

    // a shorter soak time, already over: the listing offers the command, and the release job runs it
    await db.environment.update({ where: { deploymentRuleId_name: { deploymentRuleId: rule.id, name: "staging" } }, data: { soakSeconds: 30 } });
    expect((await slipway([...as(tokens.read), "environments"])).stdout).toContain(`slipway promote ${release.id} --to production`);
    const job = startSlipway([...as(tokens.deploy), "promote", release.id, "--to", "production", "--wait", "--timeout", "2m"]);
    await job.said(": queued");
    const row = await db.deployment.findFirstOrThrow({ where: { releaseId: release.id, targetId: production.id } });
    expect(row.trigger).toBe("promotion");
    await moveDeployment(row.id, "deploying");
    await job.said(": deploying");
    await moveDeployment(row.id, "succeeded");
    const done = await job.done;
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout.trim()).toBe(row.id);
    expect(done.stderr).toContain("Promoting");
  });
});
