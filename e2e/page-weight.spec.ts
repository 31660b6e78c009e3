// page-weight: at a realistic size (e2e/support/weight-data.ts: 100 repositories with their build rules,
// deployment rules and some 500 targets, builds, releases and deployments, 60 audit events with inventory-sized
// before/after), every console page as a signed-in admin gets it, the HTML document with the RSC payload inlined
// in it, weighs less than 300 KB, and loads less than 250 kB of JavaScript (gzipped, what a first visit fetches:
// the scripts the document names). Sizes, not times: the figures are printed, and the budget is the assertion.
// Also what the savings rest on: the Audit list's bounded preview links to the event's own page with its whole
// before/after and hash, and the Services and Targets pages go on to further pages with the rest.
import { gzipSync } from "node:zlib";
import { test, expect, type APIRequestContext } from "@playwright/test";
import { signInWithGitHub } from "./support/login";
import { query } from "./support/db";
import { seedWeight, type WeightData } from "./support/weight-data";

test.describe.configure({ mode: "serial" });

const PAGE_BUDGET = 300 * 1000;
const JS_BUDGET = 250 * 1000;

let data: WeightData | undefined;

function pages(d: WeightData): [string, string][] {
  return [
    ["dashboard", "/"],
    ["builds", "/builds"],
    ["build", `/builds/${d.build}`],
    ["deployments", "/deployments"],
    ["deployment", `/deployments/${d.deployment}`],
    ["targets", "/targets"],
    ["target", `/targets/${d.target}`],
    ["approvals", "/approvals"],
    ["dora", "/dora?period=90"],
    ["audit", "/audit"],
    ["audit event", `/audit/${d.auditEvent}`],
    ["services", "/services"],
    ["repositories", "/repositories"],
    ["repository", `/repositories/${d.repository}`],
    ["release", `/releases/${d.release}`],
    ["hosts", "/hosts"],
    ["host", `/hosts/${d.host}`],
    ["contexts", "/contexts"],
    ["context", `/contexts/${d.context}`],
    ["settings", "/settings"],
    ["users", "/settings/users"],
    ["apps", "/settings/apps"],
    ["registries", "/settings/registries"],
    ["secrets", "/settings/secrets"],
    ["notifications", "/settings/notifications"],
    ["deployer key", "/settings/deployer-key"],
    ["config", "/settings/config"],
    ["approval level", "/settings/deployments"],
    ["workers", "/settings/workers"],
  ];
}

const kb = (n: number) => `${(n / 1000).toFixed(1)} kB`;

/**
 * The scripts a document loads (its <script src>, but not the noModule polyfills a current browser skips),
 * gzipped as a server would send them, summed: what Next.js has called a route's first-load JS.
 */
const scriptSizes = new Map<string, number>();
async function firstLoadJs(request: APIRequestContext, html: string): Promise<number> {
  let total = 0;
  for (const [tag, src] of html.matchAll(/<script[^>]*\ssrc="([^"]+)"[^>]*>/g)) {
    if (!src!.startsWith("/_next/") || /\snomodule/i.test(tag)) continue;
    if (!scriptSizes.has(src!)) {
      const res = await request.get(src!);
      expect(res.status(), src).toBe(200);
      scriptSizes.set(src!, gzipSync(await res.body()).length);
    }
    total += scriptSizes.get(src!)!;
  }
  return total;
}

test("every console page stays under 300 KB and 250 kB of first-load JS at 100 repositories and 60 audit events", async ({ page }) => {
  test.setTimeout(180_000);
  await signInWithGitHub(page, "alice");
  data = await seedWeight();
  const rows: string[] = [];
  const over: string[] = [];
  for (const [name, path] of pages(data)) {
    const res = await page.request.get(path);
    expect(res.status(), path).toBe(200);
    const html = await res.text();
    // a page that answered with the sign-in page or an error would be light for the wrong reason
    expect(html, path).toContain('id="main"');
    const bytes = Buffer.byteLength(html);
    const js = await firstLoadJs(page.request, html);
    rows.push(`${name.padEnd(16)} ${path.slice(0, 40).padEnd(40)} ${kb(bytes).padStart(9)} (gzip ${kb(gzipSync(html).length).padStart(8)})  JS ${kb(js).padStart(8)}`);
    if (bytes >= PAGE_BUDGET) over.push(`${path}: ${kb(bytes)}`);
    if (js >= JS_BUDGET) over.push(`${path}: first-load JS ${kb(js)}`);
  }
  console.log(
    `page weight at ${data.counts.repos} repositories, ${data.counts.targets} targets, ${data.counts.builds} builds, ${data.counts.deployments} deployments, ${data.counts.auditEvents} audit events (budget ${kb(PAGE_BUDGET)} a page, ${kb(JS_BUDGET)} JS):\n` +
      rows.join("\n"),
  );
  expect(over, "pages over their budget").toEqual([]);
});

