// GET /api/releases/:id/artifact — the release's unikernel file (checked against its sha256) as a download.
import { withActor } from "@/lib/http/api";
import { releaseArtifactDownload } from "@/lib/http/release-artifact";

export const dynamic = "force-dynamic";

type Ctx = { params: Promise<{ id: string }> };

export const GET = withActor<Ctx>(async (req, actor, ctx) => releaseArtifactDownload(actor, (await ctx.params).id, req.signal));
