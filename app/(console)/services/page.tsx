// Services: what Slipway deploys where, by app and repository — each build, the branch that deploys it, the
// image it publishes and the targets it upgrades (like ocurrent-deployer's doc/services.md). Everyone can
// read it and download it as Markdown.
import type { Metadata } from "next";
import Link from "next/link";
import { requirePageUser } from "@/lib/auth/session";
import { can } from "@/lib/auth/roles";
import { servicesInventoryPage } from "@/lib/queries/services-page";
import { PageHeader } from "@/components/ui/page-header";
import { EmptyState } from "@/components/ui/empty-state";
import { Pager } from "@/components/ui/pager";
import { ServicesInventoryView } from "@/components/inventory/services/services-inventory";
import { cursorParam, type SearchParams } from "../search-params";

export const metadata: Metadata = { title: "Services" };

export default async function ServicesPage({ searchParams }: { searchParams: SearchParams }) {
  const user = await requirePageUser("console.view", "/services");
  const after = cursorParam(await searchParams, "after");
  const page = await servicesInventoryPage({ after });
  const c = page.counts;
  return (
    <>
      <PageHeader
        title="Services"
        description="What deploys where: for each repository, what each build rule makes, the branch that deploys it, the image it publishes and the services it upgrades."
        actions={
          <>
            <a href="/api/inventory/export" download className="btn-secondary">
              Export slipway.yml
            </a>
            <a href="/api/inventory/services.md" download className="btn-secondary">
              Download as Markdown
            </a>
          </>
        }
      />
      {page.groups.length ? (
        <>
          <p className="mb-6 text-sm text-zinc-600 dark:text-zinc-400">
            {c.repos} {c.repos === 1 ? "repository" : "repositories"}, {c.builds} build {c.builds === 1 ? "rule" : "rules"} ({c.notDeployed} built, not
            deployed), {c.deploys} deployment {c.deploys === 1 ? "rule" : "rules"}, {c.targets} {c.targets === 1 ? "target" : "targets"}.
            {page.total > page.to - page.from + 1 ? ` Repositories ${page.from}–${page.to} of ${page.total} below; the Markdown download lists them all.` : null}
          </p>
          <ServicesInventoryView inventory={{ groups: page.groups, counts: page.counts }} />
          <Pager
            firstHref={after ? "/services" : undefined}
            nextHref={page.nextCursor ? `/services?after=${encodeURIComponent(page.nextCursor)}` : undefined}
            firstLabel="First repositories"
            nextLabel="More repositories →"
            label="Services pages"
          />
        </>
      ) : (
        <EmptyState title="Nothing is deployed yet">
          <p>Services appear here once repositories have build rules, deployment rules and targets.</p>
          <p>
            {can(user, "inventory.edit") ? (
              <>
                Add a repository under <Link href="/repositories" className="link">Repositories</Link>, or import a slipway.yml under{" "}
                <Link href="/settings/config" className="link">Settings → Config</Link>.
              </>
            ) : (
              "Ask an admin to register repositories and their deployments."
            )}
          </p>
        </EmptyState>
      )}
    </>
  );
}
