// One notification channel: what it hears, a test event, (webhooks) the signing secret's rotation, and its
// delivery log with Redeliver.
import Link from "next/link";
import { notFound } from "next/navigation";
import type { Metadata } from "next";
import { requirePageUser } from "@/lib/auth/session";
import { can } from "@/lib/auth/roles";
import { channelDetail, listDeliveries } from "@/lib/queries/notifications";
import { PageHeader, SectionHeader } from "@/components/ui/page-header";
import { EmptyState } from "@/components/ui/empty-state";
import { Pager } from "@/components/ui/pager";
import { Panel, Fact } from "@/components/ui/forms/panel";
import { CheckButton } from "@/components/ui/forms/check-button";
import { Badge } from "@/components/ui/badge";
import { Notice } from "@/components/ui/notice";
import { DeliveryLog } from "@/components/inventory/settings/delivery-log";
import { RotateSigningSecret } from "@/components/inventory/settings/rotate-signing-secret";
import { eventLabel } from "@/components/inventory/settings/event-labels";
import { param, type SearchParams } from "../../../search-params";
import { redeliverAction, rotateSigningSecretAction, sendTestEventAction } from "../actions";

type Params = Promise<{ id: string }>;

export async function generateMetadata({ params }: { params: Params }): Promise<Metadata> {
  const c = await channelDetail((await params).id);
  return { title: c ? `Channel ${c.name}` : "Channel not found" };
}

export default async function ChannelPage({ params, searchParams }: { params: Params; searchParams: SearchParams }) {
  const { id } = await params;
  const user = await requirePageUser("console.view", `/settings/notifications/${id}`);
  const channel = await channelDetail(id);
  if (!channel) notFound();
  const admin = can(user, "inventory.edit");
  const before = param(await searchParams, "before");
  const page = await listDeliveries(channel.id, { before });
  const now = new Date();
  const self = `/settings/notifications/${channel.id}`;
  return (
    <>
      <p className="mb-2 text-sm">
        <Link href="/settings/notifications" className="link">
          ← Notifications
        </Link>
      </p>
      <PageHeader
        title={channel.name}
        description={
          channel.kind === "webhook"
            ? "A webhook: every event is POSTed as JSON, signed with the Slipway-Signature header, retried with backoff when the endpoint fails."
            : "A Slack incoming webhook: every event is posted as a message, retried with backoff when Slack fails."
        }
      />
      <Panel id="channel" title="Channel" className="mb-6">
        <dl className="grid grid-cols-2 gap-4 lg:grid-cols-4">
          <Fact term="Kind">{channel.kind === "webhook" ? "Webhook" : "Slack"}</Fact>
          <Fact term="Status">{channel.enabled ? "on" : "off"}</Fact>
          <Fact term="URL">{channel.urlSet ? "set (never shown)" : "not set"}</Fact>
          {channel.kind === "webhook" ? <Fact term="Signing secret">{channel.signingSecretSet ? "set (never shown)" : "not set"}</Fact> : null}
          <Fact term="Apps">{channel.apps.length ? channel.apps.join(", ") : "all"}</Fact>
          <Fact term="Repositories">{channel.repositories.length ? channel.repositories.join(", ") : "all"}</Fact>
        </dl>
        <ul className="mt-3 flex flex-wrap gap-1.5" aria-label="Events">
          {channel.events.map((e) => (
            <li key={e}>
              <Badge tone="sky" dot={false} title={e}>
                {eventLabel(e)}
              </Badge>
            </li>
          ))}
        </ul>
        {admin ? (
          <div className="mt-4 grid gap-4 md:grid-cols-2">
            <div>
              <p className="mb-2 text-sm text-zinc-600 dark:text-zinc-400">Sends its first event, marked <code className="font-mono">&quot;test&quot;: true</code>, now.</p>
              <CheckButton action={sendTestEventAction} values={{ channel_id: channel.id }} label="Send test event" pendingText="Sending…" />
            </div>
            {channel.kind === "webhook" ? <RotateSigningSecret action={rotateSigningSecretAction} channelId={channel.id} channelName={channel.name} /> : null}
          </div>
        ) : null}
      </Panel>
      <SectionHeader title="Deliveries" id="deliveries" />
      {page.cursorNotFound ? (
        <Notice tone="info" role="status" className="mb-3">
          That page no longer exists; showing the newest deliveries.
        </Notice>
      ) : null}
      {page.rows.length ? (
        <>
          <DeliveryLog rows={page.rows} channelId={channel.id} now={now} redeliverAction={admin ? redeliverAction : undefined} />
          <Pager firstHref={before ? `${self}#deliveries` : undefined} nextHref={page.nextCursor ? `${self}?before=${encodeURIComponent(page.nextCursor)}#deliveries` : undefined} />
        </>
      ) : (
        <EmptyState title="No deliveries yet">
          <p>Each event this channel hears is listed here with its attempts.{admin ? " Send a test event to try the channel." : ""}</p>
        </EmptyState>
      )}
    </>
  );
}
