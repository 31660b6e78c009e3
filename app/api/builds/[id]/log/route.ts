// GET /api/builds/:id/log — the build's log as Server-Sent Events, live until the build ends
// (lib/http/build-log.ts); resumes after Last-Event-ID or ?after=<seq>. With ?download=1, the whole log as
// a text file (as /api/builds/:id/log.txt).
import { withActor } from "@/lib/http/api";
import { authorize } from "@/lib/services/authorize";
import { NotFoundError } from "@/lib/errors";
import { getBuildProgress } from "@/lib/queries/build-detail";
import { buildLogDownload, buildLogEventStream, eventStreamHeaders, resumeAfter } from "@/lib/http/build-log";

export const dynamic = "force-dynamic";

type Ctx = { params: Promise<{ id: string }> };

export const GET = withActor<Ctx>(async (req, actor, ctx) => {
  authorize(actor, "console.view");
  const { id } = await ctx.params;
  if (req.nextUrl.searchParams.get("download") === "1") return buildLogDownload(id);
  if (!(await getBuildProgress(id))) throw new NotFoundError(`There is no build with id ${id}; it may have been removed with its repository.`);
  const after = resumeAfter(req.headers.get("last-event-id"), req.nextUrl.searchParams.get("after"));
  return new Response(buildLogEventStream(id, { after, signal: req.signal }), { headers: eventStreamHeaders });
});
