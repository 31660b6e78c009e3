// GET /api/v1/audit — audit events newest first, with the Audit page's filters.
import { apiRoute } from "@/lib/api/route";
import { listAuditOp } from "@/lib/api/v1/operations";
import { listAuditEvents } from "@/lib/queries/audit";
import { encodeCursor } from "@/lib/api/pagination";
import { auditEventJson, auditFilterOf } from "@/lib/api/v1/present";

export const GET = apiRoute(listAuditOp, async ({ query }) => {
  const page = await listAuditEvents(auditFilterOf(query, { cursor: query.cursor, limit: query.limit }));
  return { items: page.events.map(auditEventJson), nextCursor: page.nextCursor ? encodeCursor(page.nextCursor) : null };
});
