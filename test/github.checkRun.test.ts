// lib/services/builds/check-run.ts and lib/github/app-client.ts against real PostgreSQL and a loopback
// stand-in of GitHub's REST API (test/helpers/github-api.ts) that verifies the app's RS256 JWT with the
// app's public key and accepts check-run calls only with the installation token it issued.
import { Writable } from "node:stream";
import pino from "pino";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import type { JobHelpers } from "graphile-worker";
import type { Logger } from "@/lib/log";
import { buildTaskList } from "@/workers/tasks";
import { getDb } from "@/lib/db";
import { logOptions } from "@/lib/log";
import { resetEnvCache } from "@/lib/env";
import type { BuildState } from "@/lib/generated/prisma/client";
import { clearGithubClientCache, GithubApiError, GithubAppSetupError, installationOctokit, installationToken } from "@/lib/github/app-client";
import { syncBuildCheck } from "@/lib/services/builds/check-run";
import { saveApp, saveRepository } from "@/lib/services/inventory/entities";
import { buildCheck } from "@/workers/tasks/build-check";
import type { TaskContext } from "@/workers/tasks/types";
import { actorFor, createUser, type TestUser } from "@/test/helpers/fixtures";
import { fakeSha, generateAppKeyPair, signAppJwt, startGithubApi, type GithubApi } from "@/test/helpers/github-api";

const APP_ID = 4242;
const INSTALLATION = 777001;
const REPO = "tarides-test/site";
const SLIPWAY_URL = "https://slipway.example.org";

const keys = generateAppKeyPair();
let api: GithubApi;
let admin: TestUser;
let repositoryId: string;
let ruleId: string;
let shaCounter = 0;

beforeAll(async () => {
  process.env.SLIPWAY_URL = SLIPWAY_URL;
  resetEnvCache();
  api = await startGithubApi({ appId: APP_ID, publicKey: keys.publicKey, installations: { [REPO]: INSTALLATION, "tarides-test/other": 777002 } });
  admin = await createUser("admin");
  await saveApp(actorFor(admin), { name: "tarides", app_id: APP_ID, api_url: api.url, private_key: keys.privateKey, webhook_secret: "whsec-0123456789" });
  repositoryId = (await saveRepository(actorFor(admin), { repo: REPO, app: "tarides" })).id;
  await getDb().repository.update({ where: { id: repositoryId }, data: { installationId: BigInt(INSTALLATION) } });
  ruleId = (await getDb().buildRule.create({ data: { repositoryId, name: "Dockerfile", kind: "docker" } })).id;
});

afterAll(async () => {
  await api?.stop();
  delete process.env.SLIPWAY_URL;
  resetEnvCache();
});

beforeEach(() => {
  api.checkRuns.length = 0;
  api.tokenRequests.length = 0;
  clearGithubClientCache();
});

async function newBuild(opts: { repositoryId?: string; ruleId?: string } = {}) {
  const db = getDb();
  const commit = await db.commit.create({ data: { repositoryId: opts.repositoryId ?? repositoryId, sha: fakeSha(`commit-${++shaCounter}`) } });
  const build = await db.build.create({ data: { buildRuleId: opts.ruleId ?? ruleId, commitId: commit.id, trigger: "webhook" } });
  return { id: build.id, sha: commit.sha };
}

async function setState(id: string, state: BuildState, extra: { reason?: string } = {}) {
  const now = new Date();
  const data: Record<string, unknown> = { state, ...extra };
  if (["fetching", "building", "pushing"].includes(state)) data.startedAt = now;
  if (["succeeded", "failed", "cancelled", "superseded"].includes(state)) data.finishedAt = now;
  await getDb().build.update({ where: { id }, data });
}

const storedCheckRunId = async (id: string) => (await getDb().build.findUniqueOrThrow({ where: { id }, select: { checkRunId: true } })).checkRunId;

