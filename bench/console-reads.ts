// Part of npm run bench:console (run by bench/console.ts in a child process, not on its own): each console
// page's database reads — the read models the page calls, with the session lookup and the sidebar's count —
// timed without rendering, so that what history costs the database can be told apart from what rendering
// costs the CPU (on a shared, loaded machine the second swamps the first). Prints one JSON line per page.
// Runs with --conditions=react-server: the read models are marked server-only, as the web server runs them.
import { performance } from "node:perf_hooks";
import { z } from "zod";
import { median, pct } from "@/bench/lib";
import { consolePages } from "@/bench/console-pages";

const spec = z
  .object({ size: z.number().int().positive(), warmup: z.number().int().min(0), requests: z.number().int().positive(), token: z.string().min(1) })
  .parse(JSON.parse(process.env.BENCH_CONSOLE_READS ?? "null"));

async function main() {
  const { closeDb } = await import("@/lib/db");
  const { sessionUserByToken } = await import("@/lib/queries/sessions");
  const { navCounts } = await import("@/lib/queries/nav-counts");
  const { dashboardCounts } = await import("@/lib/queries/dashboard");
  const { listConnectedWorkers } = await import("@/lib/queries/workers");
  const { listBuilds, recentBuilds, buildFilterRepositories } = await import("@/lib/queries/builds");
  const { listDeployments, recentDeployments } = await import("@/lib/queries/deployments");
  const { getBuildDetail } = await import("@/lib/queries/build-detail");
  const { getDeploymentDetail, getTargetDetail, pendingApprovals, targetSummaries, targetSummaryPage } = await import("@/lib/queries/deployment-detail");
  const { listAuditEvents, auditActors, recentAuditEvents } = await import("@/lib/queries/audit");
  const { auditFilterFromSearchParams } = await import("@/lib/validation/audit");
  const { servicesInventoryPage } = await import("@/lib/queries/services-page");
  const { listRepositories } = await import("@/lib/queries/repositories");
  const { getRepositoryDetail, inventoryChoices, appChoices } = await import("@/lib/queries/inventory-repos");
  const { openRefs } = await import("@/lib/queries/refs");
  const { doraReport, doraFilterOptions, doraQuerySchema } = await import("@/lib/queries/dora");
  const dora = (u: URL) => {
    const q = doraQuerySchema.parse(Object.fromEntries(u.searchParams));
    // computed every time (`now` given): the page reuses a report for a minute while no deployment finishes,
    // so its figure is mostly the reuse; this column is what computing one costs
    return Promise.all([doraReport({ ...q, now: new Date() }), doraFilterOptions({ repositoryId: q.repositoryId, targetId: q.targetId })]);
  };

  const audit = (query: string) => async () => {
    const f = auditFilterFromSearchParams(new URLSearchParams(query));
    if (!f.success) throw new Error(`audit filter ${query}: ${f.error.message}`);
    await Promise.all([listAuditEvents(f.data), auditActors()]);
  };
  const reads: Record<string, (url: URL) => Promise<unknown>> = {
    dashboard: () => Promise.all([dashboardCounts(), listConnectedWorkers(), recentBuilds(8), recentDeployments(8), recentAuditEvents(10), targetSummaries({ limit: 10 })]),
    builds: () => Promise.all([listBuilds({ filter: {} }), buildFilterRepositories()]),
    "builds, deep page": (u) => Promise.all([listBuilds({ before: u.searchParams.get("before")!, filter: {} }), buildFilterRepositories()]),
    "a build": (u) => getBuildDetail(u.pathname.split("/")[2]!),
    deployments: () => listDeployments({}),
    "deployments, deep page": (u) => listDeployments({ before: u.searchParams.get("before")! }),
    "a deployment": (u) => getDeploymentDetail(u.pathname.split("/")[2]!),
    targets: () => targetSummaryPage({ limit: 50 }),
    "a target": (u) => getTargetDetail(u.pathname.split("/")[2]!),
    "a pinned target": (u) => getTargetDetail(u.pathname.split("/")[2]!),
    approvals: () => pendingApprovals(),
    audit: (u) => audit(u.search)(),
    "audit, busy actor": (u) => audit(u.search)(),
    "audit, actor without events": (u) => audit(u.search)(),
    "audit, subject": (u) => audit(u.search)(),
    "audit, deep page": (u) => audit(u.search)(),
    services: () => servicesInventoryPage(),
    repositories: () => Promise.all([listRepositories({}), appChoices()]),
    "dora, 30 days": dora,
    "dora, 90 days, a repository": dora,
    "a repository": async (u) => {
      const [repo] = await Promise.all([getRepositoryDetail(u.pathname.split("/")[2]!), inventoryChoices()]);
      if (repo) await openRefs(repo.id, repo.defaultBranch);
    },
  };
  // the pages in rounds, each page once a round (as bench/console.ts requests them)
  const pages = consolePages(spec.size).map((p) => {
    const read = reads[p.page];
    if (!read) throw new Error(`no reads listed for the page “${p.page}”`);
    const url = new URL(p.url, "http://bench.invalid");
    const once = async () => {
      const t = performance.now();
      // every console page: the session's user and the sidebar's count, then the page's own reads
      await sessionUserByToken(spec.token);
      await navCounts();
      await read(url);
      return performance.now() - t;
    };
    return { page: p.page, once, times: [] as number[] };
  });
  for (let i = 0; i < spec.warmup; i++) for (const p of pages) await p.once();
  for (let i = 0; i < spec.requests; i++) for (const p of pages) p.times.push(await p.once());
  for (const p of pages) console.log(JSON.stringify({ page: p.page, p50: median(p.times), p95: pct(p.times, 95) }));
  await closeDb();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
