// Writes an audit event inside the caller's transaction, chained to the previous event.
//
// Locking: pg_advisory_xact_lock(AUDIT_CHAIN_LOCK) serializes writers until the caller's transaction ends,
// so the "previous event" read here is still the previous one when this transaction commits. The lock is
// held only by transactions that write audit events, for the rest of their (short) life.
import type { Tx } from "@/lib/db";
import type { Actor } from "@/lib/auth/actor";
import { actorLabel } from "@/lib/auth/actor";
import type { AuditAction, AuditSubjectType } from "@/lib/audit/actions";
import { eventHash } from "@/lib/audit/hash";
import type { AuditEventFields } from "@/lib/audit/event";
import { redact } from "@/lib/audit/redact";

export const AUDIT_CHAIN_LOCK = 7_341_120_001;

export interface AuditInput {
  actor: Actor;
  action: AuditAction;
  subjectType: AuditSubjectType;
  subjectId?: string | null;
  summary: string;
  before?: unknown;
  after?: unknown;
}

/**
 * Text exactly as PostgreSQL will store it, so the hash covers what is stored: never cut between the two
 * halves of a character (an emoji at the limit), and a lone UTF-16 surrogate becomes U+FFFD, as it does on
 * its way to the database. Otherwise the stored event would not match its hash and look tampered with.
 */
function clip(s: string | null | undefined, max: number): string | null {
  if (s === null || s === undefined || s === "") return null;
  let out = s.length > max ? s.slice(0, max) : s;
  if (out.length < s.length && /[\ud800-\udbff]$/.test(out)) out = out.slice(0, -1);
  return out.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd");
}

/** Appends one event. Call it with the transaction that makes the change it records. */
export async function recordAudit(tx: Tx, input: AuditInput): Promise<bigint> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${AUDIT_CHAIN_LOCK}::bigint)`;
  const last = await tx.$queryRaw<{ hash: string; created_at: Date }[]>`
    SELECT hash, created_at FROM audit_events ORDER BY id DESC LIMIT 1`;
  const [next] = await tx.$queryRaw<{ id: bigint; now: Date }[]>`
    SELECT nextval(pg_get_serial_sequence('audit_events', 'id')) AS id, clock_timestamp() AS now`;
  if (!next) throw new Error("could not allocate an audit event id");

  const prev = last[0];
  const now = new Date(Math.floor(next.now.getTime()));
  // Time never goes backwards along the chain, so id order is time order (the Audit page relies on it).
  const createdAt = prev && prev.created_at > now ? prev.created_at : now;
  const meta = input.actor.type === "user" || input.actor.type === "api_token" ? input.actor : null;
  const actorId =
    input.actor.type === "user" || input.actor.type === "api_token"
      ? input.actor.userId
      : input.actor.type === "worker"
        ? input.actor.workerId
        : null;

  const fields: AuditEventFields = {
    id: BigInt(next.id),
    createdAt,
    actorType: input.actor.type,
    actorId,
    actorLabel: actorLabel(input.actor),
    action: input.action,
    subjectType: input.subjectType,
    subjectId: input.subjectId ?? null,
    summary: clip(input.summary, 1000) ?? input.action,
    before: input.before === undefined ? null : redact(input.before),
    after: input.after === undefined ? null : redact(input.after),
    ip: clip(meta?.ip, 64),
    userAgent: clip(meta?.userAgent, 512),
  };
  const prevHash = prev?.hash ?? "";
  const hash = eventHash(prevHash, fields);
  const beforeJson = fields.before === null ? null : JSON.stringify(fields.before);
  const afterJson = fields.after === null ? null : JSON.stringify(fields.after);

  await tx.$executeRaw`
    INSERT INTO audit_events
      (id, created_at, actor_type, actor_id, actor_label, action, subject_type, subject_id, summary,
       before, after, ip, user_agent, prev_hash, hash)
    VALUES
      (${fields.id}, ${fields.createdAt}, ${fields.actorType}::actor_type, ${fields.actorId}, ${fields.actorLabel},
       ${fields.action}, ${fields.subjectType}, ${fields.subjectId}, ${fields.summary},
       ${beforeJson}::jsonb, ${afterJson}::jsonb, ${fields.ip}, ${fields.userAgent}, ${prevHash}, ${hash})`;
  return fields.id;
}