describe("syncBuildCheck", () => {
  test("queued → building → succeeded: one POST then PATCHes of the same check run, with details_url and the id stored", async () => {
    const b = await newBuild();
    expect(await syncBuildCheck(b.id)).toMatchObject({ action: "created", status: "queued" });
    await setState(b.id, "building");
    expect(await syncBuildCheck(b.id)).toMatchObject({ action: "updated", status: "in_progress" });
    await setState(b.id, "succeeded");
    expect(await syncBuildCheck(b.id)).toMatchObject({ action: "updated", status: "completed", conclusion: "success" });

    const calls = api.checkRuns;
    expect(calls.map((c) => [c.method, c.status, c.body.status, c.body.conclusion])).toEqual([
      ["POST", 201, "queued", undefined],
      ["PATCH", 200, "in_progress", undefined],
      ["PATCH", 200, "completed", "success"],
    ]);
    const runId = calls[0]!.id!;
    expect(calls.every((c) => c.id === runId && c.owner === "tarides-test" && c.repo === "site")).toBe(true);
    expect(calls[0]!.body).toMatchObject({ name: "deployability", head_sha: b.sha, external_id: b.id, details_url: `${SLIPWAY_URL}/builds/${b.id}` });
    expect(calls[1]!.body.started_at).toEqual(expect.stringMatching(/^\d{4}-\d\d-\d\dT/));
    expect(calls[2]!.body.completed_at).toEqual(expect.stringMatching(/^\d{4}-\d\d-\d\dT/));
    expect(calls[1]!.body).not.toHaveProperty("head_sha");
    expect(await storedCheckRunId(b.id)).toBe(BigInt(runId));

    const run = api.runs.get(runId)!;
    expect(run).toMatchObject({ name: "deployability", head_sha: b.sha, status: "completed", conclusion: "success", details_url: `${SLIPWAY_URL}/builds/${b.id}`, external_id: b.id });
    expect(run.output.title).toBe("Dockerfile: build succeeded");
    expect(run.output.summary).toContain("Build rule **Dockerfile**, attempt 1");
    // one installation token, reused from the cache for all three calls
    expect(api.tokenRequests.map((t) => [t.installationId, t.status])).toEqual([[INSTALLATION, 201]]);
  });

  test("a failed build completes with conclusion failure and the reason in the summary", async () => {
    const b = await newBuild();
    await setState(b.id, "building");
    await syncBuildCheck(b.id);
    await setState(b.id, "failed", { reason: "docker build exited with status 1: RUN make failed" });
    await syncBuildCheck(b.id);
    const run = api.runs.get(api.checkRuns[0]!.id!)!;
    expect(run).toMatchObject({ status: "completed", conclusion: "failure" });
    expect(run.output.title).toBe("Dockerfile: build failed");
    expect(run.output.summary).toContain("Reason: docker build exited with status 1: RUN make failed");
  });

  test("cancelled and superseded builds complete as cancelled and neutral", async () => {
    const c = await newBuild();
    await setState(c.id, "cancelled", { reason: "cancelled by admin" });
    await syncBuildCheck(c.id);
    const s = await newBuild();
    await setState(s.id, "superseded", { reason: "a newer commit was pushed to main" });
    await syncBuildCheck(s.id);
    expect(api.checkRuns.map((x) => [x.method, x.body.status, x.body.conclusion])).toEqual([
      ["POST", "completed", "cancelled"],
      ["POST", "completed", "neutral"],
    ]);
    expect(api.runs.get(api.checkRuns[1]!.id!)!.output.summary).toContain("a newer commit was pushed to main");
  });

  test("syncing the same state twice is harmless: the same update again, one check run", async () => {
    const b = await newBuild();
    await setState(b.id, "building");
    await syncBuildCheck(b.id);
    await syncBuildCheck(b.id);
    expect(api.checkRuns.map((c) => c.method)).toEqual(["POST", "PATCH"]);
    const [post, patch] = api.checkRuns;
    const { head_sha: _sha, ...created } = post!.body;
    expect(patch!.body).toEqual(created);
    expect(patch!.id).toBe(post!.id);
  });

  test("concurrent first syncs of one build create one check run", async () => {
    const b = await newBuild();
    const results = await Promise.all([syncBuildCheck(b.id), syncBuildCheck(b.id), syncBuildCheck(b.id)]);
    expect(results.map((r) => r.action).sort()).toEqual(["created", "updated", "updated"]);
    expect(api.checkRuns.filter((c) => c.method === "POST")).toHaveLength(1);
    expect(await storedCheckRunId(b.id)).toBe(BigInt(api.checkRuns[0]!.id!));
    expect(api.tokenRequests).toHaveLength(1);
  });

  test("a stored check run GitHub no longer knows (404) is replaced by a new one", async () => {
    const b = await newBuild();
    await syncBuildCheck(b.id);
    const old = api.checkRuns[0]!.id!;
    api.runs.delete(old);
    await setState(b.id, "building");
    await syncBuildCheck(b.id);
    expect(api.checkRuns.map((c) => [c.method, c.status])).toEqual([
      ["POST", 201],
      ["PATCH", 404],
      ["POST", 201],
    ]);
    expect(await storedCheckRunId(b.id)).toBe(BigInt(api.checkRuns[2]!.id!));
  });

  test("an HTTP failure throws in words (the job retries) and the next sync goes through", async () => {
    const b = await newBuild();
    api.failNext(502, "Server Error");
    const err = await syncBuildCheck(b.id).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GithubApiError);
    expect((err as GithubApiError).status).toBe(502);
    expect((err as Error).message).toContain(`Could not create the "deployability" check run on ${REPO}@${b.sha.slice(0, 12)}`);
    expect(await storedCheckRunId(b.id)).toBeNull();
    expect(await syncBuildCheck(b.id)).toMatchObject({ action: "created" });
  });

  test("a missing Checks permission (403) says what to change", async () => {
    const b = await newBuild();
    api.failNext(403, "Resource not accessible by integration");
    await expect(syncBuildCheck(b.id)).rejects.toThrow(/"Checks: read and write" permission/);
  });

  test("a revoked token (401) is dropped from the cache: the retry gets a new token and succeeds", async () => {
    const b = await newBuild();
    await syncBuildCheck(b.id);
    api.revokeTokens();
    await setState(b.id, "building");
    await expect(syncBuildCheck(b.id)).rejects.toMatchObject({ status: 401 });
    expect(await syncBuildCheck(b.id)).toMatchObject({ action: "updated", status: "in_progress" });
    expect(api.tokenRequests.filter((t) => t.status === 201)).toHaveLength(2);
  });

  test("a repository without an app: no-op, no request", async () => {
    const git = (await saveRepository(actorFor(admin), { repo: "plain-site", url: "https://git.example.org/plain-site.git" })).id;
    const rule = (await getDb().buildRule.create({ data: { repositoryId: git, name: "Dockerfile", kind: "docker" } })).id;
    const b = await newBuild({ repositoryId: git, ruleId: rule });
    expect(await syncBuildCheck(b.id)).toEqual({ action: "skipped", reason: "repository plain-site has no GitHub app" });
    expect(await installationToken(git)).toBeNull();
    expect(await installationOctokit(git)).toBeNull();
    expect(api.checkRuns).toHaveLength(0);
    expect(api.tokenRequests).toHaveLength(0);
  });

  test("a deleted build is skipped", async () => {
    expect(await syncBuildCheck("no-such-build")).toEqual({ action: "skipped", reason: "the build was deleted" });
  });

  test("a repository without an installation id: an error in words, no request", async () => {
    const repo = (await saveRepository(actorFor(admin), { repo: "tarides-test/other", app: "tarides" })).id;
    const rule = (await getDb().buildRule.create({ data: { repositoryId: repo, name: "Dockerfile", kind: "docker" } })).id;
    const b = await newBuild({ repositoryId: repo, ruleId: rule });
    const err = await syncBuildCheck(b.id).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GithubAppSetupError);
    expect((err as Error).message).toMatch(/^Repository tarides-test\/other has no installation id yet; Slipway learns it from the first webhook delivery of GitHub app tarides/);
    expect(api.checkRuns).toHaveLength(0);
    expect(api.tokenRequests).toHaveLength(0);
  });
});

