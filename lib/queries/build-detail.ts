// One build for its page: what was built, for which refs, by whom, where, how long, its other attempts
// and what it released; and the few fields the log stream follows.
import "server-only";
import { getDb } from "@/lib/db";
import type { BuildKind, BuildState, BuildTrigger, Prisma, RefKind, RepositoryProvider } from "@/lib/generated/prisma/client";
import { isRowId } from "@/lib/validation/ids";

export interface BuildReleaseRow {
  id: string;
  /** the deployment rule's branch the release is for */
  branch: string;
  imageRepo: string | null;
  tag: string | null;
  digest: string | null;
  /** arch → digest of that platform's image */
  platformDigests: { arch: string; digest: string }[];
  artifactPath: string | null;
  artifactSha256: string | null;
}

export interface BuildAttemptRow {
  id: string;
  attempt: number;
  state: BuildState;
  queuedAt: Date;
}

export interface BuildDetail {
  id: string;
  state: BuildState;
  reason: string | null;
  attempt: number;
  trigger: BuildTrigger;
  triggeredBy: string | null;
  cancelledBy: string | null;
  cancelRequestedAt: Date | null;
  queuedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  logBytes: number;
  /** the log passed SLIPWAY_LOG_MAX_MB and was cut */
  logTruncated: boolean;
  timeoutSeconds: number;
  /** the build host */
  dockerContext: { id: string; name: string } | null;
  repository: { id: string; name: string; provider: RepositoryProvider };
  /** archived: the rule (or its repository) was removed from the inventory with its history kept */
  buildRule: { id: string; name: string; kind: BuildKind; dockerfile: string; archs: string[]; archived: boolean };
  commit: { sha: string; message: string | null; author: string | null; committedAt: Date | null };
  refs: { id: string; kind: RefKind; name: string; prNumber: number | null; prTitle: string | null; closed: boolean }[];
  supersededById: string | null;
  releases: BuildReleaseRow[];
  /** every attempt of the same rule on the same commit, this one included, newest first */
  attempts: BuildAttemptRow[];
  /**
   * where a successful rebuild would deploy: the deployment rules whose branch still points at this commit
   * (as the build runner picks them), with their targets; a pinned target takes nothing
   */
  rebuildDeploysTo: { branch: string; targets: { name: string; pinned: boolean }[] }[];
}

const select = {
  id: true,
  state: true,
  reason: true,
  attempt: true,
  trigger: true,
  cancelRequestedAt: true,
  queuedAt: true,
  startedAt: true,
  finishedAt: true,
  logBytes: true,
  logTruncated: true,
  timeoutSeconds: true,
  supersededById: true,
  commitId: true,
  buildRuleId: true,
  triggeredBy: { select: { login: true } },
  cancelledBy: { select: { login: true } },
  dockerContext: { select: { id: true, name: true } },
  buildRule: { select: { id: true, name: true, kind: true, dockerfile: true, archs: true, archivedAt: true, repository: { select: { id: true, name: true, provider: true, archivedAt: true } } } },
  commit: { select: { sha: true, message: true, author: true, committedAt: true } },
  refs: {
    select: { ref: { select: { id: true, kind: true, name: true, prNumber: true, prTitle: true, closedAt: true } } },
    orderBy: { createdAt: "asc" },
  },
  releases: {
    orderBy: { createdAt: "asc" },
    select: {
      id: true,
      imageRepo: true,
      tag: true,
      digest: true,
      platformDigests: true,
      artifactPath: true,
      artifactSha256: true,
      deploymentRule: { select: { branch: true } },
    },
  },
} satisfies Prisma.BuildSelect;

/** { "amd64": "sha256:…" } as stored; anything else in the column is left out. */
export function platformDigestList(value: Prisma.JsonValue | null): { arch: string; digest: string }[] {
  if (!value || typeof value !== "object" || Array.isArray(value)) return [];
  return Object.entries(value)
    .filter((e): e is [string, string] => typeof e[1] === "string")
    .map(([arch, digest]) => ({ arch, digest }))
    .sort((a, b) => a.arch.localeCompare(b.arch));
}

export async function getBuildDetail(id: string): Promise<BuildDetail | null> {
  if (!isRowId(id)) return null; // a NUL byte would fail the lookup itself
  const db = getDb();
  const b = await db.build.findUnique({ where: { id }, select });
  if (!b) return null;
  const attempts = await db.build.findMany({
    where: { buildRuleId: b.buildRuleId, commitId: b.commitId },
    orderBy: { attempt: "desc" },
    select: { id: true, attempt: true, state: true, queuedAt: true },
    take: 50,
  });
  const heads = await db.ref.findMany({
    where: { kind: "branch", closedAt: null, headSha: b.commit.sha, builds: { some: { buildId: b.id } } },
    select: { name: true },
  });
  const rules = heads.length
    ? await db.deploymentRule.findMany({
        where: { buildRuleId: b.buildRuleId, image: { not: null }, branch: { in: heads.map((h) => h.name) } },
        orderBy: { branch: "asc" },
        select: { branch: true, targets: { orderBy: { name: "asc" }, select: { name: true, pinnedReleaseId: true } } },
      })
    : [];
  return {
    id: b.id,
    state: b.state,
    reason: b.reason,
    attempt: b.attempt,
    trigger: b.trigger,
    triggeredBy: b.triggeredBy?.login ?? null,
    cancelledBy: b.cancelledBy?.login ?? null,
    cancelRequestedAt: b.cancelRequestedAt,
    queuedAt: b.queuedAt,
    startedAt: b.startedAt,
    finishedAt: b.finishedAt,
    logBytes: b.logBytes,
    logTruncated: b.logTruncated,
    timeoutSeconds: b.timeoutSeconds,
    dockerContext: b.dockerContext,
    repository: { id: b.buildRule.repository.id, name: b.buildRule.repository.name, provider: b.buildRule.repository.provider },
    buildRule: {
      id: b.buildRule.id,
      name: b.buildRule.name,
      kind: b.buildRule.kind,
      dockerfile: b.buildRule.dockerfile,
      archs: b.buildRule.archs,
      archived: b.buildRule.archivedAt !== null || b.buildRule.repository.archivedAt !== null,
    },
    commit: b.commit,
    refs: b.refs.map(({ ref }) => ({ id: ref.id, kind: ref.kind, name: ref.name, prNumber: ref.prNumber, prTitle: ref.prTitle, closed: ref.closedAt !== null })),
    supersededById: b.supersededById,
    releases: b.releases.map((r) => ({
      id: r.id,
      branch: r.deploymentRule.branch,
      imageRepo: r.imageRepo,
      tag: r.tag,
      digest: r.digest,
      platformDigests: platformDigestList(r.platformDigests),
      artifactPath: r.artifactPath,
      artifactSha256: r.artifactSha256,
    })),
    attempts,
    rebuildDeploysTo: rules.map((r) => ({ branch: r.branch, targets: r.targets.map((t) => ({ name: t.name, pinned: t.pinnedReleaseId !== null })) })),
  };
}

export interface BuildProgress {
  state: BuildState;
  reason: string | null;
  startedAt: Date | null;
  finishedAt: Date | null;
}

/** What the log stream follows: the state, and when the build started and ended. */
export async function getBuildProgress(id: string): Promise<BuildProgress | null> {
  if (!isRowId(id)) return null; // a NUL byte would fail the lookup itself
  return getDb().build.findUnique({ where: { id }, select: { state: true, reason: true, startedAt: true, finishedAt: true } });
}
