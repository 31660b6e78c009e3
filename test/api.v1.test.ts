// /api/v1 against the production server over real HTTP (started as test/security.authz-matrix.test.ts does):
// the registry, the routes and openapi.json agree; every operation answers as its zod schema says; tokens out
// of scope, expired, revoked, of a lowered or disabled user, and for a repository outside their list are
// refused and write nothing; the rate limit answers 429 with Retry-After; a cookie without a bearer token is
// refused; a list is walked page by page completely without duplicates; a command is audited "via token".
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { buildStatement } from "@/lib/provenance/statement";
import type { z } from "zod";
import { getDb } from "@/lib/db";
import { resetEnvCache } from "@/lib/env";
import { ensureProductionBuild } from "@/scripts/lib/production-build";
import { startWebServer, type WebServer } from "@/test/helpers/web-server";
import { actorFor, createSession, createUser, type TestUser } from "@/test/helpers/fixtures";
import { createApiToken } from "@/lib/services/api-tokens";
import { appendDeploymentLog } from "@/lib/build/log-store";
import { operations } from "@/lib/api/v1/operations";
import { isRawContent, type Operation } from "@/lib/api/operation";
import { sessionCookieName } from "@/lib/auth/cookies";
import type { TokenScope } from "@/lib/validation/api-tokens";

const ROOT = path.resolve(import.meta.dirname, "..");
const PORT = Number(process.env.SLIPWAY_API_TEST_PORT ?? 3453);
const BASE = `http://127.0.0.1:${PORT}`;
const RATE = { perSecond: 2, burst: 40 };

let web: WebServer | undefined;

interface Side {
  repositoryId: string;
  repositoryName: string;
  buildRuleId: string;
  deploymentRuleId: string;
  manualRuleId: string;
  targetId: string;
  buildIds: string[];
  releaseIds: string[];
  pendingDeploymentId: string;
  deploymentId: string;
  /** a rule with environments staging → production whose release runs on staging, promotable */
  promoteRuleId: string;
  promoteReleaseId: string;
  runningPreviewId: string;
  forkPreviewId: string;
}

let A: Side;
let B: Side;
let admin: TestUser;
let operator: TestUser;

