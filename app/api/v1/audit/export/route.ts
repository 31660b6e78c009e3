// GET /api/v1/audit/export?format=csv|json — every matching audit event, streamed (the Audit page's export).
import { apiRoute } from "@/lib/api/route";
import { exportAuditOp } from "@/lib/api/v1/operations";
import { exportAuditEvents } from "@/lib/queries/audit-export";
import { auditFilterOf } from "@/lib/api/v1/present";
import { authorize } from "@/lib/services/authorize";

export const dynamic = "force-dynamic";

export const GET = apiRoute(exportAuditOp, async ({ actor, query }) => {
  authorize(actor, "audit.export");
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  return new Response(exportAuditEvents(auditFilterOf(query, { limit: 500 }), query.format), {
    headers: {
      "content-type": query.format === "json" ? "application/json; charset=utf-8" : "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="slipway-audit-${stamp}.${query.format}"`,
      "cache-control": "no-store",
    },
  });
});
