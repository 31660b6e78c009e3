// A target's monitor window is optional: slipway.yml without `monitor` and a form with the field left empty
// store none (a swarm service then waits as long as its own UpdateConfig.Monitor), an explicit value is kept
// as given (10 and 0 included), export writes back exactly what is stored, and out-of-range values are
// refused with their path by import and form alike.
import { beforeAll, describe, expect, test } from "vitest";
import { getDb } from "@/lib/db";
import { ValidationError } from "@/lib/errors";
import { exportInventory, importInventory, previewImport } from "@/lib/services/inventory/config";
import { saveTarget } from "@/lib/services/inventory/entities";
import { actorFor, createUser, type TestUser } from "@/test/helpers/fixtures";

let admin: TestUser;

beforeAll(async () => {
  admin = await createUser("admin", { login: "monitor-admin" });
});

const doc = (targets: string) => `
hosts: [{ name: manager, address: swarm.example.org, user: deploy }]
docker_contexts: [{ name: swarm, endpoint: "ssh://deploy@swarm.example.org" }]
repos:
  - repo: infra/monitored
    url: https://git.example.org/infra/monitored.git
    builds:
      - deploy:
          - branch: live
            image: registry.example.org/monitored:live
            targets:
${targets}
`;

const targets = `              - { name: no-window, context: swarm, service: plain }
              - { name: ten, context: swarm, service: ten, monitor: 10 }
              - { name: zero, context: swarm, service: zero, monitor: 0 }
              - { name: compose-default, context: swarm, compose_project: shop, service: web }`;

const monitorOf = async (name: string) => (await getDb().target.findUniqueOrThrow({ where: { name } })).monitorSeconds;

async function refused(run: () => Promise<unknown>): Promise<ValidationError> {
  const err = await run().then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ValidationError);
  return err as ValidationError;
}

describe("a target's monitor window", () => {
  test("import: a target without `monitor` has none, explicit values (10, 0) are kept; export round-trips them and an empty diff follows", async () => {
    const a = actorFor(admin);
    await importInventory(a, doc(targets));
    expect(await monitorOf("no-window")).toBeNull();
    expect(await monitorOf("compose-default")).toBeNull();
    expect(await monitorOf("ten")).toBe(10);
    expect(await monitorOf("zero")).toBe(0);

    const exported = await exportInventory(a);
    /** a target's lines in the export: from its name to the next list item */
    const block = (name: string) => {
      const rest = exported.slice(exported.indexOf(`name: ${name}\n`));
      const end = rest.search(/\n\s*- /);
      return end < 0 ? rest : rest.slice(0, end);
    };
    expect(block("no-window")).not.toMatch(/monitor/);
    expect(block("compose-default")).not.toMatch(/monitor/);
    expect(block("ten")).toMatch(/monitor: 10\b/);
    expect(block("zero")).toMatch(/monitor: 0\b/);
    expect((await previewImport(a, exported)).changes).toEqual([]);

    // leaving `monitor` out of a target that has one is a change to none, shown by the plan
    const cleared = await previewImport(a, doc(targets.replace(", monitor: 10", "")));
    expect(JSON.stringify(cleared.changes)).toMatch(/monitor/);
    await importInventory(a, doc(targets.replace(", monitor: 10", "")));
    expect(await monitorOf("ten")).toBeNull();
  });

  test("import refuses a window beyond 10 minutes with its path, and writes nothing", async () => {
    const before = await getDb().target.count();
    const err = await refused(() => importInventory(actorFor(admin), doc(`              - { name: too-long, context: swarm, service: long, monitor: 11m }`)));
    expect(err.issues.some((i) => i.path === "repos[0].builds[0].deploy[0].targets[0].monitor")).toBe(true);
    expect(await getDb().target.count()).toBe(before);
  });

  test("the form: an empty field stores no window, a duration is stored in seconds, a bad one is refused on the field", async () => {
    const a = actorFor(admin);
    const rule = await getDb().deploymentRule.findFirstOrThrow({ where: { branch: "live", buildRule: { repository: { name: "infra/monitored" } } } });
    const form = (name: string, monitor: string) => ({ deployment_rule_id: rule.id, name, context: "swarm", service: name, monitor });
    const empty = await saveTarget(a, form("form-empty", ""));
    expect((await getDb().target.findUniqueOrThrow({ where: { id: empty.id } })).monitorSeconds).toBeNull();
    const given = await saveTarget(a, form("form-given", "1m30s"));
    expect((await getDb().target.findUniqueOrThrow({ where: { id: given.id } })).monitorSeconds).toBe(90);
    // editing a target and emptying the field takes its window away again
    await saveTarget(a, { ...form("form-given", "  "), id: given.id });
    expect((await getDb().target.findUniqueOrThrow({ where: { id: given.id } })).monitorSeconds).toBeNull();
    for (const bad of ["11m", "-1", "soon"]) {
      const err = await refused(() => saveTarget(a, form(`form-bad-${bad.length}`, bad)));
      expect(err.issues.map((i) => i.path), bad).toContain("monitor");
    }
  });
});