test("the Audit list previews each change and links to the event in full", async ({ page }) => {
  test.skip(!data, "needs the seed of the first test");
  await signInWithGitHub(page, "alice");
  await page.goto(`/audit?subjectType=build_rule`);
  const table = page.getByRole("table", { name: /Audit events, newest first/ });
  const row = table.getByRole("row").filter({ hasText: "build args changed" }).first();
  await row.getByText("build args changed").click();
  // the preview: what differs, cut short
  await expect(row.locator("ins").filter({ hasText: "ppc64le" })).toBeVisible();
  await row.getByRole("link", { name: /in full/ }).click();
  await expect(page).toHaveURL(/\/audit\/\d+$/);
  const id = new URL(page.url()).pathname.split("/").pop()!;
  const [event] = await query<{ hash: string; prev_hash: string }>("SELECT hash, prev_hash FROM audit_events WHERE id = $1", [id]);
  await expect(page.getByRole("heading", { name: `Audit event #${id}` })).toBeVisible();
  // everything the list leaves out: every field, the user agent, the hash chain
  await expect(page.getByText("FEATURE_FLAG_11=enabled-for-the-staging-and-live-deployments").first()).toBeAttached();
  await expect(page.getByText(/Chrome\/131/)).toBeVisible();
  await expect(page.getByText(event!.hash)).toBeVisible();
  await expect(page.getByText(event!.prev_hash)).toBeVisible();
  await page.goto("/audit/999999999999");
  await expect(page.getByText("There is no such audit event")).toBeVisible();
});

test("Services and Targets go on to further pages, and the pages together list everything once", async ({ page }) => {
  test.skip(!data, "needs the seed of the first test");
  // some fifteen page loads
  test.setTimeout(240_000);
  const d = data!;
  await signInWithGitHub(page, "alice");
  // Services: every seeded repository appears on exactly one page
  const seen: string[] = [];
  let next: string | null = "/services";
  for (let n = 0; next && n < 20; n++) {
    await page.goto(next);
    // the page streams behind its loading screen: read it once its pager (the last thing it renders) is there
    await expect(page.getByRole("navigation", { name: "Services pages" })).toBeVisible();
    const names = await page.locator("main article h3").allTextContents();
    seen.push(...names.filter((name) => name.startsWith(`weight-${d.suffix}/`)));
    const more = page.getByRole("link", { name: "More repositories →" });
    next = (await more.count()) ? await more.getAttribute("href") : null;
  }
  expect(seen.length).toBe(d.counts.repos);
  expect(new Set(seen).size).toBe(d.counts.repos);
  await expect(page.getByRole("link", { name: "First repositories" })).toBeVisible();

  // Targets: the same
  const targets: string[] = [];
  next = "/targets";
  for (let n = 0; next && n < 40; n++) {
    await page.goto(next);
    await expect(page.getByRole("table", { name: "Targets" })).toBeVisible();
    const names = await page.getByRole("table", { name: "Targets" }).locator("tbody tr td:first-child a").allTextContents();
    targets.push(...names.filter((name) => name.startsWith(`weight-${d.suffix}-`)));
    const more = page.getByRole("link", { name: "More targets →" });
    next = (await more.count()) ? await more.getAttribute("href") : null;
  }
  expect(targets.length).toBe(d.counts.targets);
  expect(new Set(targets).size).toBe(d.counts.targets);
});

// The specs after this one find the inventory and the Approvals inbox as they were: the seed's deployments that
// wait are cancelled and its repositories archived (with their history, as the console's Delete does).
test.afterAll(async () => {
  if (!data) return;
  const repos = (await query<{ id: string }>("SELECT id FROM repositories WHERE name LIKE $1", [`weight-${data.suffix}/%`])).map((r) => r.id);
  await query(
    `UPDATE deployments SET state = 'cancelled', reason = 'e2e: cleaned up after the page-weight spec', finished_at = now(), updated_at = now()
     WHERE state = 'pending_approval' AND target_id IN (SELECT t.id FROM targets t JOIN deployment_rules d ON d.id = t.deployment_rule_id JOIN build_rules b ON b.id = d.build_rule_id WHERE b.repository_id = ANY($1))`,
    [repos],
  );
  await query(
    "UPDATE targets SET archived_at = now() WHERE deployment_rule_id IN (SELECT d.id FROM deployment_rules d JOIN build_rules b ON b.id = d.build_rule_id WHERE b.repository_id = ANY($1))",
    [repos],
  );
  await query("UPDATE deployment_rules SET archived_at = now() WHERE build_rule_id IN (SELECT id FROM build_rules WHERE repository_id = ANY($1))", [repos]);
  await query("UPDATE build_rules SET archived_at = now() WHERE repository_id = ANY($1)", [repos]);
  await query("UPDATE repositories SET archived_at = now() WHERE id = ANY($1)", [repos]);
});
