// Promotion through a deployment rule's environments with real parts: a private dockerd in swarm mode (its
// socket as the docker context), a private registry, and two swarm services per rule, one in staging and one in
// production. A release recorded for the branch deploys to staging only; promoted, the same release (no new build,
// no new release) runs on production, checked with the test's own `docker service inspect`. Promotion before the
// soak time ends, while staging runs another release, or while a check URL answers 503 is refused in words and
// writes nothing; production's approval policy applies to the promotion; a later stage's target is not deployed
// to by hand; the pipeline read model says the same reasons.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type Dockerode from "dockerode";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { getDb } from "@/lib/db";
import { resetEnvCache } from "@/lib/env";
import { log as rootLog } from "@/lib/log";
import { readDeploymentLog } from "@/lib/build/log-store";
import { runDeployment } from "@/lib/deploy/runner";
import { createDeploymentsForRelease } from "@/lib/services/deployments/schedule";
import { approveDeployment, deployRelease, pinTarget, rollbackTarget, unpinTarget } from "@/lib/services/deployments/commands";
import { promoteRelease } from "@/lib/services/environments/promote";
import { listPipelines } from "@/lib/queries/environments";
import { ConflictError } from "@/lib/errors";
import { saveBuildRule, saveContext, saveDeploymentRule, saveRegistry, saveRepository, saveTarget } from "@/lib/services/inventory/entities";
import { actorFor, createUser, type TestUser } from "@/test/helpers/fixtures";
import { startDockerd, type TestDockerd } from "@/test/helpers/dockerd";
import { startRegistry, type TestRegistry } from "@/test/helpers/registry";
import { importBusybox } from "@/test/helpers/busybox";
import { buildAppImage, type AppImage } from "@/test/helpers/app-images";
import { eventually } from "@/test/helpers/eventually";
import { runningImages } from "@/test/helpers/swarm";

const SECOND = 1_000_000_000;
const quiet = rootLog.child({ test: "deploy.promotion" });

let swarm: TestDockerd;
let registry: TestRegistry;
let admin: TestUser;
let op1: TestUser;
let op2: TestUser;
const img: Record<"v1" | "v2" | "v3", AppImage> = {} as Record<"v1" | "v2" | "v3", AppImage>;
let n = 0;

beforeAll(async () => {
  process.env.SLIPWAY_URL = "https://slipway.example.org";
  process.env.SLIPWAY_SECRET_KEY = "7".repeat(64);
  resetEnvCache();
  [swarm, registry] = await Promise.all([startDockerd({ swarmInit: true }), startRegistry()]);
  const base = await importBusybox(swarm.docker, `${registry.url}/busybox:latest`);
  const sleep = [`CMD ["/bin/busybox", "sleep", "3600"]`];
  for (const v of ["v1", "v2", "v3"] as const) img[v] = await buildAppImage(swarm.docker, { base, repo: `${registry.url}/shop`, tag: v, lines: sleep });
  [admin, op1, op2] = await Promise.all([createUser("admin"), createUser("operator"), createUser("operator")]);
  const a = actorFor(admin);
  await saveContext(a, { name: "local", endpoint: swarm.endpoint, role: "both" });
  await saveRegistry(a, { name: "local", url: registry.url });
}, 240_000);

afterAll(async () => {
  await Promise.all([swarm?.stop(), registry?.stop()]);
  delete process.env.SLIPWAY_URL;
  delete process.env.SLIPWAY_SECRET_KEY;
  resetEnvCache();
});

interface Pipeline {
  ruleId: string;
  buildRuleId: string;
  repositoryId: string;
  staging: { id: string; name: string; serviceId: string };
  production: { id: string; name: string; serviceId: string };
}

async function createService(name: string): Promise<string> {
  const created = await swarm.docker.createService({
    Name: name,
    TaskTemplate: { ContainerSpec: { Image: img.v1.ref, StopGracePeriod: SECOND }, RestartPolicy: { Condition: "any", Delay: SECOND / 5 }, Networks: [] },
    Mode: { Replicated: { Replicas: 1 } },
    UpdateConfig: { Parallelism: 1, Delay: 0, Monitor: SECOND, FailureAction: "rollback", MaxFailureRatio: 0, Order: "stop-first" },
  } as Dockerode.CreateServiceOptions);
  await eventually(`${name} running v1`, async () => (await runningImages(swarm.docker, created.id)).length === 1, 60_000);
  return created.id;
}

