// Services: what Slipway deploys where, by app and repository — each build, the branch that deploys it, the
// image it publishes and the targets it upgrades (like ocurrent-deployer's doc/services.md). Everyone can
// read it and download it as Markdown.
import type { Metadata } from "next";
import Link from "next/link";
import { requirePageUser } from "@/lib/auth/session";
import { can } from "@/lib/auth/roles";
import { servicesInventory } from "@/lib/queries/services-inventory";
import { PageHeader } from "@/components/ui/page-header";
import { EmptyState } from "@/components/ui/empty-state";
import { ServicesInventoryView } from "@/components/inventory/services/services-inventory";

export const metadata: Metadata = { title: "Services" };

export default async function ServicesPage() {
  const user = await requirePageUser("console.view", "/services");
  const inventory = await servicesInventory();
  const c = inventory.counts;
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
      {inventory.groups.length ? (
        <>
          <p className="mb-6 text-sm text-zinc-600 dark:text-zinc-400">
            {c.repos} {c.repos === 1 ? "repository" : "repositories"}, {c.builds} build {c.builds === 1 ? "rule" : "rules"} ({c.notDeployed} built, not
            deployed), {c.deploys} deployment {c.deploys === 1 ? "rule" : "rules"}, {c.targets} {c.targets === 1 ? "target" : "targets"}.
          </p>
          <ServicesInventoryView inventory={inventory} />
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
