// A repository with its build rules, and one build rule: the API's GET /repositories/{id} and /build-rules/{id}.
import "server-only";
import { getDb } from "@/lib/db";
import type { BuildKind, Prisma } from "@/lib/generated/prisma/client";

export interface BuildRuleRow {
  id: string;
  repositoryId: string;
  name: string;
  kind: BuildKind;
  dockerfile: string;
  contextDir: string;
  archs: string[];
}

const buildRuleSelect = { id: true, repositoryId: true, name: true, kind: true, dockerfile: true, contextDir: true, archs: true } satisfies Prisma.BuildRuleSelect;

export interface RepositoryDetailRow {
  id: string;
  name: string;
  url: string;
  appId: string | null;
  createdAt: Date;
  buildRules: BuildRuleRow[];
}

/** A repository that is not archived, with its build rules that are not archived, in the order they are listed. */
export async function getRepositoryWithRules(id: string): Promise<RepositoryDetailRow | null> {
  return getDb().repository.findFirst({
    where: { id, archivedAt: null },
    select: {
      id: true,
      name: true,
      url: true,
      appId: true,
      createdAt: true,
      buildRules: { where: { archivedAt: null }, orderBy: [{ position: "asc" }, { name: "asc" }], select: buildRuleSelect },
    },
  });
}

export async function getBuildRule(id: string): Promise<BuildRuleRow | null> {
  return getDb().buildRule.findFirst({ where: { id, archivedAt: null }, select: buildRuleSelect });
}
