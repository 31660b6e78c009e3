// Pull request previews end to end with real parts: signed pull_request deliveries go through the receiver, a
// worker (graphile-worker, in-process) applies them, builds the pull request's head on a private dockerd in swarm
// mode, pushes pr-<n>-<sha7> to a private registry, and runs the preview as its own swarm service on the same
// engine; the pull request's comment goes to a loopback stand-in of GitHub's REST API. What the swarm runs is
// checked with the test's own client (`docker service inspect`, the service's tasks).
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { getDb } from "@/lib/db";
import { resetEnvCache } from "@/lib/env";
import { readBuildLog } from "@/lib/build/log-store";
import { receiveGithubWebhook } from "@/lib/services/webhooks";
import { saveApp, saveBuildRule, saveContext, saveDeploymentRule, saveRegistry, saveRepository, saveSecret, saveTarget } from "@/lib/services/inventory/entities";
import { approvePreview, tearDownPreview } from "@/lib/services/previews/commands";
import { sweepPreviews } from "@/lib/deploy/preview";
import { clearGithubClientCache } from "@/lib/github/app-client";
import { startWorker, type WorkerHandle } from "@/workers/runtime";
import { actorFor, createUser, type TestUser } from "@/test/helpers/fixtures";
import { createBareRepo, startGitDaemon, type BareRepo, type GitDaemon } from "@/test/helpers/git-server";
import { startDockerd, type TestDockerd } from "@/test/helpers/dockerd";
import { startRegistry, type TestRegistry } from "@/test/helpers/registry";
import { generateAppKeyPair, startGithubApi, type GithubApi } from "@/test/helpers/github-api";
import { deliveryHeaders, examplePayload, forRepository, sign } from "@/test/helpers/webhook-payloads";
import { importBusybox } from "@/test/helpers/busybox";
import { eventually } from "@/test/helpers/eventually";
import { runningImages } from "@/test/helpers/swarm";

const APP_ID = 7171;
const INSTALLATION = 770001;
const REPO = "org/www";
const SECRET = "whsec-previews-0123456789";
const TOKEN_VALUE = `npm-${randomUUID()}`;
const keys = generateAppKeyPair();

let swarm: TestDockerd;
let registry: TestRegistry;
let daemon: GitDaemon;
let bare: BareRepo;
let api: GithubApi;
let admin: TestUser;
let operator: TestUser;
let ruleId: string;
let buildRuleId: string;
let busybox: string;
let worker: WorkerHandle | undefined;

const dockerfile = (b: string) =>
  `FROM ${b}\nCOPY index.html /www/index.html\n` +
  // the build secret, when the build has it, is read and said (BuildKit prints the RUN's output; the log masks it)
  `RUN --mount=type=secret,id=npm-token sh -c 'echo "token is $(cat /run/secrets/npm-token 2>/dev/null || echo none)"'\n` +
  `CMD ["/bin/busybox", "sleep", "3600"]\n`;

