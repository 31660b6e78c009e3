// Settings → Config: the whole inventory as slipway.yml. Everyone exports it (it holds no secret values);
// admins import one with a preview of every change, applied in one audited transaction.
import type { Metadata } from "next";
import { requirePageUser } from "@/lib/auth/session";
import { can } from "@/lib/auth/roles";
import { PageHeader } from "@/components/ui/page-header";
import { ImportPanel } from "@/components/inventory/config/import-panel";

export const metadata: Metadata = { title: "Config" };

const card = "rounded-lg border border-zinc-200 bg-white p-5 dark:border-zinc-800 dark:bg-zinc-900";

export default async function ConfigPage() {
  const user = await requirePageUser("console.view", "/settings/config");
  const admin = can(user, "inventory.edit");
  return (
    <>
      <PageHeader
        title="Config"
        description="The whole inventory as one file, slipway.yml: GitHub apps, hosts and their pinned keys, docker contexts, registries, secrets (by name), notification channels, and repositories with their build rules, deployment rules and targets."
      />
      <section aria-labelledby="export-heading" className={`${card} mb-6 flex flex-wrap items-center justify-between gap-4`}>
        <div className="max-w-3xl">
          <h2 id="export-heading" className="text-base font-semibold text-zinc-900 dark:text-zinc-100">
            Export
          </h2>
          <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">
            Download the inventory as it is now, to keep in git or to edit and import back. Secret values are never in it: registry passwords,
            GitHub App keys and webhook URLs stay in the console.
          </p>
        </div>
        <a href="/api/inventory/export" download className="btn-primary">
          Export slipway.yml
        </a>
      </section>
      <section aria-labelledby="import-heading" className={card}>
        <h2 id="import-heading" className="text-base font-semibold text-zinc-900 dark:text-zinc-100">
          Import
        </h2>
        <p className="mb-4 mt-1 max-w-3xl text-sm text-zinc-600 dark:text-zinc-400">
          Checked with the same rules as the forms. The preview lists every entity the file creates, updates or deletes; applying is all or
          nothing, in one transaction, with an audit event per change. From a shell: <code className="font-mono text-xs">npm run slipway -- import slipway.yml --dry-run</code>.
        </p>
        {admin ? <ImportPanel /> : <p className="text-sm text-zinc-600 dark:text-zinc-400">Only admins import a file.</p>}
      </section>
    </>
  );
}
