// Repositories Slipway watches, by name.
import type { Metadata } from "next";
import { requirePageUser } from "@/lib/auth/session";
import { can } from "@/lib/auth/roles";
import { listRepositories } from "@/lib/queries/repositories";
import { PageHeader } from "@/components/ui/page-header";
import { EmptyState } from "@/components/ui/empty-state";
import { Pager } from "@/components/ui/pager";
import { RepositoryTable } from "@/components/lists/repository-table";
import { cursorParam, type SearchParams } from "../search-params";

export const metadata: Metadata = { title: "Repositories" };

export default async function RepositoriesPage({ searchParams }: { searchParams: SearchParams }) {
  const user = await requirePageUser("console.view", "/repositories");
  const after = cursorParam(await searchParams, "after");
  const now = new Date();
  const page = await listRepositories({ after });
  return (
    <>
      <PageHeader title="Repositories" description="Git repositories Slipway watches, with the rules that build them." />
      {page.rows.length ? (
        <RepositoryTable repositories={page.rows} now={now} />
      ) : after ? (
        <EmptyState title="No more repositories">That was the last repository.</EmptyState>
      ) : (
        <EmptyState title="No repositories yet">
          <p>
            Repositories are registered here with their build rules (how to build an image or a unikernel) and deployment rules (which branch
            deploys where). Editing them in the console comes with the inventory editor.
          </p>
          <p>
            {can(user, "inventory.edit")
              ? "As an admin, you will register them here."
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