describe("configuration errors are not retried", () => {
  test("the build_check job of a repository whose app is not set up fails once, says what to do, and is not retried", async () => {
    const repo = (await saveRepository(actorFor(admin), { repo: "tarides-test/unset", app: "tarides" })).id;
    const rule = (await getDb().buildRule.create({ data: { repositoryId: repo, name: "Dockerfile", kind: "docker" } })).id;
    const b = await newBuild({ repositoryId: repo, ruleId: rule });
    const lines: Array<{ fields: Record<string, unknown>; msg: string }> = [];
    const capture = { child: () => capture, error: (fields: Record<string, unknown>, msg: string) => lines.push({ fields, msg }), warn() {}, info() {}, debug() {} };
    const tasks = buildTaskList("test", capture as unknown as Logger);
    const helpers = { job: { id: "1", attempts: 1 }, abortSignal: undefined } as unknown as JobHelpers;
    // the task resolves (graphile-worker counts the job done) instead of throwing into 8 retries
    await expect(tasks.build_check!({ buildId: b.id }, helpers)).resolves.toBeUndefined();
    expect(lines).toHaveLength(1);
    expect(String(lines[0]!.fields.fix)).toMatch(/has no installation id yet/);
    expect(api.checkRuns).toHaveLength(0);
  });
});

