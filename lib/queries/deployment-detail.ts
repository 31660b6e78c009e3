// Deployments and targets for their pages: one deployment (what, where, who approved, how it ended), the
// approvals inbox, a target with every release it ran, and the dashboard's targets.
import "server-only";
import { getDb, type Tx } from "@/lib/db";
import { Prisma, type ApprovalDecision, type DeploymentState, type DeploymentTrigger, type Role, type TargetKind, type UnikernelTarget } from "@/lib/generated/prisma/client";
import { targetRunFields, type TargetRunFields } from "@/lib/queries/inventory-repos";
import { olderThan, toPage } from "@/lib/queries/paging";
import { retryView, type DeploymentRetryView } from "@/lib/validation/deployment-retry";
import { isRowId } from "@/lib/validation/ids";

export interface DeploymentProgress {
  state: DeploymentState;
  reason: string | null;
  startedAt: Date | null;
  finishedAt: Date | null;
}

export async function getDeploymentProgress(id: string): Promise<DeploymentProgress | null> {
  if (!isRowId(id)) return null; // a NUL byte would fail the lookup itself
  return getDb().deployment.findUnique({ where: { id }, select: { state: true, reason: true, startedAt: true, finishedAt: true } });
}

export interface ReleaseFacts {
  id: string;
  imageRepo: string | null;
  tag: string | null;
  digest: string | null;
  commitSha: string;
  commitMessage: string | null;
  commitAuthor: string | null;
  pushedBy: string | null;
  buildId: string;
  createdAt: Date;
  /** a unikernel release's file: its target, path in the image, sha256 and size */
  artifact: ReleaseArtifactFacts | null;
}

export interface ReleaseArtifactFacts {
  target: UnikernelTarget;
  path: string;
  sha256: string;
  size: number | null;
}

export interface DeploymentDetail {
  id: string;
  state: DeploymentState;
  trigger: DeploymentTrigger;
  reason: string | null;
  requestedBy: string | null;
  cancelledBy: string | null;
  approvalExpiresAt: Date | null;
  supersededById: string | null;
  workerId: string | null;
  attempts: number;
  serviceVersion: string | null;
  githubDeploymentId: string | null;
  logBytes: number;
  /** the log passed SLIPWAY_LOG_MAX_MB and was cut */
  logTruncated: boolean;
  createdAt: Date;
  queuedAt: Date | null;
  startedAt: Date | null;
  finishedAt: Date | null;
  target: {
    id: string;
    name: string;
    kind: TargetKind;
    service: string;
    composeProject: string | null;
    healthUrl: string | null;
    dockerContext: { id: string; name: string } | null;
    host: { id: string; name: string } | null;
    pinned: boolean;
    /** removed from the inventory with its history kept */
    archived: boolean;
  };
  repository: { id: string; name: string };
  branch: string;
  policy: { approvalMode: string; minApprovers: number; approverRole: Role; confirmLevel: string };
  release: ReleaseFacts;
  previousRelease: { id: string; imageRepo: string | null; tag: string | null; digest: string | null; commitSha: string } | null;
  approvals: { login: string; decision: ApprovalDecision; comment: string | null; at: Date }[];
  /** queued again after a transient failure: what it waits for and when it tries next */
  retry: DeploymentRetryView | null;
}

const releaseSelect = {
  id: true,
  imageRepo: true,
  tag: true,
  digest: true,
  createdAt: true,
  buildId: true,
  artifactTarget: true,
  artifactPath: true,
  artifactSha256: true,
  artifactSize: true,
  build: { select: { commit: { select: { sha: true, message: true, author: true, pushedBy: true } } } },
} as const;

function releaseFacts(r: {
  id: string;
  imageRepo: string | null;
  tag: string | null;
  digest: string | null;
  createdAt: Date;
  buildId: string;
  artifactTarget: UnikernelTarget | null;
  artifactPath: string | null;
  artifactSha256: string | null;
  artifactSize: bigint | null;
  build: { commit: { sha: string; message: string | null; author: string | null; pushedBy: string | null } };
}): ReleaseFacts {
  const c = r.build.commit;
  const artifact =
    r.artifactTarget && r.artifactPath && r.artifactSha256
      ? { target: r.artifactTarget, path: r.artifactPath, sha256: r.artifactSha256, size: r.artifactSize === null ? null : Number(r.artifactSize) }
      : null;
  return { id: r.id, imageRepo: r.imageRepo, tag: r.tag, digest: r.digest, commitSha: c.sha, commitMessage: c.message, commitAuthor: c.author, pushedBy: c.pushedBy, buildId: r.buildId, createdAt: r.createdAt, artifact };
}