beforeAll(async () => {
  process.env.SLIPWAY_URL = "https://slipway.example.org";
  resetEnvCache();
  clearGithubClientCache();
  [swarm, registry, api] = await Promise.all([
    startDockerd({ swarmInit: true }),
    startRegistry(),
    startGithubApi({ appId: APP_ID, publicKey: keys.publicKey, installations: { [REPO]: INSTALLATION } }),
  ]);
  busybox = await importBusybox(swarm.docker, `${registry.url}/busybox:latest`);
  bare = createBareRepo({ Dockerfile: dockerfile(busybox), "index.html": "<h1>main</h1>\n" }, { name: "www.git" });
  daemon = await startGitDaemon(bare.root);
  [admin, operator] = await Promise.all([createUser("admin"), createUser("operator")]);
  const a = actorFor(admin);
  await saveApp(a, { name: "gh", app_id: APP_ID, api_url: api.url, private_key: keys.privateKey, webhook_secret: SECRET });
  const repositoryId = (await saveRepository(a, { repo: REPO, app: "gh", url: daemon.url("www.git") })).id;
  await getDb().repository.update({ where: { id: repositoryId }, data: { installationId: BigInt(INSTALLATION) } });
  await saveSecret(a, { name: "npm-token", scope: "global", value: TOKEN_VALUE });
  await saveContext(a, { name: "builder", endpoint: swarm.endpoint, role: "build" });
  await saveContext(a, { name: "manager", endpoint: swarm.endpoint, role: "swarm_manager" });
  await saveRegistry(a, { name: "local", url: registry.url });
  buildRuleId = (await saveBuildRule(a, { repository_id: repositoryId, dockerfile: "Dockerfile", build_secrets: ["npm-token"] })).id;
  ruleId = (
    await saveDeploymentRule(a, {
      build_rule_id: buildRuleId,
      branch: "main",
      image: `${registry.url}/org/www:main`,
      preview: {
        url: "https://pr-{number}.preview.example.com",
        labels: ["traefik.enable=true", "traefik.http.routers.{service}.rule=Host(`{host}`)", "traefik.http.services.{service}.loadbalancer.server.port={port}"],
        port: 8080,
        ttl_hours: 2,
        max_concurrent: 2,
      },
    })
  ).id;
  // the rule's swarm target names the previews (www-pr-<n>) and, with no preview context set, where they run
  await saveTarget(a, { deployment_rule_id: ruleId, name: "www-main", context: "manager", service: "www" });
  worker = await startWorker({ connectionString: process.env.DATABASE_URL!, concurrency: 4, id: "previews-worker-1" });
}, 180_000);

afterAll(async () => {
  await worker?.stop();
  await daemon?.stop();
  await Promise.all([swarm?.stop(), registry?.stop(), api?.stop()]);
  bare?.remove();
  delete process.env.SLIPWAY_URL;
  resetEnvCache();
});

/** A commit on the pull request's branch, and refs/pull/<n>/head pointing at it, as GitHub keeps them. */
function pushToPr(n: number, html: string): string {
  const sha = bare.commit(`feature-${n}`, { Dockerfile: dockerfile(busybox), "index.html": html });
  bare.setRef(`refs/pull/${n}/head`, sha);
  return sha;
}

/** A real pull_request example for pull request `n` into main, from this repository or from a fork, signed. */
async function pullRequest(action: "opened" | "synchronize" | "closed", n: number, sha: string, opts: { fork?: boolean; before?: string } = {}) {
  const p = forRepository(examplePayload("pull_request", action), REPO);
  const pr = p.pull_request as Record<string, unknown> & { head: Record<string, unknown>; base: Record<string, unknown> };
  const headRepo = opts.fork ? "someone/www" : REPO;
  Object.assign(p, { number: n, installation: { id: INSTALLATION }, ...(action === "synchronize" ? { before: opts.before, after: sha } : {}) });
  Object.assign(pr, { number: n, title: `change ${n}`, state: action === "closed" ? "closed" : "open" });
  pr.head = { ...pr.head, sha, ref: `feature-${n}`, repo: { ...(pr.head.repo as object), full_name: headRepo } };
  pr.base = { ...pr.base, ref: "main", repo: { ...(pr.base.repo as object), full_name: REPO } };
  const raw = JSON.stringify(p);
  const r = await receiveGithubWebhook({ appName: "gh", headers: deliveryHeaders("pull_request", randomUUID(), sign(SECRET, raw)), body: new TextEncoder().encode(raw) });
  expect(r.status).toBe(202);
}

const previewOf = (n: number) => getDb().preview.findUnique({ where: { deploymentRuleId_prNumber: { deploymentRuleId: ruleId, prNumber: n } } });
const logText = async (id: string) => (await readBuildLog(id, -1, 10_000)).map((c) => c.text).join("");