/** A repository → build rule → deployment rule with environments staging → production, one swarm service in each, both running v1. */
async function pipeline(opts: { soak: number; checks?: string[]; productionApproval?: unknown; stagingAllowsUnsigned?: boolean }): Promise<Pipeline> {
  n++;
  const a = actorFor(admin);
  const repo = await saveRepository(a, { repo: `shop${n}`, url: `https://git.example.org/shop${n}.git` });
  const build = await saveBuildRule(a, { repository_id: repo.id, name: "Dockerfile" });
  const rule = await saveDeploymentRule(a, {
    build_rule_id: build.id,
    branch: "main",
    image: `${registry.url}/shop:main`,
    environments: [
      { name: "staging", soak: opts.soak, checks: opts.checks ?? [] },
      { name: "production", ...(opts.productionApproval ? { approval: opts.productionApproval } : {}) },
    ],
  });
  const names = { staging: `web-staging-${n}`, production: `web-${n}` };
  const common = { deployment_rule_id: rule.id, context: "local", monitor: 1, converge_timeout: 60, health_timeout: 5 };
  const staging = await saveTarget(a, { ...common, name: names.staging, service: `shop${n}_staging`, environment: "staging", allow_unsigned: opts.stagingAllowsUnsigned ?? false });
  const production = await saveTarget(a, { ...common, name: names.production, service: `shop${n}_web`, environment: "production" });
  const [stagingService, productionService] = await Promise.all([createService(`shop${n}_staging`), createService(`shop${n}_web`)]);
  return {
    ruleId: rule.id,
    buildRuleId: build.id,
    repositoryId: repo.id,
    staging: { id: staging.id, name: names.staging, serviceId: stagingService },
    production: { id: production.id, name: names.production, serviceId: productionService },
  };
}

let shaN = 0;
/** A succeeded build of a new commit and its release of `image`, recorded with its deployments as the build runner does. */
async function release(p: Pipeline, image: AppImage, opts: { unsigned?: boolean } = {}) {
  shaN++;
  const sha = (0xf0000 + shaN).toString(16).padStart(40, "0");
  const db = getDb();
  const commit = await db.commit.create({ data: { repositoryId: p.repositoryId, sha, message: `release ${image.tag}` } });
  const build = await db.build.create({ data: { buildRuleId: p.buildRuleId, commitId: commit.id, state: "succeeded", trigger: "webhook" } });
  // the engine's test, not provenance's: recorded before signing (deployed with a warning, checked all the same)
  const rel = await db.release.create({ data: { recordedBeforeSigning: !opts.unsigned, buildId: build.id, deploymentRuleId: p.ruleId, imageRepo: image.repo, tag: image.tag, digest: image.digest } });
  const out = await db.$transaction((tx) => createDeploymentsForRelease(tx, rel.id, { type: "worker", workerId: "test" }));
  return { releaseId: rel.id, sha, created: out.created, held: out.held };
}

/** `docker service inspect`, from the test's own client: Spec.TaskTemplate.ContainerSpec.Image. */
async function specImage(serviceId: string): Promise<string> {
  const s = (await swarm.docker.getService(serviceId).inspect()) as { Spec: { TaskTemplate: { ContainerSpec: { Image: string } } } };
  return s.Spec.TaskTemplate.ContainerSpec.Image;
}

const run = (id: string) => runDeployment(id, { workerId: "promo-worker", log: quiet });
const deployment = (id: string) => getDb().deployment.findUniqueOrThrow({ where: { id } });
const logText = async (id: string) => (await readDeploymentLog(id, -1, 10_000)).map((c) => c.text).join("");
const promote = (who: TestUser, releaseId: string, environment = "production") => promoteRelease(actorFor(who), { releaseId, environment });

/** Everything a promotion could write. */
async function writes() {
  const db = getDb();
  const [builds, releases, deployments, audit] = await Promise.all([db.build.count(), db.release.count(), db.deployment.count(), db.auditEvent.count()]);
  const states = (await db.deployment.findMany({ select: { id: true, state: true }, orderBy: { id: "asc" } })).map((d) => `${d.id}:${d.state}`).join(",");
  return { builds, releases, deployments, audit, states };
}

/** The promotion's refusal: a ConflictError, and the words. */
async function refusal(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConflictError);
  return (err as Error).message;
}

