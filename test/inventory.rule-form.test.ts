// The console's deployment rule form edits the rule's stages (environments) and preview settings: its flat fields
// (environments[i].name …, preview_url …, with the markers edits_environments=1 and edits_preview=1) are stored as
// slipway.yml would store them, each save audited; a reorder keeps the stages' rows (and their targets); removing
// or renaming a stage that a target is in is refused in words; previews can be turned off; bad input is refused at
// the field's path with nothing written; and a caller that sends none of these fields keeps what the rule has.
import { beforeAll, describe, expect, test } from "vitest";
import { getDb } from "@/lib/db";
import { importInventory, previewImport, exportInventory } from "@/lib/services/inventory/config";
import { saveDeploymentRule } from "@/lib/services/inventory/entities";
import { ValidationError } from "@/lib/errors";
import { actorFor, createUser, type TestUser } from "@/test/helpers/fixtures";

let admin: TestUser;
let buildRuleId: string;

const FILE = `version: 1
docker_contexts:
  - { name: swarm, endpoint: "unix:///var/run/docker.sock" }
  - { name: builder, endpoint: "unix:///var/run/docker.sock", role: build }
repos:
  - repo: example/shop
    url: https://git.example.org/example/shop.git
    builds:
      - kind: docker
        deploy:
          - branch: main
            image: registry.example.org/shop/web:main
            environments:
              - { name: staging, soak: 30m }
              - { name: production, approval: { mode: manual, min_approvers: 2 } }
            preview:
              url: https://pr-{number}.preview.example.org
              port: 8080
            targets:
              - { context: swarm, service: web-staging, environment: staging }
              - { context: swarm, service: web, environment: production }
`;

/** The form's fields for a list of stages, as its rows post them. */
function stageFields(stages: Array<Partial<Record<"was" | "name" | "soak" | "checks" | "approval_mode" | "min_approvers" | "approver_role" | "approval_expiry" | "confirm", string>>>) {
  const out: Record<string, string> = { edits_environments: "1" };
  stages.forEach((s, i) => {
    out[`environments[${i}].was`] = s.was ?? "";
    out[`environments[${i}].name`] = s.name ?? "";
    out[`environments[${i}].soak`] = s.soak ?? "";
    out[`environments[${i}].checks`] = s.checks ?? "";
    out[`environments[${i}].approval_mode`] = s.approval_mode ?? "automatic";
    out[`environments[${i}].confirm`] = s.confirm ?? "average";
    for (const k of ["min_approvers", "approver_role", "approval_expiry"] as const) if (s[k] !== undefined) out[`environments[${i}].${k}`] = s[k]!;
  });
  return out;
}

const ruleFields = (id?: string) => ({ ...(id ? { id } : { build_rule_id: buildRuleId }), approval_mode: "automatic", confirm: "average" });

async function ruleOf(branch: string) {
  return getDb().deploymentRule.findFirstOrThrow({ where: { branch, buildRuleId }, include: { environments: { orderBy: { position: "asc" } }, previewContext: { select: { name: true } } } });
}

/** Everything a save could write. */
async function state() {
  const db = getDb();
  return {
    rules: await db.deploymentRule.findMany({ orderBy: { branch: "asc" }, omit: { updatedAt: true } }),
    environments: await db.environment.findMany({ orderBy: [{ deploymentRuleId: "asc" }, { position: "asc" }], omit: { updatedAt: true } }),
    targets: await db.target.findMany({ orderBy: { name: "asc" }, select: { name: true, environmentId: true } }),
    audit: await db.auditEvent.count(),
  };
}

async function refused(raw: Record<string, unknown>): Promise<string> {
  const before = await state();
  const err = await saveDeploymentRule(actorFor(admin), raw).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ValidationError);
  expect(await state()).toEqual(before);
  return (err as ValidationError).issues.map((i) => `${i.path}: ${i.message}`).join("\n");
}

async function lastAudit() {
  return getDb().auditEvent.findFirstOrThrow({ orderBy: { id: "desc" } });
}

beforeAll(async () => {
  admin = await createUser("admin", { login: "rule-form-admin" });
  await importInventory(actorFor(admin), FILE);
  buildRuleId = (await getDb().buildRule.findFirstOrThrow({ where: { repository: { name: "example/shop" } } })).id;
});

