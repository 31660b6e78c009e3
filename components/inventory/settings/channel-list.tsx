// Settings → Notifications: each channel (Slack or webhook), its events and filter, whether it is on and
// whether its URL is set, with a link to its page (delivery log, test event, redeliver).
import Link from "next/link";
import { Badge } from "@/components/ui/badge";
import { EntityCard, EntityList } from "@/components/ui/forms/panel";
import { DeleteButton } from "@/components/ui/forms/confirm-dialog";
import { Disclosure } from "@/components/ui/forms/disclosure";
import { ChannelForm, type ChannelSaveState } from "@/components/inventory/settings/channel-form";
import { eventLabel } from "@/components/inventory/settings/event-labels";
import type { FormAction } from "@/components/ui/forms/result-state";
import type { ChannelRow } from "@/lib/queries/inventory-settings";

export function ChannelList({
  channels,
  apps,
  saveAction,
  deleteAction,
}: {
  channels: ChannelRow[];
  apps: string[];
  saveAction?: FormAction<ChannelSaveState>;
  deleteAction?: FormAction;
}) {
  return (
    <EntityList label="Notification channels">
      {channels.map((c) => (
        <EntityCard
          key={c.id}
          id={`channel-${c.id}`}
          title={c.name}
          badges={
            <>
              {c.enabled ? <Badge tone="emerald">on</Badge> : <Badge tone="zinc">off</Badge>}
              <Badge tone="zinc" dot={false}>
                {c.kind === "webhook" ? "Webhook" : "Slack"}
              </Badge>
              <Badge tone={c.urlSet ? "emerald" : "amber"}>{`URL: ${c.urlSet ? "set" : "not set"}`}</Badge>
            </>
          }
          actions={
            deleteAction ? (
              <DeleteButton action={deleteAction} kind="channel" id={c.id} what={`channel ${c.name}`} ariaLabel={`Delete channel ${c.name}`}>
                <p>Slipway stops posting to {c.name} and forgets its URL, its signing secret and its delivery log.</p>
              </DeleteButton>
            ) : undefined
          }
        >
          <div>
            <p className="mb-1.5 text-xs font-medium uppercase tracking-wide text-zinc-500 dark:text-zinc-400">Events</p>
            <ul className="flex flex-wrap gap-1.5">
              {c.events.map((e) => (
                <li key={e}>
                  <Badge tone="sky" dot={false} title={e}>
                    {eventLabel(e)}
                  </Badge>
                </li>
              ))}
            </ul>
          </div>
          <p className="mt-3 text-sm text-zinc-600 dark:text-zinc-400">
            {c.apps.length || c.repositories.length ? (
              <>
                Only for {[c.apps.length ? `apps ${c.apps.join(", ")}` : null, c.repositories.length ? `repositories ${c.repositories.join(", ")}` : null].filter(Boolean).join(" and ")}.
              </>
            ) : (
              "For every app and repository."
            )}{" "}
            <Link href={`/settings/notifications/${c.id}`} className="link" aria-label={`Deliveries of channel ${c.name}`}>
              Deliveries, test event{c.kind === "webhook" ? ", signing secret" : ""} →
            </Link>
          </p>
          {saveAction ? (
            <Disclosure label="Edit" ariaLabel={`Edit channel ${c.name}`} panelClassName="mt-3 rounded-md border border-zinc-200 p-4 dark:border-zinc-800">
              <ChannelForm action={saveAction} channel={c} apps={apps} />
            </Disclosure>
          ) : null}
        </EntityCard>
      ))}
    </EntityList>
  );
}
