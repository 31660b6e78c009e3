// Hosts Slipway reaches over SSH, by name.
import type { Metadata } from "next";
import { requirePageUser } from "@/lib/auth/session";
import { can } from "@/lib/auth/roles";
import { listHosts } from "@/lib/queries/hosts";
import { PageHeader } from "@/components/ui/page-header";
import { EmptyState } from "@/components/ui/empty-state";
import { Pager } from "@/components/ui/pager";
import { HostTable } from "@/components/lists/host-table";
import { cursorParam, type SearchParams } from "../search-params";

export const metadata: Metadata = { title: "Hosts" };

export default async function HostsPage({ searchParams }: { searchParams: SearchParams }) {
  const user = await requirePageUser("console.view", "/hosts");
  const after = cursorParam(await searchParams, "after");
  const now = new Date();
  const page = await listHosts({ after });
  return (
    <>
      <PageHeader
        title="Hosts"
        description="Machines Slipway reaches over SSH to run Docker or unikernels. Slipway connects only to hosts whose host key an admin has accepted."
      />
      {page.rows.length ? (
        <HostTable hosts={page.rows} now={now} />
      ) : after ? (
        <EmptyState title="No more hosts">That was the last host.</EmptyState>
      ) : (
        <EmptyState title="No hosts yet">
          <p>
            Hosts are registered here with their address, SSH port and user; an admin scans each host&apos;s SSH key and accepts its fingerprint
            before Slipway connects. Editing them in the console comes with the inventory editor.
          </p>
          <p>{can(user, "inventory.edit") ? "As an admin, you will register them here." : "Ask an admin to register the hosts you deploy to."}</p>
        </EmptyState>
      )}
      <Pager
        firstHref={after ? "/hosts" : undefined}
        firstLabel="First page"
        nextHref={page.nextCursor ? `/hosts?after=${encodeURIComponent(page.nextCursor)}` : undefined}
        nextLabel="Next →"
        label="Host pages"
      />
    </>
  );
}
