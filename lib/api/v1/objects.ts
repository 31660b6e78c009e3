// The objects /api/v1 answers with (docs/api.md and /work/briefs/api-contract.md "Objects"), as zod schemas:
// the OpenAPI document shows them and the tests check every answer against them. Times are ISO 8601 strings.
import { z } from "zod";
import { BUILD_STATES } from "@/lib/validation/build-states";
import { DEPLOYMENT_STATES } from "@/lib/validation/deployment-states";
import { PREVIEW_STATES } from "@/lib/validation/preview-states";

const time = z.string().meta({ description: "ISO 8601 time", format: "date-time" });
const id = z.string().meta({ description: "an id Slipway gave out" });

export const roleSchema = z.enum(["viewer", "operator", "admin"]);
export const scopeSchema = z.enum(["read", "deploy", "admin"]);

export const repositorySchema = z
  .object({ id, name: z.string(), url: z.string(), appId: z.string().nullable(), createdAt: time })
  .meta({ id: "Repository" });

export const buildRuleSchema = z
  .object({
    id,
    repositoryId: id,
    name: z.string(),
    kind: z.enum(["docker", "unikernel"]),
    dockerfile: z.string(),
    contextDir: z.string(),
    archs: z.array(z.string()),
  })
  .meta({ id: "BuildRule" });

export const repositoryDetailSchema = repositorySchema.extend({ buildRules: z.array(buildRuleSchema) }).meta({ id: "RepositoryDetail" });

export const buildSchema = z
  .object({
    id,
    repositoryId: id,
    repository: z.string().meta({ description: "the repository's name" }),
    buildRuleId: id,
    buildRule: z.string().meta({ description: "the build rule's name" }),
    commit: z.object({ sha: z.string(), message: z.string().nullable(), author: z.string().nullable() }),
    refs: z.array(z.string()).meta({ description: 'the branches and pull requests it serves, e.g. "live", "pull/12"' }),
    state: z.enum(BUILD_STATES),
    reason: z.string().nullable(),
    trigger: z.string(),
    attempt: z.number().int(),
    createdAt: time,
    startedAt: time.nullable(),
    finishedAt: time.nullable(),
    releases: z.array(z.object({ id, deploymentRuleId: id, image: z.string().nullable().meta({ description: "repo:tag" }), digest: z.string().nullable() })),
  })
  .meta({ id: "Build" });

export const releaseSchema = z
  .object({
    id,
    buildId: id,
    deploymentRuleId: id,
    repositoryId: id,
    commitSha: z.string(),
    imageRepo: z.string().nullable(),
    tag: z.string().nullable(),
    digest: z.string().nullable(),
    createdAt: time,
  })
  .meta({ id: "Release" });

export const releaseProvenanceSchema = z
  .object({
    releaseId: id,
    status: z.enum(["signed", "before_signing", "unsigned"]).meta({
      description: "signed: Slipway signed it; before_signing: recorded before Slipway signed releases (deployed with a warning); unsigned: no provenance stored",
    }),
    keyId: z.string().nullable().meta({ description: "sha256 hex of the signing key's DER public key (Settings → Provenance key)" }),
    subject: z.array(z.object({ name: z.string(), sha256: z.string() })),
    repository: z.string().nullable(),
    ref: z.string().nullable(),
    commit: z.string().nullable(),
    builder: z.object({ id: z.string(), version: z.string().nullable() }).nullable(),
    startedOn: time.nullable(),
    finishedOn: time.nullable(),
    attestation: z.object({ ref: z.string().meta({ description: "repo:sha256-<hex>.att" }), digest: z.string() }).nullable(),
    statement: z.unknown().nullable().meta({ description: "the in-toto Statement v1 (SLSA provenance v1 predicate) as signed" }),
    lastCheck: z
      .object({ deploymentId: id, targetId: id, target: z.string(), result: z.enum(["verified", "unsigned_allowed", "before_signing", "failed"]), detail: z.string().nullable(), at: time })
      .nullable(),
  })
  .meta({ id: "ReleaseProvenance" });

export const deploymentRuleSchema = z
  .object({
    id,
    buildRuleId: id,
    branch: z.string(),
    image: z.string().nullable(),
    approval: z.enum(["automatic", "manual"]),
    targetIds: z.array(id),
  })
  .meta({ id: "DeploymentRule" });

export const targetSchema = z
  .object({
    id,
    name: z.string(),
    kind: z.string(),
    deploymentRuleId: id,
    pinned: z.boolean(),
    pinnedReleaseId: id.nullable(),
    liveReleaseId: id.nullable(),
    latestDeployment: z.object({ id, state: z.enum(DEPLOYMENT_STATES), releaseId: id }).nullable(),
  })
  .meta({ id: "Target" });

