// Read-model rows (lib/queries) as the JSON objects of /api/v1 (lib/api/v1/objects.ts).
import "server-only";
import { NotFoundError } from "@/lib/errors";
import { notFoundMessage } from "@/lib/api/scoped-subjects";
import type { BuildListRow } from "@/lib/queries/builds";
import type { RepositoryListRow } from "@/lib/queries/repositories";
import type { BuildRuleRow, RepositoryDetailRow } from "@/lib/queries/repository-detail";
import type { z } from "zod";
import type { ReleaseProvenanceView } from "@/lib/queries/release-provenance";
import {
  iso,
  type auditEventSchema,
  type buildRuleSchema,
  type BuildJson,
  type deploymentRuleSchema,
  type deploymentSchema,
  type pipelineSchema,
  type previewSchema,
  type releaseSchema,
  type releaseProvenanceSchema,
  type RepositoryJson,
  type repositoryDetailSchema,
  type targetSchema,
} from "@/lib/api/v1/objects";
import type { ReleaseListRow } from "@/lib/queries/releases";
import type { DeploymentRuleRow, TargetRow } from "@/lib/queries/targets";
import type { DeploymentListRow } from "@/lib/queries/deployments";
import type { PreviewListRow } from "@/lib/queries/previews";
import type { AuditEventView } from "@/lib/queries/audit";
import type { Pipeline, PipelineRelease } from "@/lib/queries/environments";
import { DEPLOYMENT_STATES, type DeploymentStateName } from "@/lib/validation/deployment-states";
import { auditFilterSchema, type AuditFilter } from "@/lib/validation/audit";
import { parseInput } from "@/lib/validation/parse";

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

export function releaseJson(r: ReleaseListRow): z.infer<typeof releaseSchema> {
  return { ...r, createdAt: iso(r.createdAt) };
}

export function releaseProvenanceJson(p: ReleaseProvenanceView): z.infer<typeof releaseProvenanceSchema> {
  const c = p.lastCheck;
  return {
    releaseId: p.releaseId,
    status: p.status,
    keyId: p.keyId,
    subject: p.subject,
    repository: p.repository,
    ref: p.ref,
    commit: p.commit,
    builder: p.builder,
    startedOn: p.startedOn,
    finishedOn: p.finishedOn,
    attestation: p.attestation,
    statement: p.statement === null ? null : (JSON.parse(p.statement) as unknown),
    lastCheck: c ? { deploymentId: c.deploymentId, targetId: c.target.id, target: c.target.name, result: c.result, detail: c.detail, at: iso(c.at) } : null,
  };
}

export function targetJson(t: TargetRow): z.infer<typeof targetSchema> {
  return {
    id: t.id,
    name: t.name,
    kind: t.kind,
    deploymentRuleId: t.deploymentRuleId,
    pinned: t.pinnedReleaseId !== null,
    pinnedReleaseId: t.pinnedReleaseId,
    liveReleaseId: t.currentReleaseId,
    latestDeployment: t.latestDeployment,
  };
}

export function deploymentRuleJson(r: DeploymentRuleRow): z.infer<typeof deploymentRuleSchema> {
  return { id: r.id, buildRuleId: r.buildRuleId, branch: r.branch, image: r.image, approval: r.approvalMode, targetIds: r.targetIds };
}

export function deploymentJson(d: DeploymentListRow): z.infer<typeof deploymentSchema> {
  return {
    id: d.id,
    targetId: d.target.id,
    target: d.target.name,
    releaseId: d.release.id,
    commitSha: d.release.commitSha,
    state: d.state,
    reason: d.reason,
    trigger: d.trigger,
    requestedBy: d.requestedBy,
    createdAt: iso(d.createdAt),
    startedAt: iso(d.startedAt),
    finishedAt: iso(d.finishedAt),
  };
}

