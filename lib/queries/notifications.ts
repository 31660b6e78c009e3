// Read models for a notification channel's page: the channel (never its URL or signing secret, only whether
// they are set) and its delivery log, newest first, by keyset pages.
import "server-only";
import type { Prisma } from "@/lib/generated/prisma/client";
import { getDb } from "@/lib/db";
import { isRowId } from "@/lib/validation/ids";
import { olderThan, toPage, PAGE_SIZE, type KeysetPage } from "@/lib/queries/paging";

export interface ChannelDetail {
  id: string;
  name: string;
  kind: "slack" | "webhook";
  events: string[];
  apps: string[];
  repositories: string[];
  enabled: boolean;
  urlSet: boolean;
  signingSecretSet: boolean;
}

export async function channelDetail(id: string): Promise<ChannelDetail | null> {
  if (!isRowId(id)) return null;
  const c = await getDb().notificationChannel.findUnique({
    where: { id },
    select: { id: true, name: true, kind: true, events: true, apps: true, repositories: true, enabled: true, urlSecret: { select: { sealed: true } }, signingSecret: { select: { sealed: true } } },
  });
  if (!c) return null;
  const { urlSecret, signingSecret, ...rest } = c;
  return { ...rest, urlSet: Boolean(urlSecret?.sealed), signingSecretSet: Boolean(signingSecret?.sealed) };
}

export interface DeliveryRow {
  id: string;
  event: string;
  envelopeId: string;
  /** the envelope as sent, pretty-printed */
  payload: string;
  state: "pending" | "delivered" | "failed";
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  nextAttemptAt: Date | null;
  deliveredAt: Date | null;
  createdAt: Date;
  test: boolean;
}

export async function listDeliveries(channelId: string, opts: { before?: string; limit?: number } = {}): Promise<KeysetPage<DeliveryRow>> {
  const db = getDb();
  const limit = opts.limit ?? PAGE_SIZE;
  const before = opts.before && isRowId(opts.before) ? opts.before : undefined;
  const cursor = before ? await db.notificationDelivery.findFirst({ where: { id: before, channelId }, select: { id: true, createdAt: true } }) : null;
  const where: Prisma.NotificationDeliveryWhereInput = { AND: [{ channelId }, olderThan("createdAt", cursor) as Prisma.NotificationDeliveryWhereInput] };
  const rows = await db.notificationDelivery.findMany({ where, orderBy: [{ createdAt: "desc" }, { id: "desc" }], take: limit + 1 });
  return toPage(
    rows.map((d) => ({
      id: d.id,
      event: d.event,
      envelopeId: d.envelopeId,
      payload: JSON.stringify(d.payload, null, 2),
      state: d.state,
      attempts: d.attempts,
      lastStatus: d.lastStatus,
      lastError: d.lastError,
      nextAttemptAt: d.nextAttemptAt,
      deliveredAt: d.deliveredAt,
      createdAt: d.createdAt,
      test: Boolean((d.payload as { test?: unknown } | null)?.test),
    })),
    limit,
    (r) => r.id,
    Boolean(opts.before) && !cursor,
  );
}