describe("app credentials and the JWT", () => {
  test("the stand-in refuses a JWT signed with another key, an expired one, a wrong issuer; it takes a good one", async () => {
    const other = generateAppKeyPair();
    const now = Math.floor(Date.now() / 1000);
    const ask = (jwt: string) =>
      fetch(`${api.url}/app/installations/${INSTALLATION}/access_tokens`, { method: "POST", headers: { authorization: `Bearer ${jwt}`, accept: "application/vnd.github+json" } });
    const forged = await ask(signAppJwt(other.privateKey, { iss: APP_ID, iat: now - 30, exp: now + 540 }));
    expect(forged.status).toBe(401);
    expect(await forged.json()).toMatchObject({ message: "A JSON web token could not be decoded" });
    const expired = await ask(signAppJwt(keys.privateKey, { iss: APP_ID, iat: now - 900, exp: now - 300 }));
    expect(expired.status).toBe(401);
    expect(((await expired.json()) as { message: string }).message).toMatch(/'Expiration time' claim/);
    expect((await ask(signAppJwt(keys.privateKey, { iss: 1, iat: now - 30, exp: now + 540 }))).status).toBe(401);
    const good = await ask(signAppJwt(keys.privateKey, { iss: APP_ID, iat: now - 30, exp: now + 540 }));
    expect(good.status).toBe(201);
    expect(await good.json()).toMatchObject({ token: expect.stringMatching(/^ghs_/), expires_at: expect.any(String) });
    // and a check-run call without the issued token is 401
    const noToken = await fetch(`${api.url}/repos/${REPO}/check-runs`, { method: "POST", headers: { authorization: "token ghs_made_up" }, body: "{}" });
    expect(noToken.status).toBe(401);
  });

  test("an app whose private key is not the one GitHub knows is refused, and says what to check", async () => {
    const other = generateAppKeyPair();
    await saveApp(actorFor(admin), { name: "wrongkey", app_id: APP_ID, api_url: api.url, private_key: other.privateKey });
    const repo = (await saveRepository(actorFor(admin), { repo: "tarides-test/wrongkey", app: "wrongkey" })).id;
    await getDb().repository.update({ where: { id: repo }, data: { installationId: BigInt(INSTALLATION) } });
    const err = await installationToken(repo).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GithubApiError);
    expect((err as Error).message).toMatch(/GitHub refused the app's signed JWT .*check the App ID and private key under Settings → GitHub apps/);
    expect(api.tokenRequests.map((t) => t.status)).toEqual([401]);
  });

  test("an app without an App ID or without a private key: errors in words, no request", async () => {
    await saveApp(actorFor(admin), { name: "noid", private_key: keys.privateKey });
    await saveApp(actorFor(admin), { name: "nokey", app_id: APP_ID });
    const noid = (await saveRepository(actorFor(admin), { repo: "tarides-test/noid", app: "noid" })).id;
    const nokey = (await saveRepository(actorFor(admin), { repo: "tarides-test/nokey", app: "nokey" })).id;
    await getDb().repository.updateMany({ where: { id: { in: [noid, nokey] } }, data: { installationId: BigInt(INSTALLATION) } });
    await expect(installationToken(noid)).rejects.toThrow("GitHub app noid has no App ID: set it under Settings → GitHub apps");
    await expect(installationToken(nokey)).rejects.toThrow("GitHub app nokey has no private key: generate one on the app's page on GitHub");
    expect(api.tokenRequests).toHaveLength(0);
  });

  test("tokens are cached until 5 minutes before they expire", async () => {
    const shortApi = await startGithubApi({ appId: APP_ID, publicKey: keys.publicKey, installations: { "tarides-test/short": 99 }, tokenTtlSeconds: 299 });
    try {
      await saveApp(actorFor(admin), { name: "short", app_id: APP_ID, api_url: shortApi.url, private_key: keys.privateKey });
      const repo = (await saveRepository(actorFor(admin), { repo: "tarides-test/short", app: "short" })).id;
      await getDb().repository.update({ where: { id: repo }, data: { installationId: 99n } });
      // tokens living under 5 minutes are never reused
      const t1 = await installationToken(repo);
      const t2 = await installationToken(repo);
      expect(t1).not.toBe(t2);
      expect(shortApi.tokenRequests).toHaveLength(2);
      // an hour-long token is (the main stand-in)
      expect(await installationToken(repositoryId)).toBe(await installationToken(repositoryId));
      expect(api.tokenRequests).toHaveLength(1);
    } finally {
      await shortApi.stop();
    }
  });
});

