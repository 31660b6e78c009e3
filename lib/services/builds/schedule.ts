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
import type { MovedRef, RefChanges } from "@/lib/services/refs";
import { tearDownPreviewsOfClosedPr } from "@/lib/services/previews/schedule";

import { ACTIVE_BUILD_STATES, RUNNING_BUILD_STATES } from "@/lib/validation/build-states";
export { ACTIVE_BUILD_STATES, RUNNING_BUILD_STATES, isActiveBuildState } from "@/lib/validation/build-states";

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
  // a build that failed or succeeded is announced to the channels subscribed to build.failed / build.succeeded, once
  // (a success only when some channel hears it: most builds succeed, and most channels do not want them)
  const { state } = await tx.build.findUniqueOrThrow({ where: { id: buildId }, select: { state: true } });
  const announce = state === "failed" || (state === "succeeded" && (await tx.notificationChannel.count({ where: { enabled: true, events: { has: "build.succeeded" } } })) > 0);
  if (announce) await enqueueJob(tx, "build_notify", { buildId }, { jobKey: `build_notify:${buildId}`, jobKeyMode: "preserve_run_at", maxAttempts: 5 });
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
 * Locks (build rule, commit) until the transaction ends, so two triggers for the same commit never create
 * two builds, and returns its latest attempt.
 */