async function side(n: string, builds: number): Promise<Side> {
  const db = getDb();
  const ctx = await db.dockerContext.create({ data: { name: `api-${n}-swarm`, endpoint: "unix:///tmp/slipway-api-test-no-docker.sock" } });
  const repo = await db.repository.create({ data: { name: `api-${n}/site`, provider: "git", url: `https://git.example.test/api-${n}/site.git` } });
  const rule = await db.buildRule.create({ data: { repositoryId: repo.id, name: "Dockerfile", kind: "docker" } });
  const deployRule = await db.deploymentRule.create({ data: { buildRuleId: rule.id, branch: "live", image: `127.0.0.1:5000/api-${n}:live` } });
  const manualRule = await db.deploymentRule.create({ data: { buildRuleId: rule.id, branch: "staging", image: `127.0.0.1:5000/api-${n}:staging`, approvalMode: "manual" } });
  const ref = await db.ref.create({ data: { repositoryId: repo.id, kind: "branch", name: "live", headSha: "0".repeat(40) } });
  const buildIds: string[] = [];
  const releaseIds: string[] = [];
  for (let i = 0; i < builds; i++) {
    const sha = randomBytes(20).toString("hex");
    const commit = await db.commit.create({ data: { repositoryId: repo.id, sha, message: `change ${i}`, author: "dev" } });
    // the same queued_at for some, so the keyset's tie-break on id is walked too
    const queuedAt = new Date(Date.UTC(2026, 11, 1, 0, 0, Math.floor(i / 3)));
    const b = await db.build.create({ data: { buildRuleId: rule.id, commitId: commit.id, state: "succeeded", trigger: "webhook", queuedAt, finishedAt: queuedAt } });
    await db.buildRef.create({ data: { buildId: b.id, refId: ref.id } });
    const r = await db.release.create({ data: { buildId: b.id, deploymentRuleId: deployRule.id, imageRepo: `127.0.0.1:5000/api-${n}`, tag: "live", digest: `sha256:${randomBytes(32).toString("hex")}` } });
    buildIds.push(b.id);
    releaseIds.push(r.id);
  }
  const target = await db.target.create({ data: { deploymentRuleId: deployRule.id, name: `api-${n}-web`, kind: "swarm_service", dockerContextId: ctx.id, service: `api_${n}_web`, currentReleaseId: releaseIds[releaseIds.length - 1]! } });
  const manualTarget = await db.target.create({ data: { deploymentRuleId: manualRule.id, name: `api-${n}-staging`, kind: "swarm_service", dockerContextId: ctx.id, service: `api_${n}_staging` } });
  const commit = await db.commit.create({ data: { repositoryId: repo.id, sha: randomBytes(20).toString("hex") } });
  const sb = await db.build.create({ data: { buildRuleId: rule.id, commitId: commit.id, state: "succeeded", trigger: "webhook", finishedAt: new Date() } });
  const stagingRelease = await db.release.create({ data: { buildId: sb.id, deploymentRuleId: manualRule.id, imageRepo: `127.0.0.1:5000/api-${n}`, tag: "staging", digest: `sha256:${randomBytes(32).toString("hex")}` } });
  const pending = await db.deployment.create({ data: { targetId: manualTarget.id, releaseId: stagingRelease.id, state: "pending_approval", approvalExpiresAt: new Date(Date.now() + 6 * 3600_000) } });
  const done = await db.deployment.create({ data: { targetId: target.id, releaseId: releaseIds[0]!, state: "succeeded", startedAt: new Date(), finishedAt: new Date() } });
  await appendDeploymentLog(done.id, 0, "pulling image\nconverged\n");
  const promoteRule = await db.deploymentRule.create({ data: { buildRuleId: rule.id, branch: "main", image: `127.0.0.1:5000/api-${n}:main` } });
  const stagingEnv = await db.environment.create({ data: { deploymentRuleId: promoteRule.id, name: "staging", position: 0, soakSeconds: 60 } });
  const productionEnv = await db.environment.create({ data: { deploymentRuleId: promoteRule.id, name: "production", position: 1 } });
  const pc = await db.commit.create({ data: { repositoryId: repo.id, sha: randomBytes(20).toString("hex"), message: "ready for production" } });
  const pb = await db.build.create({ data: { buildRuleId: rule.id, commitId: pc.id, state: "succeeded", trigger: "webhook", finishedAt: new Date() } });
  const promoteRelease = await db.release.create({ data: { buildId: pb.id, deploymentRuleId: promoteRule.id, imageRepo: `127.0.0.1:5000/api-${n}`, tag: "main", digest: `sha256:${randomBytes(32).toString("hex")}` } });
  const stagingTarget = await db.target.create({
    data: { deploymentRuleId: promoteRule.id, environmentId: stagingEnv.id, name: `api-${n}-web-staging`, kind: "swarm_service", dockerContextId: ctx.id, service: `api_${n}_web_staging`, currentReleaseId: promoteRelease.id },
  });
  await db.target.create({ data: { deploymentRuleId: promoteRule.id, environmentId: productionEnv.id, name: `api-${n}-web-production`, kind: "swarm_service", dockerContextId: ctx.id, service: `api_${n}_web_production` } });
  // succeeded on staging two minutes ago: its 60 s soak time has passed
  await db.deployment.create({ data: { targetId: stagingTarget.id, releaseId: promoteRelease.id, state: "succeeded", startedAt: new Date(Date.now() - 180_000), finishedAt: new Date(Date.now() - 120_000) } });
  // two pull request previews of the deploy rule: one running, one of a fork waiting for approval
  const preview = (pr: number, state: "running" | "pending_approval") =>
    db.preview.create({
      data: {
        deploymentRuleId: deployRule.id, prNumber: pr, headSha: randomBytes(20).toString("hex"), buildId: buildIds[0]!, imageRepo: `127.0.0.1:5000/api-${n}`, tag: `pr-${pr}-abcdef0`,
        digest: `sha256:${randomBytes(32).toString("hex")}`, service: `api_${n}_web-pr-${pr}`, state, url: `https://pr-${pr}.preview.example.com`, fork: state === "pending_approval",
        ...(state === "running" ? { deployedAt: new Date(), expiresAt: new Date(Date.now() + 3600_000) } : {}),
      },
    });
  const runningPreview = await preview(41, "running");
  const forkPreview = await preview(42, "pending_approval");
  return {
    runningPreviewId: runningPreview.id, forkPreviewId: forkPreview.id,
    repositoryId: repo.id, repositoryName: repo.name, buildRuleId: rule.id, deploymentRuleId: deployRule.id, manualRuleId: manualRule.id,
    targetId: target.id, buildIds, releaseIds, pendingDeploymentId: pending.id, deploymentId: done.id, promoteRuleId: promoteRule.id, promoteReleaseId: promoteRelease.id,
  };
}