/** Waits for the preview of `n` at `sha` to reach `state`; a failed build (or, waiting for it to run, preview) fails the test with its words. */
async function previewIn(n: number, sha: string, state: string, timeoutMs = 120_000) {
  return eventually(
    `the preview of #${n} at ${sha.slice(0, 7)} to be ${state}`,
    async () => {
      const b = await getDb().build.findFirst({ where: { buildRuleId, commit: { sha } }, orderBy: { attempt: "desc" } });
      if (b && ["failed", "cancelled"].includes(b.state)) throw new Error(`build ${b.state}: ${b.reason}\n${await logText(b.id)}`);
      const p = await previewOf(n);
      if (p?.headSha === sha && p.state === "failed" && state === "running") throw new Error(`preview failed: ${p.reason}`);
      return p?.headSha === sha && p.state === state ? p : null;
    },
    timeoutMs,
    200,
  );
}

interface ServiceView {
  ID: string;
  Spec: { Name: string; Labels?: Record<string, string>; TaskTemplate: { ContainerSpec: { Image: string; Env?: string[]; Secrets?: unknown[] } } };
}
const inspect = (name: string) => swarm.docker.getService(name).inspect() as Promise<ServiceView>;
async function serviceGone(name: string): Promise<boolean> {
  try {
    await swarm.docker.getService(name).inspect();
    return false;
  } catch (err) {
    return (err as { statusCode?: number }).statusCode === 404;
  }
}
const commentsOn = (n: number) => [...api.comments.values()].filter((c) => c.issueNumber === n);

