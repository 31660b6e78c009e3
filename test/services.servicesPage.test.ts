// A page of the services inventory (lib/queries/services-page.ts): repositories in the page's order (by app,
// then name), cut after the cursor's repository; the pages together list every repository once.
import { describe, expect, it } from "vitest";
import { servicesPage } from "@/lib/queries/services-page";
import type { ServiceRepoRow, ServicesInventory } from "@/lib/queries/services-inventory";

const repo = (id: string): ServiceRepoRow => ({ id, name: id, provider: "github", url: `https://github.com/${id}`, webUrl: null, enabled: true, builds: [] });
const inventory: ServicesInventory = {
  groups: [
    { app: "a", repos: ["a1", "a2", "a3"].map(repo) },
    { app: "b", repos: ["b1", "b2"].map(repo) },
    { app: null, repos: ["p1"].map(repo) },
  ],
  counts: { repos: 6, builds: 0, deploys: 0, targets: 0, notDeployed: 0 },
};

describe("servicesPage", () => {
  it("walks the inventory in pages that together list each repository once, grouped by app", () => {
    const seen: string[] = [];
    let after: string | undefined;
    const pages = [];
    do {
      const p = servicesPage(inventory, after, 4);
      pages.push(p);
      seen.push(...p.groups.flatMap((g) => g.repos.map((r) => r.id)));
      after = p.nextCursor;
    } while (after);
    expect(seen).toEqual(["a1", "a2", "a3", "b1", "b2", "p1"]);
    expect(pages.map((p) => [p.from, p.to, p.total])).toEqual([
      [1, 4, 6],
      [5, 6, 6],
    ]);
    expect(pages[0]!.groups.map((g) => [g.app, g.repos.length])).toEqual([
      ["a", 3],
      ["b", 1],
    ]);
    expect(pages[1]!.groups.map((g) => g.app)).toEqual(["b", null]);
  });

  it("starts from the top when the cursor's repository is gone", () => {
    const p = servicesPage(inventory, "removed", 2);
    expect(p.groups[0]!.repos.map((r) => r.id)).toEqual(["a1", "a2"]);
    expect(p.nextCursor).toBe("a2");
  });
});