async function token(user: TestUser, scope: TokenScope, opts: { repositoryIds?: string[]; days?: number } = {}): Promise<{ id: string; token: string; name: string }> {
  const name = `t-${randomBytes(4).toString("hex")}`;
  const t = await createApiToken(actorFor(user), { name, scope, expiresInDays: opts.days ?? 30, repositoryIds: opts.repositoryIds ?? [] });
  return { id: t.id, token: t.token, name };
}

async function call(tok: string | null, method: string, p: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; text: string; json: () => unknown }> {
  const res = await fetch(`${BASE}/api/v1${p}`, {
    method,
    headers: { ...(tok ? { authorization: `Bearer ${tok}` } : {}), ...(body !== undefined && typeof body !== "string" ? { "content-type": "application/json" } : {}), ...headers },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) as unknown };
}

/** What a refused request may not change: the rows any command here could write. */
async function counts() {
  const db = getDb();
  const [builds, deployments, audit, approvals, pinned] = await Promise.all([
    db.build.count(),
    db.deployment.count(),
    db.auditEvent.count(),
    db.approval.count(),
    db.target.count({ where: { pinnedReleaseId: { not: null } } }),
  ]);
  const states = (await db.deployment.findMany({ select: { id: true, state: true }, orderBy: { id: "asc" } })).map((d) => `${d.id}:${d.state}`).join(",");
  return { builds, deployments, audit, approvals, pinned, states };
}

function expectError(r: { status: number; json: () => unknown }, status: number, code: string) {
  expect(r.status, JSON.stringify(r.json())).toBe(status);
  const e = (r.json() as { error: { code: string; message: string } }).error;
  expect(e.code).toBe(code);
  expect(e.message.length).toBeGreaterThan(10);
}

function checkAgainst(op: Operation, body: unknown) {
  if (isRawContent(op.response)) throw new Error(`${op.id} answers raw content`);
  const parsed = (op.response as z.ZodType).safeParse(body);
  expect(parsed.success, `${op.method} ${op.path}: ${parsed.success ? "" : JSON.stringify(parsed.error.issues.slice(0, 5))}`).toBe(true);
}

beforeAll(async () => {
  await ensureProductionBuild(ROOT, { say: (l) => console.log(l), everyMs: 30_000 });
  process.env.SLIPWAY_SECRET_KEY = randomBytes(32).toString("hex");
  resetEnvCache();
  web = await startWebServer(ROOT, PORT, "SLIPWAY_API_TEST_PORT", { SLIPWAY_API_RATE_PER_SECOND: String(RATE.perSecond), SLIPWAY_API_RATE_BURST: String(RATE.burst) });
  [A, B] = [await side("a", 25), await side("b", 3)];
  admin = await createUser("admin", { login: "api-admin" });
  operator = await createUser("operator", { login: "api-operator" });
  await web.ready();
}, 900_000);

afterAll(async () => {
  await web?.stop();
  delete process.env.SLIPWAY_SECRET_KEY;
  resetEnvCache();
}, 60_000);

/** "METHOD /path/{param}" of every method every app/api/v1 route.ts exports. */
function routeFiles(): string[] {
  const dir = path.join(ROOT, "app/api/v1");
  const walk = (d: string): string[] => readdirSync(d).flatMap((n) => (statSync(path.join(d, n)).isDirectory() ? walk(path.join(d, n)) : [path.join(d, n)]));
  const out: string[] = [];
  for (const f of walk(dir).filter((f) => f.endsWith("/route.ts"))) {
    const url = "/" + path.relative(dir, path.dirname(f)).split(path.sep).map((s) => s.replace(/^\[(\w+)\]$/, "{$1}")).join("/");
    for (const m of readFileSync(f, "utf8").matchAll(/^export\s+(?:async\s+)?(?:const|function)\s+(GET|POST|PUT|PATCH|DELETE)\b/gm)) out.push(`${m[1]} ${url}`);
  }
  return out.sort();
}