describe("pull request previews", () => {
  let first: string;
  let commentId: number;

  test("a pull request brings its preview up: its own swarm service with the proxy's labels, and one comment with the URL", async () => {
    first = pushToPr(7, "<h1>pr 7 v1</h1>\n");
    await pullRequest("opened", 7, first);
    const p = await previewIn(7, first, "running");
    expect(p).toMatchObject({ service: "www-pr-7", url: "https://pr-7.preview.example.com", tag: `pr-7-${first.slice(0, 7)}`, fork: false });
    const image = `${registry.url}/org/www:pr-7-${first.slice(0, 7)}@${p.digest}`;
    // the registry serves the tag at that digest
    const head = await fetch(`http://${registry.url}/v2/org/www/manifests/pr-7-${first.slice(0, 7)}`, { method: "HEAD", headers: { accept: "application/vnd.docker.distribution.manifest.v2+json" } });
    expect(head.headers.get("docker-content-digest")).toBe(p.digest);

    const svc = await inspect("www-pr-7");
    expect(svc.Spec.TaskTemplate.ContainerSpec.Image).toBe(image);
    expect(svc.Spec.Labels).toMatchObject({
      "traefik.enable": "true",
      "traefik.http.routers.www-pr-7.rule": "Host(`pr-7.preview.example.com`)",
      "traefik.http.services.www-pr-7.loadbalancer.server.port": "8080",
      "slipway.preview": ruleId,
      "slipway.preview.pr": "7",
    });
    expect(await eventually("its task to run the image", async () => ((await runningImages(swarm.docker, svc.ID)).includes(image) ? true : null))).toBe(true);
    // no release: a pull request deploys to nothing but its preview
    expect(await getDb().release.count({ where: { build: { commit: { sha: first } } } })).toBe(0);

    const posted = await eventually("the comment to say Running", () => commentsOn(7).find((c) => c.body.includes("**Running**")));
    expect(posted.body).toContain("https://pr-7.preview.example.com");
    expect(posted.body).toContain(first.slice(0, 7));
    commentId = posted.id;
    const audit = await getDb().auditEvent.findMany({ where: { subjectType: "preview", subjectId: p.id }, orderBy: { id: "asc" } });
    expect(audit.map((e) => e.action)).toEqual(["preview.created", "preview.deployed"]);
  }, 180_000);

  test("a second push moves the preview to the new digest and edits the same comment", async () => {
    const before = (await previewOf(7))!;
    const second = pushToPr(7, "<h1>pr 7 v2</h1>\n");
    await pullRequest("synchronize", 7, second, { before: first });
    const p = await previewIn(7, second, "running");
    expect(p.digest).not.toBe(before.digest);
    expect(p.id).toBe(before.id);
    const image = `${registry.url}/org/www:pr-7-${second.slice(0, 7)}@${p.digest}`;
    const svc = await inspect("www-pr-7");
    expect(svc.ID).toBe((await inspect("www-pr-7")).ID);
    expect(svc.Spec.TaskTemplate.ContainerSpec.Image).toBe(image);
    await eventually("the new image to run", async () => ((await runningImages(swarm.docker, svc.ID)).includes(image) ? true : null));
    await eventually("the comment to name the new commit", () => api.comments.get(commentId)?.body.includes(`\`${second.slice(0, 7)}\``) && api.comments.get(commentId)!.body.includes("**Running**"));
    // one comment, posted once, edited since
    expect(commentsOn(7)).toHaveLength(1);
    expect(api.commentCalls.filter((c) => c.method === "POST" && c.issueNumber === 7)).toHaveLength(1);
    expect(api.commentCalls.some((c) => c.method === "PATCH" && c.id === commentId && c.status === 200)).toBe(true);
    expect(await getDb().auditEvent.count({ where: { action: "preview.updated", subjectId: p.id } })).toBe(1);
  }, 180_000);

  test("closing the pull request tears the preview down: the service is gone and the comment says so", async () => {
    const p = (await previewOf(7))!;
    await pullRequest("closed", 7, p.headSha);
    await previewIn(7, p.headSha, "torn_down");
    expect(await serviceGone("www-pr-7")).toBe(true);
    await eventually("the comment to say Torn down", () => api.comments.get(commentId)?.body.includes("**Torn down**"));
    expect(commentsOn(7)).toHaveLength(1);
    expect(await getDb().auditEvent.count({ where: { action: "preview.torn_down", subjectId: p.id } })).toBe(1);
  }, 120_000);

  test("a fork's pull request gets no secrets and waits for an operator's approval; its service gets none either", async () => {
    const sha = pushToPr(8, "<h1>pr 8 from a fork</h1>\n");
    await pullRequest("opened", 8, sha, { fork: true });
    const waiting = await previewIn(8, sha, "pending_approval");
    expect(waiting).toMatchObject({ fork: true, approvedById: null });
    expect(waiting.reason).toMatch(/comes from a fork: an operator approves commit/);
    expect(await serviceGone("www-pr-8")).toBe(true);
    // the build ran without the secret: the Dockerfile's RUN found none, and the value is nowhere in the log
    const build = await getDb().build.findFirstOrThrow({ where: { buildRuleId, commit: { sha } } });
    const text = await logText(build.id);
    expect(text).toContain("build secrets npm-token are withheld: this commit is a pull request's from a fork");
    expect(text).toMatch(/token is none/);
    expect(text).not.toContain(TOKEN_VALUE);
    await eventually("the comment to say it waits for approval", () => commentsOn(8)[0]?.body.includes("**Waiting for approval**"));

    // a viewer may not approve; an operator may
    await expect(approvePreview(actorFor(await createUser("viewer")), { id: waiting.id })).rejects.toThrow(/needs the Operator role/);
    const r = await approvePreview(actorFor(operator), { id: waiting.id });
    expect(r.state).toBe("queued");
    const p = await previewIn(8, sha, "running");
    expect(p.approvedById).toBe(operator.id);
    const svc = await inspect("www-pr-8");
    expect(svc.Spec.TaskTemplate.ContainerSpec.Env ?? []).toEqual([]);
    expect(svc.Spec.TaskTemplate.ContainerSpec.Secrets ?? []).toEqual([]);
    expect(JSON.stringify(svc.Spec)).not.toContain(TOKEN_VALUE);
    expect(await getDb().auditEvent.count({ where: { action: "preview.approved", subjectId: p.id, actorId: operator.id } })).toBe(1);
  }, 180_000);

  test("after its time to live the sweep tears a preview down", async () => {
    const p = (await previewOf(8))!;
    expect(p.expiresAt!.getTime() - p.deployedAt!.getTime()).toBe(2 * 3_600_000);
    // just before it runs out nothing happens; just after, it is torn down
    expect((await sweepPreviews({ workerId: "test-sweep", now: new Date(p.expiresAt!.getTime() - 1000) })).expired).toEqual([]);
    expect((await sweepPreviews({ workerId: "test-sweep", now: new Date(p.expiresAt!.getTime() + 1000) })).expired).toEqual([p.id]);
    await previewIn(8, p.headSha, "torn_down");
    expect(await serviceGone("www-pr-8")).toBe(true);
    expect((await getDb().preview.findUniqueOrThrow({ where: { id: p.id } })).reason).toMatch(/time to live \(2 h after its last deploy\) ran out/);
  }, 120_000);

  test("a service of the preview's name that Slipway did not make is left alone: the preview fails, in words", async () => {
    // someone made www-pr-12 by hand (no slipway.preview label)
    await swarm.docker.createService({ Name: "www-pr-12", TaskTemplate: { ContainerSpec: { Image: busybox, Command: ["/bin/busybox", "sleep", "3600"] } }, Mode: { Replicated: { Replicas: 1 } } });
    const sha = pushToPr(12, "<h1>12</h1>\n");
    await pullRequest("opened", 12, sha);
    const p = await previewIn(12, sha, "failed");
    expect(p.reason).toMatch(/A service named www-pr-12 exists on the swarm and is not this preview's \(its label slipway\.preview is absent/);
    const svc = await inspect("www-pr-12");
    expect(svc.Spec.TaskTemplate.ContainerSpec.Image).toBe(busybox);
    expect(svc.Spec.Labels?.["slipway.preview"]).toBeUndefined();
    await eventually("the comment to say Failed", () => commentsOn(12)[0]?.body.includes("**Failed**"));
    // closing the pull request does not remove it either: the preview is torn down, the service stays
    await pullRequest("closed", 12, sha);
    await previewIn(12, sha, "torn_down");
    expect((await getDb().auditEvent.findFirstOrThrow({ where: { action: "preview.torn_down", subjectId: p.id } })).summary).toMatch(/www-pr-12 left alone: a service of that name is someone else's/);
    expect((await inspect("www-pr-12")).Spec.TaskTemplate.ContainerSpec.Image).toBe(busybox);
    await swarm.docker.getService("www-pr-12").remove();
  }, 180_000);

  test("the cap holds: a third pull request waits, in words, until one of the two running is torn down", async () => {
    const shas = { 9: pushToPr(9, "<h1>9</h1>\n"), 10: pushToPr(10, "<h1>10</h1>\n") };
    await pullRequest("opened", 9, shas[9]);
    await pullRequest("opened", 10, shas[10]);
    await previewIn(9, shas[9], "running");
    await previewIn(10, shas[10], "running");
    const eleven = pushToPr(11, "<h1>11</h1>\n");
    await pullRequest("opened", 11, eleven);
    const waiting = await previewIn(11, eleven, "waiting");
    expect(waiting.reason).toBe("2 previews of this rule run already, its cap is 2: this one starts when another is torn down");
    expect(await serviceGone("www-pr-11")).toBe(true);

    // an operator tears #9 down from the console: #11 takes its place
    const nine = (await previewOf(9))!;
    const r = await tearDownPreview(actorFor(operator), { id: nine.id });
    expect(r.message).toMatch(/Tearing down www-pr-9/);
    await previewIn(9, shas[9], "torn_down");
    await previewIn(11, eleven, "running");
    expect(await serviceGone("www-pr-9")).toBe(true);
    expect((await inspect("www-pr-11")).Spec.Labels?.["slipway.preview.pr"]).toBe("11");
    await expect(tearDownPreview(actorFor(operator), { id: nine.id })).rejects.toThrow(/torn down already/);
  }, 240_000);
});
