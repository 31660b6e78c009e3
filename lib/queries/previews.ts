// Previews for the Previews page, the API and the CLI: every preview that is up or on its way, then those torn
// down in the last week, newest change first. A rule's cap keeps the live ones few; the list is bounded anyway.
import "server-only";
import { getDb } from "@/lib/db";
import type { Prisma } from "@/lib/generated/prisma/client";
import type { PreviewStateName } from "@/lib/validation/previews";

/** Previews shown at most (live ones first). */
export const PREVIEW_LIST_MAX = 200;
const TORN_DOWN_SHOWN_MS = 7 * 86_400_000;

export interface PreviewListRow {
  id: string;
  state: PreviewStateName;
  reason: string | null;
  prNumber: number;
  headSha: string;
  service: string;
  url: string | null;
  image: string;
  fork: boolean;
  approvedBy: string | null;
  repository: { id: string; name: string };
  branch: string;
  deploymentRuleId: string;
  createdAt: Date;
  updatedAt: Date;
  deployedAt: Date | null;
  expiresAt: Date | null;
  tornDownAt: Date | null;
}

const select = {
  id: true, state: true, reason: true, prNumber: true, headSha: true, service: true, url: true, imageRepo: true, tag: true, digest: true, fork: true,
  createdAt: true, updatedAt: true, deployedAt: true, expiresAt: true, tornDownAt: true, deploymentRuleId: true,
  approvedBy: { select: { login: true } },
  deploymentRule: { select: { branch: true, buildRule: { select: { repository: { select: { id: true, name: true } } } } } },
} satisfies Prisma.PreviewSelect;

export async function listPreviews(opts: { repositoryIds?: string[] | null; state?: PreviewStateName; now?: Date } = {}): Promise<PreviewListRow[]> {
  const since = new Date((opts.now ?? new Date()).getTime() - TORN_DOWN_SHOWN_MS);
  const scope: Prisma.PreviewWhereInput = opts.repositoryIds ? { deploymentRule: { buildRule: { repositoryId: { in: opts.repositoryIds } } } } : {};
  const where: Prisma.PreviewWhereInput = opts.state
    ? { ...scope, state: opts.state }
    : { ...scope, OR: [{ state: { not: "torn_down" } }, { tornDownAt: { gte: since } }] };
  const rows = await getDb().preview.findMany({ where, select, orderBy: [{ updatedAt: "desc" }, { id: "desc" }], take: PREVIEW_LIST_MAX });
  const live = (s: string) => (s === "torn_down" ? 1 : 0);
  return rows
    .map((p) => ({
      id: p.id,
      state: p.state,
      reason: p.reason,
      prNumber: p.prNumber,
      headSha: p.headSha,
      service: p.service,
      url: p.url,
      image: `${p.imageRepo}:${p.tag}@${p.digest}`,
      fork: p.fork,
      approvedBy: p.approvedBy?.login ?? null,
      repository: p.deploymentRule.buildRule.repository,
      branch: p.deploymentRule.branch,
      deploymentRuleId: p.deploymentRuleId,
      createdAt: p.createdAt,
      updatedAt: p.updatedAt,
      deployedAt: p.deployedAt,
      expiresAt: p.expiresAt,
      tornDownAt: p.tornDownAt,
    }))
    .sort((a, b) => live(a.state) - live(b.state));
}
