// GET /api/deployments/:id/log.txt — the whole deployment log (secrets masked when it was stored) as a download.
import { withActor } from "@/lib/http/api";
import { authorize } from "@/lib/services/authorize";
import { deploymentLogDownload } from "@/lib/http/build-log";

export const dynamic = "force-dynamic";

type Ctx = { params: Promise<{ id: string }> };

export const GET = withActor<Ctx>(async (_req, actor, ctx) => {
  authorize(actor, "console.view");
  return deploymentLogDownload((await ctx.params).id);
});