describe("the deployment rule form's stages and previews", () => {
  test("a new rule saved with stages and preview settings stores them: the stages in order, the preview columns; audited", async () => {
    const audit = await getDb().auditEvent.count();
    await saveDeploymentRule(actorFor(admin), {
      ...ruleFields(),
      branch: "next",
      image: "registry.example.org/shop/web:next",
      ...stageFields([
        { name: "qa", soak: "1h30m", checks: "https://qa.example.org/healthz\nhttps://qa.example.org/ready" },
        { name: "live", approval_mode: "manual", min_approvers: "2", approver_role: "admin", approval_expiry: "1d", confirm: "dangerous" },
      ]),
      edits_preview: "1",
      preview_enabled: "on",
      preview_context: "swarm",
      preview_url: "https://pr-{number}.next.example.org",
      preview_labels: "traefik.enable=true\ntraefik.http.routers.{service}.rule=Host(`{host}`)",
      preview_port: "3000",
      preview_network: "proxy",
      preview_ttl_hours: "12",
      preview_max_concurrent: "2",
    });
    const rule = await ruleOf("next");
    expect(rule.environments.map((e) => [e.name, e.position, e.soakSeconds, e.checkUrls, e.approvalMode, e.minApprovers, e.approverRole, e.approvalExpirySeconds, e.confirmLevel])).toEqual([
      ["qa", 0, 5400, ["https://qa.example.org/healthz", "https://qa.example.org/ready"], "automatic", 1, "operator", null, "average"],
      ["live", 1, 0, [], "manual", 2, "admin", 86400, "dangerous"],
    ]);
    expect(rule).toMatchObject({
      previewEnabled: true,
      previewContext: { name: "swarm" },
      previewUrl: "https://pr-{number}.next.example.org",
      previewLabels: ["traefik.enable=true", "traefik.http.routers.{service}.rule=Host(`{host}`)"],
      previewPort: 3000,
      previewNetwork: "proxy",
      previewTtlHours: 12,
      previewMaxConcurrent: 2,
    });
    expect(await getDb().auditEvent.count()).toBe(audit + 1);
    const event = await lastAudit();
    expect([event.action, event.subjectId]).toEqual(["deployment_rule.created", rule.id]);
    expect((event.after as { environments: { name: string }[] }).environments.map((e) => e.name)).toEqual(["qa", "live"]);
    // what the form stored is what slipway.yml says: the export imports again with no change
    expect((await previewImport(actorFor(admin), await exportInventory(actorFor(admin)))).changes).toEqual([]);
  });

  test("an edit that reorders, adds and removes stages keeps the rows of the stages it keeps; audited as an update", async () => {
    const before = await ruleOf("next");
    const ids = Object.fromEntries(before.environments.map((e) => [e.name, e.id]));
    await saveDeploymentRule(actorFor(admin), {
      ...ruleFields(before.id),
      branch: "next",
      image: "registry.example.org/shop/web:next",
      ...stageFields([{ was: "live", name: "live", approval_mode: "manual", min_approvers: "2", approver_role: "admin", approval_expiry: "1d", confirm: "dangerous" }, { name: "canary", soak: "10m" }]),
    });
    const rule = await ruleOf("next");
    expect(rule.environments.map((e) => [e.name, e.position, e.soakSeconds])).toEqual([
      ["live", 0, 0],
      ["canary", 1, 600],
    ]);
    expect(rule.environments[0]!.id).toBe(ids.live);
    expect(await getDb().environment.count({ where: { id: ids.qa } })).toBe(0);
    const event = await lastAudit();
    expect([event.action, event.subjectId, event.summary]).toEqual(["deployment_rule.updated", rule.id, expect.stringContaining("environments")]);
    // the previews were not posted (no edits_preview): kept
    expect(rule.previewEnabled).toBe(true);

    // an empty list with the marker: no stages
    await saveDeploymentRule(actorFor(admin), { ...ruleFields(rule.id), branch: "next", image: "registry.example.org/shop/web:next", edits_environments: "1" });
    expect((await ruleOf("next")).environments).toEqual([]);
  });

  test("reordering stages that targets are in keeps each target in its stage", async () => {
    const rule = await ruleOf("main");
    const ids = Object.fromEntries(rule.environments.map((e) => [e.name, e.id]));
    const prod = { was: "production", name: "production", approval_mode: "manual", min_approvers: "2" };
    await saveDeploymentRule(actorFor(admin), { ...ruleFields(rule.id), branch: "main", image: rule.image!, ...stageFields([prod, { was: "staging", name: "staging", soak: "30m" }]) });
    const after = await ruleOf("main");
    expect(after.environments.map((e) => [e.name, e.id])).toEqual([
      ["production", ids.production],
      ["staging", ids.staging],
    ]);
    const web = await getDb().target.findFirstOrThrow({ where: { name: "swarm/web" } });
    expect(web.environmentId).toBe(ids.production);
    await saveDeploymentRule(actorFor(admin), { ...ruleFields(rule.id), branch: "main", image: rule.image!, ...stageFields([{ was: "staging", name: "staging", soak: "30m" }, prod]) });
    expect((await ruleOf("main")).environments.map((e) => e.name)).toEqual(["staging", "production"]);
  });

  test("removing a stage a target is in is refused in words, naming the target; nothing is written", async () => {
    const rule = await ruleOf("main");
    const base = { ...ruleFields(rule.id), branch: "main", image: rule.image! };
    const removed = await refused({ ...base, ...stageFields([{ was: "staging", name: "staging", soak: "30m" }]) });
    expect(removed).toBe(
      "environments: target swarm/web is in stage 'production': removing it would leave it in no stage, deployed on every push to the branch. Move it to another stage (Edit target → Environment) first, or keep the stage",
    );
    const none = await refused({ ...base, edits_environments: "1" });
    expect(none).toMatch(/^environments: target swarm\/web-staging is in stage 'staging': .*; target swarm\/web is in stage 'production': /);
    // a rename claims the name of a stage with targets, which then goes: refused the same
    const claimed = await refused({ ...base, ...stageFields([{ was: "staging", name: "production" }]) });
    expect(claimed).toMatch(/^environments: target swarm\/web is in stage 'production': removing it/);
    // an API client sending the list itself is held to the same
    const api = await refused({ ...base, environments: [{ name: "staging" }] });
    expect(api).toMatch(/target swarm\/web is in stage 'production'/);
  });

  test("renaming a stage in the form keeps its row, so the targets in it stay there; two stages may trade names", async () => {
    const rule = await ruleOf("main");
    const ids = Object.fromEntries(rule.environments.map((e) => [e.name, e.id]));
    const base = { ...ruleFields(rule.id), branch: "main", image: rule.image! };
    await saveDeploymentRule(actorFor(admin), { ...base, ...stageFields([{ was: "staging", name: "staging", soak: "30m" }, { was: "production", name: "prod", approval_mode: "manual", min_approvers: "2" }]) });
    expect((await ruleOf("main")).environments.map((e) => [e.name, e.id])).toEqual([
      ["staging", ids.staging],
      ["prod", ids.production],
    ]);
    const web = await getDb().target.findFirstOrThrow({ where: { name: "swarm/web" }, include: { environment: { select: { name: true } } } });
    expect(web.environment?.name).toBe("prod");
    const event = await lastAudit();
    expect(event.action).toBe("deployment_rule.updated");
    expect((event.before as { environments: { name: string }[] }).environments.map((e) => e.name)).toEqual(["staging", "production"]);
    expect((event.after as { environments: { name: string }[] }).environments.map((e) => e.name)).toEqual(["staging", "prod"]);

    // trading names: each row keeps its targets under its new name
    await saveDeploymentRule(actorFor(admin), { ...base, ...stageFields([{ was: "prod", name: "staging", approval_mode: "manual", min_approvers: "2" }, { was: "staging", name: "prod", soak: "30m" }]) });
    const traded = await ruleOf("main");
    expect(traded.environments.map((e) => [e.name, e.id])).toEqual([
      ["staging", ids.production],
      ["prod", ids.staging],
    ]);
    // back as the file has it
    await saveDeploymentRule(actorFor(admin), {
      ...base,
      ...stageFields([{ was: "prod", name: "staging", soak: "30m" }, { was: "staging", name: "production", approval_mode: "manual", min_approvers: "2" }]),
    });
    const back = await ruleOf("main");
    expect(back.environments.map((e) => [e.name, e.id])).toEqual([
      ["staging", ids.staging],
      ["production", ids.production],
    ]);
    // the rule is as the file says again (the file does not list the rule for branch next, hence no other check)
    expect((await previewImport(actorFor(admin), FILE)).changes.filter((c) => c.action === "update")).toEqual([]);
  });

  test("turning previews off stores previewEnabled false and keeps the settings shown; unticked with nothing set clears them", async () => {
    const rule = await ruleOf("main");
    const base = { ...ruleFields(rule.id), branch: "main", image: rule.image!, edits_preview: "1" };
    await saveDeploymentRule(actorFor(admin), { ...base, preview_url: "https://pr-{number}.preview.example.org", preview_port: "8080", preview_ttl_hours: "72", preview_max_concurrent: "5", preview_context: "", preview_labels: "", preview_network: "" });
    expect(await ruleOf("main")).toMatchObject({ previewEnabled: false, previewUrl: "https://pr-{number}.preview.example.org", previewPort: 8080 });
    const event = await lastAudit();
    expect([event.action, event.summary]).toEqual(["deployment_rule.updated", expect.stringContaining("preview")]);

    await saveDeploymentRule(actorFor(admin), base);
    expect(await ruleOf("main")).toMatchObject({ previewEnabled: false, previewUrl: null, previewPort: null, previewLabels: [], previewTtlHours: 72, previewMaxConcurrent: 5 });

    // and on again: the rule's first swarm target gives the context when none is chosen
    await saveDeploymentRule(actorFor(admin), { ...base, preview_enabled: "on", preview_context: "", preview_url: "https://pr-{number}.preview.example.org" });
    expect(await ruleOf("main")).toMatchObject({ previewEnabled: true, previewContextId: null, previewUrl: "https://pr-{number}.preview.example.org" });
  });

  test("bad input is refused at the field's path, nothing written: a URL without {number}, a slipway.* label, a stage listed twice, a build-only context", async () => {
    const rule = await ruleOf("main");
    const base = { ...ruleFields(rule.id), branch: "main", image: rule.image! };
    const preview = { edits_preview: "1", preview_enabled: "on" };
    expect(await refused({ ...base, ...preview, preview_url: "https://preview.example.org" })).toMatch(/^preview\.url: must contain \{number\}/);
    expect(await refused({ ...base, ...preview, preview_labels: "traefik.enable=true\nslipway.preview=mine" })).toMatch(/^preview\.labels\[1\]: slipway\.\* labels are Slipway's own/);
    expect(await refused({ ...base, ...preview, preview_context: "builder" })).toMatch(/^preview\.context: context 'builder' is a build host only/);
    const twice = await refused({ ...base, ...stageFields([{ was: "staging", name: "staging" }, { was: "production", name: "staging" }]) });
    expect(twice).toMatch(/^environments\[1\]\.name: environment 'staging' is listed twice/);
    const approvers = await refused({ ...base, ...stageFields([{ was: "staging", name: "staging" }, { was: "production", name: "production", approval_mode: "manual", min_approvers: "11" }]) });
    expect(approvers).toMatch(/^environments\[1\]\.approval\.min_approvers: must be at most 10/);
    const soak = await refused({ ...base, ...stageFields([{ was: "staging", name: "staging", soak: "soon" }, { was: "production", name: "production" }]) });
    expect(soak).toMatch(/^environments\[0\]\.soak: must be a duration/);
  });

  test("a save without these fields (an API client, an older form) keeps the rule's stages and previews", async () => {
    const rule = await ruleOf("main");
    const before = { environments: rule.environments.map((e) => [e.id, e.name, e.position]), preview: [rule.previewEnabled, rule.previewUrl] };
    await saveDeploymentRule(actorFor(admin), { ...ruleFields(rule.id), branch: "main", image: rule.image!, confirm: "above_average" });
    const after = await ruleOf("main");
    expect({ environments: after.environments.map((e) => [e.id, e.name, e.position]), preview: [after.previewEnabled, after.previewUrl] }).toEqual(before);
    expect(after.confirmLevel).toBe("above_average");
    const event = await lastAudit();
    expect([event.action, event.summary]).toEqual(["deployment_rule.updated", expect.stringMatching(/changed: confirm$/)]);
  });
});
