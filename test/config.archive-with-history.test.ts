// archive-with-history and import-dry-run-fidelity: removing a repository, rule or target that has history
// archives it (it leaves the inventory, never builds, polls or deploys again; its builds, deployments and
// audit stay readable and linked) instead of failing the import; a dry run is the import itself rolled
// back, so "dry run ok" means "apply ok", and a dry run that cannot apply says so with every reason.
import { beforeAll, describe, expect, test } from "vitest";
import { getDb } from "@/lib/db";
import { exportInventory, importInventory, previewImport } from "@/lib/services/inventory/config";
import { deleteInventoryEntity } from "@/lib/services/inventory/entities";
import { enqueueDuePolls } from "@/lib/services/polling";
import { createDeploymentsForRelease } from "@/lib/services/deployments/schedule";
import { rollbackTarget } from "@/lib/services/deployments/commands";
import { listRepositories } from "@/lib/queries/repositories";
import { dashboardCounts } from "@/lib/queries/dashboard";
import { getDeploymentDetail, getTargetDetail } from "@/lib/queries/deployment-detail";
import { getBuildDetail } from "@/lib/queries/build-detail";
import { getRepositoryDetail } from "@/lib/queries/inventory-repos";
import { ConflictError } from "@/lib/errors";
import { actorFor, createUser, type TestUser } from "@/test/helpers/fixtures";

let admin: TestUser;
beforeAll(async () => {
  admin = await createUser("admin", { login: "alice" });
});

const withInfra = (repos: string) => `hosts: [{ name: toxis, address: toxis.example.org }]
docker_contexts: [{ name: toxis, endpoint: "ssh://root@toxis.example.org" }]
repos:
${repos}`;
const webRepo = `  - repo: infra/web
    url: https://git.example.org/web.git
    poll_interval: 1m
    builds:
      - dockerfile: Dockerfile
        deploy:
          - branch: live
            image: 127.0.0.1:5000/web:live
            targets: [{ context: toxis, service: web }]
`;
const spareRepo = `  - repo: infra/spare
    url: https://git.example.org/spare.git
`;
const full = withInfra(webRepo + spareRepo);
// infra/web (with history) and infra/spare (without) removed, and with them the host and context its target used
const emptied = "repos: []\n";

/** Row counts and the export: what a dry run must leave as it found. */
async function state() {
  const db = getDb();
  return {
    repos: await db.repository.findMany({ orderBy: { name: "asc" }, select: { id: true, name: true, archivedAt: true } }),
    targets: await db.target.findMany({ select: { id: true, archivedAt: true, hostId: true, dockerContextId: true } }),
    hosts: await db.host.count(),
    contexts: await db.dockerContext.count(),
    deployments: await db.deployment.findMany({ orderBy: { id: "asc" }, select: { id: true, state: true } }),
    audit: await db.auditEvent.count(),
    export: await exportInventory(actorFor(admin)),
  };
}

/** A build, a release, a finished deployment and a queued one on infra/web's target. */
async function history() {
  const db = getDb();
  const repo = await db.repository.findUniqueOrThrow({ where: { name: "infra/web" } });
  const rule = await db.buildRule.findFirstOrThrow({ where: { repositoryId: repo.id } });
  const deployRule = await db.deploymentRule.findFirstOrThrow({ where: { buildRuleId: rule.id } });
  const target = await db.target.findFirstOrThrow({ where: { deploymentRuleId: deployRule.id } });
  const commit = await db.commit.create({ data: { repositoryId: repo.id, sha: "c".repeat(40) } });
  const build = await db.build.create({ data: { buildRuleId: rule.id, commitId: commit.id, trigger: "poll", state: "succeeded" } });
  const release = await db.release.create({ data: { buildId: build.id, deploymentRuleId: deployRule.id, imageRepo: "127.0.0.1:5000/web", tag: "live", digest: `sha256:${"d".repeat(64)}` } });
  const done = await db.deployment.create({ data: { targetId: target.id, releaseId: release.id, state: "succeeded" } });
  const queued = await db.deployment.create({ data: { targetId: target.id, releaseId: release.id, state: "queued" } });
  await db.target.update({ where: { id: target.id }, data: { currentReleaseId: release.id } });
  return { repo, rule, deployRule, target, build, release, done, queued };
}

