// Walks the audit log in id order and checks every link of the hash chain.
import { getDb } from "@/lib/db";
import { eventHash } from "@/lib/audit/hash";
import { auditEventColumns, storedAuditEvent, type AuditEventRow } from "@/lib/audit/event";

export interface VerifyResult {
  ok: boolean;
  checked: number;
  /** the first event whose link is broken, and why */
  firstBroken?: { id: bigint; reason: string };
}

export async function verifyAuditChain(opts: { batchSize?: number; onProgress?: (checked: number) => void } = {}): Promise<VerifyResult> {
  const db = getDb();
  const batch = opts.batchSize ?? 5000;
  let prevHash = "";
  let prevId: bigint | null = null;
  let checked = 0;
  let after = -1n;
  for (;;) {
    const rows = await db.$queryRaw<AuditEventRow[]>`
      SELECT ${auditEventColumns} FROM audit_events WHERE id > ${after} ORDER BY id LIMIT ${batch}`;
    if (rows.length === 0) break;
    for (const row of rows) {
      const { prevHash: storedPrev, hash, ...fields } = storedAuditEvent(row);
      const id = fields.id;
      if (storedPrev !== prevHash) {
        const reason =
          prevId === null
            ? `the first event should start the chain (prev_hash "") but names ${storedPrev.slice(0, 12)}…: earlier events were deleted`
            : `prev_hash does not match event ${prevId}: an event between them was deleted or changed`;
        return { ok: false, checked, firstBroken: { id, reason } };
      }
      const expected = eventHash(prevHash, fields);
      if (expected !== hash) {
        return { ok: false, checked, firstBroken: { id, reason: "its content does not match its hash: the event was changed" } };
      }
      prevHash = hash;
      prevId = id;
      checked++;
      after = id;
    }
    opts.onProgress?.(checked);
  }
  return { ok: true, checked };
}
