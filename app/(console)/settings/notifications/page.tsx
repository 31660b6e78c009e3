// Settings → Notifications: Slack channels and signed webhooks Slipway sends build, deployment, drift and
// host-key events to.
import type { Metadata } from "next";
import { requirePageUser } from "@/lib/auth/session";
import { can } from "@/lib/auth/roles";
import { listChannels, secretScopeChoices } from "@/lib/queries/inventory-settings";
import { PageHeader } from "@/components/ui/page-header";
import { EmptyState } from "@/components/ui/empty-state";
import { Disclosure } from "@/components/ui/forms/disclosure";
import { ChannelForm } from "@/components/inventory/settings/channel-form";
import { ChannelList } from "@/components/inventory/settings/channel-list";
import { deleteChannelAction, saveChannelAction } from "./actions";

export const metadata: Metadata = { title: "Notifications" };

export default async function NotificationsPage() {
  const user = await requirePageUser("console.view", "/settings/notifications");
  const admin = can(user, "inventory.edit");
  const [channels, choices] = await Promise.all([listChannels(), secretScopeChoices()]);
  return (
    <>
      <PageHeader
        title="Notifications"
        description="Slack channels and signed webhooks that hear about builds, deployments, approvals, drift and changed host keys. URLs and signing secrets are encrypted at rest and never shown again."
      />
      {admin ? (
        <Disclosure label="Add channel" variant="primary" defaultOpen={!channels.length} className="mb-5">
          <div className="max-w-3xl rounded-lg border border-zinc-200 bg-white p-5 dark:border-zinc-800 dark:bg-zinc-900">
            <h2 className="mb-3 text-base font-semibold text-zinc-900 dark:text-zinc-100">New channel</h2>
            <ChannelForm action={saveChannelAction} apps={choices.apps} />
          </div>
        </Disclosure>
      ) : null}
      {channels.length ? (
        <ChannelList channels={channels} apps={choices.apps} saveAction={admin ? saveChannelAction : undefined} deleteAction={admin ? deleteChannelAction : undefined} />
      ) : (
        <EmptyState title="No notification channels yet">
          <p>Add a Slack incoming webhook or an HTTPS endpoint to hear when a deployment waits for approval, succeeds or fails.</p>
          {admin ? null : <p>Ask an admin to add one.</p>}
        </EmptyState>
      )}
    </>
  );
}
