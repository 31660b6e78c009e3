// One GitHub repository listed under two apps (ocurrent-deployer watches itself under each of its flavours),
// each entry deploying its own branch to its own target. A push delivered to one app moves only that app's
// entry's refs, builds only that app's rules and reports the check runs through that app's installation;
// the other app's entry is untouched. Real PostgreSQL, the real webhook receiver (signed payloads from
// @octokit/webhooks-examples) and the real job handlers; each app's GitHub API is a loopback stand-in
// (test/helpers/github-api.ts) that verifies that app's JWT and serves that app's installation only.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { getDb } from "@/lib/db";
import { log } from "@/lib/log";
import { ValidationError } from "@/lib/errors";
import { clearGithubClientCache } from "@/lib/github/app-client";
import type { NormalizedEvent } from "@/lib/github/webhook-events";
import { receiveGithubWebhook } from "@/lib/services/webhooks";
import { dispatchWebhookJobs } from "@/lib/services/webhook-dispatch";
import { exportInventory, importInventory, previewImport } from "@/lib/services/inventory/config";
import { saveApp, saveRepository } from "@/lib/services/inventory/entities";
import { branchBadgeStatus } from "@/lib/queries/badges";
import { githubEvent } from "@/workers/tasks/github-event";
import { buildCheck } from "@/workers/tasks/build-check";
import type { TaskContext } from "@/workers/tasks/types";
import { actorFor, createUser, type TestUser } from "@/test/helpers/fixtures";
import { generateAppKeyPair, startGithubApi, type GithubApi } from "@/test/helpers/github-api";
import { deliveryHeaders, examplePayload, forRepository, sign } from "@/test/helpers/webhook-payloads";

const REPO = "ocurrent/ocurrent-deployer";
const GITHUB_ID = 90210;
const ctx = { workerId: "test", log, helpers: {} } as unknown as TaskContext; // the handlers use log only

interface Flavour {
  name: string;
  appId: number;
  installation: number;
  secret: string;
  branch: string;
  service: string;
  keys: { privateKey: string; publicKey: string };
  api?: GithubApi;
}
const tarides: Flavour = { name: "tarides", appId: 5101, installation: 88001, secret: "whsec-tarides-0123456789", branch: "live-ci3", service: "infra_deployer", keys: generateAppKeyPair() };
const mirage: Flavour = { name: "mirage", appId: 5102, installation: 88002, secret: "whsec-mirage-0123456789", branch: "live-mirage", service: "mirage-deployer_deployer", keys: generateAppKeyPair() };

let admin: TestUser;

function inventory(extra = "", flavours: Flavour[] = [tarides, mirage], secrets = true): string {
  const app = (f: Flavour) => `  - { name: ${f.name}, app_id: ${f.appId}, api_url: "${f.api!.url}" }`;
  const entry = (f: Flavour) => `  - repo: ${REPO}
    app: ${f.name}
    default_branch: master
    builds:
      - dockerfile: Dockerfile
        deploy:
          - branch: ${f.branch}
            image: 127.0.0.1:5000/deployer:${f.branch}
            targets: [{ context: local, service: ${f.service}, name: ${f.name}-deployer }]
`;
  return `apps:
${app(tarides)}
${app(mirage)}
docker_contexts:
  - { name: local, endpoint: "unix:///var/run/docker.sock" }
${secrets ? `secrets:\n  - { name: deploy-token, scope: repository, repo: ${REPO}, app: mirage }\n` : ""}repos:
${flavours.map(entry).join("")}${extra}`;
}

beforeAll(async () => {
  admin = await createUser("admin");
  for (const f of [tarides, mirage]) {
    f.api = await startGithubApi({ appId: f.appId, publicKey: f.keys.publicKey, installations: { [REPO]: f.installation } });
    await saveApp(actorFor(admin), { name: f.name, app_id: f.appId, api_url: f.api.url, private_key: f.keys.privateKey, webhook_secret: f.secret });
  }
});

afterAll(async () => {
  await tarides.api?.stop();
  await mirage.api?.stop();
});

/** The entry of the repository under the app. */
async function entry(f: Flavour) {
  return getDb().repository.findFirstOrThrow({ where: { name: REPO, app: { name: f.name } } });
}

