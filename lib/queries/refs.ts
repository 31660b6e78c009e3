// The branch and pull-request heads of a repository, for its page.
import { getDb } from "@/lib/db";

export interface RefRow {
  id: string;
  kind: "branch" | "pull_request";
  name: string;
  prNumber: number | null;
  prTitle: string | null;
  prAuthor: string | null;
  headSha: string;
  updatedAt: Date;
}

/** Open refs: the default branch first, then branches by name, then pull requests by number. */
export async function openRefs(repositoryId: string, defaultBranch: string, limit = 200): Promise<RefRow[]> {
  const rows = await getDb().ref.findMany({
    where: { repositoryId, closedAt: null },
    orderBy: [{ kind: "asc" }, { prNumber: "asc" }, { name: "asc" }],
    take: limit,
    select: { id: true, kind: true, name: true, prNumber: true, prTitle: true, prAuthor: true, headSha: true, updatedAt: true },
  });
  const rank = (r: RefRow) => (r.kind === "branch" ? (r.name === defaultBranch ? 0 : 1) : 2);
  return rows.sort((a, b) => rank(a) - rank(b));
}
