// One audit event in full, for its own page (/audit/<id>): the Audit list shows a bounded preview of each
// event's before/after and links here for the rest.
import { getDb } from "@/lib/db";
import { auditEventColumns, storedAuditEvent, type AuditEventRow, type StoredAuditEvent } from "@/lib/audit/event";

/** An event with its place in the chain; its id as text. */
export type AuditEventDetail = Omit<StoredAuditEvent, "id"> & { id: string };

/** The event with this id, or null when there is none (or the id is not a number). */
export async function getAuditEvent(id: string): Promise<AuditEventDetail | null> {
  if (!/^[1-9][0-9]{0,18}$/.test(id)) return null;
  const n = BigInt(id);
  if (n > 9_223_372_036_854_775_807n) return null;
  const [row] = await getDb().$queryRaw<AuditEventRow[]>`SELECT ${auditEventColumns} FROM audit_events WHERE id = ${n}`;
  if (!row) return null;
  const e = storedAuditEvent(row);
  return { ...e, id: e.id.toString() };
}