async function httpServer(status: () => number): Promise<{ url: string; hits: () => number; close: () => Promise<void> }> {
  let hits = 0;
  const server: Server = createServer((_req, res) => {
    hits++;
    res.writeHead(status()).end("ready\n");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/ready`, hits: () => hits, close: () => new Promise((r) => server.close(() => r())) };
}

describe("promotion from staging to production", () => {
  test("the release deploys to staging only; promoted after the soak time, production runs the same digest, with no new build or release", async () => {
    const p = await pipeline({ soak: 3 });
    const r = await release(p, img.v2);
    expect(r.created.map((c) => c.targetName)).toEqual([p.staging.name]);
    expect(r.held).toEqual([p.production.name]);
    expect(await getDb().deployment.count({ where: { targetId: p.production.id } })).toBe(0);
    const staged = await run(r.created[0]!.id);
    expect(staged.state, await logText(r.created[0]!.id)).toBe("succeeded");
    expect(await specImage(p.staging.serviceId)).toBe(`${img.v2.repo}:v2@${img.v2.digest}`);
    expect(await specImage(p.production.serviceId)).toBe(img.v1.ref);

    // within the soak time: refused in words, and the pipeline says the same
    const early = await refusal(promote(op1, r.releaseId));
    expect(early).toMatch(new RegExp(`^Release ${r.sha.slice(0, 12)} cannot be promoted to production yet: staging's soak time ends in [1-3] s\\. Nothing was changed\\.$`));
    const [before] = await listPipelines({ deploymentRuleId: p.ruleId });
    expect(before!.stages.map((s) => [s.name, s.release?.id ?? null, s.promotion?.to ?? null])).toEqual([
      ["staging", r.releaseId, "production"],
      ["production", null, null],
    ]);
    expect(before!.stages[0]!.promotion!.blockers).toEqual([expect.stringMatching(/^staging's soak time ends in [1-3] s$/)]);

    const soakEnds = before!.stages[0]!.promotion!.soakEndsAt!;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, soakEnds.getTime() - Date.now()) + 200));
    const counted = await writes();
    const out = await promote(op1, r.releaseId);
    expect(out).toMatchObject({ releaseId: r.releaseId, from: "staging", environment: "production", deployments: [{ targetId: p.production.id, targetName: p.production.name, state: "queued" }] });
    expect(out.message).toBe(`Promoting ${r.sha.slice(0, 12)} to production: deploying to ${p.production.name}.`);
    const d = await deployment(out.deployments[0]!.id);
    expect(d).toMatchObject({ trigger: "promotion", releaseId: r.releaseId, requestedById: op1.id, previousReleaseId: null });
    // never a rebuild: no build or release was made
    const after = await writes();
    expect([after.builds, after.releases, after.deployments]).toEqual([counted.builds, counted.releases, counted.deployments + 1]);

    const promoted = await run(d.id);
    expect(promoted.state, await logText(d.id)).toBe("succeeded");
    const [stagingImage, productionImage] = [await specImage(p.staging.serviceId), await specImage(p.production.serviceId)];
    expect(productionImage).toBe(stagingImage);
    expect(productionImage.split("@")[1]).toBe(img.v2.digest);
    await eventually("production running v2", async () => (await runningImages(swarm.docker, p.production.serviceId)).join() === img.v2.ref, 60_000);
    // the promotion's deployment had its release's provenance checked before the service was touched, as every deployment has
    expect(await deployment(d.id)).toMatchObject({ state: "succeeded", provenanceCheck: "before_signing" });
    expect(await logText(d.id)).toMatch(/recorded before Slipway signed releases/);
    expect((await getDb().target.findUniqueOrThrow({ where: { id: p.production.id } })).currentReleaseId).toBe(r.releaseId);

    // audited: the promotion on the release, the deployment it made
    const promotedEvent = await getDb().auditEvent.findFirstOrThrow({ where: { action: "release.promoted", subjectId: r.releaseId } });
    expect(promotedEvent).toMatchObject({ actorId: op1.id, subjectType: "release" });
    expect(promotedEvent.summary).toBe(`${r.sha.slice(0, 12)} promoted from staging to production: ${p.production.name}`);
    expect(promotedEvent.after).toMatchObject({ environment: "production", digest: img.v2.digest, deployments: [{ id: d.id, target: p.production.name, state: "queued" }] });
    expect((await getDb().auditEvent.findMany({ where: { subjectId: d.id }, orderBy: { id: "asc" } })).map((e) => e.action)).toEqual([
      "deployment.requested",
      "deployment.started",
      "deployment.succeeded",
    ]);

    // both stages run it now: nothing more to promote, in words
    const [done] = await listPipelines({ deploymentRuleId: p.ruleId });
    expect(done!.stages[0]!.promotion!.blockers).toEqual(["production already runs it"]);
    expect(done!.stages[1]!.release?.id).toBe(r.releaseId);
    expect(await refusal(promote(op1, r.releaseId))).toMatch(/Every target of production already runs release [0-9a-f]{12}; nothing to promote\. Nothing was changed\./);
  }, 240_000);

  test("before the soak time ends the promotion is refused in words and writes nothing", async () => {
    const p = await pipeline({ soak: 600 });
    const r = await release(p, img.v2);
    expect((await run(r.created[0]!.id)).state).toBe("succeeded");
    const before = await writes();
    const message = await refusal(promote(op1, r.releaseId));
    expect(message).toMatch(new RegExp(`^Release ${r.sha.slice(0, 12)} cannot be promoted to production yet: staging's soak time ends in (9 min \\d+ s|10 min)\\. Nothing was changed\\.$`));
    expect(await writes()).toEqual(before);
    expect(await specImage(p.production.serviceId)).toBe(img.v1.ref);
    // the first stage is not promoted to, and a stage that does not exist is named with the ones that do
    expect(await refusal(promote(op1, r.releaseId, "staging"))).toMatch(/staging is the first environment: releases of branch main enter it when they are built/);
    await expect(promote(op1, r.releaseId, "prod")).rejects.toThrow(/has no environment named 'prod'; its environments are staging, production/);
    // a viewer may not promote at all
    const viewer = await createUser("viewer");
    await expect(promote(viewer, r.releaseId)).rejects.toThrow(/needs the Operator role/);
    expect(await writes()).toEqual(before);
  }, 180_000);

  test("while staging runs another release, promoting this one is refused; while it is still deploying there too", async () => {
    const p = await pipeline({ soak: 0 });
    const first = await release(p, img.v2);
    expect((await run(first.created[0]!.id)).state).toBe("succeeded");
    const second = await release(p, img.v3);
    expect((await run(second.created[0]!.id)).state).toBe("succeeded");
    const before = await writes();
    expect(await refusal(promote(op1, first.releaseId))).toBe(
      `Release ${first.sha.slice(0, 12)} cannot be promoted to production yet: ${p.staging.name} runs release ${second.sha.slice(0, 12)}, not this one. Nothing was changed.`,
    );
    const third = await release(p, img.v1);
    expect(await refusal(promote(op1, third.releaseId))).toMatch(new RegExp(`${p.staging.name} is still deploying it \\(queued\\)`));
    expect((await writes()).deployments).toBe(before.deployments + 1);
    const [view] = await listPipelines({ deploymentRuleId: p.ruleId });
    expect(view!.stages[0]!.release?.id).toBe(second.releaseId);
    expect(view!.stages[0]!.targets[0]!.active).toMatchObject({ state: "queued", releaseId: third.releaseId });
    expect(await specImage(p.production.serviceId)).toBe(img.v1.ref);
  }, 180_000);

  test("a check URL answering 503 refuses the promotion in words and writes nothing; once it answers 200 it goes through", async () => {
    let status = 503;
    const check = await httpServer(() => status);
    try {
      const p = await pipeline({ soak: 0, checks: [check.url] });
      const r = await release(p, img.v2);
      expect((await run(r.created[0]!.id)).state).toBe("succeeded");
      const before = await writes();
      expect(await refusal(promote(op1, r.releaseId))).toBe(
        `Release ${r.sha.slice(0, 12)} cannot be promoted to production yet: staging's check ${check.url} answered 503. Nothing was changed.`,
      );
      expect(check.hits()).toBe(1);
      expect(await writes()).toEqual(before);
      status = 200;
      const out = await promote(op1, r.releaseId);
      expect(out.deployments).toMatchObject([{ targetName: p.production.name, state: "queued" }]);
      expect(check.hits()).toBe(2);
      // promoted again while that deployment waits in the queue: refused, and the pipeline says it is on its way
      expect(await refusal(promote(op1, r.releaseId))).toBe(`Release ${r.sha.slice(0, 12)} is already on its way to production (queued); follow it on the Deployments page. Nothing was changed.`);
      const [view] = await listPipelines({ deploymentRuleId: p.ruleId });
      expect(view!.stages[0]!.promotion!.blockers).toEqual(["it is already on its way to production (queued)"]);
      const ev = await getDb().auditEvent.findFirstOrThrow({ where: { action: "release.promoted", subjectId: r.releaseId } });
      expect(ev.before).toMatchObject({ environment: "staging", checkUrls: [check.url] });
    } finally {
      await check.close();
    }
  }, 180_000);
});

