// Walks the audit log in id order and checks every link of the hash chain.
import { getDb } from "@/lib/db";
import { eventHash } from "@/lib/audit/hash";

export interface VerifyResult {
  ok: boolean;
  checked: number;
  /** the first event whose link is broken, and why */
  firstBroken?: { id: bigint; reason: string };
}

interface Row {
  id: bigint;
  created_at: Date;
  actor_type: string;
  actor_id: string | null;
  actor_label: string;
  action: string;
  subject_type: string;
  subject_id: string | null;
  summary: string;
  before: string | null;
  after: string | null;
  ip: string | null;
  user_agent: string | null;
  prev_hash: string;
  hash: string;
}

export async function verifyAuditChain(opts: { batchSize?: number; onProgress?: (checked: number) => void } = {}): Promise<VerifyResult> {
  const db = getDb();
  const batch = opts.batchSize ?? 5000;
  let prevHash = "";
  let prevId: bigint | null = null;
  let checked = 0;
  let after = -1n;
  for (;;) {
    const rows = await db.$queryRaw<Row[]>`
      SELECT id, created_at, actor_type::text AS actor_type, actor_id, actor_label, action, subject_type, subject_id,
             summary, before::text AS before, after::text AS after, ip, user_agent, prev_hash, hash
      FROM audit_events WHERE id > ${after} ORDER BY id LIMIT ${batch}`;
    if (rows.length === 0) break;
    for (const r of rows) {
      const id = BigInt(r.id);
      if (r.prev_hash !== prevHash) {
        const reason =
          prevId === null
            ? `the first event should start the chain (prev_hash "") but names ${r.prev_hash.slice(0, 12)}…: earlier events were deleted`
            : `prev_hash does not match event ${prevId}: an event between them was deleted or changed`;
        return { ok: false, checked, firstBroken: { id, reason } };
      }
      const expected = eventHash(prevHash, {
        id,
        createdAt: r.created_at,
        actorType: r.actor_type,
        actorId: r.actor_id,
        actorLabel: r.actor_label,
        action: r.action,
        subjectType: r.subject_type,
        subjectId: r.subject_id,
        summary: r.summary,
        before: r.before === null ? null : JSON.parse(r.before),
        after: r.after === null ? null : JSON.parse(r.after),
        ip: r.ip,
        userAgent: r.user_agent,
      });
      if (expected !== r.hash) {
        return { ok: false, checked, firstBroken: { id, reason: "its content does not match its hash: the event was changed" } };
      }
      prevHash = r.hash;
      prevId = id;
      checked++;
      after = id;
    }
    opts.onProgress?.(checked);
  }
  return { ok: true, checked };
}
