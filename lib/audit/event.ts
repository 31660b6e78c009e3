// An audit event's shape, in one place: its fields (what the hash covers), the columns that read it back,
// and the row → fields mapping. record.ts writes it, verify.ts checks it, lib/queries/audit.ts shows it.
import { Prisma } from "@/lib/generated/prisma/client";

/** The fields an event's hash covers (lib/audit/hash.ts), in camel case. */
export interface AuditEventFields {
  id: bigint;
  createdAt: Date;
  actorType: string;
  actorId: string | null;
  actorLabel: string;
  action: string;
  subjectType: string;
  subjectId: string | null;
  summary: string;
  before: unknown;
  after: unknown;
  ip: string | null;
  userAgent: string | null;
}

/** An event as stored: its fields and its place in the chain. */
export interface StoredAuditEvent extends AuditEventFields {
  prevHash: string;
  hash: string;
}

/** What `SELECT ${auditEventColumns} FROM audit_events` returns. */
export interface AuditEventRow {
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

/** The columns of an event; before and after as their JSON text, parsed by storedAuditEvent exactly as verification hashes them. */
export const auditEventColumns = Prisma.sql`id, created_at, actor_type::text AS actor_type, actor_id, actor_label, action, subject_type, subject_id,
  summary, before::text AS before, after::text AS after, ip, user_agent, prev_hash, hash`;

export function storedAuditEvent(r: AuditEventRow): StoredAuditEvent {
  return {
    id: BigInt(r.id),
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
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}
