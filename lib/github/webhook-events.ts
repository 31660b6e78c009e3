// The fields of GitHub webhook payloads Slipway uses, and their normalization into one event shape. Every
// field the worker stores is checked here, at receipt: a value the database or git cannot take (a NUL byte,
// a ref git would refuse, a number beyond its column) is a 400 naming the field, never a job that fails later.
import { z } from "zod";
import { branchNameProblem } from "@/lib/validation/inventory-fields";

/** GitHub's "no commit": the `before` of a created branch, the `after` of a deleted one. */
export const ZERO_SHA = "0000000000000000000000000000000000000000";

const sha = z.string().regex(/^[0-9a-f]{40}$/, "must be a 40-character commit id");
/** The largest value of a PostgreSQL integer column (pull request numbers are stored in one). */
export const PG_INT_MAX = 2_147_483_647;
/** GitHub ids (repositories, installations, check runs) are stored as bigint; JSON gives them as numbers. */
const githubId = z.number().int("must be a whole number").positive("must be positive").max(Number.MAX_SAFE_INTEGER, "is too large");

const CONTROL = /[\u0000-\u001f\u007f]/;
/** A name or login: one line, no control characters, bounded. */
const name = (max: number) =>
  z.string().min(1, "must not be empty").max(max, `has at most ${max} characters`).refine((s) => !CONTROL.test(s), "must not contain control characters (NUL, newline, tab, ...)");
/** Free text shown in the console (a commit's first line, a pull request title): NUL refused, other control characters become spaces. */
const text = (max: number) =>
  z
    .string()
    .refine((s) => !s.includes("\u0000"), "must not contain a NUL byte")
    .transform((s) => s.replace(/[\u0001-\u001f\u007f]/g, " ").slice(0, max));
/** A branch as git's check-ref-format takes it (refs/heads/<branch>). */
const branch = z.string().superRefine((s, ctx) => {
  const problem = branchNameProblem(s);
  if (problem) ctx.addIssue({ code: "custom", message: `branch name ${problem}` });
});

const repo = z.object({ full_name: name(140), id: githubId, owner: z.object({ login: name(100) }), private: z.boolean().optional() });
const installation = z.object({ id: githubId }).optional();
const base = { repository: repo, installation };
const action = name(100);

export const pushPayload = z.object({
  ...base,
  ref: name(300),
  before: sha.optional(),
  after: sha,
  created: z.boolean().default(false),
  deleted: z.boolean().default(false),
  forced: z.boolean().default(false),
  head_commit: z.object({ message: text(1000) }).nullish(),
  pusher: z.object({ name: name(200) }).optional(),
});
export const pullRequestPayload = z.object({
  ...base,
  action,
  number: z.number().int("must be a whole number").min(1, "must be at least 1").max(PG_INT_MAX, `must be at most ${PG_INT_MAX}`),
  before: sha.optional(),
  after: sha.optional(),
  pull_request: z.object({
    // head.repo is null when the fork was deleted; base.repo is the repository the webhook is about
    head: z.object({ sha, ref: name(255), repo: z.object({ full_name: name(140) }).nullish() }),
    base: z.object({ ref: name(255), repo: z.object({ full_name: name(140) }).optional() }).optional(),
    title: text(1000),
    user: z.object({ login: name(100) }),
  }),
});
export const createPayload = z.object({ ...base, ref: name(300), ref_type: name(50) });
export const checkRunPayload = z.object({ ...base, action, check_run: z.object({ id: githubId, head_sha: sha, check_suite: z.object({ head_branch: name(255).nullable() }).optional() }) });
export const checkSuitePayload = z.object({ ...base, action, check_suite: z.object({ head_sha: sha, head_branch: name(255).nullable() }) });

/** The branch of a `refs/heads/...` ref, checked as git checks it. */
export const branchOfRef = branch;

export const normalizedEvent = z
  .object({
    deliveryId: z.string().min(1).max(100),
    repositoryId: z.string().min(1).max(64),
    kind: z.enum(["push", "branch_deleted", "pull_request", "pr_closed", "rerun"]),
    /** webhook_deliveries.id: the receipt order of the delivery (absent on jobs queued before it existed) */
    seq: z.number().int().positive().optional(),
    branch: branch.optional(),
    prNumber: z.number().int().min(1).max(PG_INT_MAX).optional(),
    headSha: sha.optional(),
    /** the head the event says the ref moved from (ZERO_SHA: it did not exist) */
    before: sha.optional(),
    /** not a fast-forward: GitHub's `forced`, or a branch created or deleted */
    forced: z.boolean().optional(),
    title: z.string().max(1000).refine((s) => !s.includes("\u0000")).optional(),
    author: name(200).optional(),
    checkRunId: githubId.optional(),
    /** pull requests: the branch it asks to merge into (a preview runs when it is a deployment rule's branch) */
    baseBranch: branch.optional(),
    /** pull requests: the head is in another repository (or one that was deleted): no secrets, approval first */
    fork: z.boolean().optional(),
  })
  .strict();
export type NormalizedEvent = z.infer<typeof normalizedEvent>;
