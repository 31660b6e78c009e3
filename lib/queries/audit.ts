// Audit log reads: filtered, keyset-paginated by id (newest first), fast at millions of rows.
//
// Ids grow with time (lib/audit/record.ts keeps created_at non-decreasing along the chain), so a time range
// is turned into an id range with two lookups on the created_at index, and every filter then walks one of
// the (filter, id DESC) indexes: actor_id, action, or (subject_type, subject_id).
import { getDb, type Prisma } from "@/lib/db";
import { Prisma as P } from "@/lib/generated/prisma/client";
import type { AuditFilter } from "@/lib/validation/audit";
import { auditEventColumns, storedAuditEvent, type AuditEventRow, type StoredAuditEvent } from "@/lib/audit/event";

/** An event as the Audit page and the export show it (lib/audit/event.ts), its id as text. */
export type AuditEventView = Omit<StoredAuditEvent, "id" | "prevHash"> & { id: string };

function toView(r: AuditEventRow): AuditEventView {
  const { id, prevHash: _prevHash, ...rest } = storedAuditEvent(r);
  return { ...rest, id: id.toString() };
}

async function idBounds(filter: AuditFilter): Promise<{ minId?: bigint; maxId?: bigint; empty: boolean }> {
  const db = getDb();
  let minId: bigint | undefined;
  let maxId: bigint | undefined;
  if (filter.from) {
    const r = await db.$queryRaw<{ id: bigint }[]>`
      SELECT id FROM audit_events WHERE created_at >= ${filter.from} ORDER BY created_at, id LIMIT 1`;
    if (!r[0]) return { empty: true };
    minId = BigInt(r[0].id);
  }
  if (filter.to) {
    const r = await db.$queryRaw<{ id: bigint }[]>`
      SELECT id FROM audit_events WHERE created_at < ${filter.to} ORDER BY created_at DESC, id DESC LIMIT 1`;
    if (!r[0]) return { empty: true };
    maxId = BigInt(r[0].id);
  }
  return { minId, maxId, empty: minId !== undefined && maxId !== undefined && minId > maxId };
}

/** The actor filter matches a login (actor_label) or a user id. */
async function actorIds(actor: string): Promise<string[] | null> {
  const users = await getDb().user.findMany({
    where: { OR: [{ login: { equals: actor, mode: "insensitive" } }, { id: actor }] },
    select: { id: true },
  });
  return users.length ? users.map((u) => u.id) : null;
}

export interface AuditPage {
  events: AuditEventView[];
  /** pass as `before` for the next (older) page; absent on the last page */
  nextCursor?: string;
}

export async function listAuditEvents(filter: AuditFilter): Promise<AuditPage> {
  const bounds = await idBounds(filter);
  if (bounds.empty) return { events: [] };
  const where: Prisma.Sql[] = [];
  if (filter.actor) {
    const ids = await actorIds(filter.actor);
    where.push(ids ? P.sql`(actor_id IN (${P.join(ids)}) OR actor_label = ${filter.actor})` : P.sql`actor_label = ${filter.actor}`);
  }
  if (filter.action) {
    // "user." matches every user action; "user.role_changed" only that one.
    where.push(filter.action.endsWith(".") ? P.sql`action LIKE ${filter.action + "%"}` : P.sql`action = ${filter.action}`);
  }
  if (filter.subjectType) where.push(P.sql`subject_type = ${filter.subjectType}`);
  if (filter.subjectId) where.push(P.sql`subject_id = ${filter.subjectId}`);
  const upper = [bounds.maxId, filter.before !== undefined ? filter.before - 1n : undefined].filter((v): v is bigint => v !== undefined);
  if (upper.length) where.push(P.sql`id <= ${upper.reduce((a, b) => (a < b ? a : b))}`);
  if (bounds.minId !== undefined) where.push(P.sql`id >= ${bounds.minId}`);
  const clause = where.length ? P.sql`WHERE ${P.join(where, " AND ")}` : P.empty;
  const rows = await getDb().$queryRaw<AuditEventRow[]>`
    SELECT ${auditEventColumns} FROM audit_events ${clause}
    ORDER BY id DESC
    LIMIT ${filter.limit + 1}`;
  const events = rows.slice(0, filter.limit).map(toView);
  const last = events[events.length - 1];
  return { events, nextCursor: rows.length > filter.limit && last ? last.id : undefined };
}

/** Streams every matching event, newest first, in pages (for CSV/JSON export). */
export async function* iterateAuditEvents(filter: Omit<AuditFilter, "limit" | "before">): AsyncGenerator<AuditEventView> {
  let before: bigint | undefined;
  for (;;) {
    const page = await listAuditEvents({ ...filter, before, limit: 500 });
    yield* page.events;
    if (!page.nextCursor) return;
    before = BigInt(page.nextCursor);
  }
}

export async function auditActors(): Promise<{ id: string; login: string }[]> {
  return getDb().user.findMany({ select: { id: true, login: true }, orderBy: { login: "asc" } });
}

/** The latest events, unfiltered (the dashboard's activity list). */
export async function recentAuditEvents(limit = 10): Promise<AuditEventView[]> {
  const filter: AuditFilter = {
    actor: undefined,
    action: undefined,
    subjectType: undefined,
    subjectId: undefined,
    from: undefined,
    to: undefined,
    before: undefined,
    limit,
  };
  return (await listAuditEvents(filter)).events;
}
