// Settings → GitHub apps: the GitHub App installations that deliver webhooks and take check runs. Everyone
// reads them (credentials only as set / not set); admins add, edit and delete.
import type { Metadata } from "next";
import { requirePageUser } from "@/lib/auth/session";
import { can } from "@/lib/auth/roles";
import { env } from "@/lib/env";
import { listApps } from "@/lib/queries/inventory-settings";
import { PageHeader } from "@/components/ui/page-header";
import { EmptyState } from "@/components/ui/empty-state";
import { Disclosure } from "@/components/ui/forms/disclosure";
import { AppForm } from "@/components/inventory/settings/app-form";
import { AppList } from "@/components/inventory/settings/app-list";
import { deleteAppAction, saveAppAction } from "./actions";

export const metadata: Metadata = { title: "GitHub apps" };

export default async function AppsPage() {
  const user = await requirePageUser("console.view", "/settings/apps");
  const admin = can(user, "inventory.edit");
  const apps = await listApps();
  const base = env().SLIPWAY_URL.replace(/\/+$/, "");
  return (
    <>
      <PageHeader
        title="GitHub apps"
        description="Each GitHub App delivers push and pull-request webhooks for the repositories that belong to it, and receives Slipway's check runs. Its private key and webhook secret are encrypted at rest and never shown again."
      />
      {admin ? (
        <Disclosure label="Add GitHub app" variant="primary" defaultOpen={!apps.length} className="mb-5">
          <div className="max-w-4xl rounded-lg border border-zinc-200 bg-white p-5 dark:border-zinc-800 dark:bg-zinc-900">
            <h2 className="mb-3 text-base font-semibold text-zinc-900 dark:text-zinc-100">New GitHub app</h2>
            <AppForm action={saveAppAction} />
          </div>
        </Disclosure>
      ) : null}
      {apps.length ? (
        <AppList
          apps={apps}
          webhookUrl={(name) => `${base}/api/webhooks/github/${encodeURIComponent(name)}`}
          saveAction={admin ? saveAppAction : undefined}
          deleteAction={admin ? deleteAppAction : undefined}
        />
      ) : (
        <EmptyState title="No GitHub apps yet">
          <p>
            Create a GitHub App (Settings → Developer settings → GitHub Apps on GitHub) with push, pull request and check run permissions, install it on
            your organisation, then register it here with its private key and webhook secret.
          </p>
          <p>{admin ? "Add the first one with the form above." : "Ask an admin to register one."}</p>
        </EmptyState>
      )}
    </>
  );
}
