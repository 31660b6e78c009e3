// One release for its page: what was built (repository, build rule, commit, branch), the image by digest, the
// unikernel file it carries (target, path, size, sha256, the name it downloads as), every deployment of it,
// and which of its deployment rule's targets run it now or are pinned to it.
import "server-only";
import { getDb } from "@/lib/db";
import type { BuildKind, BuildState, DeploymentState, DeploymentTrigger, Prisma, TargetKind, UnikernelTarget } from "@/lib/generated/prisma/client";
import { artifactDownloadName } from "@/lib/validation/releases";
import { platformDigestList } from "@/lib/queries/build-detail";
import { isRowId } from "@/lib/validation/ids";

export interface ReleaseArtifact {
  target: UnikernelTarget;
  /** the file's path in the image, e.g. /unikernel.hvt */
  path: string;
  sha256: string;
  /** bytes; null when the build did not record it */
  size: number | null;
  /** what the Download saves it as */
  downloadName: string;
}

export interface ReleaseDeploymentRow {
  id: string;
  state: DeploymentState;
  trigger: DeploymentTrigger;
  requestedBy: string | null;
  reason: string | null;
  createdAt: Date;
  finishedAt: Date | null;
  target: { id: string; name: string; kind: TargetKind; service: string };
}

export interface ReleaseTargetRow {
  id: string;
  name: string;
  kind: TargetKind;
  service: string;
  /** the target runs this release now */
  current: boolean;
  /** the target is pinned to this release */
  pinned: boolean;
}

export interface ReleaseDetail {
  id: string;
  createdAt: Date;
  repository: { id: string; name: string };
  buildRule: { id: string; name: string; kind: BuildKind; dockerfile: string };
  /** the deployment rule's branch */
  branch: string;
  registry: { id: string; name: string } | null;
  build: { id: string; state: BuildState; attempt: number };
  commit: { sha: string; message: string | null; author: string | null; pushedBy: string | null };
  image: { repo: string | null; tag: string | null; digest: string | null; platformDigests: { arch: string; digest: string }[] };
  artifact: ReleaseArtifact | null;
  /** newest first */
  deployments: ReleaseDeploymentRow[];
  /** the deployment rule's targets, by name */
  targets: ReleaseTargetRow[];
}

const select = {
  id: true,
  createdAt: true,
  imageRepo: true,
  tag: true,
  digest: true,
  platformDigests: true,
  artifactPath: true,
  artifactSha256: true,
  artifactSize: true,
  artifactTarget: true,
  build: { select: { id: true, state: true, attempt: true, commit: { select: { sha: true, message: true, author: true, pushedBy: true } } } },
  deploymentRule: {
    select: {
      branch: true,
      registry: { select: { id: true, name: true } },
      buildRule: { select: { id: true, name: true, kind: true, dockerfile: true, repository: { select: { id: true, name: true } } } },
      targets: { orderBy: { name: "asc" }, select: { id: true, name: true, kind: true, service: true, currentReleaseId: true, pinnedReleaseId: true } },
    },
  },
  deployments: {
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: 200,
    select: {
      id: true,
      state: true,
      trigger: true,
      reason: true,
      createdAt: true,
      finishedAt: true,
      requestedBy: { select: { login: true } },
      target: { select: { id: true, name: true, kind: true, service: true } },
    },
  },
} satisfies Prisma.ReleaseSelect;

export async function getReleaseDetail(id: string): Promise<ReleaseDetail | null> {
  if (!isRowId(id)) return null; // a NUL byte would fail the lookup itself
  const r = await getDb().release.findUnique({ where: { id }, select });
  if (!r) return null;
  const rule = r.deploymentRule;
  const repository = rule.buildRule.repository;
  const artifact: ReleaseArtifact | null =
    r.artifactPath && r.artifactSha256 && r.artifactTarget
      ? {
          target: r.artifactTarget,
          path: r.artifactPath,
          sha256: r.artifactSha256,
          size: r.artifactSize === null ? null : Number(r.artifactSize),
          downloadName: artifactDownloadName({
            services: rule.targets.filter((t) => t.kind === "unikernel").map((t) => t.service),
            repository: repository.name,
            commitSha: r.build.commit.sha,
            target: r.artifactTarget,
          }),
        }
      : null;
  return {
    id: r.id,
    createdAt: r.createdAt,
    repository,
    buildRule: { id: rule.buildRule.id, name: rule.buildRule.name, kind: rule.buildRule.kind, dockerfile: rule.buildRule.dockerfile },
    branch: rule.branch,
    registry: rule.registry,
    build: { id: r.build.id, state: r.build.state, attempt: r.build.attempt },
    commit: r.build.commit,
    image: { repo: r.imageRepo, tag: r.tag, digest: r.digest, platformDigests: platformDigestList(r.platformDigests) },
    artifact,
    deployments: r.deployments.map((d) => ({
      id: d.id,
      state: d.state,
      trigger: d.trigger,
      requestedBy: d.requestedBy?.login ?? null,
      reason: d.reason,
      createdAt: d.createdAt,
      finishedAt: d.finishedAt,
      target: d.target,
    })),
    targets: rule.targets.map((t) => ({ id: t.id, name: t.name, kind: t.kind, service: t.service, current: t.currentReleaseId === r.id, pinned: t.pinnedReleaseId === r.id })),
  };
}
