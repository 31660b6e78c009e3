// The branch and pull-request heads of a repository, for its page, each with the latest build of its
// head commit by every build rule.
import "server-only";
import { getDb } from "@/lib/db";
import type { BuildState } from "@/lib/generated/prisma/client";

/** The latest attempt of one build rule on a ref's head commit. */
export interface HeadBuild {
  buildId: string;
  buildRuleId: string;
  buildRule: string;
  state: BuildState;
  attempt: number;
}

export interface RefRow {
  id: string;
  kind: "branch" | "pull_request";
  name: string;
  prNumber: number | null;
  prTitle: string | null;
  prAuthor: string | null;
  headSha: string;
  updatedAt: Date;
  /** per build rule (in the rules' order), the latest build of the head commit; rules that never built it are absent */
  headBuilds: HeadBuild[];
}

/** Per commit sha, per build rule, the latest attempt. */
export async function latestBuildsOfCommits(repositoryId: string, shas: string[]): Promise<Map<string, HeadBuild[]>> {
  const out = new Map<string, HeadBuild[]>();
  if (shas.length === 0) return out;
  const builds = await getDb().build.findMany({
    where: { commit: { repositoryId, sha: { in: [...new Set(shas)] } } },
    orderBy: [{ attempt: "desc" }, { queuedAt: "desc" }],
    select: { id: true, state: true, attempt: true, buildRuleId: true, buildRule: { select: { name: true, position: true } }, commit: { select: { sha: true } } },
  });
  const seen = new Set<string>();
  const position = new Map<string, number>();
  for (const b of builds) {
    const key = `${b.commit.sha}:${b.buildRuleId}`;
    if (seen.has(key)) continue;
    seen.add(key);
    position.set(b.buildRuleId, b.buildRule.position);
    const list = out.get(b.commit.sha) ?? [];
    list.push({ buildId: b.id, buildRuleId: b.buildRuleId, buildRule: b.buildRule.name, state: b.state, attempt: b.attempt });
    out.set(b.commit.sha, list);
  }
  for (const list of out.values()) list.sort((a, b) => (position.get(a.buildRuleId) ?? 0) - (position.get(b.buildRuleId) ?? 0) || a.buildRule.localeCompare(b.buildRule));
  return out;
}

/** Open refs: the default branch first, then branches by name, then pull requests by number. */
export async function openRefs(repositoryId: string, defaultBranch: string, limit = 200): Promise<RefRow[]> {
  const rows = await getDb().ref.findMany({
    where: { repositoryId, closedAt: null },
    orderBy: [{ kind: "asc" }, { prNumber: "asc" }, { name: "asc" }],
    take: limit,
    select: { id: true, kind: true, name: true, prNumber: true, prTitle: true, prAuthor: true, headSha: true, updatedAt: true },
  });
  const builds = await latestBuildsOfCommits(
    repositoryId,
    rows.map((r) => r.headSha),
  );
  const rank = (r: { kind: string; name: string }) => (r.kind === "branch" ? (r.name === defaultBranch ? 0 : 1) : 2);
  return rows.map((r) => ({ ...r, headBuilds: builds.get(r.headSha) ?? [] })).sort((a, b) => rank(a) - rank(b));
}