describe("/api/v1", () => {
  test("the registry, the route files and openapi.json list the same operations", async () => {
    const registered = operations.map((o) => `${o.method} ${o.path}`).sort();
    expect(new Set(registered).size).toBe(registered.length);
    expect(routeFiles()).toEqual(registered);
    const r = await call(null, "GET", "/openapi.json");
    expect(r.status).toBe(200);
    const doc = r.json() as { openapi: string; paths: Record<string, Record<string, { operationId: string }>>; components: { schemas: Record<string, unknown> } };
    expect(doc.openapi).toBe("3.1.0");
    const documented = Object.entries(doc.paths).flatMap(([p, ms]) => Object.keys(ms).map((m) => `${m.toUpperCase()} ${p}`)).sort();
    expect(documented).toEqual(registered);
    for (const o of operations) expect(doc.paths[o.path]![o.method.toLowerCase()]!.operationId).toBe(o.id);
    // every $ref points at a component that is there
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/(\w+)"/g)].map((m) => m[1]!);
    for (const ref of new Set(refs)) expect(doc.components.schemas, ref).toHaveProperty(ref);
    expect(Object.keys(doc.components.schemas)).toEqual(expect.arrayContaining(["Build", "Release", "Target", "Deployment", "AuditEvent", "Repository", "Error"]));
  });

  test("every operation answers as documented", async () => {
    const reader = await token(admin, "admin");
    const byId = new Map(operations.map((o) => [o.id, o]));
    const seen = new Set<string>(["getOpenApiDocument"]);
    const json = async (id: string, method: string, p: string, body?: unknown, status = 200) => {
      const op = byId.get(id)!;
      const r = await call(reader.token, method, p, body);
      expect(r.status, `${method} ${p}: ${r.text.slice(0, 400)}`).toBe(status);
      expect(r.headers.get("content-type")).toMatch(/^application\/json/);
      checkAgainst(op, r.json());
      seen.add(id);
      return r.json() as Record<string, unknown>;
    };
    const raw = async (id: string, p: string, type: RegExp, init?: { method?: string; body?: string; headers?: Record<string, string> }) => {
      const r = await call(reader.token, init?.method ?? "GET", p, init?.body, init?.headers);
      expect(r.status, `${p}: ${r.text.slice(0, 400)}`).toBe(200);
      expect(r.headers.get("content-type")).toMatch(type);
      seen.add(id);
      return r.text;
    };
    const me = await json("getMe", "GET", "/me");
    expect(me).toMatchObject({ user: { login: "api-admin", role: "admin" }, token: { name: reader.name, scope: "admin", repositoryIds: [] } });
    const repos = await json("listRepositories", "GET", "/repositories");
    expect((repos.items as { id: string }[]).map((r) => r.id)).toEqual(expect.arrayContaining([A.repositoryId, B.repositoryId]));
    const repo = await json("getRepository", "GET", `/repositories/${A.repositoryId}`);
    expect(repo).toMatchObject({ name: A.repositoryName, buildRules: [{ id: A.buildRuleId, kind: "docker" }] });
    await json("getBuildRule", "GET", `/build-rules/${A.buildRuleId}`);
    const builds = await json("listBuilds", "GET", `/builds?repository=${encodeURIComponent(A.repositoryName)}&state=succeeded&ref=live&limit=5`);
    expect((builds.items as unknown[]).length).toBe(5);
    const build = await json("getBuild", "GET", `/builds/${A.buildIds[0]}`);
    expect(build).toMatchObject({ id: A.buildIds[0], repositoryId: A.repositoryId, refs: ["live"], releases: [{ id: A.releaseIds[0] }] });
    const sha = (build.commit as { sha: string }).sha;
    const byCommit = await json("listBuilds", "GET", `/builds?commit=${sha.slice(0, 8)}`);
    expect((byCommit.items as { id: string }[]).map((b) => b.id)).toEqual([A.buildIds[0]]);
    expect(await raw("getBuildLog", `/builds/${A.buildIds[0]}/log`, /^text\/plain/)).toBe("");
    await json("listReleases", "GET", `/releases?deploymentRule=${A.deploymentRuleId}&limit=3`);
    const release = await json("getRelease", "GET", `/releases/${A.releaseIds[1]}`);
    expect(release).toMatchObject({ buildId: A.buildIds[1], repositoryId: A.repositoryId, commitSha: expect.stringMatching(/^[0-9a-f]{40}$/) });
    // provenance: none stored for one release, a signed statement stored for another
    expect(await json("getReleaseProvenance", "GET", `/releases/${A.releaseIds[0]}/provenance`)).toMatchObject({ releaseId: A.releaseIds[0], status: "unsigned", statement: null, lastCheck: null });
    const signedRow = await getDb().release.findUniqueOrThrow({ where: { id: A.releaseIds[1]! }, include: { build: { include: { commit: true } } } });
    const statement = buildStatement({
      slipwayUrl: "https://slipway.example.org", slipwayVersion: "0.1.0", buildId: signedRow.buildId, imageRepo: signedRow.imageRepo!, digest: signedRow.digest!, tag: "live", artifact: null,
      repository: { name: A.repositoryName, url: "https://git.example.test/site.git" }, ref: "refs/heads/live", commitSha: signedRow.build.commit.sha,
      rule: { name: "Dockerfile", kind: "docker", dockerfile: "Dockerfile", context: "", unikernelTarget: null }, buildArgs: {}, buildSecretNames: [], secretValues: [], platforms: ["linux/amd64"],
      startedOn: new Date(0), finishedOn: new Date(1000),
    });
    await getDb().releaseProvenance.create({ data: { releaseId: signedRow.id, keyId: "a".repeat(64), statement: JSON.stringify(statement), envelope: "{}", attestationRef: `${signedRow.imageRepo}:x.att`, attestationDigest: `sha256:${"b".repeat(64)}` } });
    expect(await json("getReleaseProvenance", "GET", `/releases/${A.releaseIds[1]}/provenance`)).toMatchObject({
      status: "signed", keyId: "a".repeat(64), commit: signedRow.build.commit.sha, subject: [{ name: signedRow.imageRepo, sha256: signedRow.digest!.slice(7) }],
      builder: { id: "https://slipway.example.org/builder", version: "0.1.0" }, startedOn: "1970-01-01T00:00:00.000Z", statement: { _type: "https://in-toto.io/Statement/v1" },
    });
    const rule = await json("getDeploymentRule", "GET", `/deployment-rules/${A.deploymentRuleId}`);
    expect(rule).toMatchObject({ branch: "live", approval: "automatic", targetIds: [A.targetId] });
    const targets = await json("listTargets", "GET", `/targets?repository=${A.repositoryId}`);
    expect((targets.items as { id: string }[]).map((t) => t.id)).toContain(A.targetId);
    const target = await json("getTarget", "GET", `/targets/${A.targetId}`);
    expect(target).toMatchObject({ pinned: false, liveReleaseId: A.releaseIds[A.releaseIds.length - 1], latestDeployment: { id: A.deploymentId, state: "succeeded" } });
    const pipelines = await json("listPipelines", "GET", `/environments/pipeline?deploymentRule=${A.promoteRuleId}`);
    expect(pipelines).toMatchObject({
      pipelines: [
        {
          deploymentRuleId: A.promoteRuleId,
          stages: [
            { name: "staging", release: { id: A.promoteReleaseId }, promotion: { to: "production", releaseId: A.promoteReleaseId, promotable: true, blockers: [] } },
            { name: "production", release: null, promotion: null },
          ],
        },
      ],
    });
    await json("listDeployments", "GET", `/deployments?target=${A.targetId}&state=succeeded`);
    await json("getDeployment", "GET", `/deployments/${A.deploymentId}`);
    expect(await raw("getDeploymentLog", `/deployments/${A.deploymentId}/log`, /^text\/plain/)).toBe("pulling image\nconverged\n");
    // follow=1 on a deployment that has ended: the whole log, then the answer ends
    expect(await raw("getDeploymentLog", `/deployments/${A.deploymentId}/log?follow=1`, /^text\/plain/)).toBe("pulling image\nconverged\n");
    const approvals = await json("listApprovals", "GET", "/approvals");
    expect((approvals.items as { id: string }[]).map((d) => d.id)).toEqual(expect.arrayContaining([A.pendingDeploymentId, B.pendingDeploymentId]));
    const previews = await json("listPreviews", "GET", "/previews");
    expect((previews.items as { id: string }[]).map((p) => p.id)).toEqual(expect.arrayContaining([A.runningPreviewId, A.forkPreviewId]));
    expect(await json("listPreviews", "GET", "/previews?state=pending_approval")).toMatchObject({ items: expect.arrayContaining([expect.objectContaining({ id: A.forkPreviewId, fork: true, pullRequest: 42 })]) });
    await json("listAuditEvents", "GET", "/audit?action=api_token.&limit=5");
    // the DORA figures: the seeded deployment of A's target counts in the 90 days
    const dora = await json("getDoraReport", "GET", `/dora?period=90&repository=${A.repositoryId}`);
    expect(dora).toMatchObject({ periodDays: 90 });
    expectError(await call(reader.token, "GET", "/dora?period=12"), 422, "validation_failed");
    const csv = await raw("exportAuditEvents", "/audit/export?format=csv&action=api_token.created", /^text\/csv/);
    expect(csv.split("\n")[0]).toMatch(/^id,time,/);
    const yml = await raw("exportInventory", "/inventory", /^text\/yaml/);
    expect(yml).toContain(A.repositoryName);
    const plan = await json("importInventory", "POST", "/inventory/import?dryRun=1", yml);
    expect(plan).toMatchObject({ dryRun: true });

    // the commands, as an operator's deploy-scoped token
    const deployer = await token(operator, "deploy");
    const cmd = async (id: string, p: string, body: unknown, status: number) => {
      const r = await call(deployer.token, "POST", p, body);
      expect(r.status, `${p}: ${r.text.slice(0, 400)}`).toBe(status);
      checkAgainst(byId.get(id)!, r.json());
      seen.add(id);
      return r.json() as Record<string, unknown>;
    };
    const rebuilt = await cmd("rebuildBuild", `/builds/${A.buildIds[2]}/rebuild`, undefined, 202);
    await cmd("cancelBuild", `/builds/${rebuilt.buildId as string}/cancel`, undefined, 202);
    const deployed = await cmd("deployToTarget", `/targets/${A.targetId}/deploy`, { releaseId: A.releaseIds[3] }, 202);
    expect(deployed).toMatchObject({ state: "queued" });
    // a second one while that one waits supersedes nothing that runs: roll back to the first release (pins)
    await cmd("rollbackTarget", `/targets/${A.targetId}/rollback`, { releaseId: A.releaseIds[0] }, 202);
    await cmd("unpinTarget", `/targets/${A.targetId}/unpin`, undefined, 200);
    await cmd("pinTarget", `/targets/${A.targetId}/pin`, {}, 200);
    const promoted = await cmd("promoteRelease", `/releases/${A.promoteReleaseId}/promote`, { environment: "production" }, 202);
    expect(promoted).toMatchObject({ releaseId: A.promoteReleaseId, from: "staging", environment: "production", deployments: [{ target: "api-a-web-production", state: "queued" }] });
    expect((await getDb().deployment.findUniqueOrThrow({ where: { id: (promoted.deployments as { id: string }[])[0]!.id } })).trigger).toBe("promotion");
    // the first stage is entered from the branch, never by promotion: 409 in words, nothing written
    const beforeRefusal = await counts();
    expectError(await call(deployer.token, "POST", `/releases/${B.promoteReleaseId}/promote`, { environment: "staging" }), 409, "conflict");
    expect(await counts()).toEqual(beforeRefusal);
    await cmd("approveDeployment", `/approvals/${A.pendingDeploymentId}/approve`, { comment: "ship it" }, 200);
    await cmd("rejectDeployment", `/approvals/${B.pendingDeploymentId}/reject`, { comment: "not now" }, 200);
    expect(await cmd("tearDownPreview", `/previews/${A.runningPreviewId}/teardown`, undefined, 202)).toMatchObject({ message: expect.stringMatching(/^Tearing down /) });
    expect(await cmd("approvePreview", `/previews/${A.forkPreviewId}/approve`, undefined, 202)).toMatchObject({ state: "queued" });
    // a command done with a token is audited as the user "via token <name>"
    const ev = await getDb().auditEvent.findFirstOrThrow({ where: { action: "build.rebuilt" }, orderBy: { id: "desc" } });
    expect(ev).toMatchObject({ actorType: "api_token", actorId: operator.id, actorLabel: `api-operator via token ${deployer.name}` });
    // the state does not allow it: 409 in words
    expectError(await call(deployer.token, "POST", `/approvals/${A.pendingDeploymentId}/approve`, {}), 409, "conflict");

    expect(operations.map((o) => o.id).filter((id) => !seen.has(id))).toEqual([]);
  });

  test("errors: 401 without a token (and for a cookie), 404 and 405 in JSON, 422 with field paths", async () => {
    const none = await call(null, "GET", "/builds");
    expectError(none, 401, "unauthenticated");
    expect(none.headers.get("www-authenticate")).toMatch(/^Bearer/);
    const cookie = `${sessionCookieName(BASE)}=${await createSession(admin.id, new Date(Date.now() + 3600_000))}`;
    const before = await counts();
    expectError(await call(null, "GET", "/me", undefined, { cookie }), 401, "unauthenticated");
    expectError(await call(null, "POST", `/builds/${A.buildIds[4]}/rebuild`, {}, { cookie, origin: BASE, "sec-fetch-site": "same-origin" }), 401, "unauthenticated");
    expect(await counts()).toEqual(before);
    expectError(await call(null, "GET", "/builds", undefined, { authorization: "Basic YWRtaW46YWRtaW4=" }), 401, "unauthenticated");
    expectError(await call(null, "GET", "/builds", undefined, { authorization: "Bearer slw_not-a-real-token" }), 401, "unauthenticated");
    const t = await token(admin, "admin");
    expectError(await call(t.token, "GET", "/nothing-here"), 404, "not_found");
    const wrong = await call(t.token, "DELETE", `/builds/${A.buildIds[0]}`);
    expectError(wrong, 405, "method_not_allowed");
    expect(wrong.headers.get("allow")).toBe("GET");
    expectError(await call(t.token, "GET", "/builds/no-such-build"), 404, "not_found");
    const bad = await call(t.token, "GET", "/builds?limit=0&state=exploded&commit=xyz");
    expectError(bad, 422, "validation_failed");
    expect((bad.json() as { error: { issues: { path: string }[] } }).error.issues.map((i) => i.path).sort()).toEqual(["commit", "limit", "state"]);
    const body = await call(t.token, "POST", `/targets/${A.targetId}/deploy`, { releaseId: "" });
    expectError(body, 422, "validation_failed");
    expect((body.json() as { error: { issues: { path: string }[] } }).error.issues[0]!.path).toBe("releaseId");
    expectError(await call(t.token, "POST", `/targets/${A.targetId}/deploy`, "{not json"), 422, "validation_failed");
    expectError(await call(t.token, "GET", "/builds?cursor=bm90LWEtY3Vyc29y"), 422, "validation_failed");
  });

  test("pagination walks a list completely, newest first, without duplicates", async () => {
    const t = await token(admin, "read");
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const r = await call(t.token, "GET", `/builds?repository=${A.repositoryId}&limit=4${cursor ? `&cursor=${cursor}` : ""}`);
      expect(r.status, r.text).toBe(200);
      const page = r.json() as { items: { id: string; createdAt: string }[]; nextCursor: string | null };
      expect(page.items.length).toBeLessThanOrEqual(4);
      seen.push(...page.items.map((i) => i.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor && pages < 50);
    const all = await getDb().build.findMany({ where: { buildRule: { repositoryId: A.repositoryId } }, orderBy: [{ queuedAt: "desc" }, { id: "desc" }], select: { id: true } });
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(all.map((b) => b.id));
    expect(pages).toBe(Math.ceil(all.length / 4));
  });

  describe("tokens that may not do it are refused and write nothing", () => {
    const refusedWrites = async (tok: string, status: number, code: string) => {
      const before = await counts();
      expectError(await call(tok, "POST", `/builds/${A.buildIds[5]}/rebuild`), status, code);
      expectError(await call(tok, "POST", `/targets/${A.targetId}/deploy`, { releaseId: A.releaseIds[5] }), status, code);
      expectError(await call(tok, "POST", `/targets/${A.targetId}/rollback`, {}), status, code);
      expectError(await call(tok, "POST", `/approvals/${A.pendingDeploymentId}/reject`, {}), status, code);
      expectError(await call(tok, "POST", `/releases/${A.promoteReleaseId}/promote`, { environment: "production" }), status, code);
      expect(await counts()).toEqual(before);
    };

    test("a read-scoped token of an admin cannot run commands (403)", async () => {
      const t = await token(admin, "read");
      await refusedWrites(t.token, 403, "forbidden");
      expect((await call(t.token, "GET", `/builds/${A.buildIds[5]}`)).status).toBe(200);
    });

    test("an admin-scoped token of an operator acts as an operator: no inventory (403)", async () => {
      const t = await token(operator, "deploy");
      await getDb().apiToken.update({ where: { id: t.id }, data: { role: "admin" } });
      expectError(await call(t.token, "GET", "/inventory"), 403, "forbidden");
    });

    test("a user whose role is lowered loses what the role lost", async () => {
      const u = await createUser("operator");
      const t = await token(u, "deploy");
      await getDb().user.update({ where: { id: u.id }, data: { role: "viewer" } });
      await refusedWrites(t.token, 403, "forbidden");
      expect(((await call(t.token, "GET", "/me")).json() as { user: { role: string } }).user.role).toBe("viewer");
    });

    test("expired, revoked, and a disabled user's tokens are refused (401) in words", async () => {
      const expired = await token(operator, "deploy");
      await getDb().apiToken.update({ where: { id: expired.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
      await refusedWrites(expired.token, 401, "unauthenticated");
      expect((await call(expired.token, "GET", "/me")).text).toMatch(/expired on/);

      const revoked = await token(operator, "deploy");
      await getDb().apiToken.update({ where: { id: revoked.id }, data: { revokedAt: new Date() } });
      await refusedWrites(revoked.token, 401, "unauthenticated");
      expect((await call(revoked.token, "GET", "/me")).text).toMatch(/was revoked/);

      const u = await createUser("operator");
      const ofDisabled = await token(u, "deploy");
      await getDb().user.update({ where: { id: u.id }, data: { disabled: true } });
      await refusedWrites(ofDisabled.token, 401, "unauthenticated");
      expect((await call(ofDisabled.token, "GET", "/me")).text).toMatch(/disabled/);
    });

    test("a token limited to repository B: A's objects are 404 to read, 403 to change, and filtered out of lists", async () => {
      const t = await token(operator, "deploy", { repositoryIds: [B.repositoryId] });
      // a deployment waiting for approval on each side (the ones seeded were decided above)
      for (const s of [A, B]) {
        const d = await getDb().deployment.findUniqueOrThrow({ where: { id: s.pendingDeploymentId } });
        await getDb().deployment.create({ data: { targetId: d.targetId, releaseId: d.releaseId, state: "pending_approval", approvalExpiresAt: new Date(Date.now() + 3600_000) } });
      }
      await refusedWrites(t.token, 403, "forbidden");
      for (const p of [`/builds/${A.buildIds[0]}`, `/builds/${A.buildIds[0]}/log`, `/releases/${A.releaseIds[0]}`, `/releases/${A.releaseIds[0]}/provenance`, `/targets/${A.targetId}`, `/deployments/${A.deploymentId}`, `/repositories/${A.repositoryId}`, `/build-rules/${A.buildRuleId}`, `/deployment-rules/${A.deploymentRuleId}`]) {
        expectError(await call(t.token, "GET", p), 404, "not_found");
      }
      // DORA: only for one of its repositories (or their targets), never everything's
      expectError(await call(t.token, "GET", "/dora"), 403, "forbidden");
      expectError(await call(t.token, "GET", `/dora?repository=${A.repositoryId}`), 403, "forbidden");
      expectError(await call(t.token, "GET", `/dora?target=${A.targetId}`), 403, "forbidden");
      expect((await call(t.token, "GET", `/dora?repository=${B.repositoryId}`)).status).toBe(200);
      for (const p of ["/builds?limit=200", "/releases?limit=200", "/targets?limit=200", "/deployments?limit=200", "/approvals?limit=200", "/repositories?limit=200", "/previews"]) {
        const r = await call(t.token, "GET", p);
        expect(r.status, r.text).toBe(200);
        const items = (r.json() as { items: { id: string; repositoryId?: string }[] }).items;
        expect(items.length, p).toBeGreaterThan(0);
        const text = JSON.stringify(items);
        expect(text, p).not.toContain(A.repositoryId);
        expect(text, p).not.toContain(A.targetId);
      }
      // the pipelines: its own repository's only
      const pipes = await call(t.token, "GET", "/environments/pipeline");
      expect(pipes.status, pipes.text).toBe(200);
      expect((pipes.json() as { pipelines: { repositoryId: string }[] }).pipelines.map((p) => p.repositoryId)).toEqual([B.repositoryId]);
      expectError(await call(t.token, "GET", "/audit"), 403, "forbidden");
      expectError(await call(t.token, "POST", `/previews/${A.forkPreviewId}/teardown`), 403, "forbidden");
      // its own repository's objects work
      expect((await call(t.token, "GET", `/builds/${B.buildIds[0]}`)).status).toBe(200);
    });
  });

  test("the rate limit answers 429 with Retry-After, per token", async () => {
    const t = await token(admin, "read");
    const other = await token(admin, "read");
    const started = Date.now();
    const answers = await Promise.all(Array.from({ length: RATE.burst + 10 }, () => call(t.token, "GET", "/me")));
    const seconds = (Date.now() - started) / 1000;
    const limited = answers.filter((a) => a.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    // the burst, plus what the bucket refilled while the requests were answered (a busy machine answers the 50
    // more slowly: a CI run under load let 44 through in about 2 s, as the limit should)
    expect(answers.filter((a) => a.status === 200).length).toBeLessThanOrEqual(RATE.burst + Math.ceil(RATE.perSecond * seconds) + 1);
    expectError(limited[0]!, 429, "rate_limited");
    expect(Number(limited[0]!.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    // another token has its own bucket
    expect((await call(other.token, "GET", "/me")).status).toBe(200);
  });

  test("lastUsedAt is written on use, at most once a minute", async () => {
    const t = await token(admin, "read");
    expect((await getDb().apiToken.findUniqueOrThrow({ where: { id: t.id } })).lastUsedAt).toBeNull();
    await call(t.token, "GET", "/me");
    const first = (await getDb().apiToken.findUniqueOrThrow({ where: { id: t.id } })).lastUsedAt;
    expect(first).not.toBeNull();
    await call(t.token, "GET", "/me");
    expect((await getDb().apiToken.findUniqueOrThrow({ where: { id: t.id } })).lastUsedAt).toEqual(first);
  });
});
