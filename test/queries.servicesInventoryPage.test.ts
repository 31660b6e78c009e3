// lib/queries/services-page.ts servicesInventoryPage (the /services page): the database picks a page of
// repositories in the page's order (by app, those without one last, then by name), after the cursor's
// repository; the pages together list each repository once, grouped by app, with the whole inventory's counts
// on every page; a cursor that is gone, archived or the last repository starts from the top.
import { beforeAll, describe, expect, test } from "vitest";
import { getDb } from "@/lib/db";
import { servicesInventoryPage } from "@/lib/queries/services-page";
import { servicesInventory } from "@/lib/queries/services-inventory";

const ids: Record<string, string> = {};

beforeAll(async () => {
  const db = getDb();
  const beta = await db.githubApp.create({ data: { name: "sip-beta" } });
  const alpha = await db.githubApp.create({ data: { name: "sip-alpha" } });
  const repos: [string, string | null][] = [
    ["acme/b2", beta.id],
    ["acme/a1", alpha.id],
    ["acme/b1", beta.id],
    ["plain-z", null],
    ["acme/a2", alpha.id],
    ["plain-y", null],
    ["acme/a3", alpha.id],
  ];
  for (const [name, appId] of repos) {
    const r = await db.repository.create({ data: { name, provider: appId ? "github" : "git", appId, url: `https://git.example.test/${name}.git` } });
    ids[name] = r.id;
  }
  // a3: two build rules, one deploying to two targets (one archived), one not deployed
  const rule = await db.buildRule.create({ data: { repositoryId: ids["acme/a3"]!, name: "Dockerfile", kind: "docker" } });
  await db.buildRule.create({ data: { repositoryId: ids["acme/a3"]!, name: "docs", kind: "docker" } });
  const dr = await db.deploymentRule.create({ data: { buildRuleId: rule.id, branch: "live", image: "127.0.0.1:5000/acme/a3:live" } });
  const ctx = await db.dockerContext.create({ data: { name: "sip-swarm", endpoint: "unix:///var/run/sip.sock", role: "swarm_manager" } });
  await db.target.create({ data: { deploymentRuleId: dr.id, name: "sip-a3-live", kind: "swarm_service", service: "a3", dockerContextId: ctx.id } });
  await db.target.create({ data: { deploymentRuleId: dr.id, name: "sip-a3-old", kind: "swarm_service", service: "a3old", dockerContextId: ctx.id, archivedAt: new Date() } });
  // archived: never listed, not counted
  await db.repository.create({ data: { name: "acme/a0", provider: "github", appId: alpha.id, url: "https://git.example.test/acme/a0.git", archivedAt: new Date() } });
});

const names = (p: Awaited<ReturnType<typeof servicesInventoryPage>>) => p.groups.flatMap((g) => g.repos.map((r) => r.name));

describe("servicesInventoryPage", () => {
  test("walks the inventory in pages that together list each repository once, by app then name, without-app last", async () => {
    const seen: string[] = [];
    const pages = [];
    let after: string | undefined;
    do {
      const p = await servicesInventoryPage({ after, limit: 3 });
      pages.push(p);
      seen.push(...names(p));
      after = p.nextCursor;
    } while (after);
    expect(seen).toEqual(["acme/a1", "acme/a2", "acme/a3", "acme/b1", "acme/b2", "plain-y", "plain-z"]);
    expect(pages.map((p) => [p.from, p.to, p.total])).toEqual([
      [1, 3, 7],
      [4, 6, 7],
      [7, 7, 7],
    ]);
    expect(pages[1]!.groups.map((g) => [g.app, g.repos.length])).toEqual([
      ["sip-beta", 2],
      [null, 1],
    ]);
    expect(pages[2]!.nextCursor).toBeUndefined();
  });

  test("every page carries the whole inventory's counts, the same as the Markdown download's", async () => {
    const whole = await servicesInventory();
    const p = await servicesInventoryPage({ after: ids["acme/b1"], limit: 2 });
    expect(p.counts).toEqual(whole.counts);
    expect(p.counts).toEqual({ repos: 7, builds: 2, deploys: 1, targets: 1, notDeployed: 1 });
  });

  test("a page's repositories come with their rules and targets, archived targets left out", async () => {
    const p = await servicesInventoryPage({ limit: 3 });
    const a3 = p.groups.flatMap((g) => g.repos).find((r) => r.name === "acme/a3");
    expect(a3?.builds.map((b) => [b.name, b.deploys.flatMap((d) => d.targets.map((t) => t.name))])).toEqual([
      ["Dockerfile", ["sip-a3-live"]],
      ["docs", []],
    ]);
  });

  test("a cursor that is gone, archived, or the last repository starts from the top", async () => {
    const archived = (await getDb().repository.findFirstOrThrow({ where: { name: "acme/a0" } })).id;
    for (const after of ["no-such-repository", archived, ids["plain-z"]]) {
      const p = await servicesInventoryPage({ after, limit: 2 });
      expect(names(p)).toEqual(["acme/a1", "acme/a2"]);
      expect([p.from, p.to, p.nextCursor]).toEqual([1, 2, ids["acme/a2"]]);
    }
  });
});