describe("archive-with-history", () => {
  test("import-dry-run-fidelity: removing entries with history passes the dry run, writes nothing, and the import then applies", async () => {
    await importInventory(actorFor(admin), full);
    const h = await history();

    const before = await state();
    const plan = await previewImport(actorFor(admin), emptied);
    expect(plan.counts).toEqual({ create: 0, update: 0, delete: 7 });
    expect(await state()).toEqual(before); // rolled back: rows, audit and export as they were

    const applied = await importInventory(actorFor(admin), emptied, { expectedPlanId: plan.planId });
    expect(applied.planId).toBe(plan.planId);

    const db = getDb();
    // archived, not deleted: the history is still there and linked
    const repo = await db.repository.findUniqueOrThrow({ where: { id: h.repo.id } });
    expect(repo.archivedAt).not.toBeNull();
    expect((await db.buildRule.findUniqueOrThrow({ where: { id: h.rule.id } })).archivedAt).not.toBeNull();
    expect((await db.deploymentRule.findUniqueOrThrow({ where: { id: h.deployRule.id } })).archivedAt).not.toBeNull();
    const target = await db.target.findUniqueOrThrow({ where: { id: h.target.id } });
    expect(target.archivedAt).not.toBeNull();
    expect(target.dockerContextId).toBeNull(); // the context was removed; the archived target let go of it
    const done = await db.deployment.findUniqueOrThrow({ where: { id: h.done.id }, include: { target: true, release: { include: { build: { include: { buildRule: { include: { repository: true } } } } } } } });
    expect([done.state, done.target.name, done.release.build.buildRule.repository.name]).toEqual(["succeeded", "toxis/web", "infra/web"]);
    // what was waiting to deploy there never will
    expect((await db.deployment.findUniqueOrThrow({ where: { id: h.queued.id } })).state).toBe("cancelled");
    // the entry without history is simply gone, and so are the host and context
    expect(await db.repository.findUnique({ where: { name: "infra/spare" } })).toBeNull();
    expect([await db.host.count(), await db.dockerContext.count()]).toEqual([0, 0]);
    // the audit says archived, with why
    const archived = await db.auditEvent.findMany({ where: { action: { endsWith: ".archived" } }, orderBy: { id: "asc" } });
    expect(archived.map((e) => e.action)).toEqual(["target.archived", "deployment_rule.archived", "build_rule.archived", "repository.archived"]);
    expect(archived[0]!.summary).toMatch(/target toxis\/web archived: it has 2 deployments/);
    // out of the inventory: export, the next diff, lists and counts
    expect(await exportInventory(actorFor(admin))).not.toContain("infra/web");
    expect((await previewImport(actorFor(admin), emptied)).changes).toEqual([]);
    expect((await listRepositories()).rows.map((r) => r.name)).toEqual([]);
    expect(await dashboardCounts()).toMatchObject({ repositories: 0, targets: 0 });
    // never polled, deployed or rolled back again
    expect(await enqueueDuePolls(new Date(Date.now() + 86_400_000))).toBe(0);
    const created = await db.$transaction((tx) => createDeploymentsForRelease(tx, h.release.id, { type: "system", label: "test" }));
    expect(created.created).toEqual([]);
    await expect(rollbackTarget(actorFor(admin), { targetId: h.target.id, releaseId: h.release.id })).rejects.toBeInstanceOf(ConflictError);
    // the pages of its history still read, and say archived
    expect((await getDeploymentDetail(h.done.id))?.target).toMatchObject({ name: "toxis/web", archived: true });
    expect(await getTargetDetail(h.target.id)).toMatchObject({ name: "toxis/web", archived: true });
    expect((await getBuildDetail(h.build.id))?.buildRule).toMatchObject({ name: "Dockerfile", archived: true });
    expect(await getRepositoryDetail(h.repo.id)).toMatchObject({ name: "infra/web", archived: true, buildRules: [] });
  });

  test("importing an entry of the same name restores the archived one, history and all", async () => {
    const db = getDb();
    const old = await db.repository.findUniqueOrThrow({ where: { name: "infra/web" } });
    const plan = await importInventory(actorFor(admin), full);
    expect(plan.counts.create).toBeGreaterThan(0);
    const repo = await db.repository.findUniqueOrThrow({ where: { name: "infra/web" }, include: { buildRules: { include: { builds: true, deploymentRules: { include: { targets: { include: { deployments: true } } } } } } } });
    expect(repo.id).toBe(old.id);
    expect(repo.archivedAt).toBeNull();
    const rule = repo.buildRules[0]!;
    expect([rule.archivedAt, rule.builds.length]).toEqual([null, 1]);
    const target = rule.deploymentRules[0]!.targets[0]!;
    expect([target.archivedAt, target.deployments.length, target.dockerContextId !== null]).toEqual([null, 2, true]);
    const restored = await db.auditEvent.findMany({ where: { action: { endsWith: ".restored" } } });
    expect(restored.map((e) => e.action).sort()).toEqual(["build_rule.restored", "deployment_rule.restored", "repository.restored", "target.restored"]);
    expect((await previewImport(actorFor(admin), full)).changes).toEqual([]);
  });

  test("the console's delete archives a target with history (audit: archived) and deletes one without", async () => {
    const db = getDb();
    const target = await db.target.findUniqueOrThrow({ where: { name: "toxis/web" } });
    await deleteInventoryEntity(actorFor(admin), { kind: "target", id: target.id });
    expect((await db.target.findUniqueOrThrow({ where: { id: target.id } })).archivedAt).not.toBeNull();
    const last = await db.auditEvent.findFirstOrThrow({ where: { subjectId: target.id }, orderBy: { id: "desc" } });
    expect(last.action).toBe("target.archived");
    const spare = await db.repository.findUniqueOrThrow({ where: { name: "infra/spare" } });
    await deleteInventoryEntity(actorFor(admin), { kind: "repo", id: spare.id });
    expect(await db.repository.findUnique({ where: { id: spare.id } })).toBeNull();
  });

  test("import-dry-run-fidelity: changes that apply only in another order (builds made unikernel builds while their docker rules and targets go) pass the dry run, write nothing, then apply", async () => {
    await importInventory(actorFor(admin), full);
    const text = withInfra(
      [webRepo, spareRepo.replace("url: https://git.example.org/spare.git", "url: https://git.example.org/spare.git\n    builds:\n      - { dockerfile: Dockerfile, deploy: [{ branch: main, image: 127.0.0.1:5000/spare:main, targets: [{ context: toxis, service: spare }] }] }")].join(""),
    );
    await importInventory(actorFor(admin), text);
    const webTarget = await getDb().target.findFirstOrThrow({ where: { service: "web", archivedAt: null } });
    // history on web's target (a release left by the tests above, or a new one)
    const release =
      (await getDb().release.findFirst({ where: { build: { buildRule: { repository: { name: "infra/web" } } } } })) ?? (await history()).release;
    const done = await getDb().deployment.create({ data: { targetId: webTarget.id, releaseId: release.id, state: "succeeded" } });
    // the build's kind can change only once its docker targets are gone, and the deletes come after the updates
    const unikernels = withInfra("  - { repo: infra/web, url: https://git.example.org/web.git, poll_interval: 1m, builds: [{ name: Dockerfile, kind: unikernel, target: hvt }] }\n  - { repo: infra/spare, url: https://git.example.org/spare.git, builds: [{ name: Dockerfile, kind: unikernel, target: hvt }] }\n");
    const before = await state();
    const dry = await previewImport(actorFor(admin), unikernels);
    expect(dry.counts).toMatchObject({ update: 2 });
    expect(await state()).toEqual(before);
    const wet = await importInventory(actorFor(admin), unikernels);
    expect(wet.planId).toBe(dry.planId);
    const builds = await getDb().buildRule.findMany({ where: { archivedAt: null, repository: { name: { in: ["infra/web", "infra/spare"] } } }, select: { kind: true, unikernelTarget: true } });
    expect(builds).toEqual([
      { kind: "unikernel", unikernelTarget: "hvt" },
      { kind: "unikernel", unikernelTarget: "hvt" },
    ]);
    // web's target had history: archived, its deployments still there; spare's had none: deleted
    expect((await getDb().target.findUniqueOrThrow({ where: { id: webTarget.id } })).archivedAt).not.toBeNull();
    expect(await getDb().deployment.count({ where: { id: done.id } })).toBe(1);
    expect(await getDb().target.count({ where: { service: "spare" } })).toBe(0);
    // and the file is what the inventory now is
    expect((await previewImport(actorFor(admin), unikernels)).counts).toEqual({ create: 0, update: 0, delete: 0 });
  });
});
