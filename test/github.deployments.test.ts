// lib/github/deployments.ts through installationOctokit (lib/github/app-client.ts) against real PostgreSQL
// and the loopback stand-in of GitHub's REST API (test/helpers/github-api.ts), which checks the app's JWT,
// the installation token and the token's "deployments" permission, and records every deployment call.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { getDb } from "@/lib/db";
import { clearGithubClientCache, GithubApiError, installationOctokit, type InstallationClient } from "@/lib/github/app-client";
import { createGithubDeployment, cutDescription, setGithubDeploymentStatus } from "@/lib/github/deployments";
import { saveApp, saveRepository } from "@/lib/services/inventory/entities";
import { actorFor, createUser, type TestUser } from "@/test/helpers/fixtures";
import { fakeSha, generateAppKeyPair, startGithubApi, type GithubApi } from "@/test/helpers/github-api";

const APP_ID = 4243;
const INSTALLATION = 778001;
/** an installation that has not accepted the Deployments permission */
const NO_DEPLOYMENTS = 778002;
const REPO = "tarides-test/site";
const PAGE = "https://slipway.example.org/deployments/dep_1";

const keys = generateAppKeyPair();
let api: GithubApi;
let admin: TestUser;
let repositoryId: string;
let restrictedRepositoryId: string;

async function repoWithInstallation(name: string, installationId: number): Promise<string> {
  const id = (await saveRepository(actorFor(admin), { repo: name, app: "tarides" })).id;
  await getDb().repository.update({ where: { id }, data: { installationId: BigInt(installationId) } });
  return id;
}

async function client(id = repositoryId): Promise<InstallationClient> {
  const c = await installationOctokit(id);
  if (!c) throw new Error("the repository has no GitHub app");
  return c;
}

beforeAll(async () => {
  api = await startGithubApi({
    appId: APP_ID,
    publicKey: keys.publicKey,
    installations: { [REPO]: INSTALLATION, "tarides-test/restricted": NO_DEPLOYMENTS },
    installationPermissions: { [NO_DEPLOYMENTS]: { checks: "write", contents: "read", metadata: "read" } },
  });
  admin = await createUser("admin");
  await saveApp(actorFor(admin), { name: "tarides", app_id: APP_ID, api_url: api.url, private_key: keys.privateKey, webhook_secret: "whsec-0123456789" });
  repositoryId = await repoWithInstallation(REPO, INSTALLATION);
  restrictedRepositoryId = await repoWithInstallation("tarides-test/restricted", NO_DEPLOYMENTS);
});

afterAll(async () => {
  await api?.stop();
});

beforeEach(() => {
  api.deployments.length = 0;
  api.deploymentStatuses.length = 0;
  api.tokenRequests.length = 0;
  clearGithubClientCache();
});

