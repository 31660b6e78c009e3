// slipway.yml environments: a deployment rule's ordered stages and the targets naming theirs import into rows
// (position, soak, check URLs, approval), export back to the same file, and import again to no change; a
// reorder is an update; a target naming a stage its rule does not have, a stage listed twice and a check URL
// at a metadata address are refused with the path and nothing written; a save that does not send the stages
// keeps them (the rule form's own stage editor: test/inventory.rule-form.test.ts).
import { beforeAll, describe, expect, test } from "vitest";
import { getDb } from "@/lib/db";
import { exportInventory, importInventory, previewImport } from "@/lib/services/inventory/config";
import { saveDeploymentRule, saveTarget } from "@/lib/services/inventory/entities";
import { ValidationError } from "@/lib/errors";
import { actorFor, createUser, type TestUser } from "@/test/helpers/fixtures";

let admin: TestUser;

const file = (envs: string, targets: string) => `version: 1
docker_contexts:
  - name: swarm
    endpoint: unix:///var/run/docker.sock
repos:
  - repo: example/shop
    url: https://git.example.org/example/shop.git
    builds:
      - kind: docker
        deploy:
          - branch: main
            image: 127.0.0.1:5000/shop/web:main
            environments:
${envs}
            targets:
${targets}
`;

const ENVS = `              - name: staging
                soak: 30m
                checks:
                  - https://staging.shop.example.org/healthz
                  - http://127.0.0.1:8080/ready
              - name: production
                approval:
                  mode: manual
                  min_approvers: 2
                confirm: dangerous`;
const TARGETS = `              - { context: swarm, service: web-staging, environment: staging }
              - { context: swarm, service: web, environment: production }
              - { context: swarm, service: web-preview }`;

async function state() {
  const db = getDb();
  return {
    environments: await db.environment.count(),
    targets: await db.target.findMany({ orderBy: { name: "asc" }, select: { name: true, environmentId: true } }),
    audit: await db.auditEvent.count(),
  };
}

async function refused(text: string): Promise<string> {
  const before = await state();
  const err = await importInventory(actorFor(admin), text).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ValidationError);
  expect(await state()).toEqual(before);
  return (err as ValidationError).issues.map((i) => `${i.path}: ${i.message}`).join("\n");
}

beforeAll(async () => {
  admin = await createUser("admin", { login: "env-admin" });
});

