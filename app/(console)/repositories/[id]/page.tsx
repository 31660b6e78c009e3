// One repository: its settings, build rules, deployment rules and targets (admins edit them here; everyone
// else reads them), its branches and pull requests with their latest builds (operators: Build now), and
// its README badge.
import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { requirePageUser } from "@/lib/auth/session";
import { can } from "@/lib/auth/roles";
import { getRepositoryDetail, inventoryChoices } from "@/lib/queries/inventory-repos";
import { openRefs } from "@/lib/queries/refs";
import { env } from "@/lib/env";
import { RefList } from "@/components/inventory/repos/ref-list";
import { StatusBadgeSnippet } from "@/components/inventory/repos/status-badge-snippet";
import { BadgeVisibilityForm } from "@/components/inventory/repos/badge-visibility";
import { badgeShown } from "@/lib/queries/badges";
import { PageHeader } from "@/components/ui/page-header";
import { Notice } from "@/components/ui/notice";
import { Badge } from "@/components/ui/badge";
import { BuildRuleList, RepositorySettings, type RepoActions } from "@/components/inventory/repos/repository-detail";
import {
  deleteEntityAction,
  buildNowAction,
  deleteRepositoryAction,
  saveBuildRuleAction,
  saveDeploymentRuleAction,
  saveRepositoryAction,
  saveTargetAction,
  setPrivateBadgeAction,
} from "./actions";

type Props = { params: Promise<{ id: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const repo = await getRepositoryDetail((await params).id);
  return { title: repo ? repo.name : "Repository not found" };
}

const actions: RepoActions = {
  saveRepository: saveRepositoryAction,
  deleteRepository: deleteRepositoryAction,
  saveBuildRule: saveBuildRuleAction,
  saveDeploymentRule: saveDeploymentRuleAction,
  saveTarget: saveTargetAction,
  deleteEntity: deleteEntityAction,
};

export default async function RepositoryPage({ params }: Props) {
  const { id } = await params;
  const user = await requirePageUser("console.view", `/repositories/${encodeURIComponent(id)}`);
  const [repo, choices] = await Promise.all([getRepositoryDetail(id), inventoryChoices()]);
  if (!repo) notFound();
  const refs = await openRefs(repo.id, repo.defaultBranch);
  // an archived repository is shown for its history; it is not part of the inventory, so nothing is edited or built
  const canEdit = can(user, "inventory.edit") && !repo.archived;
  const canBuild = can(user, "build.rebuild") && repo.enabled && !repo.archived;
  const now = new Date();
  const ctx = { canEdit, choices, actions };
  return (
    <>
      <nav aria-label="Breadcrumb" className="mb-2 text-sm">
        <Link href="/repositories" className="link">
          Repositories
        </Link>
        <span aria-hidden="true" className="px-1.5 text-zinc-400">
          /
        </span>
      </nav>
      <PageHeader
        title={repo.name}
        description={repo.app ? `A GitHub repository of the ${repo.app.name} app.` : "A git repository Slipway polls."}
        actions={repo.archived ? <Badge tone="zinc">Archived</Badge> : !repo.enabled ? <Badge tone="zinc">Disabled</Badge> : repo.lastPollError ? <Badge tone="red">Poll failing</Badge> : <Badge tone="emerald">Watching</Badge>}
      />
      {repo.archived ? (
        <Notice tone="info" className="mb-6">
          This repository was removed from the inventory and archived because it has history: it is never polled, built or deployed again, and its
          builds and deployments stay readable. Import slipway.yml listing it again to restore it.
        </Notice>
      ) : null}
      {repo.enabled && !repo.archived && repo.lastPollError ? (
        <Notice tone="error" title="The last poll failed" className="mb-6">
          {repo.lastPollError}
        </Notice>
      ) : null}
      {!repo.enabled ? (
        <Notice tone="info" className="mb-6">
          This repository is disabled: pushes are ignored and nothing is built or deployed until it is enabled again.
        </Notice>
      ) : null}
      <RepositorySettings repo={repo} now={now} {...ctx} />
      <BuildRuleList repo={repo} {...ctx} />
      <RefList
        refs={refs}
        repository={repo.name}
        defaultBranch={repo.defaultBranch}
        now={now}
        polled={!repo.app}
        hasBuildRules={repo.buildRules.length > 0}
        buildNow={canBuild ? buildNowAction : undefined}
      />
      <StatusBadgeSnippet
        repository={repo.name}
        app={repo.app?.name ?? null}
        branch={repo.defaultBranch}
        consoleUrl={env().SLIPWAY_URL}
        visibility={{ isPrivate: repo.isPrivate, github: repo.provider === "github", shown: badgeShown(repo), privateBadge: repo.privateBadge }}
        toggle={
          canEdit && repo.provider === "github" && (repo.isPrivate !== false || repo.privateBadge) ? (
            <BadgeVisibilityForm repositoryId={repo.id} shown={repo.privateBadge} action={setPrivateBadgeAction} />
          ) : undefined
        }
      />
    </>
  );
}
