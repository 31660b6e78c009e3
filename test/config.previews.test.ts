// slipway.yml's `preview:` on a deployment rule: imported into the rule's columns, exported back the same (an
// empty diff), kept when a save of the rule sends no preview settings (an API client, a unikernel rule's form), and refused in
// words, with the key's path, when it cannot work; nothing is written then.
import { beforeAll, describe, expect, test } from "vitest";
import { getDb } from "@/lib/db";
import { exportInventory, importInventory, previewImport } from "@/lib/services/inventory/config";
import { saveDeploymentRule } from "@/lib/services/inventory/entities";
import { ValidationError } from "@/lib/errors";
import { previewLabelsFor } from "@/lib/validation/previews";
import { actorFor, createUser, type TestUser } from "@/test/helpers/fixtures";

let admin: TestUser;

const doc = (preview: string) => `
docker_contexts:
  - { name: prod, endpoint: "unix:///var/run/docker.sock" }
  - { name: builder, endpoint: "unix:///var/run/docker.sock", role: build }
repos:
  - repo: acme/shop
    url: https://git.example.org/acme/shop.git
    builds:
      - dockerfile: Dockerfile
        deploy:
          - branch: main
            image: registry.example.org/acme/shop:main
            targets: [{ context: prod, service: shop }]
${preview}`;

const traefik = `            preview:
              url: https://pr-{number}.preview.example.com
              port: 8080
              network: traefik-public
              labels:
                - traefik.enable=true
                - traefik.http.routers.{service}.rule=Host(\`{host}\`)
                - traefik.http.services.{service}.loadbalancer.server.port={port}
              ttl_hours: 24
              max_concurrent: 3
`;

beforeAll(async () => {
  admin = await createUser("admin", { login: "preview-admin" });
});

async function refused(text: string): Promise<Array<{ path: string; message: string }>> {
  const before = await exportInventory(actorFor(admin));
  const err = await importInventory(actorFor(admin), text).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ValidationError);
  expect(await exportInventory(actorFor(admin))).toBe(before);
  return (err as ValidationError).issues.map((i) => ({ path: String(i.path), message: i.message }));
}

describe("slipway.yml preview settings", () => {
  test("import sets the rule's preview columns; export writes them back and re-importing changes nothing", async () => {
    await importInventory(actorFor(admin), doc(traefik));
    const rule = await getDb().deploymentRule.findFirstOrThrow({ where: { branch: "main", image: "registry.example.org/acme/shop:main" } });
    expect(rule).toMatchObject({
      previewEnabled: true,
      previewContextId: null,
      previewUrl: "https://pr-{number}.preview.example.com",
      previewPort: 8080,
      previewNetwork: "traefik-public",
      previewTtlHours: 24,
      previewMaxConcurrent: 3,
      previewLabels: ["traefik.enable=true", "traefik.http.routers.{service}.rule=Host(`{host}`)", "traefik.http.services.{service}.loadbalancer.server.port={port}"],
    });
    const exported = await exportInventory(actorFor(admin));
    expect(exported).toContain("preview:");
    expect(exported).toContain("url: https://pr-{number}.preview.example.com");
    expect(exported).toContain("max_concurrent: 3");
    expect((await previewImport(actorFor(admin), exported)).changes).toEqual([]);
    // the labels as a preview's service gets them
    expect(previewLabelsFor(rule.previewLabels, { ruleId: rule.id, prNumber: 12, service: "shop-pr-12", url: "https://pr-12.preview.example.com", port: 8080 })).toEqual({
      "traefik.enable": "true",
      "traefik.http.routers.shop-pr-12.rule": "Host(`pr-12.preview.example.com`)",
      "traefik.http.services.shop-pr-12.loadbalancer.server.port": "8080",
      "slipway.preview": rule.id,
      "slipway.preview.pr": "12",
    });
  });

  test("saving the rule without preview settings (an API client, an older form) keeps them", async () => {
    const rule = await getDb().deploymentRule.findFirstOrThrow({ where: { image: "registry.example.org/acme/shop:main" } });
    await saveDeploymentRule(actorFor(admin), { id: rule.id, branch: "main", image: "registry.example.org/acme/shop:main", approval_mode: "manual" });
    const after = await getDb().deploymentRule.findUniqueOrThrow({ where: { id: rule.id } });
    expect(after).toMatchObject({ approvalMode: "manual", previewEnabled: true, previewMaxConcurrent: 3, previewUrl: "https://pr-{number}.preview.example.com" });
  });

  test("a preview naming a context, then without one: the column follows the file", async () => {
    await importInventory(actorFor(admin), doc(traefik.replace("              port: 8080\n", "              port: 8080\n              context: prod\n")));
    const withContext = await getDb().deploymentRule.findFirstOrThrow({ where: { image: "registry.example.org/acme/shop:main" }, include: { previewContext: true } });
    expect(withContext.previewContext?.name).toBe("prod");
    await importInventory(actorFor(admin), doc(""));
    const off = await getDb().deploymentRule.findUniqueOrThrow({ where: { id: withContext.id } });
    expect([off.previewEnabled, off.previewContextId, off.previewUrl, off.previewLabels]).toEqual([false, null, null, []]);
    expect(await exportInventory(actorFor(admin))).not.toContain("preview:");
  });

  test("what cannot work is refused with the key's path, in words, and nothing is written", async () => {
    const issues = await refused(
      doc(`            preview:
              url: https://preview.example.com
              context: builder
              labels: ["traefik.enable", "slipway.preview=x", "a.b={nope}"]
              max_concurrent: 0
`),
    );
    const at = (suffix: string) => issues.filter((i) => i.path.endsWith(suffix)).map((i) => i.message).join(" | ");
    expect(at("preview.url")).toMatch(/must contain \{number\} so that each pull request gets its own address/);
    expect(at("preview.labels[0]")).toMatch(/must be KEY=VALUE/);
    expect(at("preview.labels[1]")).toMatch(/slipway\.\* labels are Slipway's own/);
    expect(at("preview.labels[2]")).toMatch(/names \{nope\}; the placeholders are/);
    expect(at("preview.max_concurrent")).toMatch(/at least 1/);
    const ctx = await refused(doc(traefik.replace("              port: 8080\n", "              port: 8080\n              context: builder\n")));
    expect(ctx.find((i) => i.path.endsWith("preview.context"))?.message).toMatch(/is a build host only; previews run on a swarm manager/);
  });
});
