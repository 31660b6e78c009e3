// The Environments page and GET /api/v1/environments/pipeline: per deployment rule with environments, its
// stages in order as columns, what each stage's targets run, and whether the release on a stage can be promoted
// to the next one (the reasons it cannot, in words: lib/services/environments/readiness.ts). Check URLs are not
// asked here: they are asked when someone promotes.
import "server-only";
import { getDb } from "@/lib/db";
import type { Prisma } from "@/lib/generated/prisma/client";
import { promotionReadiness } from "@/lib/services/environments/readiness";
import { needsApprovalUnder, readApprovalLevel } from "@/lib/services/deployments/schedule";
import type { DeploymentStateName } from "@/lib/validation/deployment-states";
import { ACTIVE_DEPLOYMENT_STATES, deploymentStateLabels } from "@/lib/validation/deployment-states";

export interface PipelineRelease {
  id: string;
  commitSha: string;
  /** the commit message's first line */
  title: string;
  imageRepo: string | null;
  tag: string | null;
  digest: string | null;
  artifactSha256: string | null;
  createdAt: Date;
}

export interface PipelineTarget {
  id: string;
  name: string;
  /** what it runs now; null: nothing recorded yet */
  releaseId: string | null;
  pinned: boolean;
  /** a deployment of it that has not ended, if any */
  active: { id: string; state: DeploymentStateName; releaseId: string; trigger: string } | null;
}

export interface PipelinePromotion {
  /** the next stage */
  to: string;
  releaseId: string;
  /** why it cannot be promoted yet; empty: it can (once the check URLs answer) */
  blockers: string[];
  soakEndsAt: Date | null;
  /** the next stage's deployments will wait for approval */
  needsApproval: boolean;
}

export interface PipelineStage {
  id: string;
  name: string;
  position: number;
  soakSeconds: number;
  checkUrls: string[];
  approvalMode: "automatic" | "manual";
  minApprovers: number;
  confirmLevel: string;
  targets: PipelineTarget[];
  /** the release every target of the stage runs; null when they run different ones or nothing */
  release: PipelineRelease | null;
  /** moving this stage's release on to the next stage; null for the last stage, or when the stage has no single release */
  promotion: PipelinePromotion | null;
}

export interface Pipeline {
  deploymentRuleId: string;
  repositoryId: string;
  repository: string;
  buildRule: string;
  branch: string;
  stages: PipelineStage[];
  /** the releases the stages' targets run, by id */
  releases: Record<string, PipelineRelease>;
  /** targets of the rule in no environment (deployed from the branch, never promoted to) */
  unstagedTargets: string[];
}

export interface PipelineFilter {
  deploymentRuleId?: string;
  /** only these repositories (a repository-limited API token); absent = all */
  repositoryIds?: string[] | null;
}

const releaseSelect = {
  id: true,
  imageRepo: true,
  tag: true,
  digest: true,
  artifactSha256: true,
  createdAt: true,
  build: { select: { commit: { select: { sha: true, message: true } } } },
} satisfies Prisma.ReleaseSelect;

function toRelease(r: Prisma.ReleaseGetPayload<{ select: typeof releaseSelect }>): PipelineRelease {
  const { build, ...rest } = r;
  return { ...rest, commitSha: build.commit.sha, title: (build.commit.message ?? "").split("\n")[0]!.slice(0, 200) };
}