export async function getDeploymentDetail(id: string): Promise<DeploymentDetail | null> {
  if (!isRowId(id)) return null; // a NUL byte would fail the lookup itself
  const d = await getDb().deployment.findUnique({
    where: { id },
    include: {
      target: {
        include: {
          dockerContext: { select: { id: true, name: true } },
          host: { select: { id: true, name: true } },
          environment: { select: { approvalMode: true, minApprovers: true, approverRole: true, confirmLevel: true } },
        },
      },
      requestedBy: { select: { login: true } },
      cancelledBy: { select: { login: true } },
      release: { select: { ...releaseSelect, deploymentRule: { select: { branch: true, approvalMode: true, minApprovers: true, approverRole: true, confirmLevel: true, buildRule: { select: { repository: { select: { id: true, name: true } } } } } } } },
      previousRelease: { select: { id: true, imageRepo: true, tag: true, digest: true, build: { select: { commit: { select: { sha: true } } } } } },
      approvals: { orderBy: { createdAt: "asc" }, include: { user: { select: { login: true } } } },
    },
  });
  if (!d) return null;
  const rule = d.release.deploymentRule;
  // a target in an environment is deployed under its environment's approval policy (lib/services/deployments/commands.ts)
  const policy = d.target.environment ?? rule;
  return {
    id: d.id,
    state: d.state,
    trigger: d.trigger,
    reason: d.reason,
    requestedBy: d.requestedBy?.login ?? null,
    cancelledBy: d.cancelledBy?.login ?? null,
    approvalExpiresAt: d.approvalExpiresAt,
    supersededById: d.supersededById,
    workerId: d.workerId,
    attempts: d.attempts,
    serviceVersion: d.serviceVersion?.toString() ?? null,
    githubDeploymentId: d.githubDeploymentId?.toString() ?? null,
    logBytes: d.logBytes,
    logTruncated: d.logTruncated,
    createdAt: d.createdAt,
    queuedAt: d.queuedAt,
    startedAt: d.startedAt,
    finishedAt: d.finishedAt,
    target: {
      id: d.target.id,
      name: d.target.name,
      kind: d.target.kind,
      service: d.target.service,
      composeProject: d.target.composeProject,
      healthUrl: d.target.healthUrl,
      dockerContext: d.target.dockerContext,
      host: d.target.host,
      pinned: d.target.pinnedReleaseId !== null,
      archived: d.target.archivedAt !== null,
    },
    repository: rule.buildRule.repository,
    branch: rule.branch,
    policy: { approvalMode: policy.approvalMode, minApprovers: policy.minApprovers, approverRole: policy.approverRole, confirmLevel: policy.confirmLevel },
    release: releaseFacts(d.release),
    previousRelease: d.previousRelease
      ? { id: d.previousRelease.id, imageRepo: d.previousRelease.imageRepo, tag: d.previousRelease.tag, digest: d.previousRelease.digest, commitSha: d.previousRelease.build.commit.sha }
      : null,
    approvals: d.approvals.map((a) => ({ login: a.user.login, decision: a.decision, comment: a.comment, at: a.createdAt })),
    retry: retryView(d),
  };
}

export interface PendingApprovalRow {
  id: string;
  target: { id: string; name: string };
  repository: string;
  branch: string;
  release: ReleaseFacts;
  trigger: DeploymentTrigger;
  requestedBy: string | null;
  approvals: number;
  needed: number;
  approvers: string[];
  approverRole: Role;
  approvalExpiresAt: Date | null;
  createdAt: Date;
}

/** Deployments waiting for approval, oldest first (the approvals inbox). */
export async function pendingApprovals(limit = 100): Promise<PendingApprovalRow[]> {
  const rows = await getDb().deployment.findMany({
    where: { state: "pending_approval" },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    take: limit,
    include: {
      target: { select: { id: true, name: true, environment: { select: { minApprovers: true, approverRole: true } } } },
      requestedBy: { select: { login: true } },
      approvals: { where: { decision: "approved" }, include: { user: { select: { login: true } } } },
      release: { select: { ...releaseSelect, deploymentRule: { select: { branch: true, minApprovers: true, approverRole: true, buildRule: { select: { repository: { select: { name: true } } } } } } } },
    },
  });
  return rows.map((d) => ({
    id: d.id,
    target: { id: d.target.id, name: d.target.name },
    repository: d.release.deploymentRule.buildRule.repository.name,
    branch: d.release.deploymentRule.branch,
    release: releaseFacts(d.release),
    trigger: d.trigger,
    requestedBy: d.requestedBy?.login ?? null,
    approvals: d.approvals.length,
    needed: Math.max(1, (d.target.environment ?? d.release.deploymentRule).minApprovers),
    approvers: d.approvals.map((a) => a.user.login),
    approverRole: (d.target.environment ?? d.release.deploymentRule).approverRole,
    approvalExpiresAt: d.approvalExpiresAt,
    createdAt: d.createdAt,
  }));
}

