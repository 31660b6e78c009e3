// An audit event as the Audit page and the dashboard show it (the shape lib/queries/audit.ts reads).
import type { AuditEventView } from "@/lib/queries/audit";

export type AuditEventItem = AuditEventView;
