// Build scheduling: which builds a moved ref needs, one build per (build rule, commit), and superseding.
//
// - A ref that moves to a commit gets, for each build rule of its repository, the build of that rule on
//   that commit. If one exists (the same commit on another ref), the ref is linked to it: built once.
// - The ref's previous commit's builds that are still queued or running, and that no other open ref
//   still points at, are superseded by the new one: queued ones at once, running ones by a cancel
//   request their runner acts on (lib/build/runner.ts).
// - Every new build gets a `build_run` job and, for GitHub repositories, a `build_check` job, in the
//   same transaction as its row.
import { randomUUID } from "node:crypto";
import type { Tx } from "@/lib/db";
import type { BuildTrigger } from "@/lib/generated/prisma/client";
import { enqueueJob } from "@/lib/jobs/enqueue";
import { env } from "@/lib/env";
import type { MovedRef } from "@/lib/services/refs";

export const ACTIVE_BUILD_STATES = ["queued", "fetching", "building", "pushing"] as const;
export const RUNNING_BUILD_STATES = ["fetching", "building", "pushing"] as const;
export type ActiveBuildState = (typeof ACTIVE_BUILD_STATES)[number];

export function isActiveBuildState(s: string): s is ActiveBuildState {
  return (ACTIVE_BUILD_STATES as readonly string[]).includes(s);
}

export interface ScheduleOptions {
  trigger: BuildTrigger;
  triggeredById?: string | null;
  /** only refs that are the branch of some deployment rule are built (default: on in local mode) */
  deploymentBranchesOnly?: boolean;
}

export interface ScheduledBuild {
  buildId: string;
  buildRuleId: string;
  refId: string;
  /** false when the ref was linked to an existing build of the same rule and commit */
  created: boolean;
}

/** Enqueues what follows a build's state change: the GitHub check run is brought up to date. */
export async function enqueueBuildFollowUps(tx: Tx, buildId: string, repositoryHasApp: boolean): Promise<void> {
  // local mode reports nothing to GitHub
  if (!repositoryHasApp || env().SLIPWAY_LOCAL) return;
  // one job per state change, no job key: the handler syncs the build's current state under a per-build
  // lock, so extra jobs are harmless, while replacing a keyed job that a worker is just taking can fail
  await enqueueJob(tx, "build_check", { buildId }, { maxAttempts: 8 });
}

/** The commit's row, created if new; safe when two deliveries bring the same new commit at once. */
export async function ensureCommit(tx: Tx, repositoryId: string, sha: string): Promise<string> {
  await tx.$executeRaw`
    INSERT INTO commits (id, repository_id, sha) VALUES (${`c${randomUUID().replace(/-/g, "").slice(0, 24)}`}, ${repositoryId}, ${sha})
    ON CONFLICT (repository_id, sha) DO NOTHING`;
  const row = await tx.commit.findUniqueOrThrow({ where: { repositoryId_sha: { repositoryId, sha } }, select: { id: true } });
  return row.id;
}

/** Creates a new attempt of (rule, commit), linked to the given refs, and enqueues its job. */
export async function createBuild(
  tx: Tx,
  args: { buildRuleId: string; commitId: string; refIds: string[]; trigger: BuildTrigger; triggeredById?: string | null; repositoryHasApp: boolean },
): Promise<string> {
  const rule = await tx.buildRule.findUniqueOrThrow({ where: { id: args.buildRuleId }, select: { timeoutSeconds: true } });
  const last = await tx.build.findFirst({
    where: { buildRuleId: args.buildRuleId, commitId: args.commitId },
    orderBy: { attempt: "desc" },
    select: { attempt: true },
  });
  const build = await tx.build.create({
    data: {
      buildRuleId: args.buildRuleId,
      commitId: args.commitId,
      attempt: (last?.attempt ?? 0) + 1,
      trigger: args.trigger,
      triggeredById: args.triggeredById ?? null,
      timeoutSeconds: rule.timeoutSeconds,
      refs: { create: args.refIds.map((refId) => ({ refId })) },
    },
    select: { id: true },
  });
  await enqueueJob(tx, "build_run", { buildId: build.id }, { jobKey: `build:${build.id}`, maxAttempts: 1 });
  await enqueueBuildFollowUps(tx, build.id, args.repositoryHasApp);
  return build.id;
}

/**
 * Marks a build superseded (queued) or asks its runner to stop (running). Returns true when it did either.
 * Call with the build row locked or freshly read in this transaction.
 */
export async function supersedeBuild(tx: Tx, buildId: string, byBuildId: string, reason: string, repositoryHasApp: boolean): Promise<boolean> {
  const queued = await tx.build.updateMany({
    where: { id: buildId, state: "queued" },
    data: { state: "superseded", supersededById: byBuildId, reason, finishedAt: new Date() },
  });
  if (queued.count > 0) {
    await enqueueBuildFollowUps(tx, buildId, repositoryHasApp);
    return true;
  }
  const running = await tx.build.updateMany({
    where: { id: buildId, state: { in: [...RUNNING_BUILD_STATES] }, cancelRequestedAt: null },
    data: { supersededById: byBuildId, reason, cancelRequestedAt: new Date() },
  });
  return running.count > 0;
}