describe("createGithubDeployment and setGithubDeploymentStatus", () => {
  test("a deployment of the exact commit, then in_progress and success statuses, as GitHub records them", async () => {
    const sha = fakeSha("deploy-1");
    const c = await client();
    const id = await createGithubDeployment(c, { sha, environment: "www-live", description: "Deploy live to www-live", slipwayDeploymentId: "dep_1" });

    expect(api.deployments).toHaveLength(1);
    expect(api.deployments[0]).toMatchObject({ owner: "tarides-test", repo: "site", id, status: 201 });
    expect(api.deployments[0]!.body).toEqual({
      ref: sha,
      environment: "www-live",
      description: "Deploy live to www-live",
      auto_merge: false,
      required_contexts: [],
      payload: { slipway_deployment: "dep_1" },
      transient_environment: false,
      production_environment: true,
    });

    await setGithubDeploymentStatus(c, { deploymentId: id, state: "in_progress", logUrl: PAGE, description: "Deploying to www-live" });
    await setGithubDeploymentStatus(c, { deploymentId: id, state: "success", logUrl: PAGE, description: "www-live runs it", environmentUrl: "https://www.example.org/" });

    expect(api.deploymentStatuses.map((s) => [s.deploymentId, s.status])).toEqual([
      [id, 201],
      [id, 201],
    ]);
    expect(api.deploymentStatuses[0]!.body).toEqual({ state: "in_progress", log_url: PAGE, description: "Deploying to www-live", auto_inactive: true });
    expect(api.deploymentStatuses[1]!.body).toEqual({ state: "success", log_url: PAGE, description: "www-live runs it", environment_url: "https://www.example.org/", auto_inactive: true });

    const held = api.githubDeployments.get(id)!;
    expect(held).toMatchObject({ sha, ref: sha, environment: "www-live", production_environment: true, transient_environment: false, payload: { slipway_deployment: "dep_1" } });
    // read back through the API, newest first, as GitHub lists them
    const listed = await c.octokit.request("GET /repos/{owner}/{repo}/deployments/{deployment_id}/statuses", { owner: c.owner, repo: c.repo, deployment_id: id });
    expect(listed.data.map((s) => [s.state, s.log_url, s.target_url, s.environment, s.environment_url])).toEqual([
      ["success", PAGE, PAGE, "www-live", "https://www.example.org/"],
      ["in_progress", PAGE, PAGE, "www-live", ""],
    ]);
    // one installation token for all of it
    expect(api.tokenRequests.map((t) => [t.installationId, t.status])).toEqual([[INSTALLATION, 201]]);
  });

  test("failure and error statuses; a description over 140 characters is cut to 140 with …", async () => {
    const c = await client();
    const id = await createGithubDeployment(c, { sha: fakeSha("deploy-2"), environment: "www-live", description: "Deploy", slipwayDeploymentId: "dep_2" });
    const long = `docker service update failed: ${"task exited with status 1; ".repeat(10)}`;
    await setGithubDeploymentStatus(c, { deploymentId: id, state: "failure", logUrl: PAGE, description: long });
    await setGithubDeploymentStatus(c, { deploymentId: id, state: "error", logUrl: PAGE, description: "the worker stopped 🛑" });
    const [failure, error] = api.deploymentStatuses;
    expect(failure!.status).toBe(201);
    const sent = failure!.body.description as string;
    expect([...sent]).toHaveLength(140);
    expect(sent.endsWith("…")).toBe(true);
    expect(long.startsWith(sent.slice(0, -1))).toBe(true);
    expect(error!.body).toMatchObject({ state: "error", description: "the worker stopped 🛑" });
    expect(cutDescription("🛑".repeat(200))).toBe(`${"🛑".repeat(139)}…`);
  });

  test("an app without the Deployments permission (403) says which permission to give", async () => {
    const c = await client(restrictedRepositoryId);
    const err = await createGithubDeployment(c, { sha: fakeSha("deploy-3"), environment: "www-live", description: "Deploy", slipwayDeploymentId: "dep_3" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GithubApiError);
    expect((err as GithubApiError).status).toBe(403);
    expect((err as Error).message).toMatch(/^Could not create a GitHub deployment of [0-9a-f]{12} to environment www-live on tarides-test\/restricted: Resource not accessible by integration/);
    expect((err as Error).message).toContain('give GitHub app tarides the "Deployments: read and write" permission and accept it on the installation');
    expect(api.deployments.map((d) => d.status)).toEqual([403]);
    // and a status on a deployment of the repository the app may not deploy to
    await expect(setGithubDeploymentStatus(c, { deploymentId: 1, state: "success", logUrl: PAGE, description: "x" })).rejects.toThrow(/"Deployments: read and write" permission/);
  });

  test("a 403 the stand-in is told to give, a deployment GitHub does not know (404), a ref GitHub does not know (422): in words", async () => {
    const c = await client();
    api.failNext(403, "Resource not accessible by integration");
    await expect(createGithubDeployment(c, { sha: fakeSha("deploy-4"), environment: "www-live", description: "Deploy", slipwayDeploymentId: "dep_4" })).rejects.toMatchObject({
      status: 403,
      message: expect.stringContaining('"Deployments: read and write" permission'),
    });

    const missing = await setGithubDeploymentStatus(c, { deploymentId: 99, state: "success", logUrl: PAGE, description: "x" }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(GithubApiError);
    expect(missing).toMatchObject({ status: 404 });
    expect((missing as Error).message).toMatch(/^Could not set GitHub deployment 99 to success on tarides-test\/site: Not Found.*GitHub knows no deployment 99 there/);

    const unknownRef = await createGithubDeployment(c, { sha: "not-a-commit", environment: "www-live", description: "Deploy", slipwayDeploymentId: "dep_5" }).catch((e: unknown) => e);
    expect(unknownRef).toMatchObject({ status: 422 });
    expect((unknownRef as Error).message).toMatch(/No ref found for: not-a-commit.*is commit not-a-commit pushed to tarides-test\/site\?/);
  });

  test("the caller's abort rejects with its reason and sends nothing", async () => {
    const c = await client();
    const ac = new AbortController();
    ac.abort(new Error("worker stopping"));
    await expect(createGithubDeployment(c, { sha: fakeSha("deploy-6"), environment: "www-live", description: "Deploy", slipwayDeploymentId: "dep_6", signal: ac.signal })).rejects.toThrow("worker stopping");
    expect(api.deployments).toHaveLength(0);
  });
});
