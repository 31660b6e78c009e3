// Read-model rows (lib/queries) as the JSON objects of /api/v1 (lib/api/v1/objects.ts).
import "server-only";
import { NotFoundError } from "@/lib/errors";
import { notFoundMessage } from "@/lib/api/scoped-subjects";
import type { BuildListRow } from "@/lib/queries/builds";
import type { RepositoryListRow } from "@/lib/queries/repositories";
import type { BuildRuleRow, RepositoryDetailRow } from "@/lib/queries/repository-detail";
import type { z } from "zod";
import { iso, type buildRuleSchema, type BuildJson, type RepositoryJson, type repositoryDetailSchema } from "@/lib/api/v1/objects";

/** A ref as the API names it: a branch by its name, a pull request as "pull/<n>". */
export function refName(r: { kind: string; name: string; prNumber: number | null }): string {
  return r.kind === "pull_request" && r.prNumber !== null ? `pull/${r.prNumber}` : r.name;
}

export function buildJson(b: BuildListRow): BuildJson {
  return {
    id: b.id,
    repositoryId: b.repository.id,
    repository: b.repository.name,
    buildRuleId: b.buildRule.id,
    buildRule: b.buildRule.name,
    commit: b.commit,
    refs: b.refs.map(refName),
    state: b.state,
    reason: b.reason,
    trigger: b.trigger,
    attempt: b.attempt,
    createdAt: iso(b.queuedAt),
    startedAt: iso(b.startedAt),
    finishedAt: iso(b.finishedAt),
    releases: b.releases.map((r) => ({
      id: r.id,
      deploymentRuleId: r.deploymentRuleId,
      image: r.imageRepo ? `${r.imageRepo}${r.tag ? `:${r.tag}` : ""}` : null,
      digest: r.digest,
    })),
  };
}

export function repositoryJson(r: Pick<RepositoryListRow, "id" | "name" | "url" | "appId" | "createdAt">): RepositoryJson {
  return { id: r.id, name: r.name, url: r.url, appId: r.appId, createdAt: iso(r.createdAt) };
}

export function buildRuleJson(r: BuildRuleRow): z.infer<typeof buildRuleSchema> {
  return { id: r.id, repositoryId: r.repositoryId, name: r.name, kind: r.kind, dockerfile: r.dockerfile, contextDir: r.contextDir, archs: r.archs };
}

export function repositoryDetailJson(r: RepositoryDetailRow): z.infer<typeof repositoryDetailSchema> {
  return { ...repositoryJson(r), buildRules: r.buildRules.map(buildRuleJson) };
}

/** The row, or a 404 that names what was asked for. */
export function found<T>(row: T | null, what: string, id: string): T {
  if (row === null) throw new NotFoundError(notFoundMessage(what, id));
  return row;
}

/** The API's `ref=` ("live", "pull/12") as the build list's branch or pull request filter. */
export function refFilter(ref: string | undefined): { branch?: string; pr?: number } {
  if (ref === undefined) return {};
  const m = /^pull\/(\d{1,9})$/.exec(ref);
  return m ? { pr: Number(m[1]) } : { branch: ref };
}
