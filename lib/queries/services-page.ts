// One page of the services inventory (the /services page): the next `limit` repositories in the page's order
// (by app, repositories without an app last, then by name) after the repository named by the cursor, read
// with their rules and targets, and the whole inventory's counts. The database picks the page (a keyset on
// (app, name, id) over the repositories, which are one row each) so the page reads twenty repositories' rules
// and targets, not every one's; the Markdown download (servicesInventory) still reads them all.
import "server-only";
import { getDb } from "@/lib/db";
import { readServiceRepos, serviceRepoRow, type ServiceAppGroup, type ServicesInventory } from "@/lib/queries/services-inventory";

export const SERVICES_PAGE_SIZE = 20;

export interface ServicesPage extends ServicesInventory {
  /** this page's repositories, grouped by app; `counts` are the whole inventory's */
  groups: ServiceAppGroup[];
  /** the first and last repository shown, counted from 1 over the whole inventory */
  from: number;
  to: number;
  total: number;
  /** pass as `after` for the next page; absent on the last page */
  nextCursor?: string;
}

interface CountsRow {
  repos: number;
  builds: number;
  not_deployed: number;
  deploys: number;
  targets: number;
}

/** What the page's summary line says: repositories, build rules (and those deploying nowhere), rules, targets; none archived. */
async function inventoryCounts(): Promise<ServicesInventory["counts"]> {
  const [c] = await getDb().$queryRaw<CountsRow[]>`
    WITH b AS (
      SELECT b.id FROM build_rules b JOIN repositories r ON r.id = b.repository_id
      WHERE b.archived_at IS NULL AND r.archived_at IS NULL
    ), d AS (
      SELECT d.id, d.build_rule_id FROM deployment_rules d JOIN b ON b.id = d.build_rule_id WHERE d.archived_at IS NULL
    )
    SELECT (SELECT count(*) FROM repositories WHERE archived_at IS NULL)::int AS repos,
           (SELECT count(*) FROM b)::int AS builds,
           (SELECT count(*) FROM b WHERE NOT EXISTS (SELECT 1 FROM d WHERE d.build_rule_id = b.id))::int AS not_deployed,
           (SELECT count(*) FROM d)::int AS deploys,
           (SELECT count(*) FROM targets t JOIN d ON d.id = t.deployment_rule_id WHERE t.archived_at IS NULL)::int AS targets`;
  return { repos: c!.repos, builds: c!.builds, notDeployed: c!.not_deployed, deploys: c!.deploys, targets: c!.targets };
}

interface PageIdRow {
  id: string;
  app: string | null;
}

/**
 * `after`: a repository id from the previous page; one that is gone (archived, removed, made up), or the last
 * one, starts from the top. The order is the database's: (no app, app name, name, id), `no app` false first;
 * the row comparison runs on coalesce(app name, '') because a NULL in a row comparison makes it unknown.
 */
export async function servicesInventoryPage(opts: { after?: string; limit?: number } = {}): Promise<ServicesPage> {
  const db = getDb();
  const limit = opts.limit ?? SERVICES_PAGE_SIZE;
  const [counts, cursors] = await Promise.all([
    inventoryCounts(),
    opts.after
      ? db.$queryRaw<{ no_app: boolean; app: string; name: string; id: string; before: number }[]>`
          SELECT c.no_app, c.app, c.name, c.id,
                 (SELECT count(*) FROM repositories r LEFT JOIN github_apps a ON a.id = r.app_id
                  WHERE r.archived_at IS NULL AND (a.name IS NULL, coalesce(a.name, ''), r.name, r.id) <= (c.no_app, c.app, c.name, c.id))::int AS before
          FROM (SELECT a.name IS NULL AS no_app, coalesce(a.name, '') AS app, r.name, r.id
                FROM repositories r LEFT JOIN github_apps a ON a.id = r.app_id
                WHERE r.id = ${opts.after} AND r.archived_at IS NULL) c`
      : Promise.resolve([]),
  ]);
  const pageIds = (c: (typeof cursors)[number] | undefined) =>
    c
      ? db.$queryRaw<PageIdRow[]>`
          SELECT r.id, a.name AS app FROM repositories r LEFT JOIN github_apps a ON a.id = r.app_id
          WHERE r.archived_at IS NULL AND (a.name IS NULL, coalesce(a.name, ''), r.name, r.id) > (${c.no_app}::boolean, ${c.app}::text, ${c.name}::text, ${c.id}::text)
          ORDER BY a.name IS NULL, coalesce(a.name, ''), r.name, r.id
          LIMIT ${limit + 1}`
      : db.$queryRaw<PageIdRow[]>`
          SELECT r.id, a.name AS app FROM repositories r LEFT JOIN github_apps a ON a.id = r.app_id
          WHERE r.archived_at IS NULL
          ORDER BY a.name IS NULL, coalesce(a.name, ''), r.name, r.id
          LIMIT ${limit + 1}`;
  let cursor = cursors[0];
  let ids = await pageIds(cursor);
  // after the last repository (those that followed were archived): from the top again
  if (cursor && ids.length === 0) {
    cursor = undefined;
    ids = await pageIds(undefined);
  }
  const shown = ids.slice(0, limit);
  const byId = new Map((await readServiceRepos({ id: { in: shown.map((r) => r.id) } })).map((r) => [r.id, serviceRepoRow(r)]));
  const groups: ServiceAppGroup[] = [];
  for (const { id, app } of shown) {
    const repo = byId.get(id);
    // archived between the two reads: left out of this page
    if (!repo) continue;
    const last = groups[groups.length - 1];
    if (last && last.app === app) last.repos.push(repo);
    else groups.push({ app, repos: [repo] });
  }
  const start = cursor?.before ?? 0;
  return {
    groups,
    counts,
    from: shown.length ? start + 1 : 0,
    to: start + shown.length,
    total: counts.repos,
    ...(ids.length > limit ? { nextCursor: shown[shown.length - 1]!.id } : {}),
  };
}