export async function lockLatestAttempt(tx: Tx, buildRuleId: string, commitId: string) {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`build:${buildRuleId}:${commitId}`})::bigint)`;
  return tx.build.findFirst({ where: { buildRuleId, commitId }, orderBy: { attempt: "desc" }, select: { id: true, attempt: true, state: true } });
}

/** Records that the build serves this ref too (idempotent). */
export async function linkRef(tx: Tx, buildId: string, refId: string): Promise<void> {
  await tx.buildRef.upsert({ where: { buildId_refId: { buildId, refId } }, create: { buildId, refId }, update: {} });
}

export interface StopFields {
  state: "cancelled" | "superseded";
  reason: string;
  supersededById?: string;
  cancelledById?: string | null;
}

/**
 * Stops a build: a queued one ends at once in `stop.state`; a running one gets a stop request that its
 * runner (lib/build/runner.ts) acts on by aborting the daemon-side build. Returns what happened: "ended",
 * "requested", or null when the build had already ended or been asked to stop.
 */
export async function stopBuild(tx: Tx, buildId: string, stop: StopFields, repositoryHasApp: boolean): Promise<"ended" | "requested" | null> {
  const now = new Date();
  const fields = { reason: stop.reason, supersededById: stop.supersededById, cancelledById: stop.cancelledById, cancelRequestedAt: now };
  const queued = await tx.build.updateMany({ where: { id: buildId, state: "queued" }, data: { ...fields, state: stop.state, finishedAt: now } });
  if (queued.count > 0) {
    await enqueueBuildFollowUps(tx, buildId, repositoryHasApp);
    return "ended";
  }
  const running = await tx.build.updateMany({ where: { id: buildId, state: { in: [...RUNNING_BUILD_STATES] }, cancelRequestedAt: null }, data: fields });
  return running.count > 0 ? "requested" : null;
}

/** A build still pointed at by an open ref other than `refId`: that ref still wants it. */
function wantedElsewhere(b: { commit: { sha: string }; refs: Array<{ ref: { id: string; headSha: string; closedAt: Date | null } }> }, refId: string): boolean {
  return b.refs.some((r) => r.ref.id !== refId && r.ref.closedAt === null && r.ref.headSha === b.commit.sha);
}

const activeWithRefs = {
  id: true,
  commit: { select: { sha: true } },
  refs: { select: { ref: { select: { id: true, headSha: true, closedAt: true } } } },
} as const;

/**
 * Schedules builds for refs that moved, in the caller's transaction (the one that moved them).
 */
export async function scheduleBuildsForMovedRefs(tx: Tx, repositoryId: string, moved: MovedRef[], opts: ScheduleOptions): Promise<ScheduledBuild[]> {
  if (moved.length === 0) return [];
  const repo = await tx.repository.findUniqueOrThrow({
    where: { id: repositoryId },
    select: {
      enabled: true,
      archivedAt: true,
      name: true,
      appId: true,
      buildRules: {
        where: { archivedAt: null },
        orderBy: { position: "asc" },
        select: { id: true, name: true, deploymentRules: { where: { archivedAt: null }, select: { branch: true } } },
      },
    },
  });
  if (!repo.enabled || repo.archivedAt) return [];
  const local = env().SLIPWAY_LOCAL;
  if (local && env().SLIPWAY_LOCAL_REPOSITORY && repo.name !== env().SLIPWAY_LOCAL_REPOSITORY) return [];
  const deploymentBranchesOnly = opts.deploymentBranchesOnly ?? local;
  const hasApp = repo.appId !== null;
  const out: ScheduledBuild[] = [];
  for (const ref of moved) {
    const commitId = await ensureCommit(tx, repositoryId, ref.headSha);
    for (const rule of repo.buildRules) {
      if (deploymentBranchesOnly && !(ref.kind === "branch" && rule.deploymentRules.some((d) => d.branch === ref.name))) continue;
      // built, building or failed already (the same commit on another ref): link it; stopped: build again
      const latest = await lockLatestAttempt(tx, rule.id, commitId);
      let buildId: string;
      let created = false;
      if (latest && latest.state !== "cancelled" && latest.state !== "superseded") {
        buildId = latest.id;
        await linkRef(tx, buildId, ref.refId);
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
    where: { buildRuleId: a.buildRuleId, id: { not: a.newBuildId }, state: { in: [...ACTIVE_BUILD_STATES] }, refs: { some: { refId: a.refId } } },
    select: activeWithRefs,
  });
  for (const b of older) {
    if (b.commit.sha === a.newSha || wantedElsewhere(b, a.refId)) continue;
    const reason = `superseded: ${a.refName} moved on to ${a.newSha.slice(0, 12)}`;
    await stopBuild(tx, b.id, { state: "superseded", reason, supersededById: a.newBuildId }, a.hasApp);
  }
}

/**
 * A closed ref (deleted branch, closed pull request): its active builds that no open ref wants any more
 * are cancelled with that reason.
 */
export async function cancelBuildsOfClosedRef(tx: Tx, refId: string, refName: string, hasApp: boolean): Promise<number> {
  const active = await tx.build.findMany({ where: { state: { in: [...ACTIVE_BUILD_STATES] }, refs: { some: { refId } } }, select: activeWithRefs });
  let n = 0;
  for (const b of active) {
    if (wantedElsewhere(b, refId)) continue;
    if (await stopBuild(tx, b.id, { state: "cancelled", reason: `cancelled: ${refName} was deleted or closed` }, hasApp)) n++;
  }
  return n;
}

/**
 * What follows a change of refs, in the transaction that applied it (webhooks and polls alike): builds for
 * the refs that moved, cancellation of the builds only closed refs wanted, and the tear-down of the previews
 * of closed pull requests.
 */
export async function scheduleForRefChanges(tx: Tx, repositoryId: string, changes: RefChanges, opts: ScheduleOptions): Promise<ScheduledBuild[]> {
  const builds = await scheduleBuildsForMovedRefs(tx, repositoryId, changes.moved, opts);
  if (changes.closed.length > 0) {
    const repo = await tx.repository.findUniqueOrThrow({ where: { id: repositoryId }, select: { appId: true } });
    for (const c of changes.closed) {
      await cancelBuildsOfClosedRef(tx, c.refId, c.name, repo.appId !== null);
      // a closed or merged pull request's previews are torn down
      if (c.kind === "pull_request") {
        const ref = await tx.ref.findUniqueOrThrow({ where: { id: c.refId }, select: { prNumber: true } });
        if (ref.prNumber !== null) await tearDownPreviewsOfClosedPr(tx, repositoryId, ref.prNumber, { type: "system", label: "pull request closed" });
      }
    }
  }
  return builds;
}
