// The fields of GitHub webhook payloads Slipway uses, and their normalization into one event shape.
import { z } from "zod";

const sha = z.string().regex(/^[0-9a-f]{40}$/);
const repo = z.object({ full_name: z.string().min(3), id: z.number().int(), owner: z.object({ login: z.string() }) });
const installation = z.object({ id: z.number().int() }).optional();
const base = { repository: repo, installation };

export const pushPayload = z.object({ ...base, ref: z.string().min(1), after: sha, deleted: z.boolean().default(false), head_commit: z.object({ message: z.string() }).nullish(), pusher: z.object({ name: z.string() }).optional() });
export const pullRequestPayload = z.object({ ...base, action: z.string(), number: z.number().int(), pull_request: z.object({ head: z.object({ sha, ref: z.string() }), title: z.string(), user: z.object({ login: z.string() }) }) });
export const createPayload = z.object({ ...base, ref: z.string(), ref_type: z.string() });
export const checkRunPayload = z.object({ ...base, action: z.string(), check_run: z.object({ id: z.number().int(), head_sha: sha, check_suite: z.object({ head_branch: z.string().nullable() }).optional() }) });
export const checkSuitePayload = z.object({ ...base, action: z.string(), check_suite: z.object({ head_sha: sha, head_branch: z.string().nullable() }) });

export const normalizedEvent = z.object({
  deliveryId: z.string().min(1).max(100),
  repositoryId: z.string().min(1).max(64),
  kind: z.enum(["push", "branch_deleted", "pull_request", "pr_closed", "rerun"]),
  branch: z.string().max(1000).optional(),
  prNumber: z.number().int().optional(),
  headSha: z.string().regex(/^[0-9a-f]{40}$/).optional(),
  title: z.string().max(1000).optional(),
  author: z.string().max(200).optional(),
  checkRunId: z.number().int().optional(),
}).strict();
export type NormalizedEvent = z.infer<typeof normalizedEvent>;
