// One page of the services inventory: the next `size` repositories in the page's order (by app, then name)
// after the repository named by the cursor. The inventory is read whole (it is one row per rule and target),
// but a page of a hundred repositories with all their targets weighed over a megabyte; the Markdown download
// still has them all.
import type { ServiceAppGroup, ServicesInventory } from "@/lib/queries/services-inventory";

export const SERVICES_PAGE_SIZE = 20;

export interface ServicesPage {
  groups: ServiceAppGroup[];
  /** the first and last repository shown, counted from 1 over the whole inventory */
  from: number;
  to: number;
  total: number;
  /** pass as `after` for the next page; absent on the last page */
  nextCursor?: string;
}

/** `after`: a repository id from the previous page; one that is gone (or unknown) starts from the top. */
export function servicesPage(inventory: ServicesInventory, after: string | undefined, size = SERVICES_PAGE_SIZE): ServicesPage {
  const flat = inventory.groups.flatMap((g) => g.repos.map((repo) => ({ app: g.app, repo })));
  const start = after ? flat.findIndex((r) => r.repo.id === after) + 1 : 0;
  const shown = flat.slice(start, start + size);
  const groups: ServiceAppGroup[] = [];
  for (const { app, repo } of shown) {
    const last = groups[groups.length - 1];
    if (last && last.app === app) last.repos.push(repo);
    else groups.push({ app, repos: [repo] });
  }
  const end = start + shown.length;
  return { groups, from: shown.length ? start + 1 : 0, to: end, total: flat.length, nextCursor: end < flat.length ? shown[shown.length - 1]?.repo.id : undefined };
}