export function previewJson(p: PreviewListRow): z.infer<typeof previewSchema> {
  return {
    id: p.id,
    repositoryId: p.repository.id,
    repository: p.repository.name,
    deploymentRuleId: p.deploymentRuleId,
    branch: p.branch,
    pullRequest: p.prNumber,
    commitSha: p.headSha,
    state: p.state,
    reason: p.reason,
    service: p.service,
    url: p.url,
    image: p.image,
    fork: p.fork,
    approvedBy: p.approvedBy,
    createdAt: iso(p.createdAt),
    updatedAt: iso(p.updatedAt),
    deployedAt: iso(p.deployedAt),
    expiresAt: iso(p.expiresAt),
    tornDownAt: iso(p.tornDownAt),
  };
}

export function auditEventJson(e: AuditEventView): z.infer<typeof auditEventSchema> {
  return {
    id: e.id,
    at: iso(e.createdAt),
    actor: e.actorLabel,
    action: e.action,
    subjectType: e.subjectType,
    subjectId: e.subjectId,
    summary: e.summary,
    details: { actorType: e.actorType, actorId: e.actorId, before: e.before ?? null, after: e.after ?? null, ip: e.ip, userAgent: e.userAgent, hash: e.hash },
  };
}

/** A streamed text answer; `live` ones tell proxies not to buffer. */
export function textResponse(body: ReadableStream<Uint8Array>, opts: { live?: boolean } = {}): Response {
  return new Response(body, {
    headers: {
      "content-type": "text/plain; charset=utf-8",
      "cache-control": opts.live ? "no-cache, no-transform" : "no-store",
      ...(opts.live ? { "x-accel-buffering": "no" } : {}),
    },
  });
}

/** A state a command answered with, as the API's enum (the commands answer a deployment's state as text). */
export function deploymentStateOf(state: string): DeploymentStateName {
  if (!(DEPLOYMENT_STATES as readonly string[]).includes(state)) throw new Error(`unknown deployment state ${state}`);
  return state as DeploymentStateName;
}

/** The API's audit filters as the Audit page's (lib/validation/audit.ts), the same parsing and the same errors. */
export function auditFilterOf(q: { actor?: string; action?: string; subjectType?: string; subjectId?: string; from?: string; to?: string }, page: { cursor?: string; limit: number }): AuditFilter {
  return parseInput(auditFilterSchema, { actor: q.actor, action: q.action, subjectType: q.subjectType, subjectId: q.subjectId, from: q.from, to: q.to, before: page.cursor, limit: page.limit });
}

function pipelineReleaseJson(r: PipelineRelease) {
  return {
    id: r.id,
    commitSha: r.commitSha,
    title: r.title,
    image: r.imageRepo ? `${r.imageRepo}${r.tag ? `:${r.tag}` : ""}` : null,
    digest: r.digest,
    artifactSha256: r.artifactSha256,
    createdAt: iso(r.createdAt),
  };
}

export function pipelineJson(p: Pipeline): z.infer<typeof pipelineSchema> {
  return {
    deploymentRuleId: p.deploymentRuleId,
    repositoryId: p.repositoryId,
    repository: p.repository,
    buildRule: p.buildRule,
    branch: p.branch,
    stages: p.stages.map((s) => ({
      name: s.name,
      position: s.position,
      soakSeconds: s.soakSeconds,
      checkUrls: s.checkUrls,
      approval: s.approvalMode,
      minApprovers: s.minApprovers,
      confirmLevel: s.confirmLevel,
      targets: s.targets.map((t) => ({ id: t.id, name: t.name, releaseId: t.releaseId, pinned: t.pinned, activeDeployment: t.active })),
      release: s.release ? pipelineReleaseJson(s.release) : null,
      promotion: s.promotion
        ? { to: s.promotion.to, releaseId: s.promotion.releaseId, promotable: s.promotion.blockers.length === 0, blockers: s.promotion.blockers, soakEndsAt: iso(s.promotion.soakEndsAt), needsApproval: s.promotion.needsApproval }
        : null,
    })),
    releases: Object.values(p.releases).map(pipelineReleaseJson),
    unstagedTargets: p.unstagedTargets,
  };
}