export interface TargetHistoryRow {
  release: ReleaseFacts;
  /** deployments of this release to the target, newest first */
  deployments: { id: string; state: DeploymentState; trigger: DeploymentTrigger; requestedBy: string | null; reason: string | null; createdAt: Date; finishedAt: Date | null }[];
  current: boolean;
  pinned: boolean;
}

export interface TargetDetail {
  id: string;
  name: string;
  kind: TargetKind;
  service: string;
  /** unikernels and artifact repositories: the host */
  host: { id: string; name: string; address: string; port: number; user: string } | null;
  /** how a unikernel runs on its host (null/empty for other kinds) */
  run: TargetRunFields;
  composeProject: string | null;
  healthUrl: string | null;
  healthTimeoutSeconds: number;
  convergeTimeoutSeconds: number;
  /** null: as the service's own UpdateConfig.Monitor (swarm), else the default window (lib/validation/monitor-window.ts) */
  monitorSeconds: number | null;
  dockerContext: { id: string; name: string } | null;
  repository: { id: string; name: string };
  branch: string;
  image: string | null;
  currentRelease: ReleaseFacts | null;
  /** removed from the inventory with its history kept: it deploys nothing */
  archived: boolean;
  pin: { release: ReleaseFacts; by: string | null; at: Date | null } | null;
  liveImage: string | null;
  liveCheckedAt: Date | null;
  driftDetectedAt: Date | null;
  lastDeployedAt: Date | null;
  /** a deployment queued or running now; `retry` when it waits for its next attempt after a transient failure */
  active: { id: string; state: DeploymentState; retry: DeploymentRetryView | null } | null;
  /** the newest deployment is a rollback that did not succeed: what it wanted, how it ended, and the pin now (as before it) */
  failedRollback: { deploymentId: string; state: DeploymentState; reason: string | null; release: ReleaseFacts; finishedAt: Date | null } | null;
  /** the newest deployment to the target, whatever its state */
  lastDeployment: { id: string; state: DeploymentState; createdAt: Date; finishedAt: Date | null } | null;
  /** the last deployment that put the current release there and succeeded: when it ended */
  runningSince: { deploymentId: string; at: Date } | null;
  /** the newest release of the rule, when it is not the current one (offered after unpinning) */
  newestRelease: ReleaseFacts | null;
  /** while pinned: the newest release of the rule when it is newer than the pinned one (held back by the pin) */
  heldBack: ReleaseFacts | null;
  /** a deployment of `newestRelease` already on its way: waiting for approval, or the active one */
  newestOnItsWay: { id: string; state: DeploymentState } | null;
  /**
   * One page of the target's deployments (TARGET_HISTORY_PAGE, superseded ones left out), newest first,
   * grouped by release: a release deployed again further back appears again on that page.
   */
  history: TargetHistoryRow[];
  /** pass as `before` for the next (older) page of the history; absent on the last page */
  historyNextCursor?: string;
  /** `before` named no deployment of this target: the history starts from the newest */
  historyCursorNotFound?: boolean;
}

/** Deployments per page of a target's history: each row carries its rollback form, so a page stays short. */
export const TARGET_HISTORY_PAGE = 20;

/** The target's name (the page title), or null. */
export async function getTargetName(id: string): Promise<string | null> {
  if (!isRowId(id)) return null; // a NUL byte would fail the lookup itself
  return (await getDb().target.findUnique({ where: { id }, select: { name: true } }))?.name ?? null;
}

/**
 * One target and a page of its history. `before` is the id of the last deployment of the previous page
 * (keyset on (created_at, id), served by the deployments (target_id, created_at) index): a page costs the
 * same however long the history.
 */
