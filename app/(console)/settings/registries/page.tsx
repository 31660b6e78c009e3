// Settings → Registries: where images are pushed, and the credentials to push with.
import type { Metadata } from "next";
import { requirePageUser } from "@/lib/auth/session";
import { can } from "@/lib/auth/roles";
import { listRegistries } from "@/lib/queries/inventory-settings";
import { PageHeader } from "@/components/ui/page-header";
import { EmptyState } from "@/components/ui/empty-state";
import { Disclosure } from "@/components/ui/forms/disclosure";
import { RegistryForm } from "@/components/inventory/settings/registry-form";
import { RegistryList } from "@/components/inventory/settings/registry-list";
import { deleteRegistryAction, saveRegistryAction, testRegistryAction } from "./actions";

export const metadata: Metadata = { title: "Registries" };

export default async function RegistriesPage() {
  const user = await requirePageUser("console.view", "/settings/registries");
  const admin = can(user, "inventory.edit");
  const registries = await listRegistries();
  const now = new Date();
  return (
    <>
      <PageHeader
        title="Registries"
        description="Container registries Slipway pushes released images to. Passwords are encrypted at rest and never shown again; Test login tries them against the registry."
      />
      {admin ? (
        <Disclosure label="Add registry" variant="primary" defaultOpen={!registries.length} className="mb-5">
          <div className="max-w-3xl rounded-lg border border-zinc-200 bg-white p-5 dark:border-zinc-800 dark:bg-zinc-900">
            <h2 className="mb-3 text-base font-semibold text-zinc-900 dark:text-zinc-100">New registry</h2>
            <RegistryForm action={saveRegistryAction} />
          </div>
        </Disclosure>
      ) : null}
      {registries.length ? (
        <RegistryList
          registries={registries}
          now={now}
          saveAction={admin ? saveRegistryAction : undefined}
          deleteAction={admin ? deleteRegistryAction : undefined}
          testAction={can(user, "inventory.test") ? testRegistryAction : undefined}
        />
      ) : (
        <EmptyState title="No registries yet">
          <p>A deployment rule that publishes an image pushes it with the credentials of the registry its address names (ghcr.io, docker.io, your own).</p>
          <p>{admin ? "Add the first one with the form above." : "Ask an admin to add the registries you push to."}</p>
        </EmptyState>
      )}
    </>
  );
}