/** A real push payload for `branch`, signed with the app's secret and delivered to the app's webhook URL; returns the job's payload. */
async function deliverPush(f: Flavour, branch: string, after: string): Promise<NormalizedEvent> {
  const p = forRepository(examplePayload("push", undefined, (e) => String(e.ref).startsWith("refs/heads/") && e.deleted === false), REPO, GITHUB_ID);
  Object.assign(p, { ref: `refs/heads/${branch}`, before: "0".repeat(40), after, created: true, deleted: false, forced: false, installation: { id: f.installation } });
  const raw = JSON.stringify(p);
  const id = randomUUID();
  const r = await receiveGithubWebhook({ appName: f.name, headers: deliveryHeaders("push", id, sign(f.secret, raw)), body: new TextEncoder().encode(raw) });
  expect(r.status, JSON.stringify(r.body)).toBe(202);
  const app = await getDb().githubApp.findUniqueOrThrow({ where: { name: f.name } });
  await dispatchWebhookJobs();
  const [job] = await getDb().$queryRaw<{ payload: NormalizedEvent }[]>`
    SELECT payload FROM graphile_worker._private_jobs WHERE key = ${`github-delivery:${app.id}:${id}`}`;
  if (!job) throw new Error("the receiver enqueued no job");
  return job.payload;
}

/** Builds of the app's entry, with the rule and the deployment rules' targets they lead to. */
async function buildsOf(f: Flavour) {
  const repo = await entry(f);
  const rows = await getDb().build.findMany({
    where: { buildRule: { repositoryId: repo.id } },
    include: { commit: true, buildRule: { include: { deploymentRules: { include: { targets: true } } } }, refs: { include: { ref: true } } },
    orderBy: { queuedAt: "asc" },
  });
  return rows.map((b) => ({
    id: b.id,
    sha: b.commit.sha,
    refs: b.refs.map((r) => r.ref.name),
    deploys: b.buildRule.deploymentRules.map((d) => `${d.branch} → ${d.targets.map((t) => t.service).join(", ")}`),
  }));
}