export async function getTargetDetail(id: string, opts: { before?: string; limit?: number } = {}): Promise<TargetDetail | null> {
  if (!isRowId(id)) return null; // a NUL byte would fail the lookup itself
  // one snapshot: the target's current release and its deployments' states must agree (a deployment that
  // ends between two reads would show as succeeded while another release still shows as running)
  return getDb().$transaction((tx) => readTargetDetail(tx, id, opts.before, opts.limit ?? TARGET_HISTORY_PAGE), { isolationLevel: "RepeatableRead" });
}

async function readTargetDetail(db: Tx, id: string, before: string | undefined, limit: number): Promise<TargetDetail | null> {
  const t = await db.target.findUnique({
    where: { id },
    include: {
      dockerContext: { select: { id: true, name: true } },
      host: { select: { id: true, name: true, address: true, port: true, user: true } },
      pinnedBy: { select: { login: true } },
      currentRelease: { select: releaseSelect },
      pinnedRelease: { select: releaseSelect },
      deploymentRule: { select: { id: true, branch: true, image: true, buildRule: { select: { repository: { select: { id: true, name: true } } } } } },
    },
  });
  if (!t) return null;
  const cursor = before && before.length <= 64 ? await db.deployment.findFirst({ where: { id: before, targetId: id }, select: { id: true, createdAt: true } }) : null;
  const [deployments, active, newest, last, since] = await Promise.all([
    db.deployment.findMany({
      where: { AND: [{ targetId: id, state: { notIn: ["superseded"] } }, olderThan("createdAt", cursor)] },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      take: limit + 1,
      include: { requestedBy: { select: { login: true } }, release: { select: releaseSelect } },
    }),
    db.deployment.findFirst({
      where: { targetId: id, state: { in: ["queued", "deploying", "verifying"] } },
      orderBy: { createdAt: "desc" },
      select: { id: true, state: true, reason: true, attempts: true, retryAt: true, retryUntil: true, retryWaitingFor: true },
    }),
    db.release.findFirst({ where: { deploymentRuleId: t.deploymentRuleId, digest: { not: null } }, orderBy: { createdAt: "desc" }, select: releaseSelect }),
    db.deployment.findFirst({
      where: { targetId: id },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      select: { id: true, state: true, createdAt: true, finishedAt: true, trigger: true, reason: true, release: { select: releaseSelect } },
    }),
    t.currentReleaseId
      ? db.deployment.findFirst({
          where: { targetId: id, releaseId: t.currentReleaseId, state: "succeeded", finishedAt: { not: null } },
          orderBy: { finishedAt: "desc" },
          select: { id: true, finishedAt: true },
        })
      : null,
  ]);
  const newestRelease = newest && newest.id !== t.currentReleaseId ? newest : null;
  const newestOnItsWay = newestRelease
    ? await db.deployment.findFirst({
        where: { targetId: id, releaseId: newestRelease.id, OR: [{ state: "pending_approval" }, ...(active ? [{ id: active.id }] : [])] },
        orderBy: [{ createdAt: "desc" }, { id: "desc" }],
        select: { id: true, state: true },
      })
    : null;
  const page = toPage(deployments, limit, (d) => d.id, Boolean(before) && !cursor);
  // the releases the target ran or was asked to run on this page, newest deployment first
  const byRelease = new Map<string, TargetHistoryRow>();
  for (const d of page.rows) {
    let row = byRelease.get(d.releaseId);
    if (!row) {
      row = { release: releaseFacts(d.release), deployments: [], current: d.releaseId === t.currentReleaseId, pinned: d.releaseId === t.pinnedReleaseId };
      byRelease.set(d.releaseId, row);
    }
    row.deployments.push({ id: d.id, state: d.state, trigger: d.trigger, requestedBy: d.requestedBy?.login ?? null, reason: d.reason, createdAt: d.createdAt, finishedAt: d.finishedAt });
  }
  return {
    id: t.id,
    name: t.name,
    kind: t.kind,
    service: t.service,
    host: t.host,
    run: targetRunFields(t),
    composeProject: t.composeProject,
    healthUrl: t.healthUrl,
    healthTimeoutSeconds: t.healthTimeoutSeconds,
    convergeTimeoutSeconds: t.convergeTimeoutSeconds,
    monitorSeconds: t.monitorSeconds,
    dockerContext: t.dockerContext,
    repository: t.deploymentRule.buildRule.repository,
    archived: t.archivedAt !== null,
    branch: t.deploymentRule.branch,
    image: t.deploymentRule.image,
    currentRelease: t.currentRelease ? releaseFacts(t.currentRelease) : null,
    pin: t.pinnedRelease ? { release: releaseFacts(t.pinnedRelease), by: t.pinnedBy?.login ?? null, at: t.pinnedAt } : null,
    liveImage: t.liveImage,
    liveCheckedAt: t.liveCheckedAt,
    driftDetectedAt: t.driftDetectedAt,
    lastDeployedAt: t.lastDeployedAt,
    active: active ? { id: active.id, state: active.state, retry: retryView(active) } : null,
    failedRollback:
      last && last.trigger === "rollback" && (last.state === "failed" || last.state === "rolled_back")
        ? { deploymentId: last.id, state: last.state, reason: last.reason, release: releaseFacts(last.release), finishedAt: last.finishedAt }
        : null,
    lastDeployment: last ? { id: last.id, state: last.state, createdAt: last.createdAt, finishedAt: last.finishedAt } : null,
    runningSince: since?.finishedAt ? { deploymentId: since.id, at: since.finishedAt } : null,
    newestRelease: newestRelease ? releaseFacts(newestRelease) : null,
    heldBack: newest && t.pinnedRelease && newest.id !== t.pinnedReleaseId && newest.createdAt > t.pinnedRelease.createdAt ? releaseFacts(newest) : null,
    newestOnItsWay,
    history: [...byRelease.values()],
    ...(page.nextCursor ? { historyNextCursor: page.nextCursor } : {}),
    ...(page.cursorNotFound ? { historyCursorNotFound: true } : {}),
  };
}

