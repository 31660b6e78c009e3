// console-layout: every console page, with data present (e2e/support/console-data.ts: long repository,
// image and host names, failed builds and deployments with long reasons, a pinned target with a newer release
// waiting), at 1280×800 and 1920×1080: the page never scrolls sideways, no table is cut off inside its frame,
// and a screenshot of each lands in test-results/artifacts/ for a person to look at. The Hosts page counts the
// targets on each host's docker contexts as well as those on the host itself. Failing states (a page that does
// not exist, a filter that matches nothing, a host whose test failed) are looked at the same way.
import { mkdirSync } from "node:fs";
import { test, expect, type Page } from "@playwright/test";
import { signInWithGitHub } from "./support/login";
import { retireConsole, seedConsole, type ConsoleData } from "./support/console-data";

test.describe.configure({ mode: "serial" });

const SIZES = [
  { width: 1280, height: 800 },
  { width: 1920, height: 1080 },
] as const;

let data: ConsoleData;

interface Overflow {
  scrollWidth: number;
  innerWidth: number;
  /** tables (and other sideways-scrolling frames) whose content is wider than the frame */
  cut: { what: string; scrollWidth: number; clientWidth: number }[];
}

/** What sticks out sideways: the document, and each table's scrolling frame inside main. */
async function overflow(page: Page): Promise<Overflow> {
  return page.evaluate(() => {
    const cut: Overflow["cut"] = [];
    const seen = new Set<Element>();
    for (const table of Array.from(document.querySelectorAll("main table"))) {
      // the frame that clips or scrolls it: the nearest ancestor whose overflow-x is not visible (a table
      // nested in another one, as the audit log's change view, has the outer table's frame: counted once)
      let frame: HTMLElement | null = table.parentElement;
      while (frame && frame.tagName !== "MAIN" && getComputedStyle(frame).overflowX === "visible") frame = frame.parentElement;
      if (!frame || frame.tagName === "MAIN" || seen.has(frame)) continue;
      seen.add(frame);
      if (frame.scrollWidth > frame.clientWidth + 1) {
        const caption = table.querySelector("caption")?.textContent?.trim();
        cut.push({ what: `table "${caption ?? table.getAttribute("aria-label") ?? "?"}"`, scrollWidth: frame.scrollWidth, clientWidth: frame.clientWidth });
      }
    }
    return { scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth, cut };
  });
}

/** `ready`: words the page shows once rendered, for pages without a heading role (a missing build's page) */
async function look(page: Page, name: string, path: string, ready?: string) {
  for (const size of SIZES) {
    await page.setViewportSize(size);
    await page.goto(path);
    await expect(ready ? page.locator("main").getByText(ready) : page.locator("main h1").first()).toBeVisible();
    const o = await overflow(page);
    expect.soft(o.scrollWidth, `${path} at ${size.width}×${size.height} scrolls sideways`).toBeLessThanOrEqual(o.innerWidth);
    expect.soft(o.cut, `${path} at ${size.width}×${size.height}: tables cut off inside their frame`).toEqual([]);
    await page.screenshot({ path: `test-results/artifacts/layout-${name}-${size.width}.png`, fullPage: true });
  }
}

test.beforeAll(() => {
  mkdirSync("test-results/artifacts", { recursive: true });
});

test.afterAll(async () => {
  await retireConsole(data);
});

test("seeding: the console has data to show, and alice has signed in", async ({ page }) => {
  await signInWithGitHub(page, "alice");
  data = await seedConsole();
  expect(data.targets.web.id).toBeTruthy();
});

test("every console page fits 1280×800 and 1920×1080 with data present", async ({ page }) => {
  test.setTimeout(300_000);
  await signInWithGitHub(page, "alice");
  const pages: [string, string][] = [
    ["dashboard", "/"],
    ["approvals", "/approvals"],
    ["audit", "/audit"],
    ["builds", "/builds"],
    ["build-failed", `/builds/${data.builds.failed}`],
    ["build", `/builds/${data.builds.newest}`],
    ["contexts", "/contexts"],
    ["context", `/contexts/${data.contexts.manager.id}`],
    ["deployments", "/deployments"],
    ["deployment-failed", `/deployments/${data.deployments.failed}`],
    ["deployment-pending", `/deployments/${data.deployments.pending}`],
    ["hosts", "/hosts"],
    ["host", `/hosts/${data.hosts.swarm.id}`],
    ["release", `/releases/${data.releases.newest}`],
    ["repositories", "/repositories"],
    ["repository", `/repositories/${data.repository.id}`],
    ["services", "/services"],
    ["targets", "/targets"],
    ["target-pinned", `/targets/${data.targets.web.id}`],
    ["target-unikernel", `/targets/${data.targets.www.id}`],
    ["settings", "/settings"],
    ["settings-apps", "/settings/apps"],
    ["settings-config", "/settings/config"],
    ["settings-deployer-key", "/settings/deployer-key"],
    ["settings-deployments", "/settings/deployments"],
    ["settings-notifications", "/settings/notifications"],
    ["settings-registries", "/settings/registries"],
    ["settings-secrets", "/settings/secrets"],
    ["settings-users", "/settings/users"],
    ["settings-workers", "/settings/workers"],
  ];
  for (const [name, path] of pages) await look(page, name, path);
});

test("failing and empty states fit too: a missing page, a filter that matches nothing", async ({ page }) => {
  await signInWithGitHub(page, "alice");
  await look(page, "build-missing", "/builds/e2e-no-such-build", "There is no such build");
  await look(page, "builds-none", `/builds?repository=${encodeURIComponent("nobody/nothing")}`);
  await look(page, "audit-none", "/audit?actor=nobody-at-all");
  await look(page, "audit-invalid", "/audit?from=yesterday");
});

test("the Hosts page counts the targets on each host, through its docker contexts too", async ({ page }) => {
  await signInWithGitHub(page, "alice");
  await page.goto("/hosts");
  const table = page.getByRole("table", { name: "Hosts, by name" });
  const count = async (host: string) => {
    const row = table.getByRole("row").filter({ has: page.getByRole("link", { name: host, exact: true }) });
    await expect(row).toHaveCount(1);
    const headers = await table.getByRole("columnheader").allTextContents();
    return (await row.getByRole("cell").nth(headers.findIndex((h) => /^targets$/i.test(h.trim())) - 1).textContent())?.trim();
  };
  // three services on the swarm host's two contexts, a unikernel on the unikernel host, nothing on the spare
  expect(await count(data.hosts.swarm.name)).toBe("3");
  expect(await count(data.hosts.unikernel.name)).toBe("1");
  expect(await count(data.hosts.idle.name)).toBe("0");

  await page.goto(`/hosts/${data.hosts.swarm.id}`);
  const used = page.getByRole("region", { name: "Used by" });
  await expect(used).toContainText("3 targets and 2 docker contexts use this host.");
  const list = used.getByRole("list", { name: `Targets on ${data.hosts.swarm.name}` });
  for (const t of [data.targets.web, data.targets.api, data.targets.worker]) await expect(list.getByRole("link", { name: t.name, exact: true })).toHaveAttribute("href", `/targets/${t.id}`);
  await expect(list).toContainText(`on context ${data.contexts.manager.name}`);
});
