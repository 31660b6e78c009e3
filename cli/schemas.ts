// The API's objects as this command line reads them (docs/api.md, /api/v1/openapi.json): only the fields it
// uses are checked; every other field is kept, so that --json prints the server's document whole.
import { z } from "zod";

const id = z.string().min(1);
const when = z.string();
const nullableWhen = when.nullable().optional();

export const meSchema = z.looseObject({
  user: z.looseObject({ login: z.string(), role: z.string() }),
  token: z.looseObject({ name: z.string(), scope: z.string(), repositoryIds: z.array(z.string()).optional(), expiresAt: z.string().nullable().optional() }),
});

export const buildSchema = z.looseObject({
  id,
  repository: z.string(),
  buildRule: z.string().nullable().optional(),
  commit: z.looseObject({ sha: z.string(), message: z.string().nullable().optional(), author: z.string().nullable().optional() }),
  refs: z.array(z.string()).default([]),
  state: z.string(),
  reason: z.string().nullable().optional(),
  trigger: z.string().nullable().optional(),
  attempt: z.number().optional(),
  createdAt: when,
  startedAt: nullableWhen,
  finishedAt: nullableWhen,
  releases: z.array(z.looseObject({ id, deploymentRuleId: z.string().nullable().optional(), image: z.string().optional(), digest: z.string().optional() })).default([]),
});
export type Build = z.infer<typeof buildSchema>;

export const releaseSchema = z.looseObject({
  id,
  buildId: z.string().optional(),
  deploymentRuleId: z.string().nullable().optional(),
  commitSha: z.string(),
  imageRepo: z.string().optional(),
  tag: z.string().nullable().optional(),
  digest: z.string().optional(),
  createdAt: when.optional(),
});
export type Release = z.infer<typeof releaseSchema>;

export const targetSchema = z.looseObject({
  id,
  name: z.string(),
  kind: z.string(),
  deploymentRuleId: z.string().nullable().optional(),
  pinned: z.boolean(),
  pinnedReleaseId: z.string().nullable().optional(),
  liveReleaseId: z.string().nullable().optional(),
  latestDeployment: z.looseObject({ id, state: z.string(), releaseId: z.string().nullable().optional() }).nullable().optional(),
});
export type Target = z.infer<typeof targetSchema>;

export const deploymentSchema = z.looseObject({
  id,
  targetId: z.string(),
  target: z.string(),
  releaseId: z.string(),
  commitSha: z.string().nullable().optional(),
  state: z.string(),
  reason: z.string().nullable().optional(),
  trigger: z.string().nullable().optional(),
  requestedBy: z.string().nullable().optional(),
  createdAt: when,
  startedAt: nullableWhen,
  finishedAt: nullableWhen,
});
export type Deployment = z.infer<typeof deploymentSchema>;

export const messageSchema = z.looseObject({ message: z.string() });
export const deployAnswerSchema = z.looseObject({ deploymentId: id, state: z.string().optional(), message: z.string() });

export const importAnswerSchema = z.looseObject({
  dryRun: z.boolean(),
  message: z.string(),
  changes: z.array(z.unknown()),
});