export interface TargetSummaryRow {
  id: string;
  name: string;
  kind: TargetKind;
  service: string;
  repository: string;
  branch: string;
  currentRelease: { commitSha: string; digest: string | null; tag: string | null } | null;
  lastState: DeploymentState | null;
  lastDeploymentId: string | null;
  lastDeployedAt: Date | null;
  pinnedBy: string | null;
  pinnedSha: string | null;
  /** while pinned: the commit of the newest release of the branch, when newer than the pinned one (held back) */
  heldBackSha: string | null;
  drift: boolean;
  liveImage: string | null;
}

/** The newest release's commit when the pin holds it back (a release newer than the pinned one), else null. */
function heldBack(pinnedId: string | null, pinned: { createdAt: Date } | null, newest: { id: string; createdAt: Date; sha: string } | undefined): string | null {
  return pinnedId && pinned && newest && newest.id !== pinnedId && newest.createdAt > pinned.createdAt ? newest.sha : null;
}

interface TargetSummarySqlRow {
  id: string;
  name: string;
  kind: TargetKind;
  service: string;
  repository: string;
  branch: string;
  last_deployed_at: Date | null;
  drift_detected_at: Date | null;
  live_image: string | null;
  current_digest: string | null;
  current_tag: string | null;
  current_sha: string | null;
  pinned_release_id: string | null;
  pinned_by: string | null;
  pinned_release_at: Date | null;
  pinned_sha: string | null;
  deployment_id: string | null;
  deployment_state: DeploymentState | null;
  newest_release_id: string | null;
  newest_release_at: Date | null;
  newest_release_sha: string | null;
}

export interface TargetSummaryPage {
  rows: TargetSummaryRow[];
  /** every target that is not archived (the Targets page says "N targets; … on this page") */
  total: number;
  /** the last target's name on this page, when more follow: pass it back as `after` */
  nextCursor?: string;
}

/**
 * A page of targets in name order, each with its current release, last deployment state, pin (and what it
 * holds back) and drift: the Targets page (keyset on the name, unique; `name > after` is compared by the
 * database, in the collation it sorts with) and the dashboard (the first ten). `after` that is not a listed
 * target's name (renamed, archived, made up), or the last one, starts again from the first target.
 */
export async function targetSummaryPage(opts: { after?: string; limit: number }): Promise<TargetSummaryPage> {
  const db = getDb();
  const [total, cursor] = await Promise.all([
    db.target.count({ where: { archivedAt: null } }),
    opts.after ? db.target.findFirst({ where: { name: opts.after, archivedAt: null }, select: { name: true } }) : null,
  ]);
  let rows = await targetSummaries({ after: cursor?.name, limit: opts.limit + 1 });
  // after the last target (those that followed were archived): from the first again, as for a name that is gone
  if (cursor && rows.length === 0) rows = await targetSummaries({ limit: opts.limit + 1 });
  const shown = rows.slice(0, opts.limit);
  return { rows: shown, total, ...(rows.length > opts.limit ? { nextCursor: shown[shown.length - 1]!.name } : {}) };
}

