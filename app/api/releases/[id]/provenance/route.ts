// GET /api/releases/:id/provenance — the release's in-toto statement (SLSA provenance v1) exactly as signed, as a download.
import { withActor } from "@/lib/http/api";
import { provenanceStatementDownload } from "@/lib/http/provenance-download";

export const dynamic = "force-dynamic";

type Ctx = { params: Promise<{ id: string }> };

export const GET = withActor<Ctx>(async (_req, _actor, ctx) => provenanceStatementDownload((await ctx.params).id), { permission: "console.view" });
