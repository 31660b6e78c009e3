// GET /api/audit/export?format=csv|json&<filters> — the filtered audit log as a download, streamed.
import { NextResponse } from "next/server";
import { withActor } from "@/lib/http/api";
import { authorize } from "@/lib/services/authorize";
import { auditFilterFromSearchParams } from "@/lib/validation/audit";
import { ValidationError } from "@/lib/errors";
import { exportAuditEvents } from "@/lib/queries/audit-export";

export const dynamic = "force-dynamic";

export const GET = withActor(async (req, actor) => {
  authorize(actor, "audit.export");
  const parsed = auditFilterFromSearchParams(req.nextUrl.searchParams);
  if (!parsed.success) throw new ValidationError(parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })));
  const format = req.nextUrl.searchParams.get("format") === "json" ? "json" : "csv";
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  return new NextResponse(exportAuditEvents(parsed.data, format), {
    headers: {
      "Content-Type": format === "json" ? "application/json; charset=utf-8" : "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="slipway-audit-${stamp}.${format}"`,
      "Cache-Control": "no-store",
    },
  });
});