/**
 * Targets in name order (all of them without `limit`; after the one named `after`) with what targetSummaryPage
 * shows, in one statement: each target's newest deployment and its rule's newest release are one row each
 * from the top of an index (deployments (target_id, created_at DESC), releases (deployment_rule_id,
 * created_at DESC)) — a relation `take: 1` in Prisma's include reads every deployment of every target and
 * keeps one — and the rule, repository, pin and current release are read by primary key, for the page of
 * targets alone (picked first, by the targets (name) index). One round trip, where Prisma's includes made
 * eleven. Each part is a LATERAL subquery with its own few joins, so the planner (which plans it on every call)
 * does not search the orders of sixteen joins in one FROM: 1.0 ms of planning against 1.3 ms at 1M builds.
 */
export async function targetSummaries(opts: { after?: string; limit?: number } = {}): Promise<TargetSummaryRow[]> {
  const rows = await getDb().$queryRaw<TargetSummarySqlRow[]>`
    SELECT t.id, t.name, t.kind, t.service, rule.repository, rule.branch, t.last_deployed_at, t.drift_detected_at, t.live_image,
           cur.digest AS current_digest, cur.tag AS current_tag, cur.sha AS current_sha,
           t.pinned_release_id, (SELECT login FROM users WHERE id = t.pinned_by_id) AS pinned_by, pin.created_at AS pinned_release_at, pin.sha AS pinned_sha,
           d.id AS deployment_id, d.state AS deployment_state,
           newest.id AS newest_release_id, newest.created_at AS newest_release_at, newest.sha AS newest_release_sha
    FROM (
      SELECT * FROM targets
      WHERE archived_at IS NULL ${opts.after !== undefined ? Prisma.sql`AND name > ${opts.after}` : Prisma.empty}
      ORDER BY name ${opts.limit !== undefined ? Prisma.sql`LIMIT ${opts.limit}` : Prisma.empty}
    ) t
    CROSS JOIN LATERAL (
      SELECT dr.branch, repo.name AS repository FROM deployment_rules dr
      JOIN build_rules br ON br.id = dr.build_rule_id JOIN repositories repo ON repo.id = br.repository_id
      WHERE dr.id = t.deployment_rule_id LIMIT 1
    ) rule
    LEFT JOIN LATERAL (
      SELECT r.digest, r.tag, c.sha FROM releases r JOIN builds b ON b.id = r.build_id JOIN commits c ON c.id = b.commit_id
      WHERE r.id = t.current_release_id LIMIT 1
    ) cur ON true
    LEFT JOIN LATERAL (
      SELECT r.created_at, c.sha FROM releases r JOIN builds b ON b.id = r.build_id JOIN commits c ON c.id = b.commit_id
      WHERE r.id = t.pinned_release_id LIMIT 1
    ) pin ON true
    LEFT JOIN LATERAL (
      SELECT id, state FROM deployments WHERE target_id = t.id ORDER BY created_at DESC, id DESC LIMIT 1
    ) d ON true
    LEFT JOIN LATERAL (
      SELECT r.id, r.created_at, c.sha FROM (
        SELECT id, created_at, build_id FROM releases
        WHERE deployment_rule_id = t.deployment_rule_id AND digest IS NOT NULL ORDER BY created_at DESC LIMIT 1
      ) r JOIN builds b ON b.id = r.build_id JOIN commits c ON c.id = b.commit_id
    ) newest ON true
    ORDER BY t.name`;
  return rows.map((t) => {
    const newest = t.newest_release_id && t.newest_release_at && t.newest_release_sha ? { id: t.newest_release_id, createdAt: t.newest_release_at, sha: t.newest_release_sha } : undefined;
    const pinned = t.pinned_release_id && t.pinned_release_at ? { createdAt: t.pinned_release_at } : null;
    return {
      id: t.id,
      name: t.name,
      kind: t.kind,
      service: t.service,
      repository: t.repository,
      branch: t.branch,
      currentRelease: t.current_sha ? { commitSha: t.current_sha, digest: t.current_digest, tag: t.current_tag } : null,
      lastState: t.deployment_state,
      lastDeploymentId: t.deployment_id,
      lastDeployedAt: t.last_deployed_at,
      pinnedBy: t.pinned_release_id ? (t.pinned_by ?? "someone") : null,
      pinnedSha: t.pinned_sha,
      heldBackSha: heldBack(t.pinned_release_id, pinned, newest),
      drift: t.drift_detected_at !== null,
      liveImage: t.live_image,
    };
  });
}