/** Every live deployment rule that has environments, by repository, build and branch. */
export async function listPipelines(filter: PipelineFilter = {}, now = new Date()): Promise<Pipeline[]> {
  const db = getDb();
  const rules = await db.deploymentRule.findMany({
    where: {
      archivedAt: null,
      environments: { some: {} },
      buildRule: { archivedAt: null, repository: { archivedAt: null, ...(filter.repositoryIds ? { id: { in: filter.repositoryIds } } : {}) } },
      ...(filter.deploymentRuleId ? { id: filter.deploymentRuleId } : {}),
    },
    orderBy: [{ buildRule: { repository: { name: "asc" } } }, { buildRule: { name: "asc" } }, { branch: "asc" }],
    take: 200,
    select: {
      id: true,
      branch: true,
      buildRule: { select: { name: true, repository: { select: { id: true, name: true } } } },
      environments: {
        orderBy: [{ position: "asc" }, { name: "asc" }],
        select: {
          id: true,
          name: true,
          position: true,
          soakSeconds: true,
          checkUrls: true,
          approvalMode: true,
          minApprovers: true,
          confirmLevel: true,
          targets: { where: { archivedAt: null }, orderBy: { name: "asc" }, select: { id: true, name: true, currentReleaseId: true, pinnedReleaseId: true } },
        },
      },
      targets: { where: { archivedAt: null, environmentId: null }, orderBy: { name: "asc" }, select: { name: true } },
    },
  });
  const targetIds = rules.flatMap((r) => r.environments.flatMap((e) => e.targets.map((t) => t.id)));
  const active = await db.deployment.findMany({
    where: { targetId: { in: targetIds }, state: { in: [...ACTIVE_DEPLOYMENT_STATES] } },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    select: { id: true, targetId: true, state: true, releaseId: true, trigger: true },
  });
  const releaseIds = new Set<string>();
  for (const r of rules) for (const e of r.environments) for (const t of e.targets) if (t.currentReleaseId) releaseIds.add(t.currentReleaseId);
  for (const d of active) releaseIds.add(d.releaseId);
  const releases = new Map((await db.release.findMany({ where: { id: { in: [...releaseIds] } }, select: releaseSelect })).map((r) => [r.id, toRelease(r)]));
  const threshold = (await readApprovalLevel(db)).level;

  const out: Pipeline[] = [];
  for (const r of rules) {
    const stages: PipelineStage[] = [];
    const used: Record<string, PipelineRelease> = {};
    for (const [i, e] of r.environments.entries()) {
      const targets: PipelineTarget[] = e.targets.map((t) => {
        const a = active.find((d) => d.targetId === t.id);
        return { id: t.id, name: t.name, releaseId: t.currentReleaseId, pinned: Boolean(t.pinnedReleaseId), active: a ? { id: a.id, state: a.state, releaseId: a.releaseId, trigger: a.trigger } : null };
      });
      for (const t of targets) {
        for (const id of [t.releaseId, t.active?.releaseId]) if (id && releases.has(id)) used[id] = releases.get(id)!;
      }
      const running = new Set(targets.map((t) => t.releaseId));
      const single = targets.length > 0 && running.size === 1 ? [...running][0]! : null;
      const release = single ? (releases.get(single) ?? null) : null;
      const next = r.environments[i + 1];
      let promotion: PipelinePromotion | null = null;
      if (next && release) {
        const ready = await promotionReadiness(db, release.id, e, now);
        const nextRuns = next.targets.length > 0 && next.targets.every((t) => t.currentReleaseId === release.id);
        const onItsWay = active.find((d) => d.releaseId === release.id && next.targets.some((t) => t.id === d.targetId));
        promotion = {
          to: next.name,
          releaseId: release.id,
          blockers: nextRuns
            ? [`${next.name} already runs it`]
            : onItsWay
              ? [`it is already on its way to ${next.name} (${deploymentStateLabels[onItsWay.state].toLowerCase()})`]
              : ready.blockers,
          soakEndsAt: ready.soakEndsAt,
          needsApproval: needsApprovalUnder(next, threshold),
        };
      }
      stages.push({
        id: e.id,
        name: e.name,
        position: e.position,
        soakSeconds: e.soakSeconds,
        checkUrls: e.checkUrls,
        approvalMode: e.approvalMode,
        minApprovers: e.minApprovers,
        confirmLevel: e.confirmLevel,
        targets,
        release,
        promotion,
      });
    }
    out.push({
      deploymentRuleId: r.id,
      repositoryId: r.buildRule.repository.id,
      repository: r.buildRule.repository.name,
      buildRule: r.buildRule.name,
      branch: r.branch,
      stages,
      releases: used,
      unstagedTargets: r.targets.map((t) => t.name),
    });
  }
  return out;
}
