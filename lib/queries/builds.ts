// Builds for the Builds page and the dashboard: newest first, keyset-paginated on (queued_at, id),
// which the builds_queued_at_id index serves; optionally only one repository, branch, pull request or state.
import "server-only";
import { getDb } from "@/lib/db";
import type { BuildKind, BuildState, BuildTrigger, Prisma, RefKind } from "@/lib/generated/prisma/client";
import { PAGE_SIZE, olderThan, toPage, type KeysetPage } from "@/lib/queries/paging";
import type { BuildStateFilter } from "@/lib/validation/build-filters";
import { ACTIVE_BUILD_STATES } from "@/lib/validation/build-states";

export interface BuildListFilter {
  /** the repository's name ("owner/name", or the chosen name of a plain git repository) */
  repository?: string;
  /** builds serving this branch */
  branch?: string;
  /** builds serving this pull request */
  pr?: number;
  state?: BuildStateFilter;
  /** the repository's id or its name (the API's `repository=`) */
  repositoryIdOrName?: string;
  /** builds of a commit whose sha starts with this (lower-case hex) */
  commitPrefix?: string;
  /** only builds of these repositories (a repository-limited API token); absent = all */
  repositoryIds?: string[] | null;
}

export interface BuildListRow {
  id: string;
  state: BuildState;
  trigger: BuildTrigger;
  attempt: number;
  repository: { id: string; name: string };
  buildRule: { id: string; name: string; kind: BuildKind };
  commit: { sha: string; message: string | null; author: string | null };
  /** the branches and pull requests this build serves */
  refs: { kind: RefKind; name: string; prNumber: number | null }[];
  triggeredBy: string | null;
  reason: string | null;
  queuedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  releases: { id: string; deploymentRuleId: string; imageRepo: string | null; tag: string | null; digest: string | null }[];
}

const select = {
  id: true,
  state: true,
  trigger: true,
  attempt: true,
  reason: true,
  queuedAt: true,
  startedAt: true,
  finishedAt: true,
  buildRule: { select: { id: true, name: true, kind: true, repository: { select: { id: true, name: true } } } },
  commit: { select: { sha: true, message: true, author: true } },
  refs: { select: { ref: { select: { kind: true, name: true, prNumber: true } } }, orderBy: { createdAt: "asc" } },
  triggeredBy: { select: { login: true } },
  releases: { select: { id: true, deploymentRuleId: true, imageRepo: true, tag: true, digest: true }, orderBy: { createdAt: "asc" } },
} satisfies Prisma.BuildSelect;

type Row = Prisma.BuildGetPayload<{ select: typeof select }>;

function toRow(b: Row): BuildListRow {
  return {
    id: b.id,
    state: b.state,
    trigger: b.trigger,
    attempt: b.attempt,
    repository: b.buildRule.repository,
    buildRule: { id: b.buildRule.id, name: b.buildRule.name, kind: b.buildRule.kind },
    commit: b.commit,
    refs: b.refs.map((r) => r.ref),
    triggeredBy: b.triggeredBy?.login ?? null,
    reason: b.reason,
    queuedAt: b.queuedAt,
    startedAt: b.startedAt,
    finishedAt: b.finishedAt,
    releases: b.releases,
  };
}

function filterWhere(f: BuildListFilter): Prisma.BuildWhereInput[] {
  const and: Prisma.BuildWhereInput[] = [];
  if (f.repository) and.push({ buildRule: { repository: { name: f.repository } } });
  if (f.branch) and.push({ refs: { some: { ref: { kind: "branch", name: f.branch } } } });
  if (f.pr !== undefined) and.push({ refs: { some: { ref: { kind: "pull_request", prNumber: f.pr } } } });
  if (f.state === "active") and.push({ state: { in: [...ACTIVE_BUILD_STATES] } });
  else if (f.state) and.push({ state: f.state });
  if (f.repositoryIdOrName) and.push({ buildRule: { repository: { OR: [{ id: f.repositoryIdOrName }, { name: f.repositoryIdOrName }] } } });
  if (f.commitPrefix) and.push({ commit: { sha: { startsWith: f.commitPrefix } } });
  if (f.repositoryIds) and.push({ buildRule: { repositoryId: { in: f.repositoryIds } } });
  return and;
}

/**
 * Builds newest first, filtered. `before` is the id of the last build of the previous page (the cursor
 * is any build: one outside the filter still orders the page correctly).
 */
export async function listBuilds(opts: { before?: string; limit?: number; filter?: BuildListFilter } = {}): Promise<KeysetPage<BuildListRow>> {
  const db = getDb();
  const limit = opts.limit ?? PAGE_SIZE;
  const cursor = opts.before ? await db.build.findUnique({ where: { id: opts.before }, select: { id: true, queuedAt: true } }) : null;
  const cursorNotFound = Boolean(opts.before) && !cursor;
  const and = [olderThan("queuedAt", cursor) as Prisma.BuildWhereInput, ...filterWhere(opts.filter ?? {})];
  const rows = await db.build.findMany({ where: { AND: and }, orderBy: [{ queuedAt: "desc" }, { id: "desc" }], take: limit + 1, select });
  return toPage(rows.map(toRow), limit, (r) => r.id, cursorNotFound);
}

/** The latest builds, for the dashboard. */
export async function recentBuilds(limit = 8): Promise<BuildListRow[]> {
  return (await listBuilds({ limit })).rows;
}

/** Repository names for the Builds page's filter (a repository listed under several apps once: the filter shows the builds of every entry). */
export async function buildFilterRepositories(): Promise<string[]> {
  return (await getDb().repository.findMany({ orderBy: { name: "asc" }, select: { name: true }, distinct: ["name"], take: 500 })).map((r) => r.name);
}

/** One build as the list shows it (the API's GET /builds/{id}), or null. */
export async function buildListRow(id: string): Promise<BuildListRow | null> {
  const b = await getDb().build.findUnique({ where: { id }, select });
  return b ? toRow(b) : null;
}