export const deploymentSchema = z
  .object({
    id,
    targetId: id,
    target: z.string().meta({ description: "the target's name" }),
    releaseId: id,
    commitSha: z.string(),
    state: z.enum(DEPLOYMENT_STATES),
    reason: z.string().nullable(),
    trigger: z.string(),
    requestedBy: z.string().nullable(),
    createdAt: time,
    startedAt: time.nullable(),
    finishedAt: time.nullable(),
  })
  .meta({ id: "Deployment" });

const pipelineReleaseSchema = z
  .object({
    id,
    commitSha: z.string(),
    title: z.string().meta({ description: "the commit message's first line" }),
    image: z.string().nullable().meta({ description: "repo:tag" }),
    digest: z.string().nullable(),
    artifactSha256: z.string().nullable().meta({ description: "a unikernel release's artifact" }),
    createdAt: time,
  })
  .meta({ id: "PipelineRelease" });

export const pipelineSchema = z
  .object({
    deploymentRuleId: id,
    repositoryId: id,
    repository: z.string(),
    buildRule: z.string(),
    branch: z.string(),
    stages: z.array(
      z.object({
        name: z.string(),
        position: z.number().int(),
        soakSeconds: z.number().int(),
        checkUrls: z.array(z.string()),
        approval: z.enum(["automatic", "manual"]),
        minApprovers: z.number().int(),
        confirmLevel: z.string(),
        targets: z.array(
          z.object({
            id,
            name: z.string(),
            releaseId: id.nullable().meta({ description: "what it runs now" }),
            pinned: z.boolean(),
            activeDeployment: z.object({ id, state: z.enum(DEPLOYMENT_STATES), releaseId: id, trigger: z.string() }).nullable(),
          }),
        ),
        release: pipelineReleaseSchema.nullable().meta({ description: "the release every target of the stage runs; null when they differ or run nothing" }),
        promotion: z
          .object({
            to: z.string().meta({ description: "the next stage" }),
            releaseId: id,
            promotable: z.boolean().meta({ description: "true: POST /releases/{releaseId}/promote would be accepted (once the stage's check URLs answer 2xx)" }),
            blockers: z.array(z.string()).meta({ description: "why it cannot be promoted yet, in words" }),
            soakEndsAt: time.nullable(),
            needsApproval: z.boolean().meta({ description: "the next stage's deployments wait for approval" }),
          })
          .nullable(),
      }),
    ),
    releases: z.array(pipelineReleaseSchema).meta({ description: "every release the stages' targets run or are deploying" }),
    unstagedTargets: z.array(z.string()).meta({ description: "targets of the rule in no environment: deployed from the branch, never promoted to" }),
  })
  .meta({ id: "Pipeline" });

export const promotionSchema = z
  .object({
    releaseId: id,
    from: z.string(),
    environment: z.string(),
    deployments: z.array(z.object({ id, targetId: id, target: z.string(), state: z.enum(DEPLOYMENT_STATES) })),
    message: z.string(),
  })
  .meta({ id: "Promotion" });

export const previewSchema = z
  .object({
    id,
    repositoryId: id,
    repository: z.string().meta({ description: "the repository's name" }),
    deploymentRuleId: id,
    branch: z.string().meta({ description: "the branch the pull request merges into" }),
    pullRequest: z.number().int(),
    commitSha: z.string(),
    state: z.enum(PREVIEW_STATES),
    reason: z.string().nullable(),
    service: z.string().meta({ description: "the swarm service, <service>-pr-<number>" }),
    url: z.string().nullable(),
    image: z.string().meta({ description: "repo:tag@digest" }),
    fork: z.boolean().meta({ description: "from a fork: no secrets, and each commit waits for an operator's approval" }),
    approvedBy: z.string().nullable(),
    createdAt: time,
    updatedAt: time,
    deployedAt: time.nullable(),
    expiresAt: time.nullable().meta({ description: "torn down then, unless a new push comes first" }),
    tornDownAt: time.nullable(),
  })
  .meta({ id: "Preview" });

export const auditEventSchema = z
  .object({
    id: z.string(),
    at: time,
    actor: z.string(),
    action: z.string(),
    subjectType: z.string(),
    subjectId: z.string().nullable(),
    summary: z.string(),
    details: z.unknown(),
  })
  .meta({ id: "AuditEvent" });

export const meSchema = z
  .object({
    user: z.object({ login: z.string(), role: roleSchema }),
    token: z.object({
      name: z.string(),
      scope: scopeSchema,
      repositoryIds: z.array(id).meta({ description: "empty: every repository" }),
      expiresAt: time.nullable(),
    }),
  })
  .meta({ id: "Me" });

export const messageSchema = z.object({ message: z.string() });

export type BuildJson = z.infer<typeof buildSchema>;
export type RepositoryJson = z.infer<typeof repositorySchema>;

export function iso(d: Date): string;
export function iso(d: Date | null): string | null;
export function iso(d: Date | null): string | null {
  return d ? d.toISOString() : null;
}
