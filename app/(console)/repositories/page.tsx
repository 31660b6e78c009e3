// Repositories Slipway watches, by name; admins add them here (a GitHub repository of an app, or any git URL).
import type { Metadata } from "next";
import { requirePageUser } from "@/lib/auth/session";
import { can } from "@/lib/auth/roles";
import { listRepositories } from "@/lib/queries/repositories";
import { appChoices } from "@/lib/queries/inventory-repos";
import { PageHeader } from "@/components/ui/page-header";
import { EmptyState } from "@/components/ui/empty-state";
import { Pager } from "@/components/ui/pager";
import { RepositoryList } from "@/components/inventory/repos/repository-list";
import { Disclosure } from "@/components/ui/forms/disclosure";
import { RepositoryForm } from "@/components/inventory/repos/repository-form";
import { cursorParam, type SearchParams } from "../search-params";
import { addRepositoryAction } from "./actions";

export const metadata: Metadata = { title: "Repositories" };

export default async function RepositoriesPage({ searchParams }: { searchParams: SearchParams }) {
  const user = await requirePageUser("console.view", "/repositories");
  const after = cursorParam(await searchParams, "after");
  const now = new Date();
  const canEdit = can(user, "inventory.edit");
  const [page, apps] = await Promise.all([listRepositories({ after }), canEdit ? appChoices() : Promise.resolve([])]);
  return (
    <>
      <PageHeader title="Repositories" description="Git repositories Slipway watches, with the rules that build and deploy them." />
      {canEdit ? (
        <Disclosure label="Add repository" title="New repository" variant="primary" icon="plus" className="mb-6" level={2}>
          <RepositoryForm action={addRepositoryAction} apps={apps} />
        </Disclosure>
      ) : null}
      {page.rows.length ? (
        <RepositoryList repositories={page.rows} now={now} />
      ) : after ? (
        <EmptyState title="No more repositories">That was the last repository.</EmptyState>
      ) : (
        <EmptyState title="No repositories yet">
          <p>
            A repository comes with build rules (how to build an image or a unikernel) and deployment rules (which branch deploys where). It is
            either a GitHub repository of one of your GitHub apps, or any git URL that Slipway polls.
          </p>
          <p>
            {canEdit
              ? "Add one with “Add repository” above, or import a whole slipway.yml under Settings → Config."
              : "Ask an admin to register the repositories you want Slipway to build."}
          </p>
        </EmptyState>
      )}
      <Pager
        firstHref={after ? "/repositories" : undefined}
        firstLabel="First page"
        nextHref={page.nextCursor ? `/repositories?after=${encodeURIComponent(page.nextCursor)}` : undefined}
        nextLabel="Next →"
        label="Repository pages"
      />
    </>
  );
}
