// Hosts Slipway reaches over SSH, by name. Admins add hosts here; each host's page has its keys and tests.
import type { Metadata } from "next";
import { requirePageUser } from "@/lib/auth/session";
import { can } from "@/lib/auth/roles";
import { listHosts } from "@/lib/queries/hosts";
import { PageHeader } from "@/components/ui/page-header";
import { EmptyState } from "@/components/ui/empty-state";
import { Pager } from "@/components/ui/pager";
import { HostList } from "@/components/inventory/hosts/host-list";
import { HostForm } from "@/components/inventory/hosts/host-form";
import { Disclosure } from "@/components/ui/forms/disclosure";
import { cursorParam, type SearchParams } from "../search-params";
import { createHostAction } from "./actions";

export const metadata: Metadata = { title: "Hosts" };

export default async function HostsPage({ searchParams }: { searchParams: SearchParams }) {
  const user = await requirePageUser("console.view", "/hosts");
  const admin = can(user, "inventory.edit");
  const after = cursorParam(await searchParams, "after");
  const now = new Date();
  const page = await listHosts({ after });
  const empty = !page.rows.length && !after;
  return (
    <>
      <PageHeader
        title="Hosts"
        description="Machines Slipway reaches over SSH to run Docker or unikernels. Slipway connects only to hosts whose host key an admin has accepted."
      />
      {admin ? (
        <Disclosure label="Add host" variant="primary" defaultOpen={empty} className="mb-5">
          <div className="max-w-3xl rounded-lg border border-zinc-200 bg-white p-5 dark:border-zinc-800 dark:bg-zinc-900">
            <h2 className="mb-3 text-base font-semibold text-zinc-900 dark:text-zinc-100">New host</h2>
            <HostForm action={createHostAction} onCancelHint="Next, on the host's page: accept its host keys and install the deployer key." />
          </div>
        </Disclosure>
      ) : null}
      {page.rows.length ? (
        <HostList hosts={page.rows} now={now} />
      ) : after ? (
        <EmptyState title="No more hosts">That was the last host.</EmptyState>
      ) : (
        <EmptyState title="No hosts yet">
          <p>
            Hosts are registered here with their address, SSH port and user; an admin scans each host&apos;s SSH keys and accepts their fingerprints
            before Slipway connects.
          </p>
          <p>{admin ? "Add the first one with the form above." : "Ask an admin to register the hosts you deploy to."}</p>
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