describe("provenance", () => {
  test("promotion deployments are checked for signed provenance like every deployment: an unsigned release staging allows is refused on production, which keeps its image", async () => {
    const p = await pipeline({ soak: 0, stagingAllowsUnsigned: true });
    // no attestation in the registry, and recorded after Slipway began to sign: only an allow_unsigned target takes it
    const r = await release(p, img.v3, { unsigned: true });
    const staged = await run(r.created[0]!.id);
    expect(staged.state, await logText(r.created[0]!.id)).toBe("succeeded");
    expect(await deployment(r.created[0]!.id)).toMatchObject({ provenanceCheck: "unsigned_allowed" });
    const out = await promote(op1, r.releaseId);
    const id = out.deployments[0]!.id;
    expect((await run(id)).state).toBe("failed");
    const d = await deployment(id);
    expect(d).toMatchObject({ trigger: "promotion", provenanceCheck: "failed" });
    expect(d.reason).toMatch(/provenance|attestation|signed/i);
    expect(await specImage(p.production.serviceId)).toBe(img.v1.ref);
    expect((await getDb().target.findUniqueOrThrow({ where: { id: p.production.id } })).currentReleaseId).toBeNull();
  }, 180_000);
});

describe("production's own policy", () => {
  test("promotions to a manual-approval stage wait; the promoter cannot approve, another operator can; a pinned target refuses; no deploy by hand before promotion", async () => {
    const p = await pipeline({ soak: 0, productionApproval: { mode: "manual" } });
    const r = await release(p, img.v2);
    // the first stage keeps its own (automatic) policy
    expect(r.created).toMatchObject([{ targetName: p.staging.name, state: "queued" }]);
    // a later stage's target gets a release by promotion only
    expect(await refusal(deployRelease(actorFor(op1), { targetId: p.production.id, releaseId: r.releaseId }))).toMatch(
      new RegExp(`${p.production.name} is in environment production, which gets releases by promotion only`),
    );
    expect((await run(r.created[0]!.id)).state).toBe("succeeded");

    const out = await promote(op1, r.releaseId);
    expect(out.deployments).toMatchObject([{ state: "pending_approval" }]);
    expect(out.message).toMatch(/wait.? for approval by someone else/);
    const id = out.deployments[0]!.id;
    await expect(approveDeployment(actorFor(op1), { deploymentId: id })).rejects.toThrow(/your own change: you requested this deployment/);
    await approveDeployment(actorFor(op2), { deploymentId: id, comment: "staging looked fine" });
    expect((await run(id)).state).toBe("succeeded");
    expect((await specImage(p.production.serviceId)).split("@")[1]).toBe(img.v2.digest);

    // rollback works per target, in any stage, as before: staging, on a newer release, rolled back to this one and pinned
    const newer = await release(p, img.v3);
    expect((await run(newer.created[0]!.id)).state).toBe("succeeded");
    const rb = await rollbackTarget(actorFor(op1), { targetId: p.staging.id, releaseId: r.releaseId });
    expect((await run(rb.deploymentId)).state).toBe("succeeded");
    expect(await specImage(p.staging.serviceId)).toBe(`${img.v2.repo}:v2@${img.v2.digest}`);
    expect((await getDb().target.findUniqueOrThrow({ where: { id: p.staging.id } })).pinnedReleaseId).toBe(r.releaseId);
    const held = await release(p, img.v1);
    expect([held.created, held.held]).toEqual([[], [p.production.name]]);
    // a target of the next stage pinned to another release refuses the promotion
    await unpinTarget(actorFor(op1), { targetId: p.staging.id });
    const deployed = await deployRelease(actorFor(op1), { targetId: p.staging.id, releaseId: held.releaseId });
    expect((await run(deployed.deploymentId)).state).toBe("succeeded");
    await pinTarget(actorFor(op2), { targetId: p.production.id });
    const before = await writes();
    expect(await refusal(promote(op1, held.releaseId))).toMatch(new RegExp(`${p.production.name} is pinned by ${op2.login} to another release; unpin it first`));
    expect(await writes()).toEqual(before);
    expect((await specImage(p.production.serviceId)).split("@")[1]).toBe(img.v2.digest);
  }, 240_000);
});
