// The registry of /api/v1: every operation with its method, path, role and schemas. Each app/api/v1 route.ts
// binds one of these to a handler with apiRoute (lib/api/route.ts); the OpenAPI document, the console's API
// page and the tests read this list. Add an operation here first, then its route.
import { z } from "zod";
import { defineOperation, type Operation } from "@/lib/api/operation";
import { pageOf, pageQuery } from "@/lib/api/pagination";
import { rowId } from "@/lib/validation/ids";
import { doraReportSchema } from "@/lib/validation/dora";
import { buildStateFilters } from "@/lib/validation/build-filters";
import {
  auditEventSchema,
  buildSchema,
  buildRuleSchema,
  deploymentRuleSchema,
  deploymentSchema,
  meSchema,
  messageSchema,
  pipelineSchema,
  promotionSchema,
  previewSchema,
  releaseSchema,
  releaseProvenanceSchema,
  repositoryDetailSchema,
  repositorySchema,
  targetSchema,
} from "@/lib/api/v1/objects";
import { DEPLOYMENT_STATES } from "@/lib/validation/deployment-states";
import { PREVIEW_STATES } from "@/lib/validation/preview-states";

const idParams = z.object({ id: rowId });
const blank = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : typeof v === "string" ? v.trim() : v);

/** `repository=` in a filter: a repository's id or its name ("owner/name"). */
export const repositoryFilter = z.preprocess(
  blank,
  z
    .string()
    .max(200, "is too long for a repository id or name")
    .regex(/^[^\s\u0000-\u001f]+$/, "a repository id or name has no spaces or control characters, e.g. ocurrent/ocaml.org")
    .optional()
    .meta({ description: 'a repository\'s id or name, e.g. "ocurrent/ocaml.org"' }),
);

export const openapiDocument = defineOperation({
  id: "getOpenApiDocument",
  method: "GET",
  path: "/openapi.json",
  tag: "API",
  summary: "This API's OpenAPI 3.1 document (no token needed)",
  role: null,
  response: { contentType: "application/json", description: "the OpenAPI 3.1 document" },
});

export const getMe = defineOperation({
  id: "getMe",
  method: "GET",
  path: "/me",
  tag: "API",
  summary: "Who the token belongs to, and what it may do",
  role: "viewer",
  response: meSchema,
});

export const listRepositories = defineOperation({
  id: "listRepositories",
  method: "GET",
  path: "/repositories",
  tag: "Repositories",
  summary: "Repositories, by name",
  role: "viewer",
  query: z.object({ ...pageQuery }),
  response: pageOf(repositorySchema),
});

export const getRepository = defineOperation({
  id: "getRepository",
  method: "GET",
  path: "/repositories/{id}",
  tag: "Repositories",
  summary: "One repository with its build rules",
  role: "viewer",
  params: idParams,
  subject: { kind: "repository", param: "id" },
  response: repositoryDetailSchema,
});

export const getBuildRule = defineOperation({
  id: "getBuildRule",
  method: "GET",
  path: "/build-rules/{id}",
  tag: "Repositories",
  summary: "One build rule",
  role: "viewer",
  params: idParams,
  subject: { kind: "buildRule", param: "id" },
  response: buildRuleSchema,
});