describe("environments in slipway.yml", () => {
  test("import makes the stages in order with their soak, checks and approval, and puts each target in its stage", async () => {
    await importInventory(actorFor(admin), file(ENVS, TARGETS));
    const db = getDb();
    const envs = await db.environment.findMany({ orderBy: { position: "asc" } });
    expect(envs.map((e) => [e.name, e.position, e.soakSeconds, e.checkUrls, e.approvalMode, e.minApprovers, e.confirmLevel])).toEqual([
      ["staging", 0, 1800, ["https://staging.shop.example.org/healthz", "http://127.0.0.1:8080/ready"], "automatic", 1, "average"],
      ["production", 1, 0, [], "manual", 2, "dangerous"],
    ]);
    const targets = await db.target.findMany({ orderBy: { name: "asc" }, include: { environment: { select: { name: true } } } });
    expect(targets.map((t) => [t.name, t.environment?.name ?? null])).toEqual([
      ["swarm/web", "production"],
      ["swarm/web-preview", null],
      ["swarm/web-staging", "staging"],
    ]);
  });

  test("export writes them back; the export imports to no change", async () => {
    const exported = await exportInventory(actorFor(admin));
    expect(exported).toContain(
      [
        "        deploy:",
        "          - branch: main",
        "            image: 127.0.0.1:5000/shop/web:main",
        "            environments:",
        "              - name: staging",
        "                soak: 30m",
        "                checks:",
        "                  - https://staging.shop.example.org/healthz",
        "                  - http://127.0.0.1:8080/ready",
        "              - name: production",
        "                approval:",
        "                  mode: manual",
        "                  min_approvers: 2",
        "                confirm: dangerous",
      ].join("\n"),
    );
    expect(exported).toMatch(/service: web-staging\n\s+environment: staging/);
    expect(exported).toMatch(/service: web\n\s+environment: production/);
    expect((await previewImport(actorFor(admin), exported)).changes).toEqual([]);
    expect((await previewImport(actorFor(admin), file(ENVS, TARGETS))).changes).toEqual([]);
  });

  test("saves that do not send stages (an API client, an older form) keep the rule's stages and the target's stage", async () => {
    const db = getDb();
    const rule = await db.deploymentRule.findFirstOrThrow({ where: { branch: "main", buildRule: { repository: { name: "example/shop" } } } });
    await saveDeploymentRule(actorFor(admin), { id: rule.id, branch: "main", image: "127.0.0.1:5000/shop/web:main", approval_mode: "automatic" });
    expect((await db.environment.findMany({ where: { deploymentRuleId: rule.id }, orderBy: { position: "asc" } })).map((e) => e.name)).toEqual(["staging", "production"]);
    const web = await db.target.findFirstOrThrow({ where: { name: "swarm/web" } });
    await saveTarget(actorFor(admin), { id: web.id, name: "swarm/web", context: "swarm", service: "web", health_url: "https://shop.example.org/healthz" });
    const after = await db.target.findUniqueOrThrow({ where: { id: web.id }, include: { environment: { select: { name: true } } } });
    expect([after.healthUrl, after.environment?.name]).toEqual(["https://shop.example.org/healthz", "production"]);
    // the file still says what the rows hold, apart from the health URL set in the form
    const plan = await previewImport(actorFor(admin), file(ENVS, TARGETS));
    expect(plan.changes.map((c) => `${c.action} ${c.label} [${c.fields.join(",")}]`)).toEqual(["update target swarm/web [health_url]"]);
    await importInventory(actorFor(admin), file(ENVS, TARGETS));
  });

  test("reordering the stages is an update of the deployment rule; the stages keep their targets", async () => {
    const swapped = `              - name: production
                approval:
                  mode: manual
                  min_approvers: 2
                confirm: dangerous
              - name: staging
                soak: 30m
                checks:
                  - https://staging.shop.example.org/healthz
                  - http://127.0.0.1:8080/ready`;
    const plan = await previewImport(actorFor(admin), file(swapped, TARGETS));
    expect(plan.changes.map((c) => `${c.action} ${c.label} [${c.fields.join(",")}]`)).toEqual(["update deployment of branch main (example/shop, Dockerfile) [environments]"]);
    const ids = Object.fromEntries((await getDb().environment.findMany()).map((e) => [e.name, e.id]));
    await importInventory(actorFor(admin), file(swapped, TARGETS));
    const envs = await getDb().environment.findMany({ orderBy: { position: "asc" } });
    expect(envs.map((e) => [e.name, e.position, e.id])).toEqual([
      ["production", 0, ids.production],
      ["staging", 1, ids.staging],
    ]);
    expect((await getDb().target.findFirstOrThrow({ where: { name: "swarm/web" } })).environmentId).toBe(ids.production);
    await importInventory(actorFor(admin), file(ENVS, TARGETS));
  });

  test("a stage removed from the file is deleted, and the target moved out of it follows the branch", async () => {
    const onlyStaging = `              - name: staging
                soak: 30m`;
    const targets = `              - { context: swarm, service: web-staging, environment: staging }
              - { context: swarm, service: web }
              - { context: swarm, service: web-preview }`;
    await importInventory(actorFor(admin), file(onlyStaging, targets));
    const db = getDb();
    expect((await db.environment.findMany()).map((e) => e.name)).toEqual(["staging"]);
    expect((await db.target.findFirstOrThrow({ where: { name: "swarm/web" } })).environmentId).toBeNull();
    expect((await previewImport(actorFor(admin), await exportInventory(actorFor(admin)))).changes).toEqual([]);
    await importInventory(actorFor(admin), file(ENVS, TARGETS));
    expect((await db.environment.findMany({ orderBy: { position: "asc" } })).map((e) => e.name)).toEqual(["staging", "production"]);
  });

  test("a target naming a stage its rule lacks, a stage listed twice and a check URL at a metadata address are refused, nothing written", async () => {
    const unknown = await refused(file(ENVS, TARGETS.replace("environment: production", "environment: prod")));
    expect(unknown).toMatch(/targets\[1\]\.environment.*there is no environment named 'prod' in this deployment's environments \(staging, production\)/);
    const twice = await refused(file(`${ENVS}\n              - name: staging`, TARGETS));
    expect(twice).toMatch(/environments\[2\]\.name.*environment 'staging' is listed twice/);
    const metadata = await refused(file(ENVS.replace("http://127.0.0.1:8080/ready", "http://169.254.169.254/latest/meta-data/"), TARGETS));
    expect(metadata).toMatch(/environments\[0\]\.checks\[1\].*link-local or cloud metadata/);
  });
});
