// GET /api/deployments/:id/log — the deployment's log as Server-Sent Events, live until the deployment
// ends (lib/http/build-log.ts); resumes after Last-Event-ID or ?after=<seq>. With ?download=1, the whole
// log as a text file (as /api/deployments/:id/log.txt).
import { withActor } from "@/lib/http/api";
import { authorize } from "@/lib/services/authorize";
import { NotFoundError } from "@/lib/errors";
import { getDeploymentProgress } from "@/lib/queries/deployment-detail";
import { deploymentLogDownload, deploymentLogSource, eventStreamHeaders, logEventStream, resumeAfter } from "@/lib/http/build-log";

export const dynamic = "force-dynamic";

type Ctx = { params: Promise<{ id: string }> };

export const GET = withActor<Ctx>(async (req, actor, ctx) => {
  authorize(actor, "console.view");
  const { id } = await ctx.params;
  if (req.nextUrl.searchParams.get("download") === "1") return deploymentLogDownload(id);
  if (!(await getDeploymentProgress(id))) throw new NotFoundError(`There is no deployment with id ${id}; it may have been removed with its target.`);
  const after = resumeAfter(req.headers.get("last-event-id"), req.nextUrl.searchParams.get("after"));
  return new Response(logEventStream(deploymentLogSource(id), { after, signal: req.signal }), { headers: eventStreamHeaders });
});