describe("build_check job", () => {
  function capturingContext() {
    const lines: string[] = [];
    const dest = new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(chunk.toString("utf8"));
        cb();
      },
    });
    const log = pino({ ...logOptions, level: "trace" }, dest);
    // the handler uses the log and the job's abort signal only
    const ctx = { workerId: "test", log, helpers: { abortSignal: new AbortController().signal } } as unknown as TaskContext;
    return { ctx, lines };
  }

  test("syncs the check run, throws on an HTTP failure so the job retries, and never logs a token or the key", async () => {
    const { ctx, lines } = capturingContext();
    const b = await newBuild();
    await buildCheck({ buildId: b.id }, ctx);
    expect(api.checkRuns.map((c) => c.method)).toEqual(["POST"]);
    api.failNext(500);
    await setState(b.id, "building");
    await expect(buildCheck({ buildId: b.id }, ctx)).rejects.toBeInstanceOf(GithubApiError);
    api.revokeTokens();
    await expect(buildCheck({ buildId: b.id }, ctx)).rejects.toMatchObject({ status: 401 });
    await buildCheck({ buildId: b.id }, ctx);
    expect(api.runs.get(api.checkRuns[0]!.id!)!.status).toBe("in_progress");

    const text = lines.join("");
    expect(text).toContain("check run created");
    expect(text).toContain("check run not updated; the job will retry");
    const issued = api.tokenRequests.flatMap((t) => (t.token ? [t.token] : []));
    expect(issued.length).toBeGreaterThanOrEqual(2);
    for (const token of issued) expect(text).not.toContain(token);
    const keyBody = keys.privateKey.split("\n")[1]!;
    expect(text).not.toContain(keyBody);
  });
});