export const listBuildsOp = defineOperation({
  id: "listBuilds",
  method: "GET",
  path: "/builds",
  tag: "Builds",
  summary: "Builds, newest first, filtered",
  role: "viewer",
  query: z.object({
    repository: repositoryFilter,
    state: z.preprocess(blank, z.enum(buildStateFilters, { error: `must be one of: ${buildStateFilters.join(", ")}` }).optional()),
    ref: z.preprocess(
      blank,
      z
        .string()
        .max(255, "is too long for a branch name")
        .regex(/^[^\s\u0000-\u001f~^:?*[\\]+$/, 'must be a branch (e.g. "live") or a pull request ("pull/12")')
        .optional()
        .meta({ description: 'a branch ("live") or a pull request ("pull/12")' }),
    ),
    commit: z.preprocess(
      blank,
      z
        .string()
        .regex(/^[0-9a-fA-F]{7,64}$/, "must be a commit sha or its first 7 or more hex digits")
        .transform((s) => s.toLowerCase())
        .optional(),
    ),
    ...pageQuery,
  }),
  response: pageOf(buildSchema),
});

export const getBuildOp = defineOperation({
  id: "getBuild",
  method: "GET",
  path: "/builds/{id}",
  tag: "Builds",
  summary: "One build",
  role: "viewer",
  params: idParams,
  subject: { kind: "build", param: "id" },
  response: buildSchema,
});

const commitPrefix = z.preprocess(
  blank,
  z
    .string()
    .regex(/^[0-9a-fA-F]{7,64}$/, "must be a commit sha or its first 7 or more hex digits")
    .transform((s) => s.toLowerCase())
    .optional()
    .meta({ description: "a commit sha or its first 7 or more hex digits" }),
);

/** `target=` in a filter: a target's id or its name. */
const targetFilter = z.preprocess(
  blank,
  z
    .string()
    .max(200, "is too long for a target id or name")
    .regex(/^[^\s\u0000-\u001f]+$/, "a target id or name has no spaces or control characters")
    .optional()
    .meta({ description: "a target's id or name" }),
);

const optionalRowId = z.preprocess(blank, rowId.optional());

export const rebuildBuildOp = defineOperation({
  id: "rebuildBuild",
  method: "POST",
  path: "/builds/{id}/rebuild",
  tag: "Builds",
  summary: "Queue the next attempt of a build (same rule, same commit, same refs)",
  role: "operator",
  params: idParams,
  subject: { kind: "build", param: "id" },
  status: 202,
  response: z.object({ buildId: z.string(), message: z.string() }),
});

export const cancelBuildOp = defineOperation({
  id: "cancelBuild",
  method: "POST",
  path: "/builds/{id}/cancel",
  tag: "Builds",
  summary: "Cancel a queued or running build",
  role: "operator",
  params: idParams,
  subject: { kind: "build", param: "id" },
  status: 202,
  response: messageSchema,
});

export const buildLogOp = defineOperation({
  id: "getBuildLog",
  method: "GET",
  path: "/builds/{id}/log",
  tag: "Builds",
  summary: "The build log as text (streamed); with follow=1 the answer stays open and streams new lines until the build ends",
  role: "viewer",
  params: idParams,
  subject: { kind: "build", param: "id" },
  query: z.object({
    follow: z.preprocess(blank, z.enum(["0", "1", "true", "false"], { error: "must be 1 (follow) or 0" }).optional().meta({ description: "1: keep streaming until the build ends" })),
  }),
  response: { contentType: "text/plain", description: "the build's log so far, secrets masked" },
});

export const listReleasesOp = defineOperation({
  id: "listReleases",
  method: "GET",
  path: "/releases",
  tag: "Releases",
  summary: "Releases, newest first",
  role: "viewer",
  query: z.object({
    repository: repositoryFilter,
    commit: commitPrefix,
    deploymentRule: optionalRowId.meta({ description: "a deployment rule's id" }),
    ...pageQuery,
  }),
  response: pageOf(releaseSchema),
});

export const getReleaseOp = defineOperation({
  id: "getRelease",
  method: "GET",
  path: "/releases/{id}",
  tag: "Releases",
  summary: "One release",
  role: "viewer",
  params: idParams,
  subject: { kind: "release", param: "id" },
  response: releaseSchema,
});

export const getReleaseProvenanceOp = defineOperation({
  id: "getReleaseProvenance",
  method: "GET",
  path: "/releases/{id}/provenance",
  tag: "Releases",
  summary: "A release's signed provenance and its last check",
  role: "viewer",
  params: idParams,
  subject: { kind: "release", param: "id" },
  response: releaseProvenanceSchema,
});

export const getDeploymentRuleOp = defineOperation({
  id: "getDeploymentRule",
  method: "GET",
  path: "/deployment-rules/{id}",
  tag: "Targets",
  summary: "One deployment rule with its targets",
  role: "viewer",
  params: idParams,
  subject: { kind: "deploymentRule", param: "id" },
  response: deploymentRuleSchema,
});

export const listTargetsOp = defineOperation({
  id: "listTargets",
  method: "GET",
  path: "/targets",
  tag: "Targets",
  summary: "Targets, by name",
  role: "viewer",
  query: z.object({ repository: repositoryFilter, ...pageQuery }),
  response: pageOf(targetSchema),
});

export const getTargetOp = defineOperation({
  id: "getTarget",
  method: "GET",
  path: "/targets/{id}",
  tag: "Targets",
  summary: "One target",
  role: "viewer",
  params: idParams,
  subject: { kind: "target", param: "id" },
  response: targetSchema,
});

export const deployTargetOp = defineOperation({
  id: "deployToTarget",
  method: "POST",
  path: "/targets/{id}/deploy",
  tag: "Targets",
  summary: "Deploy a release of the target's rule (it may wait for approval)",
  role: "operator",
  params: idParams,
  subject: { kind: "target", param: "id" },
  body: z.object({ releaseId: rowId }).strict(),
  status: 202,
  response: z.object({ deploymentId: z.string(), state: z.enum(DEPLOYMENT_STATES), message: z.string() }),
});

export const rollbackTargetOp = defineOperation({
  id: "rollbackTarget",
  method: "POST",
  path: "/targets/{id}/rollback",
  tag: "Targets",
  summary: "Roll back to a release (default: the last one that deployed well before the current one) and pin the target there",
  role: "operator",
  params: idParams,
  subject: { kind: "target", param: "id" },
  body: z.object({ releaseId: rowId.optional() }).strict(),
  status: 202,
  response: z.object({ deploymentId: z.string(), message: z.string() }),
});

export const pinTargetOp = defineOperation({
  id: "pinTarget",
  method: "POST",
  path: "/targets/{id}/pin",
  tag: "Targets",
  summary: "Pin the target to a release (default: the one running there); its branch then deploys nothing there",
  role: "operator",
  params: idParams,
  subject: { kind: "target", param: "id" },
  body: z.object({ releaseId: rowId.optional() }).strict(),
  response: messageSchema,
});

export const unpinTargetOp = defineOperation({
  id: "unpinTarget",
  method: "POST",
  path: "/targets/{id}/unpin",
  tag: "Targets",
  summary: "Let the target follow its branch again",
  role: "operator",
  params: idParams,
  subject: { kind: "target", param: "id" },
  response: messageSchema,
});

export const listDeploymentsOp = defineOperation({
  id: "listDeployments",
  method: "GET",
  path: "/deployments",
  tag: "Deployments",
  summary: "Deployments, newest first",
  role: "viewer",
  query: z.object({
    target: targetFilter,
    repository: repositoryFilter,
    state: z.preprocess(blank, z.enum(DEPLOYMENT_STATES, { error: `must be one of: ${DEPLOYMENT_STATES.join(", ")}` }).optional()),
    ...pageQuery,
  }),
  response: pageOf(deploymentSchema),
});

export const getDeploymentOp = defineOperation({
  id: "getDeployment",
  method: "GET",
  path: "/deployments/{id}",
  tag: "Deployments",
  summary: "One deployment (poll it to wait for the end: succeeded, failed, rolled_back, cancelled, superseded)",
  role: "viewer",
  params: idParams,
  subject: { kind: "deployment", param: "id" },
  response: deploymentSchema,
});

export const deploymentLogOp = defineOperation({
  id: "getDeploymentLog",
  method: "GET",
  path: "/deployments/{id}/log",
  tag: "Deployments",
  summary: "The deployment's log as text; with follow=1 the answer stays open and streams new lines until the deployment ends",
  role: "viewer",
  params: idParams,
  subject: { kind: "deployment", param: "id" },
  query: z.object({
    follow: z.preprocess(blank, z.enum(["0", "1", "true", "false"], { error: "must be 1 (follow) or 0" }).optional().meta({ description: "1: keep streaming until the deployment ends" })),
  }),
  response: { contentType: "text/plain", description: "the log, secrets masked" },
});

export const listApprovalsOp = defineOperation({
  id: "listApprovals",
  method: "GET",
  path: "/approvals",
  tag: "Approvals",
  summary: "Deployments waiting for approval, newest first",
  role: "viewer",
  query: z.object({ ...pageQuery }),
  response: pageOf(deploymentSchema),
});

export const listPipelinesOp = defineOperation({
  id: "listPipelines",
  method: "GET",
  path: "/environments/pipeline",
  tag: "Environments",
  summary: "Deployment rules with environments: their stages in order, the release on each, and why it cannot be promoted yet",
  description: "A stage's check URLs are not asked here; they are asked when a release is promoted.",
  role: "viewer",
  query: z.object({ deploymentRule: z.preprocess(blank, rowId.optional().meta({ description: "a deployment rule id: its pipeline only" })) }),
  response: z.object({ pipelines: z.array(pipelineSchema) }),
});

export const promoteReleaseOp = defineOperation({
  id: "promoteRelease",
  method: "POST",
  path: "/releases/{id}/promote",
  tag: "Environments",
  summary: "Promote a release to the next environment: the same digest (or unikernel sha256), never a rebuild",
  description:
    "Refused (409, nothing changed) unless every target of the stage before runs the release after a succeeded deployment, its soak time has passed and its check URLs answer 2xx. The deployments may wait for approval under the environment's policy.",
  role: "operator",
  params: idParams,
  subject: { kind: "release", param: "id" },
  body: z.object({ environment: z.string().max(63).meta({ description: "the environment to promote to, e.g. production" }) }).strict(),
  status: 202,
  response: promotionSchema,
});

const decisionBody = z
  .object({ comment: z.string().max(2000, "is longer than 2,000 characters").optional().meta({ description: "why; kept with the decision" }) })
  .strict();

export const approveOp = defineOperation({
  id: "approveDeployment",
  method: "POST",
  path: "/approvals/{deploymentId}/approve",
  tag: "Approvals",
  summary: "Approve a deployment that waits for approval",
  role: "operator",
  params: z.object({ deploymentId: rowId }),
  subject: { kind: "deployment", param: "deploymentId" },
  body: decisionBody,
  response: z.object({ message: z.string(), state: z.enum(DEPLOYMENT_STATES) }),
});

export const rejectOp = defineOperation({
  id: "rejectDeployment",
  method: "POST",
  path: "/approvals/{deploymentId}/reject",
  tag: "Approvals",
  summary: "Reject a deployment that waits for approval (it is cancelled)",
  role: "operator",
  params: z.object({ deploymentId: rowId }),
  subject: { kind: "deployment", param: "deploymentId" },
  body: decisionBody,
  response: messageSchema,
});

export const listPreviewsOp = defineOperation({
  id: "listPreviews",
  method: "GET",
  path: "/previews",
  tag: "Previews",
  summary: "Pull request previews: those up or on their way, then those torn down in the last week",
  description: "At most 200, in one page (nextCursor is always null): a rule's cap keeps the live ones few.",
  role: "viewer",
  query: z.object({ state: z.preprocess(blank, z.enum(PREVIEW_STATES, { error: `must be one of: ${PREVIEW_STATES.join(", ")}` }).optional()) }),
  response: pageOf(previewSchema),
});

export const tearDownPreviewOp = defineOperation({
  id: "tearDownPreview",
  method: "POST",
  path: "/previews/{id}/teardown",
  tag: "Previews",
  summary: "Remove a preview's service now (the pull request's next push brings it back)",
  role: "operator",
  params: idParams,
  subject: { kind: "preview", param: "id" },
  status: 202,
  response: messageSchema,
});

export const approvePreviewOp = defineOperation({
  id: "approvePreview",
  method: "POST",
  path: "/previews/{id}/approve",
  tag: "Previews",
  summary: "Let a fork's pull request's commit run its preview (without secrets)",
  role: "operator",
  params: idParams,
  subject: { kind: "preview", param: "id" },
  status: 202,
  response: z.object({ message: z.string(), state: z.enum(PREVIEW_STATES) }),
});

const auditFilterQuery = {
  actor: z.string().max(200).optional().meta({ description: "a login or user id, or an actor label" }),
  action: z.string().max(200).optional().meta({ description: 'an action ("deployment.approved"), or a prefix ending in "." ("deployment.")' }),
  subjectType: z.string().max(200).optional(),
  subjectId: z.string().max(200).optional(),
  from: z.string().max(40).optional().meta({ description: "from this time on: 2026-11-24, 2026-11-24T10:00 or ISO 8601" }),
  to: z.string().max(40).optional().meta({ description: "before this time" }),
};

export const listAuditOp = defineOperation({
  id: "listAuditEvents",
  method: "GET",
  path: "/audit",
  tag: "Audit",
  summary: "Audit events, newest first, with the Audit page's filters",
  description: "A token limited to some repositories cannot read the audit log (it spans every repository).",
  role: "viewer",
  allRepositories: true,
  query: z.object({ ...auditFilterQuery, ...pageQuery }),
  response: pageOf(auditEventSchema),
});

export const exportAuditOp = defineOperation({
  id: "exportAuditEvents",
  method: "GET",
  path: "/audit/export",
  tag: "Audit",
  summary: "Every matching audit event as CSV or JSON, streamed",
  role: "operator",
  allRepositories: true,
  query: z.object({ ...auditFilterQuery, format: z.preprocess(blank, z.enum(["csv", "json"], { error: "must be csv or json" }).default("csv")) }),
  response: { contentType: "text/csv", description: "CSV (format=csv) or a JSON array (format=json)" },
});

export const doraOp = defineOperation({
  id: "getDoraReport",
  method: "GET",
  path: "/dora",
  tag: "DORA",
  summary: "The four DORA figures for a period, overall, week by week and per app, repository and target",
  description:
    "The figures the DORA page shows. A token limited to some repositories must name one of them (repository=) or a target of one of them (target=).",
  role: "viewer",
  query: z.object({
    period: z.preprocess(blank, z.enum(["7", "30", "90"], { error: "must be 7, 30 or 90 (days)" }).optional().meta({ description: "days; 30 when not given" })),
    repository: z.preprocess(blank, rowId.optional().meta({ description: "a repository id: its figures only" })),
    target: z.preprocess(blank, rowId.optional().meta({ description: "a target id: its figures only" })),
  }),
  response: doraReportSchema,
});

export const exportInventoryOp = defineOperation({
  id: "exportInventory",
  method: "GET",
  path: "/inventory",
  tag: "Inventory",
  summary: "The whole inventory as slipway.yml (secrets by name only)",
  role: "admin",
  allRepositories: true,
  response: { contentType: "text/yaml", description: "slipway.yml" },
});

export const importInventoryOp = defineOperation({
  id: "importInventory",
  method: "POST",
  path: "/inventory/import",
  tag: "Inventory",
  summary: "Import slipway.yml (dryRun=1: only say what would change)",
  role: "admin",
  allRepositories: true,
  query: z.object({ dryRun: z.preprocess(blank, z.enum(["0", "1", "true", "false"], { error: "must be 1 (dry run) or 0" }).optional().meta({ description: "1: change nothing, answer the plan" })) }),
  body: { contentType: "text/yaml", description: "the contents of slipway.yml (Content-Type: text/yaml)" },
  response: z.object({
    dryRun: z.boolean(),
    changes: z.array(z.unknown()).meta({ description: "each change: what is created, changed or removed" }),
    counts: z.object({ create: z.number().int(), update: z.number().int(), delete: z.number().int() }),
    planId: z.string(),
    message: z.string(),
  }),
});

/** Every operation, in the order the document and the console page show them. */
export const operations: Operation[] = [
  openapiDocument,
  getMe,
  listRepositories,
  getRepository,
  getBuildRule,
  listBuildsOp,
  getBuildOp,
  doraOp,
  buildLogOp,
  rebuildBuildOp,
  cancelBuildOp,
  listReleasesOp,
  getReleaseOp,
  getReleaseProvenanceOp,
  getDeploymentRuleOp,
  listTargetsOp,
  getTargetOp,
  deployTargetOp,
  rollbackTargetOp,
  pinTargetOp,
  unpinTargetOp,
  listPipelinesOp,
  promoteReleaseOp,
  listDeploymentsOp,
  getDeploymentOp,
  deploymentLogOp,
  listApprovalsOp,
  approveOp,
  rejectOp,
  listPreviewsOp,
  tearDownPreviewOp,
  approvePreviewOp,
  listAuditOp,
  exportAuditOp,
  exportInventoryOp,
  importInventoryOp,
];