/**
 * Schedules builds for refs that moved, in the caller's transaction (the one that moved them).
 */
export async function scheduleBuildsForMovedRefs(tx: Tx, repositoryId: string, moved: MovedRef[], opts: ScheduleOptions): Promise<ScheduledBuild[]> {
  if (moved.length === 0) return [];
  const repo = await tx.repository.findUniqueOrThrow({
    where: { id: repositoryId },
    select: {
      enabled: true,
      name: true,
      appId: true,
      buildRules: { orderBy: { position: "asc" }, select: { id: true, name: true, deploymentRules: { select: { branch: true } } } },
    },
  });
  if (!repo.enabled) return [];
  const local = env().SLIPWAY_LOCAL;
  if (local && env().SLIPWAY_LOCAL_REPOSITORY && repo.name !== env().SLIPWAY_LOCAL_REPOSITORY) return [];
  const deploymentBranchesOnly = opts.deploymentBranchesOnly ?? local;
  const hasApp = repo.appId !== null;
  const out: ScheduledBuild[] = [];
  for (const ref of moved) {
    const commitId = await ensureCommit(tx, repositoryId, ref.headSha);
    for (const rule of repo.buildRules) {
      if (deploymentBranchesOnly && !(ref.kind === "branch" && rule.deploymentRules.some((d) => d.branch === ref.name))) continue;
      // lock this (rule, commit)'s builds so two refs moving to one commit at once still build once
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`build:${rule.id}:${commitId}`})::bigint)`;
      const latest = await tx.build.findFirst({
        where: { buildRuleId: rule.id, commitId },
        orderBy: { attempt: "desc" },
        select: { id: true, state: true },
      });
      let buildId: string;
      let created = false;
      if (latest && latest.state !== "cancelled" && latest.state !== "superseded") {
        buildId = latest.id;
        await tx.buildRef.upsert({ where: { buildId_refId: { buildId, refId: ref.refId } }, create: { buildId, refId: ref.refId }, update: {} });
      } else {
        buildId = await createBuild(tx, { buildRuleId: rule.id, commitId, refIds: [ref.refId], trigger: opts.trigger, triggeredById: opts.triggeredById, repositoryHasApp: hasApp });
        created = true;
      }
      out.push({ buildId, buildRuleId: rule.id, refId: ref.refId, created });
      await supersedeOlderOnRef(tx, { refId: ref.refId, refName: ref.name, buildRuleId: rule.id, newBuildId: buildId, newSha: ref.headSha, hasApp });
    }
  }
  return out;
}

/** The ref's other active builds of this rule, on commits no open ref points at any more, give way. */
async function supersedeOlderOnRef(
  tx: Tx,
  a: { refId: string; refName: string; buildRuleId: string; newBuildId: string; newSha: string; hasApp: boolean },
): Promise<void> {
  const older = await tx.build.findMany({
    where: {
      buildRuleId: a.buildRuleId,
      id: { not: a.newBuildId },
      state: { in: [...ACTIVE_BUILD_STATES] },
      refs: { some: { refId: a.refId } },
    },
    select: { id: true, commit: { select: { sha: true } }, refs: { select: { ref: { select: { id: true, headSha: true, closedAt: true } } } } },
  });
  for (const b of older) {
    if (b.commit.sha === a.newSha) continue;
    // still the head of another open ref: that ref still wants it
    const wanted = b.refs.some((r) => r.ref.id !== a.refId && r.ref.closedAt === null && r.ref.headSha === b.commit.sha);
    if (wanted) continue;
    await supersedeBuild(tx, b.id, a.newBuildId, `superseded: ${a.refName} moved on to ${a.newSha.slice(0, 12)}`, a.hasApp);
  }
}

/**
 * A closed ref (deleted branch, closed pull request): its active builds that no open ref wants any more
 * are cancelled with that reason.
 */
export async function cancelBuildsOfClosedRef(tx: Tx, refId: string, refName: string, hasApp: boolean): Promise<number> {
  const active = await tx.build.findMany({
    where: { state: { in: [...ACTIVE_BUILD_STATES] }, refs: { some: { refId } } },
    select: { id: true, commit: { select: { sha: true } }, refs: { select: { ref: { select: { id: true, headSha: true, closedAt: true } } } } },
  });
  let n = 0;
  for (const b of active) {
    const wanted = b.refs.some((r) => r.ref.id !== refId && r.ref.closedAt === null && r.ref.headSha === b.commit.sha);
    if (wanted) continue;
    const reason = `cancelled: ${refName} was deleted or closed`;
    const q = await tx.build.updateMany({ where: { id: b.id, state: "queued" }, data: { state: "cancelled", reason, finishedAt: new Date() } });
    if (q.count === 0) await tx.build.updateMany({ where: { id: b.id, cancelRequestedAt: null }, data: { cancelRequestedAt: new Date(), reason } });
    await enqueueBuildFollowUps(tx, b.id, hasApp);
    n++;
  }
  return n;
}