describe("repo-under-several-apps", () => {
  test("slipway.yml lists one repository under two apps; export and import again changes nothing", async () => {
    // listed under one app first; adding the second app's entry leaves the first one as it is
    await importInventory(actorFor(admin), inventory("", [tarides], false));
    const first = await entry(tarides);
    const plan = await importInventory(actorFor(admin), inventory());
    expect(plan.changes.map((c) => [c.action, c.label])).toEqual([
      ["create", `repository ${REPO} (app mirage)`],
      ["create", `secret repository ${REPO} (app mirage) / deploy-token`],
      ["create", `build Dockerfile of ${REPO} (app mirage)`],
      ["create", `deployment of branch live-mirage (${REPO} (app mirage), Dockerfile)`],
      ["create", "target mirage-deployer"],
    ]);
    expect((await entry(tarides)).id).toBe(first.id);
    const entries = await getDb().repository.findMany({ where: { name: REPO }, include: { app: true, buildRules: { include: { deploymentRules: { include: { targets: true } } } } } });
    expect(
      entries
        .map((r) => [r.app?.name, r.buildRules.flatMap((b) => b.deploymentRules.map((d) => [d.branch, d.targets.map((t) => t.name)]))])
        .sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    ).toEqual([
      ["mirage", [["live-mirage", ["mirage-deployer"]]]],
      ["tarides", [["live-ci3", ["tarides-deployer"]]]],
    ]);
    // the repository-scoped secret belongs to the entry of the app it names
    const secret = await getDb().secret.findFirstOrThrow({ where: { name: "deploy-token" }, include: { repository: { include: { app: true } } } });
    expect(secret.repository?.app?.name).toBe("mirage");

    const exported = await exportInventory(actorFor(admin));
    expect((await previewImport(actorFor(admin), exported)).counts).toEqual({ create: 0, update: 0, delete: 0 });
    expect((await previewImport(actorFor(admin), inventory())).counts).toEqual({ create: 0, update: 0, delete: 0 });
  });

  test("a repository listed twice under one app is refused with the advice to merge the two entries", async () => {
    const twice = `  - repo: ${REPO}
    app: tarides
    builds: [{ dockerfile: Dockerfile.web }]
`;
    const err = await importInventory(actorFor(admin), inventory(twice)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    const issues = (err as ValidationError).issues;
    expect(issues).toEqual([
      { path: "repos[2].repo", message: expect.stringMatching(/listed twice under app tarides \(first at repos\[0\]\); merge the two entries into one/), line: expect.any(Number), column: expect.any(Number) },
    ]);
    // the console's form says the same in its words
    const form = await saveRepository(actorFor(admin), { repo: REPO, app: "tarides" }).catch((e: unknown) => e);
    expect(form).toBeInstanceOf(ValidationError);
    expect((form as ValidationError).issues[0]!.message).toMatch(/already listed under app tarides/);
    expect(await getDb().repository.count({ where: { name: REPO } })).toBe(2);
  });

  test("a push delivered to each app builds only that app's rules and reports checks through that app's installation", async () => {
    clearGithubClientCache();
    const a = "a".repeat(40);
    const b = "b".repeat(40);

    // tarides's delivery: its entry's branch moves and its rule builds; mirage's entry has seen nothing
    await githubEvent(await deliverPush(tarides, tarides.branch, a), ctx);
    const taridesBuilds = await buildsOf(tarides);
    expect(taridesBuilds.map(({ sha, refs, deploys }) => ({ sha, refs, deploys }))).toEqual([{ sha: a, refs: ["live-ci3"], deploys: ["live-ci3 → infra_deployer"] }]);
    expect(await buildsOf(mirage)).toEqual([]);
    expect(await getDb().ref.count({ where: { repositoryId: (await entry(mirage)).id } })).toBe(0);
    // it learnt its own installation, not the other app's
    expect((await entry(tarides)).installationId).toBe(BigInt(tarides.installation));
    expect((await entry(mirage)).installationId).toBeNull();

    await buildCheck({ buildId: taridesBuilds[0]!.id }, ctx);
    expect(tarides.api!.tokenRequests.map((t) => [t.installationId, t.status])).toEqual([[tarides.installation, 201]]);
    expect(tarides.api!.checkRuns.map((c) => [c.method, c.status, c.owner, c.repo, c.body.head_sha, c.body.external_id])).toEqual([
      ["POST", 201, "ocurrent", "ocurrent-deployer", a, taridesBuilds[0]!.id],
    ]);
    expect(mirage.api!.tokenRequests).toEqual([]);
    expect(mirage.api!.checkRuns).toEqual([]);

    // mirage's delivery: only mirage's entry moves and builds, through mirage's installation
    await githubEvent(await deliverPush(mirage, mirage.branch, b), ctx);
    const mirageBuilds = await buildsOf(mirage);
    expect(mirageBuilds.map(({ sha, refs, deploys }) => ({ sha, refs, deploys }))).toEqual([{ sha: b, refs: ["live-mirage"], deploys: ["live-mirage → mirage-deployer_deployer"] }]);
    expect((await buildsOf(tarides)).map((x) => x.id)).toEqual(taridesBuilds.map((x) => x.id));
    const taridesRefs = await getDb().ref.findMany({ where: { repositoryId: (await entry(tarides)).id }, select: { name: true } });
    expect(taridesRefs.map((r) => r.name)).toEqual(["live-ci3"]);

    await buildCheck({ buildId: mirageBuilds[0]!.id }, ctx);
    expect(mirage.api!.tokenRequests.map((t) => [t.installationId, t.status])).toEqual([[mirage.installation, 201]]);
    expect(mirage.api!.checkRuns.map((c) => [c.method, c.status, c.body.head_sha, c.body.external_id])).toEqual([["POST", 201, b, mirageBuilds[0]!.id]]);
    expect(tarides.api!.checkRuns).toHaveLength(1);

    // the badge names the app: each address shows one entry's builds; without the app it covers both
    await getDb().build.update({ where: { id: mirageBuilds[0]!.id }, data: { state: "failed", finishedAt: new Date() } });
    await getDb().build.update({ where: { id: taridesBuilds[0]!.id }, data: { state: "succeeded", finishedAt: new Date() } });
    expect(await branchBadgeStatus(REPO, "live-ci3", "tarides")).toBe("passing");
    expect(await branchBadgeStatus(REPO, "live-mirage", "mirage")).toBe("failing");
    expect(await branchBadgeStatus(REPO, "live-mirage", "tarides")).toBe("unknown");
    expect(await branchBadgeStatus(REPO, "live-ci3")).toBe("passing");
  });

  test("a repository listed once that moves to another app is the same entry, with its history", async () => {
    const single = (app: string) => `  - { repo: ocurrent/moved, app: ${app}, builds: [{ dockerfile: Dockerfile }] }\n`;
    await importInventory(actorFor(admin), inventory(single("tarides")));
    const before = await getDb().repository.findFirstOrThrow({ where: { name: "ocurrent/moved" } });
    const plan = await importInventory(actorFor(admin), inventory(single("mirage")));
    expect(plan.changes.map((c) => [c.action, c.label, c.fields])).toEqual([["update", "repository ocurrent/moved", ["app"]]]);
    const after = await getDb().repository.findMany({ where: { name: "ocurrent/moved" }, include: { app: true } });
    expect(after.map((r) => [r.id, r.app?.name])).toEqual([[before.id, "mirage"]]);
  });
});
